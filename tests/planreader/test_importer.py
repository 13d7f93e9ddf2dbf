"""Storing a plan in a real database: idempotent imports, revisions, and the lookups.

Runs on a SQLite file (or the PostgreSQL of TEST_DATABASE_URL, as CI does).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from messages.plan import summary_line
from models.plan import (
    ROLE_LEAD,
    ROLE_SUPPORT,
    Assignment,
    Department,
    DepartmentAlias,
    DepartmentMember,
    Measure,
    Plan,
    Region,
    Section,
)
from models.progress import LatestProgress, ProgressUpdate
from planreader.departments import find_department, suggest_departments
from planreader.document import PlanReadError
from planreader.importer import import_plan_file, plan_count
from planreader.measures import current_plan, find_measure
from planreader.numerals import parse_chinese_numeral, to_chinese_numeral
from settings import DEFAULT_PLAN
from tests.support import harness
from tests.support.paths import PLANS as FIXTURES


@pytest.fixture
def db(tmp_path):
    database = harness.fresh_database(harness.test_database_url(tmp_path))
    yield database
    database.dispose()


@pytest.fixture
def shanxi_db(db):
    import_plan_file(db, DEFAULT_PLAN)
    return db


def count(db, table) -> int:
    return db.call(lambda s: s.exec(select(func.count()).select_from(table)).one())


def measure_by_title(session: Session, title: str) -> Measure:
    return session.exec(select(Measure).where(Measure.title == title)).one()


def roles(session: Session, measure: Measure) -> list[tuple[str, str, bool]]:
    rows = session.exec(
        select(Assignment, Department)
        .where(Assignment.measure_id == measure.id, Assignment.department_id == Department.id)
        .order_by(Assignment.position)
    ).all()
    return [(d.name, a.role, a.reports_as_lead) for a, d in rows]


def revised_shanxi(tmp_path: Path) -> Path:
    """The Shanxi plan as a revision would change it.

    （六）is dropped and the later measures move up one number; （五） loses 省自然资源厅 and
    gains 省财政厅; 省发展改革委 becomes a co-lead of （十）; a new last measure is added.
    """
    lines = DEFAULT_PLAN.read_text(encoding="utf-8").split("\n")
    lines = [line for line in lines if not line.startswith("(六)加快构建现代能源体系")]

    def renumber(match: re.Match[str]) -> str:
        value = parse_chinese_numeral(match.group(2))
        assert value is not None
        return (
            match.group(1) + to_chinese_numeral(value - 1 if value >= 7 else value) + match.group(3)
        )

    lines = [re.sub(r"^([（(])([一二三四五六七八九十]+)([）)])", renumber, line) for line in lines]
    text = "\n".join(lines)
    text = text.replace(
        "(省水利厅牵头,省农业农村厅、省自然资源厅、省发展改革委按职责分工负责)",
        "(省水利厅牵头,省农业农村厅、省发展改革委、省财政厅按职责分工负责)",
    )
    text = text.replace(
        "(省商务厅牵头,省发展改革委和相关市人民政府按职责分工负责)",
        "(省商务厅、省发展改革委牵头,相关市人民政府按职责分工负责)",
    )
    text = text.replace(
        "\n附件:山西太行革命老区",
        "\n(二十二)加强监测评估。建立年度监测评估机制,定期通报进展。"
        "(省统计局牵头,省发展改革委按职责分工负责)\n\n附件:山西太行革命老区",
    )
    path = tmp_path / "shanxi-revised.txt"
    path.write_text(text, encoding="utf-8")
    return path


def record_progress(db, title: str, department: str) -> int:
    """A liaison's progress update on a measure, as the reply handlers store it."""

    def add(session: Session) -> int:
        measure = measure_by_title(session, title)
        dept = session.exec(select(Department).where(Department.name == department)).one()
        update = ProgressUpdate(
            measure_id=measure.id,
            department_id=dept.id,
            chat_id=-100_001,
            source_message_id=77,
            text="已完成80%",
            percent=80,
        )
        session.add(update)
        session.flush()
        session.add(
            LatestProgress(
                measure_id=measure.id,
                department_id=dept.id,
                update_id=update.id,
                status=update.status,
                percent=80,
            )
        )
        assert measure.id is not None
        return measure.id

    return db.call(add)


