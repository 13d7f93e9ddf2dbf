"""Corrections of the map outlive a revision of the plan, and the revision says which it kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from messages.i18n import get_translator
from messages.plan import render_import
from models.clock import utcnow
from models.plan import Assignment, Department, Measure
from planreader.corrections import correct_measure, measure_maps, reset_measure
from planreader.importer import import_plan_file
from tests.support.harness import fresh_database, test_database_url
from tests.support.paths import PLANS
from tests.support.plan_words import english

CORPUS = PLANS / "corpus"
TIYU = CORPUS / "01_tiyu.txt"


@pytest.fixture
def db(tmp_path):
    database = fresh_database(test_database_url(tmp_path))
    import_plan_file(database, TIYU)
    yield database
    database.dispose()


def ids(session, *names: str) -> list[int]:
    found = {d.name: d.id for d in session.exec(select(Department)).all()}
    return [found[n] for n in names]


def measure(session, label: str) -> Measure:
    return session.exec(select(Measure).where(Measure.label == label, Measure.is_active)).one()


def the_map(db, label: str):
    return db.call(lambda s: measure_maps(s, [measure(s, label)])[0])


def revised(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = TIYU.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "revised.txt"
    path.write_text(text, encoding="utf-8")
    return path


def correct(db, label: str, leads: list[str], supports: list[str], **kwargs) -> None:
    def work(session) -> None:
        correct_measure(
            session,
            measure=measure(session, label),
            lead_ids=ids(session, *leads),
            support_ids=ids(session, *supports),
            now=utcnow(),
            **kwargs,
        )

    db.call(work)


def test_a_revision_keeps_each_correction_and_says_which(db, tmp_path):
    correct(db, "（十八）", ["公安部"], ["工业和信息化部", "交通运输部"])
    db.call(
        lambda s: correct_measure(
            s,
            measure=measure(s, "（四）"),
            deadline=(date(2024, 6, 30), "2024年6月底前"),
            now=utcnow(),
        )
    )
    path = revised(
        tmp_path,
        ("海洋局、空管委办公室负责", "海洋局负责"),  # （十八） reads differently now
        (
            "（体育总局、民政部、人力资源社会保障部负责）",
            "（体育总局、民政部、人力资源社会保障部、教育部负责）",
        ),
    )
    result = import_plan_file(db, path)
    assert result.status == "revised"
    assert result.corrections_kept == ["（四）大力发展职业赛事", "（十八）持续推进“放管服”改革"]
    assert result.corrections_to_check == ["（十八）持续推进“放管服”改革"]
    eighteen = the_map(db, "（十八）")
    assert (eighteen.leads, eighteen.supports) == (["公安部"], ["工业和信息化部", "交通运输部"])
    four = the_map(db, "（四）")
    assert "教育部" in four.supports  # the deadline was corrected, the departments were not
    assert (four.deadline, four.deadline_text) == (date(2024, 6, 30), "2024年6月底前")
    report = render_import(result, get_translator("zh_CN"))
    assert "保留的更正：（四）大力发展职业赛事、（十八）持续推进“放管服”改革" in report
    assert "原文中（十八）持续推进“放管服”改革的分工已有变化：已保留原更正，请核对。" in report

    # The next revision with the same clause has nothing new to point out.
    again = import_plan_file(
        db,
        revised(
            tmp_path,
            ("海洋局、空管委办公室负责", "海洋局负责"),
            ("大力发展职业赛事。", "大力发展职业体育赛事。"),
        ),
    )
    assert again.corrections_to_check == []
    assert "（十八）持续推进“放管服”改革" in again.corrections_kept


def test_a_reset_after_a_revision_goes_back_to_the_revised_reading(db, tmp_path):
    correct(db, "（十八）", ["公安部"], ["水利部"])
    import_plan_file(db, revised(tmp_path, ("海洋局、空管委办公室负责", "海洋局负责")))
    assert db.call(lambda s: reset_measure(s, measure=measure(s, "（十八）")))
    back = the_map(db, "（十八）")
    assert back.leads == [] and "空管委办公室" not in back.supports and "海洋局" in back.supports
    with db.session() as session:
        rows = session.exec(
            select(Assignment).where(Assignment.measure_id == measure(session, "（十八）").id)
        ).all()
        assert all(row.reports_as_lead for row in rows)


def test_importing_the_same_plan_again_keeps_corrections_untouched(db):
    correct(db, "（十八）", ["公安部"], [])
    assert import_plan_file(db, TIYU).unchanged
    assert the_map(db, "（十八）").leads == ["公安部"]


def test_doubts_are_stored_with_each_measure_and_a_correction_settles_them(db):
    eighteen = the_map(db, "（十八）")
    assert [english(d) for d in eighteen.doubts] == [
        "空管委办公室 appears only here and is not a department the bot knows"
    ]
    assert not eighteen.corrected
    correct(db, "（十八）", ["公安部"], ["空管委办公室"])
    assert the_map(db, "（十八）").corrected


def test_a_name_another_plan_already_brought_is_no_doubt(db, tmp_path):
    # A second plan names 空管委办公室 once too; the database knows it from the first.
    text = TIYU.read_text(encoding="utf-8").replace("国办发〔2018〕121号", "国办发〔2019〕5号")
    path = tmp_path / "second.txt"
    path.write_text(text, encoding="utf-8")
    result = import_plan_file(db, path)
    assert result.doubts == []
