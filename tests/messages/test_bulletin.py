"""The 通报 as a Word document, read back with python-docx: heading, 期号, date, the overview
paragraph with the cycle's figures, the tables of units and of measures behind, in Chinese
and in English; and the figures are /status's own."""

from __future__ import annotations

import io

import pytest
from docx import Document

from commands.views import BulletinAnswer
from messages.bulletin import bulletin_docx, bulletin_filename, render_bulletin
from messages.i18n import get_translator
from messages.status import render_overview
from models.db import Database, create_schema
from reports.bulletin import build_bulletin, issue_number
from tests.support.coordinator_data import NASTY, NOW, build_sample

ZH = get_translator("zh_CN")
EN = get_translator("en")


@pytest.fixture
def db(tmp_path):
    database = Database.from_url(f"sqlite:///{tmp_path / 'bulletin.sqlite3'}")
    create_schema(database.engine)
    yield database
    database.dispose()


def read(t, bulletin):
    document = Document(io.BytesIO(bulletin_docx(t, bulletin)))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]
    return paragraphs, tables


def test_the_chinese_bulletin_has_its_heading_number_date_overview_and_tables(db):
    db.call(build_sample)
    bulletin = db.call(build_bulletin, now=NOW)
    paragraphs, tables = read(ZH, bulletin)
    assert paragraphs[:3] == ["督办通报", "2026年第3期", "2026年11月20日"]
    assert paragraphs[3] == "晋政发〔2021〕36号 关于新时代支持山西太行革命老区振兴发展的实施意见"
    assert paragraphs[4] == "一、总体情况"
    overview = paragraphs[5]
    assert "共涉及 6 项措施" in overview and "责任单位应报 7 项" in overview
    assert "按时报送 4 项，逾期报送 1 项，逾期未报 2 项" in overview and "按时率 57%" in overview
    assert "受阻 1、有困难 1" in overview
    headings = [p for p in paragraphs if p[:2] in ("一、", "二、", "三、", "四、", "五、")]
    assert headings == [
        "一、总体情况",
        "二、报送情况",
        "三、进展滞后、有困难或受阻的措施",
        "四、需要关注的事项",
    ]
    on_time, late, missing = tables[0], tables[1], tables[2]
    assert on_time[0] == ["单位", "措施", "项数"]
    assert ["省交通运输厅", "（四）", "1"] in late
    assert [NASTY, "（八）", "1"] in missing and ["省自然资源厅", "（六）", "1"] in missing
    lagging = next(t for t in tables if t[0][0] == "措施")
    assert lagging[0] == ["措施", "责任单位", "进展", "完成比例与序时进度", "最新报送"]
    assert [row[0][:3] for row in lagging[1:]] == ["（七）", "（五）"]  # blocked before at risk
    assert lagging[2][2:4] == ["有困难", "45%"]


def test_the_bulletin_prints_on_a4_with_the_margins_of_official_documents(db):
    db.call(build_sample)
    document = Document(io.BytesIO(bulletin_docx(ZH, db.call(build_bulletin, now=NOW))))
    (section,) = document.sections
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.top_margin.cm, 1) == 3.7 and round(section.left_margin.cm, 1) == 2.8


def test_the_english_bulletin_and_its_name(db):
    db.call(build_sample)
    bulletin = db.call(build_bulletin, now=NOW)
    paragraphs, _tables = read(EN, bulletin)
    assert paragraphs[:3] == ["Progress bulletin", "No. 3 of 2026", "November 20, 2026"]
    assert "1. Overview" in paragraphs and "on-time rate 57%" in paragraphs[5]
    assert {"Reported on time", "Reported late", "Overdue"} <= set(paragraphs)  # sub-headings
    assert bulletin_filename(ZH, bulletin) == "督办通报-2026-11-20.docx"
    assert bulletin_filename(EN, bulletin) == "bulletin-2026-11-20.docx"


def test_the_bulletins_figures_are_the_status_figures(db):
    db.call(build_sample)
    bulletin = db.call(build_bulletin, now=NOW)
    status = render_overview(ZH, bulletin.overview)
    assert "按时率 <b>57%</b>" in status
    paragraphs, _tables = read(ZH, bulletin)
    assert "按时率 57%" in paragraphs[5]


def test_the_issue_number_counts_the_years_reminder_cycles(db):
    sample = db.call(build_sample)

    def numbers(session):
        from models.schedules import Cycle

        return [issue_number(session, session.get(Cycle, c)) for c in sample.cycles]

    assert db.call(numbers) == [(2026, 1), (2026, 2), (2026, 3)]


def test_before_any_cycle_bulletin_says_how_to_start(db):
    db.call(build_sample)
    early = db.call(build_bulletin, now=NOW.replace(year=2025))
    (answer,) = render_bulletin(ZH, BulletinAnswer(early, 6))
    assert answer.file is None and "尚未发出任何提醒" in answer.text
    (sent,) = render_bulletin(ZH, BulletinAnswer(db.call(build_bulletin, now=NOW), 6))
    assert sent.file is not None and sent.text.startswith("督办通报（2026年第3期）")