# --- a first import --------------------------------------------------------------------------


def test_importing_the_plan_stores_measures_departments_assignments_and_regions(db):
    result = import_plan_file(db, DEFAULT_PLAN)
    assert result.created
    # （一）指导思想 and （二）主要目标 have no clause: headings, not measures to follow up.
    assert (result.measures, result.departments, result.assignments, result.regions) == (
        20,
        42,
        101,
        35,
    )
    assert summary_line(result) == (
        "晋政发〔2021〕36号 imported: 20 measures, 42 departments, 101 assignments, 35 regions"
    )
    assert db.call(plan_count) == 1
    assert count(db, Measure) == 20
    assert count(db, Assignment) == 101
    assert count(db, Department) == 42
    assert count(db, Region) == 35
    assert count(db, Section) == 7


def test_stored_assignments_say_who_leads_and_who_reports_like_a_lead(shanxi_db):
    def check(session: Session) -> None:
        water = measure_by_title(session, "建设安全高效水利工程")
        assert (water.number, water.numeral, water.label) == (5, "五", "（五）")
        assert roles(session, water) == [
            ("省水利厅", ROLE_LEAD, False),
            ("省农业农村厅", ROLE_SUPPORT, False),
            ("省自然资源厅", ROLE_SUPPORT, False),
            ("省发展改革委", ROLE_SUPPORT, False),
        ]
        services = measure_by_title(session, "补齐公共服务短板")
        assert all(
            role == ROLE_SUPPORT and as_lead for _, role, as_lead in roles(session, services)
        )
        assert len(roles(session, services)) == 6
        assert session.exec(select(Measure).where(Measure.title == "指导思想")).first() is None
        assert water.clause.startswith("省水利厅牵头")

    shanxi_db.call(check)


def test_groups_are_stored_with_their_members(shanxi_db):
    def members(session: Session, group: str) -> list[str]:
        group_row = session.exec(select(Department).where(Department.name == group)).one()
        rows = session.exec(
            select(Department)
            .join(
                DepartmentMember,
                DepartmentMember.member_id == Department.id,  # type: ignore[arg-type]
            )
            .where(DepartmentMember.group_id == group_row.id)
            .order_by(Department.id)
        ).all()
        return [d.name for d in rows]

    assert shanxi_db.call(members, "相关市人民政府") == [
        "长治市人民政府",
        "晋城市人民政府",
        "阳泉市人民政府",
        "晋中市人民政府",
        "忻州市人民政府",
        "大同市人民政府",
    ]
    assert shanxi_db.call(members, "省直有关部门") == []


def test_the_regions_keep_the_two_counties_called_chengqu_apart(shanxi_db):
    rows = shanxi_db.call(lambda s: s.exec(select(Region).where(Region.county == "城区")).all())
    assert sorted(r.city for r in rows) == ["晋城市", "阳泉市"]


# --- importing again -------------------------------------------------------------------------


def test_importing_the_same_plan_again_changes_nothing(shanxi_db):
    before = shanxi_db.call(
        lambda s: [
            (m.id, m.number, m.title) for m in s.exec(select(Measure).order_by(Measure.id)).all()
        ]
    )
    aliases = count(shanxi_db, DepartmentAlias)
    result = import_plan_file(shanxi_db, DEFAULT_PLAN)
    assert result.unchanged
    assert "nothing changed" in summary_line(result)
    after = shanxi_db.call(
        lambda s: [
            (m.id, m.number, m.title) for m in s.exec(select(Measure).order_by(Measure.id)).all()
        ]
    )
    assert after == before
    assert (
        count(shanxi_db, Assignment),
        count(shanxi_db, Department),
        count(shanxi_db, DepartmentAlias),
        count(shanxi_db, Region),
    ) == (101, 42, aliases, 35)


