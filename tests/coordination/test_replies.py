"""Recording progress in the database: one record per measure and department, edits kept."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from assembly import ensure_bundled_plan
from coordination import replies
from coordination.replies.outcome import is_blank
from models.clock import utcnow
from models.db import Database
from models.progress import LatestProgress, PendingReply, ProgressRevision
from tests.support import harness
from tests.support.liaison_data import bind, counts, make_cycle, measure_id, summary, updates

WATER = -100_001  # 省水利厅: leads （五）, supports （十七）
ENERGY = -100_003  # 省能源局 (（六） lead, （十七）) and 省自然资源厅 (（六）, （十四） lead, …)
DEV = -100_002  # 省发展改革委
REMINDER = {WATER: 501, ENERGY: 503, DEV: 502}


@pytest.fixture
def db(tmp_path):
    database = harness.fresh_database(harness.test_database_url(tmp_path))
    ensure_bundled_plan(database)
    yield database
    database.dispose()


@pytest.fixture
def cycle(db: Database) -> int:
    def setup(session: Session) -> int:
        bind(session, WATER, "省水利厅")
        bind(session, ENERGY, "省能源局", "省自然资源厅")
        bind(session, DEV, "省发展改革委")
        return make_cycle(session, deliveries=REMINDER)

    return db.call(setup)


def reply(
    db: Database,
    chat_id: int,
    text: str,
    message_id: int,
    *,
    reply_to: int | None = None,
    sent_at=None,
    **extra,
) -> replies.ReplyOutcome:
    message = replies.IncomingReply(
        chat_id=chat_id,
        user_id=2001,
        user_name="张 水利",
        text=text,
        message_id=message_id,
        reply_to_message_id=REMINDER.get(chat_id) if reply_to is None else reply_to,
        sent_at=sent_at or utcnow(),
        **extra,
    )
    return db.call(replies.record_reply, reply=message, now=utcnow())


def test_a_reply_naming_two_measures_makes_two_records_of_the_cycle(db, cycle):
    outcome = reply(db, WATER, "（五）已完成主体工程。（十七）推进中，完成60%", 10)
    assert outcome.kind == replies.Outcome.RECORDED
    assert [(r.measure.label, r.department_name, r.status, r.percent) for r in outcome.records] == [
        ("（五）", "省水利厅", "done", None),
        ("（十七）", "省水利厅", "in_progress", 60),
    ]
    with db.session() as session:
        assert summary(session) == [
            (5, "省水利厅", "done", "已完成主体工程"),
            (17, "省水利厅", "in_progress", "推进中，完成60%"),
        ]
        records = updates(session)
        assert {r.cycle_id for r in records} == {cycle}
        assert all(r.on_time for r in records)
        assert all(r.source_message_id == 10 and r.reply_to_message_id == 501 for r in records)
        latest = session.exec(select(LatestProgress)).all()
        assert sorted((lp.update_id, lp.status) for lp in latest) == sorted(
            (r.id, r.status) for r in records
        )


def test_a_chat_of_two_departments_records_for_those_that_hold_the_measure(db, cycle):
    reply(db, ENERGY, "（六）推进中（十四）遇到困难", 11)
    with db.session() as session:
        assert [row[:3] for row in summary(session)] == [
            (6, "省能源局", "in_progress"),
            (6, "省自然资源厅", "in_progress"),
            (14, "省自然资源厅", "at_risk"),
        ]


def test_in_a_lead_only_cycle_a_joint_chats_reply_is_the_leads_report_only(db):
    # 省能源局 leads （六） and 省自然资源厅 supports it; both share one chat. The reminder asked
    # only the leads, so "（六）…" is 省能源局's report — not also an unasked one of its
    # supporter. （十四）, which 省自然资源厅 leads, is still recorded for it.
    from models.schedules import SCOPE_LEAD

    def setup(session):
        bind(session, ENERGY, "省能源局", "省自然资源厅")
        return make_cycle(session, deliveries={ENERGY: 503}, scope=SCOPE_LEAD)

    db.call(setup)
    reply(db, ENERGY, "（六）推进中（十四）遇到困难", 12, reply_to=503)
    with db.session() as session:
        assert [row[:3] for row in summary(session)] == [
            (6, "省能源局", "in_progress"),
            (14, "省自然资源厅", "at_risk"),
        ]


def test_a_measure_the_chat_does_not_have_is_refused_and_nothing_recorded(db, cycle):
    outcome = reply(db, WATER, "（九）已完成", 12)
    assert outcome.kind == replies.Outcome.UNKNOWN
    assert outcome.unknown_labels == ["（九）"]
    assert [m.label for m in outcome.chat_measures] == ["（五）", "（十七）"]
    with db.session() as session:
        assert counts(session) == (0, 0, 0, 0)


def test_known_and_unknown_measures_in_one_reply(db, cycle):
    outcome = reply(db, WATER, "（五）已完成（九）推进中", 13)
    assert outcome.kind == replies.Outcome.RECORDED
    assert [r.measure.label for r in outcome.records] == ["（五）"]
    assert outcome.unknown_labels == ["（九）"]


def test_no_marker_and_one_task_records_that_measure(db):
    def setup(session: Session) -> None:
        bind(session, WATER, "省水利厅")
        make_cycle(session, deliveries={WATER: 501}, scope="lead")

    db.call(setup)
    outcome = reply(db, WATER, "主体工程已完成", 14)
    assert [r.measure.label for r in outcome.records] == ["（五）"]
    # A supported measure named outright is still recorded, outside the lead-only cycle.
    outcome = reply(db, WATER, "（十七）推进中", 15)
    assert [(r.measure.label, r.in_cycle) for r in outcome.records] == [("（十七）", False)]


def test_no_marker_and_several_candidates_waits_for_a_button(db, cycle):
    outcome = reply(db, WATER, "本月已完成80%", 16)
    assert outcome.kind == replies.Outcome.ASK
    assert [m.label for m in outcome.choices] == ["（五）", "（十七）"]
    pending_id = outcome.pending_id
    db.call(replies.set_prompt_message, pending_id=pending_id, chat_id=WATER, prompt_message_id=900)
    with db.session() as session:
        assert counts(session) == (0, 0, 0, 1)

    def press(chat_id: int, measure: int | None, prompt: int = 900) -> replies.ReplyOutcome:
        return db.call(
            replies.resolve_pending,
            chat_id=chat_id,
            choice=replies.Choice(pending_id, measure),
            prompt_message_id=prompt,
            now=utcnow(),
        )

    five = db.call(lambda s: measure_id(s, 5))
    # Pressed in another chat, or on another message: nothing happens.
    assert press(DEV, five).kind == replies.Outcome.REFUSED
    assert press(WATER, five, prompt=901).kind == replies.Outcome.REFUSED
    # A measure the question did not offer (a forged payload).
    nine = db.call(lambda s: measure_id(s, 9))
    assert press(WATER, nine).kind == replies.Outcome.REFUSED
    outcome = press(WATER, five)
    assert outcome.kind == replies.Outcome.RECORDED
    assert [(r.measure.label, r.percent, r.in_cycle) for r in outcome.records] == [
        ("（五）", 80, True)
    ]
    assert press(WATER, None).kind == replies.Outcome.RESOLVED
    with db.session() as session:
        assert summary(session) == [(5, "省水利厅", "in_progress", "本月已完成80%")]
        assert session.exec(select(PendingReply)).one().resolved


def test_all_records_the_waiting_reply_for_every_candidate(db, cycle):
    outcome = reply(db, WATER, "均在推进", 17)
    result = db.call(
        replies.resolve_pending,
        chat_id=WATER,
        choice=replies.Choice(outcome.pending_id, None),
        prompt_message_id=None,
        now=utcnow(),
    )
    assert [r.measure.label for r in result.records] == ["（五）", "（十七）"]


def test_the_same_message_twice_records_once(db, cycle):
    reply(db, WATER, "（五）已完成", 18)
    again = reply(db, WATER, "（五）已完成", 18)
    assert again.kind == replies.Outcome.DUPLICATE
    with db.session() as session:
        assert counts(session) == (1, 1, 0, 0)


def test_a_reply_after_the_deadline_is_recorded_as_late(db, cycle):
    reply(db, WATER, "（五）已完成", 19, sent_at=utcnow() + timedelta(days=4))
    with db.session() as session:
        assert updates(session)[0].on_time is False


def test_the_first_report_of_a_cycle_fixes_the_task_and_a_late_follow_up_does_not(db, cycle):
    from models.schedules import CycleTask

    reply(db, WATER, "（五）推进中", 31)
    reply(db, WATER, "（五）补充：已完成", 32, sent_at=utcnow() + timedelta(days=4))
    with db.session() as session:
        tasks = session.exec(
            select(CycleTask).where(
                CycleTask.cycle_id == cycle, CycleTask.measure_id == measure_id(session, 5)
            )
        ).all()
        reported = [t for t in tasks if t.reported_at is not None]
        assert len(reported) == 1 < len(tasks)  # only 省水利厅's task; its supporters are not
        task = reported[0]
        assert task.reported_on_time is True
        assert task.reported_at is not None and task.reported_at < utcnow() + timedelta(days=1)
        # The latest update is the late follow-up; the task keeps its on-time first report.
        assert [u.on_time for u in updates(session)] == [True, False]


def test_a_reply_to_another_bot_message_counts_for_the_chats_current_cycle(db, cycle):
    reply(db, WATER, "（五）已完成", 20, reply_to=777)
    with db.session() as session:
        assert updates(session)[0].cycle_id == cycle


def test_without_any_cycle_the_assignments_are_the_candidates(db):
    db.call(lambda s: bind(s, WATER, "省水利厅"))
    outcome = reply(db, WATER, "（十七）推进中", 21, reply_to=777)
    assert [(r.measure.label, r.in_cycle, r.on_time) for r in outcome.records] == [
        ("（十七）", False, None)
    ]


def test_an_unbound_chat_is_ignored(db, cycle):
    outcome = reply(db, -100_777, "（五）已完成", 22, reply_to=1)
    assert outcome.kind == replies.Outcome.IGNORED
    with db.session() as session:
        assert counts(session) == (0, 0, 0, 0)


def test_a_photo_without_caption_is_recorded_for_the_only_candidate(db):
    def setup(session: Session) -> None:
        bind(session, WATER, "省水利厅")
        make_cycle(session, deliveries={WATER: 501}, scope="lead")

    db.call(setup)
    outcome = reply(db, WATER, "", 23, file_id="photo-abc", file_kind="photo")
    assert outcome.kind == replies.Outcome.RECORDED
    with db.session() as session:
        record = updates(session)[0]
        assert (record.text, record.file_id, record.file_kind) == ("", "photo-abc", "photo")


def edit(db: Database, chat_id: int, text: str, message_id: int, **extra) -> replies.ReplyOutcome:
    message = replies.IncomingReply(
        chat_id=chat_id,
        user_id=2001,
        user_name="张 水利",
        text=text,
        message_id=message_id,
        reply_to_message_id=REMINDER[chat_id],
        sent_at=utcnow(),
        edited_at=utcnow(),
        **extra,
    )
    return db.call(replies.record_edit, reply=message, now=utcnow())


def test_an_edit_updates_the_record_and_keeps_the_earlier_version(db, cycle):
    reply(db, WATER, "（五）推进中，完成60%", 30)
    outcome = edit(db, WATER, "（五）已完成", 30)
    assert outcome.kind == replies.Outcome.UPDATED
    assert [(r.status, r.percent) for r in outcome.records] == [("done", None)]
    with db.session() as session:
        assert summary(session) == [(5, "省水利厅", "done", "已完成")]
        revision = session.exec(select(ProgressRevision)).one()
        assert (revision.text, revision.status, revision.percent) == (
            "推进中，完成60%",
            "in_progress",
            60,
        )
        assert session.exec(select(LatestProgress)).one().status == "done"
        assert updates(session)[0].edited_at is not None
    # The same text again (Telegram resends edits for previews): nothing new.
    assert edit(db, WATER, "（五）已完成", 30).kind == replies.Outcome.UNCHANGED


def test_an_edit_that_names_a_measure_of_the_chat_records_what_was_refused(db, cycle):
    assert reply(db, WATER, "（九）已完成", 31).kind == replies.Outcome.UNKNOWN
    outcome = edit(db, WATER, "（五）已完成", 31)
    assert outcome.kind == replies.Outcome.RECORDED
    with db.session() as session:
        assert summary(session) == [(5, "省水利厅", "done", "已完成")]


def test_an_edit_of_a_waiting_reply_is_what_the_button_records(db, cycle):
    outcome = reply(db, WATER, "推进中", 32)
    edit(db, WATER, "推进中，遇到征地困难", 32)
    db.call(
        replies.resolve_pending,
        chat_id=WATER,
        choice=replies.Choice(outcome.pending_id, None),
        prompt_message_id=None,
        now=utcnow(),
    )
    with db.session() as session:
        assert {row[2:] for row in summary(session)} == {("at_risk", "推进中，遇到征地困难")}


def test_an_older_message_edited_does_not_replace_the_latest(db, cycle):
    now = utcnow()
    reply(db, WATER, "（五）推进中", 33, sent_at=now - timedelta(hours=2))
    reply(db, WATER, "（五）已完成", 34, sent_at=now)
    edit(db, WATER, "（五）遇到困难", 33)
    with db.session() as session:
        latest = session.exec(select(LatestProgress)).one()
        assert latest.status == "done"


def correct(db: Database, chat_id: int, update_id: int, status: str) -> replies.ReplyOutcome:
    """A status button pressed in `chat_id` under the acknowledgement of `update_id`."""
    choice = replies.StatusChoice(update_id, status)
    return db.call(replies.correct_status, chat_id=chat_id, choice=choice, now=utcnow())


def test_a_status_button_corrects_the_status_for_this_chat_only(db, cycle):
    outcome = reply(db, ENERGY, "（六）推进中", 40)
    first = outcome.records[0].update_id
    assert correct(db, WATER, first, "done").kind == replies.Outcome.REFUSED
    assert correct(db, ENERGY, first, "bogus").kind == replies.Outcome.REFUSED
    fixed = correct(db, ENERGY, first, "at_risk")
    assert fixed.kind == replies.Outcome.UPDATED
    # Both departments' records of that measure in that message are corrected.
    assert [(r.department_name, r.status) for r in fixed.records] == [
        ("省能源局", "at_risk"),
        ("省自然资源厅", "at_risk"),
    ]
    with db.session() as session:
        assert {lp.status for lp in session.exec(select(LatestProgress))} == {"at_risk"}
        assert len(session.exec(select(ProgressRevision)).all()) == 2
    again = correct(db, ENERGY, first, "at_risk")
    assert again.kind == replies.Outcome.UNCHANGED


def report(message_id: int) -> replies.IncomingReply:
    """`/report … 已完成` in the water group."""
    return replies.IncomingReply(
        chat_id=WATER,
        user_id=2001,
        user_name="张",
        text="已完成",
        message_id=message_id,
        sent_at=utcnow(),
    )


def test_report_records_without_a_reminder(db, cycle):
    outcome = db.call(replies.record_report, reply=report(50), numbers=[5, 9], now=utcnow())
    assert [r.measure.label for r in outcome.records] == ["（五）"]
    assert outcome.unknown_labels == ["（九）"]
    refused = db.call(replies.record_report, reply=report(51), numbers=[9], now=utcnow())
    assert refused.kind == replies.Outcome.UNKNOWN
    with db.session() as session:
        assert counts(session)[0] == 1


_message_ids = itertools.count(10_000)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(max_size=120)
    | st.sampled_from(
        ["（五）（九）已完成", "第十七项 60%", "#5 #17 done", "五、十七项推进中", "(4) 未完成", ""]
    )
)
def test_any_reply_records_only_the_chats_measures_and_never_raises(db, cycle, text):
    outcome = reply(db, WATER, text, next(_message_ids))
    if is_blank(text):
        # Nothing to see, nothing recorded: the liaison is told what to send.
        assert outcome.kind == replies.Outcome.EMPTY
    else:
        assert outcome.kind in (
            replies.Outcome.RECORDED,
            replies.Outcome.ASK,
            replies.Outcome.UNKNOWN,
        )
    assert {r.measure.label for r in outcome.records} <= {"（五）", "（十七）"}
    with db.session() as session:
        # Every record has its latest row: nothing half-written.
        latest_ids = {lp.update_id for lp in session.exec(select(LatestProgress))}
        pairs = {(u.measure_id, u.department_id) for u in updates(session)}
        assert len(latest_ids) == len(pairs)
