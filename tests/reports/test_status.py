"""The coordinators' views as data and text: both signals, totals, a department, a measure,
history, overdue and the digest, on a database with several cycles of reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from botapi_sim.telegram_html import parse_html
from coordination.outbox_content import Digest
from messages.digest import render_digest
from messages.i18n import get_translator
from messages.status import (
    render_department,
    render_history,
    render_measure,
    render_overdue,
    render_overview,
)
from models.db import Database, create_schema
from models.progress import PROGRESS_BLOCKED, PROGRESS_DONE
from reports.bulletin import build_bulletin
from reports.cycles import current_cycle
from reports.history import measure_detail, update_history
from reports.progress_signal import (
    SIGNAL_BLOCKED,
    SIGNAL_DIFFICULT,
    SIGNAL_DONE,
    SIGNAL_ON_TRACK,
)
from reports.status import (
    TASK_LATE,
    TASK_ON_TIME,
    TASK_OVERDUE,
    TASK_PENDING,
    cycle_overview,
    department_view,
)
from tests.support.coordinator_data import (
    CULTURE,
    DEV,
    ENERGY,
    INDUSTRY,
    LAND,
    NOW,
    TRANSPORT,
    WATER,
    add_cycle,
    add_update,
    build_sample,
)

ZH = get_translator("zh_CN")
EN = get_translator("en")


@pytest.fixture
def db(tmp_path):
    database = Database.from_url(f"sqlite:///{tmp_path / 'reports.sqlite3'}")
    create_schema(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def sample(db):
    return db.call(build_sample, history=30)


def overview_at(db, now=NOW):
    def work(session):
        return cycle_overview(session, cycle=current_cycle(session, now=now), now=now)

    return db.call(work)


def lights(overview):
    """Both signals of each measure: (reporting, progress)."""
    return {m.number: (m.reporting, m.progress.signal) for m in overview.measures}


def test_each_measure_gets_both_signals_its_responsible_departments_earned(db, sample):
    overview = overview_at(db)
    assert lights(overview) == {
        # the lead on time and done; a silent supporting department does not count
        3: (TASK_ON_TIME, SIGNAL_DONE),
        4: (TASK_LATE, SIGNAL_ON_TRACK),  # the lead reported after the deadline
        5: (TASK_ON_TIME, SIGNAL_DIFFICULT),  # on time, but at risk: two signals, two verdicts
        # no-lead clause: one of the two named departments is silent; both reported progress
        # in an earlier cycle, which still stands
        6: (TASK_OVERDUE, SIGNAL_ON_TRACK),
        7: (TASK_ON_TIME, SIGNAL_BLOCKED),  # on time, blocked
        8: (TASK_OVERDUE, SIGNAL_ON_TRACK),  # silent past the deadline
    }
    assert overview.cycle is not None and overview.cycle.id == sample.cycles[-1]
    counts = overview.task_counts()
    assert counts == {TASK_ON_TIME: 4, TASK_LATE: 1, TASK_OVERDUE: 2, TASK_PENDING: 0}
    assert overview.on_time_rate() == pytest.approx(4 / 7)


def test_later_messages_do_not_change_how_a_cycle_was_reported(db, sample):
    # After the deadline, 省发展改革委 adds a follow-up to its on-time report of （三）, and
    # 省水利厅 answers the OLD October reminder late. Neither changes the current cycle: （三）
    # stays green and on time, and 省水利厅's current report still counts.
    def later_messages(session):
        from sqlmodel import select

        from models import Cycle
        from models.progress import PROGRESS_AT_RISK

        cycles = {c.id: c for c in session.exec(select(Cycle))}
        current, october = cycles[sample.cycles[-1]], cycles[sample.cycles[1]]
        after = current.due_at + timedelta(hours=2)
        add_update(
            session,
            measure_id=sample.measures[3],
            department_id=sample.departments[DEV],
            cycle=current,
            at=after,
            text="补充材料",
            message_id=9001,
        )
        add_update(
            session,
            measure_id=sample.measures[5],
            department_id=sample.departments[WATER],
            cycle=october,
            at=after,
            text="十月补报：仍有困难",
            status=PROGRESS_AT_RISK,
            message_id=9002,
        )

    before = overview_at(db)
    db.call(later_messages)
    after = overview_at(db)
    reporting = {n: r for n, (r, _p) in lights(before).items()}
    assert {n: r for n, (r, _p) in lights(after).items()} == reporting
    # Progress follows the newest report: the follow-up says "in progress" again.
    assert lights(after)[3] == (TASK_ON_TIME, SIGNAL_ON_TRACK)
    assert after.task_counts() == before.task_counts()
    assert after.on_time_rate() == before.on_time_rate()


def test_the_overview_text_shows_totals_rate_sections_and_escapes_names(db, sample):
    zh = render_overview(ZH, overview_at(db))
    assert "按时率 <b>57%</b>" in zh
    assert "报送：🟢 按时报送 3 · 🟡 逾期报送 1 · 🔴 逾期未报 2 · 📵 未绑定 0 · ⚪ 未到期 0" in zh
    assert "进展：⛔ 受阻 1 · ⚠️ 有困难 1 · 📉 滞后 0 · 🔄 序时推进 3 · ✅ 已完成 1" in zh
    assert "<b>二、统筹“新”“老”基础设施建设</b>" in zh
    assert "🟢✅ <b>（三）</b>加强新型基础设施建设" in zh
    assert "牵头：省发展改革委 🟢✅" in zh
    assert "配合：省通信管理局 🟢🔄、省工信厅 🔴" in zh
    assert "🟢⚠️ <b>（五）</b>" in zh  # on time, at risk: the two signals side by side
    assert "科创&lt;b&gt;中心&lt;/b&gt;&amp;&lt;/a&gt; 🔴" in zh
    parse_html(zh)  # Telegram would accept it
    en = render_overview(EN, overview_at(db))
    assert "on-time rate <b>57%</b>" in en
    assert "Support: 省通信管理局 🟢🔄, 省工信厅 🔴" in en


def test_before_the_deadline_silence_is_not_yet_due_and_blocked_stays_blocked(db, sample):
    def new_cycle(session):
        from sqlmodel import select

        from models.plan import Assignment

        assignments = list(session.exec(select(Assignment)).all())
        cycle = add_cycle(session, {}, assignments, fire_at=NOW - timedelta(days=1), key="s1:new")
        ids = sample.departments
        m = sample.measures
        add_update(
            session,
            measure_id=m[5],
            department_id=ids[WATER],
            cycle=cycle,
            at=NOW - timedelta(hours=2),
            text="完成",
            status=PROGRESS_DONE,
            percent=100,
            message_id=90001,
        )
        add_update(
            session,
            measure_id=m[6],
            department_id=ids[ENERGY],
            cycle=cycle,
            at=NOW - timedelta(hours=2),
            text="推进",
            message_id=90002,
        )
        add_update(
            session,
            measure_id=m[7],
            department_id=ids[CULTURE],
            cycle=cycle,
            at=NOW - timedelta(hours=1),
            text="停工",
            status=PROGRESS_BLOCKED,
            message_id=90003,
        )

    db.call(new_cycle)
    overview = overview_at(db)
    assert not overview.is_due
    assert {n: reporting for n, (reporting, _p) in lights(overview).items()} == {
        3: TASK_PENDING,
        4: TASK_PENDING,
        5: TASK_ON_TIME,
        6: TASK_PENDING,  # one of its two units reported, the other's report is not due yet
        7: TASK_ON_TIME,
        8: TASK_PENDING,
    }
    assert lights(overview)[7] == (TASK_ON_TIME, SIGNAL_BLOCKED)
    assert lights(overview)[5] == (TASK_ON_TIME, SIGNAL_DONE)
    assert overview.task_counts()[TASK_OVERDUE] == 0
    assert "尚未到截止时间，暂无逾期。" in render_overdue(ZH, overview)


def test_overdue_lists_departments_with_their_measures_and_days(db, sample):
    text = render_overdue(ZH, overview_at(db))
    assert "5 项未报 · 已超过截止时间 2 天" in text
    assert "🔴 <b>省自然资源厅</b> · 2 项措施 · 逾期 2 天" in text
    assert "（六）推动能源绿色低碳发展（牵头）" in text
    assert "（五）加强水利基础设施建设（配合）" in text
    assert "🔴 <b>科创&lt;b&gt;中心&lt;/b&gt;&amp;&lt;/a&gt;</b>" in text
    assert TRANSPORT not in text  # late, but reported
    en = render_overdue(EN, overview_at(db))
    assert "5 reports missing · 2 days past the deadline" in en
    assert "1 measure · 2 days overdue" in en
    parse_html(text)


def test_a_department_view_shows_role_status_percent_text_and_when(db, sample):
    def work(session):
        cycle = current_cycle(session, now=NOW)
        return department_view(session, department_id=sample.departments[DEV], cycle=cycle, now=NOW)

    view = db.call(work)
    assert [(r.number, r.role, r.task) for r in view.rows] == [
        (3, "lead", TASK_ON_TIME),
        (4, "support", TASK_OVERDUE),
    ]
    text = render_department(ZH, view, NOW)
    assert "本轮：应报 2 项，已报 1 项" in text
    assert "<b>（三）</b>加强新型基础设施建设 · 牵头" in text
    assert "✅ 已完成 100% · 11月15日 12:00 · 王&lt;b&gt;伟&lt;/b&gt;" in text
    assert "“&lt;b&gt;已完成&lt;/b&gt; &amp; 光纤 &lt;/a&gt; 覆盖全部行政村”" in text
    assert "🟢 按时报送 · ✅ 已完成" in text
    assert "🔴 逾期未报" in text
    parse_html(text)
    en = render_department(EN, view, NOW)
    assert "✅ done 100% · 11-15 12:00" in en and "· support" in en


def test_a_long_latest_text_is_shortened_in_the_department_view(db, sample):
    def work(session):
        add_update(
            session,
            measure_id=sample.measures[5],
            department_id=sample.departments[LAND],
            cycle=None,
            at=NOW - timedelta(hours=1),
            text="很长的进展说明。" * 40,
            message_id=91000,
        )
        return department_view(
            session,
            department_id=sample.departments[LAND],
            cycle=current_cycle(session, now=NOW),
            now=NOW,
        )

    text = render_department(ZH, db.call(work), NOW)
    quoted = [line for line in text.splitlines() if line.strip().startswith("“")]
    long_one = next(line for line in quoted if "很长的进展说明" in line)
    assert len(long_one) < 100 and long_one.endswith("…”")
    assert "“省自然资源厅九月进展：按计划推进。”" in text  # short texts stay whole


def test_a_measure_view_names_leads_supports_latest_and_recent_updates(db, sample):
    def work(session):
        cycle = current_cycle(session, now=NOW)
        return measure_detail(session, measure_id=sample.measures[3], cycle=cycle, now=NOW)

    detail = db.call(work)
    assert detail.leads == [DEV] and detail.supports == ["省通信管理局", INDUSTRY]
    assert [(d.name, d.task) for d in detail.departments] == [
        (DEV, TASK_ON_TIME),
        ("省通信管理局", TASK_ON_TIME),
        (INDUSTRY, TASK_OVERDUE),
    ]
    assert len(detail.recent) == 5
    assert detail.recent[0].created_at >= detail.recent[-1].created_at
    text = render_measure(ZH, detail)
    assert "牵头：省发展改革委" in text and "配合：省通信管理局、省工信厅" in text
    assert "进展：✅ 已完成" in text
    assert "省工信厅（配合） 🔴" in text and "尚无报送" in text
    parse_html(text)


def test_history_is_newest_first_and_can_be_narrowed_to_a_department(db, sample):
    def work(session):
        return (
            update_history(session, measure_id=sample.measures[3]),
            update_history(
                session,
                measure_id=sample.measures[3],
                department_id=sample.departments["省通信管理局"],
            ),
            update_history(session, measure_id=sample.measures[3], limit=10),
        )

    everything, telecom, limited = db.call(work)
    assert everything.total == 30 + 4 and len(everything.entries) == 34
    times = [e.created_at for e in everything.entries]
    assert times == sorted(times, reverse=True)
    assert telecom.total == 1 and telecom.entries[0].text == "配合完成4G覆盖。"
    assert limited.total == 34 and len(limited.entries) == 10
    text = render_history(ZH, limited)
    assert "共 34 条，按时间倒序" in text and "仅显示最近 10 条" in text
    assert render_history(EN, telecom).count("reported on time") == 1


def _status_statements(db, department_id):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lower())

    def work(session):
        cycle = current_cycle(session, now=NOW)
        cycle_overview(session, cycle=cycle, now=NOW)
        department_view(session, department_id=department_id, cycle=cycle, now=NOW)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        db.call(work)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


def test_status_views_read_latest_progress_not_the_update_history(db, sample):
    """/status and /status <department> must not grow with the number of past updates."""
    before = _status_statements(db, sample.departments[DEV])
    assert any("latestprogress" in s for s in before)
    # Only the returned reports are looked up among the updates (an index finds those few).
    reads = [s for s in before if "from progressupdate" in s or "join progressupdate" in s]
    assert all("where progressupdate.returned_at is not null" in s for s in reads)

    def more_reports(session):
        message = 95000
        for measure_id in sample.measures.values():
            for department_id in sample.departments.values():
                for day in range(3):
                    message += 1
                    add_update(
                        session,
                        measure_id=measure_id,
                        department_id=department_id,
                        cycle=None,
                        at=NOW - timedelta(days=30 + day),
                        text="旧",
                        message_id=message,
                    )

    db.call(more_reports)
    after = _status_statements(db, sample.departments[DEV])
    assert len(after) == len(before)  # set-based: no query per measure, department or update


def test_no_cycle_yet_says_so_with_the_measure_count_and_how_to_start(db, sample):
    overview = overview_at(db, now=NOW - timedelta(days=400))
    assert overview.cycle is None
    text = render_overview(ZH, overview)
    assert "尚未发出任何提醒" in text and "方案共有 6 项措施" in text and "/remind" in text
    assert "The plan has 6 measures." in render_overview(EN, overview)


def test_the_digest_is_the_overview_and_the_overdue_list_in_messages_that_fit(db):
    db.call(build_sample, extra_measures=90)
    messages = digest(db, ZH)
    assert len(messages) >= 3
    assert all(len(m) <= 4096 for m in messages)
    for message in messages:
        parse_html(message)
    joined = "\n".join(messages)
    assert messages[0].startswith("<b>📣 督办通报</b>")
    assert "本轮督办进展" in joined and "逾期未报情况" in joined
    assert "（九十八）" in joined or "（98）" in joined  # the last extra measure is there
    english = digest(db, EN)
    assert "Progress digest" in english[0]


def test_the_digest_ends_with_the_bulletin_as_a_document(db, sample):
    sent = digest_messages(db, ZH)
    assert sent[-1].file is not None and sent[-1].file.name.endswith(".docx")
    assert sent[-1].text.startswith("督办通报（2026年第3期）")


def test_the_digest_before_any_cycle_is_one_short_message(db):
    messages = digest(db, EN)
    assert len(messages) == 1 and "No reminder has gone out yet" in messages[0]


def test_overdue_calls_a_department_of_a_no_lead_clause_responsible_not_supporting(db, sample):
    # （六） names two departments and no lead. The importer stores them as supporting units
    # that each report like a lead, so a silent one is "responsible" (负责) in the overdue
    # list, never "supporting" (配合).
    from sqlmodel import select

    from models import CycleTask, Measure

    def as_imported(session):
        six = session.exec(select(Measure).where(Measure.number == 6)).one()
        for task in session.exec(select(CycleTask).where(CycleTask.measure_id == six.id)):
            task.role = "support"
            task.responsible = True
            session.add(task)

    db.call(as_imported)
    text = render_overdue(ZH, overview_at(db))
    lines = [line for line in text.splitlines() if "（六）" in line]
    assert lines, text
    assert all("（配合）" not in line for line in lines)
    assert any("（负责）" in line for line in lines)


def digest_messages(db, t):
    """The 通报 of the current cycle as a digest schedule posts it."""
    bulletin = db.call(build_bulletin, now=NOW)
    return render_digest(t, Digest(bulletin, NOW))


def digest(db, t):
    """The texts of the digest's messages (its document aside)."""
    return [m.text for m in digest_messages(db, t) if m.file is None]