def test_a_revision_reports_what_changed_and_keeps_the_progress(shanxi_db, tmp_path):
    kept_id = record_progress(shanxi_db, "积极发展特色农业产业", "省农业农村厅")  # （七）
    dropped_id = record_progress(shanxi_db, "加快构建现代能源体系", "省能源局")  # （六）
    result = import_plan_file(shanxi_db, revised_shanxi(tmp_path))

    assert result.status == "revised"
    assert result.measures_added == ["（二十二）加强监测评估"]
    assert result.measures_removed == ["（六）加快构建现代能源体系"]
    changes = {c.label: (c.added, c.removed, c.role_changed) for c in result.changes}
    assert changes == {
        "（五）": (["省财政厅"], ["省自然资源厅"], []),
        "（九）": ([], [], ["省发展改革委"]),  # was （十）, now a co-lead
    }
    assert result.new_departments == 1  # 省统计局

    def check(session: Session) -> None:
        kept = session.get(Measure, kept_id)
        assert (kept.number, kept.label, kept.is_active) == (6, "（六）", True)
        dropped = session.get(Measure, dropped_id)
        assert dropped.is_active is False and dropped.label == "（六）"
        updates = session.exec(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()
        assert [u.measure_id for u in updates] == [kept_id, dropped_id]
        assert find_measure(session, "6").id == kept_id
        assert find_measure(session, "（二十二）").title == "加强监测评估"
        active = session.exec(select(Measure).where(Measure.is_active)).all()
        assert len(active) == 20
        water = measure_by_title(session, "建设安全高效水利工程")
        assert [name for name, _, _ in roles(session, water)] == [
            "省水利厅",
            "省农业农村厅",
            "省发展改革委",
            "省财政厅",
        ]

    shanxi_db.call(check)
    assert import_plan_file(shanxi_db, revised_shanxi(tmp_path)).unchanged


def test_a_measure_that_comes_back_in_a_later_version_gets_its_history_back(shanxi_db, tmp_path):
    dropped_id = record_progress(shanxi_db, "加快构建现代能源体系", "省能源局")
    import_plan_file(shanxi_db, revised_shanxi(tmp_path))
    result = import_plan_file(shanxi_db, DEFAULT_PLAN)
    assert result.measures_added == ["（六）加快构建现代能源体系"]
    assert result.measures_removed == ["（二十二）加强监测评估"]

    def check(session: Session) -> None:
        measure = session.get(Measure, dropped_id)
        assert (measure.is_active, measure.number) == (True, 6)
        assert find_measure(session, "六").id == dropped_id

    shanxi_db.call(check)


def test_a_file_that_is_not_a_plan_writes_nothing(db, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("关于召开会议的通知\n\n各单位：\n\n定于下周召开会议。\n", encoding="utf-8")
    with pytest.raises(PlanReadError):
        import_plan_file(db, path)
    assert db.call(plan_count) == 0
    assert count(db, Department) == 0


def test_a_second_plan_shares_departments_and_becomes_the_current_plan(shanxi_db):
    result = import_plan_file(shanxi_db, FIXTURES / "hebei-labelled-style.txt")
    assert result.created and shanxi_db.call(plan_count) == 2

    def check(session: Session) -> None:
        # 省发展改革委 is one department across both plans.
        names = session.exec(select(Department.name)).all()
        assert names.count("省发展改革委") == 1
        plan = current_plan(session)
        assert plan.doc_number == "冀政办字〔2022〕48号"
        assert find_measure(session, "3").title == "保障粮食安全"
        shanxi = session.exec(select(Plan).where(Plan.doc_number == "晋政发〔2021〕36号")).one()
        assert find_measure(session, "3", plan_id=shanxi.id).title == "加强新型基础设施建设"

    shanxi_db.call(check)


# --- the lookups other parts of the bot use --------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("省水利厅", "省水利厅"),
        ("水利厅", "省水利厅"),
        ("省 水利厅", "省水利厅"),
        ("发改委", "省发展改革委"),
        ("省发改委", "省发展改革委"),
        ("住建厅", "省住建厅"),
        ("省住房和城乡建设厅", "省住建厅"),
        ("工信厅", "省工信厅"),
        ("人社厅", "省人社厅"),
        ("卫健委", "省卫健委"),
        ("文旅厅", "省文旅厅"),
        ("自然资源厅", "省自然资源厅"),
        ("生态环境厅", "省生态环境厅"),
        ("能源局", "省能源局"),
        ("林草局", "省林草局"),
        ("医保局", "省医保局"),
        ("交通厅", "省交通厅"),
        ("宣传部", "省委宣传部"),
        ("相关市人民政府", "相关市人民政府"),
        ("长治市政府", "长治市人民政府"),
        ("省水利厅。", "省水利厅"),
    ],
)
def test_departments_are_found_by_the_names_users_type(shanxi_db, typed, name):
    found = shanxi_db.call(find_department, typed)
    assert found is not None and found.name == name


@pytest.mark.parametrize("typed", ["", "水利", "省统计局", "厅"])
def test_no_department_is_guessed_when_the_name_is_not_exact(shanxi_db, typed):
    assert shanxi_db.call(find_department, typed) is None


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("水利", "省水利厅"),
        ("省水力厅", "省水利厅"),
        ("银保监", "山西银保监局"),
        ("自然资源", "省自然资源厅"),
        ("粮食局", "省粮食和储备局"),
        ("长治", "长治市人民政府"),
    ],
)
def test_suggestions_offer_the_closest_departments_first(shanxi_db, typed, first):
    suggestions = shanxi_db.call(suggest_departments, typed)
    assert suggestions and suggestions[0].name == first
    assert len(suggestions) <= 3


def test_suggestions_are_empty_for_text_like_no_department(shanxi_db):
    assert shanxi_db.call(suggest_departments, "天气怎么样") == []


@pytest.mark.parametrize("token", ["5", "五", "（五）", "(5)", "第五项", "５"])
def test_measures_are_found_however_the_number_is_written(shanxi_db, token):
    assert shanxi_db.call(find_measure, token).title == "建设安全高效水利工程"


def test_measures_beyond_the_plan_or_unparseable_give_none(shanxi_db):
    assert shanxi_db.call(find_measure, "二十三") is None
    assert shanxi_db.call(find_measure, "水利") is None
    assert shanxi_db.call(find_measure, "二十二").title == "强化任务落实"


def test_a_later_plan_that_spells_a_department_differently_reuses_it(shanxi_db, tmp_path):
    text = DEFAULT_PLAN.read_text(encoding="utf-8")
    other = (
        text.replace("晋政发〔2021〕36号", "晋政发〔2022〕5号")
        .replace("(省水利厅牵头,", "(山西省水利厅牵头,")
        .replace("(省能源局牵头,省自然资源厅、省发展改革委", "(省能源局牵头,省自然资源厅、省发改委")
    )
    path = tmp_path / "second.txt"
    path.write_text(other, encoding="utf-8")
    result = import_plan_file(shanxi_db, path)
    assert result.created and result.new_departments == 0

    def check(session: Session) -> None:
        assert find_department(session, "山西省水利厅").name == "省水利厅"
        plan = current_plan(session)
        water = find_measure(session, "五", plan_id=plan.id)
        assert roles(session, water)[0][0] == "省水利厅"
        energy = find_measure(session, "六", plan_id=plan.id)
        assert "省发展改革委" in [name for name, _, _ in roles(session, energy)]

    shanxi_db.call(check)
    assert count(shanxi_db, Department) == 42


def test_measures_of_a_plan_with_restarting_numbers_are_found_by_their_label(db):
    import_plan_file(db, FIXTURES / "hebei-labelled-style.txt")

    def check(session: Session) -> None:
        assert find_measure(session, "二（一）").title == "加大资金支持"
        assert find_measure(session, "二(一)").title == "加大资金支持"
        assert find_measure(session, "5").title == "加大资金支持"
        assert find_measure(session, "三（一）") is None

    db.call(check)


def test_a_plan_read_by_an_earlier_reader_is_revised_when_imported_again(shanxi_db):
    # A database from before headings stopped being measures: （一）指导思想 stored as one, and
    # the plan's hash of that reading. Importing the same file again must not say "unchanged".
    def as_an_earlier_reader_left_it(session: Session) -> None:
        plan = current_plan(session)
        plan.content_hash = "0" * 64
        session.add(plan)
        session.add(
            Measure(
                plan_id=plan.id,
                number=1,
                numeral="一",
                label="（一）",
                title="指导思想",
                body="坚持…",
            )
        )

    shanxi_db.call(as_an_earlier_reader_left_it)
    result = import_plan_file(shanxi_db, DEFAULT_PLAN)
    assert result.status == "revised"
    assert result.measures_removed == ["（一）指导思想"] and result.measures_added == []
    assert count(shanxi_db, Assignment) == 101  # the other measures and their departments stay
    assert import_plan_file(shanxi_db, DEFAULT_PLAN).unchanged
