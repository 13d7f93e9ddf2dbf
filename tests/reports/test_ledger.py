"""The ledger (台账) read back: one row per measure × department, a summary per cycle, headers
in the reader's language; the CSV opens in Excel with Chinese intact."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from messages.i18n import get_translator
from messages.ledger import ledger_csv, ledger_filename, ledger_xlsx
from models.db import Database, create_schema
from reports.ledger import build_ledger
from tests.support.coordinator_data import NOW, build_sample

ZH = get_translator("zh_CN")
EN = get_translator("en")


@pytest.fixture
def ledger(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    create_schema(db.engine)
    db.call(build_sample)
    yield db.call(build_ledger, now=NOW)
    db.dispose()


def sheet_rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_workbook_has_one_row_per_measure_and_department_with_chinese_headers(ledger):
    book = load_workbook(io.BytesIO(ledger_xlsx(ZH, ledger)))
    assert book.sheetnames[:2] == ["督办台账", "各轮汇总"]
    rows = sheet_rows(book["督办台账"])
    assert rows[0] == [
        "部分",
        "措施",
        "单位",
        "职责",
        "最新状态",
        "完成比例",
        "最新进展",
        "更新时间",
        "报送人",
        "是否按时",
    ]
    assert len(rows) - 1 == 11  # the assignments of the six measures
    water = next(r for r in rows if r[2] == "省水利厅")
    assert water[:6] == [
        "三、推动绿色转型发展",
        "（五）加强水利基础设施建设",
        "省水利厅",
        "牵头",
        "有困难",
        45,
    ]
    assert water[6] == "征地受阻，可能延期。"
    assert water[7] == datetime(2026, 11, 16, 9, 0)  # Beijing time, as the reader sees it
    assert water[8:] == ["张水利", "是"]
    silent = next(r for r in rows if r[2] == "省工信厅")
    assert silent[4] == "尚无报送" and silent[5] is None and silent[9] is None
    raw = next(r for r in rows if r[2] == "省发展改革委" and r[3] == "牵头")
    assert raw[6] == "<b>已完成</b> & 光纤 </a> 覆盖全部行政村"  # a spreadsheet keeps it as typed


def test_the_summary_has_a_row_per_cycle_and_recent_cycles_have_their_own_sheet(ledger):
    book = load_workbook(io.BytesIO(ledger_xlsx(ZH, ledger)))
    summary = sheet_rows(book["各轮汇总"])
    assert summary[0][:3] == ["提醒时间", "截止时间", "应报事项"]
    assert len(summary) == 1 + 3
    current = summary[1]  # newest first
    assert current[0] == datetime(2026, 11, 15, 9, 0)
    # 11 tasks: 5 on time, 1 late (交通运输厅), 5 silent; 4 of the 7 responsible on time
    on_time, late, missing, open_ = current[3:7]
    assert (on_time, late, missing, open_) == (5, 1, 5, 0)
    assert current[7] == pytest.approx(4 / 7)
    cycle_sheet = book["周期 2026-11-15"]
    tasks = sheet_rows(cycle_sheet)
    assert tasks[0] == ["措施", "单位", "职责", "报送时间", "结果"]
    assert [
        "（四）完善现代综合交通网络",
        "省交通运输厅",
        "牵头",
        datetime(2026, 11, 19, 17, 0),
        "逾期报送",
    ] in tasks
    assert len(book.sheetnames) == 2 + 3


def test_english_readers_get_english_headers(ledger):
    book = load_workbook(io.BytesIO(ledger_xlsx(EN, ledger)))
    assert book.sheetnames[:2] == ["Ledger", "Summary by cycle"]
    header = sheet_rows(book["Ledger"])[0]
    assert header == [
        "Section",
        "Measure",
        "Department",
        "Role",
        "Latest status",
        "Percent",
        "Latest update",
        "Updated at",
        "Reporter",
        "On time",
    ]
    water = next(r for r in sheet_rows(book["Ledger"]) if r[2] == "省水利厅")
    assert water[3:6] == ["lead", "at risk", 45] and water[9] == "yes"
    assert "Cycle 2026-11-15" in book.sheetnames


def test_the_csv_has_a_bom_and_the_same_rows(ledger):
    data = ledger_csv(ZH, ledger)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "部分" and len(rows) == 12
    water = next(r for r in rows if r[2] == "省水利厅")
    assert water[4:8] == ["有困难", "45", "征地受阻，可能延期。", "2026-11-16 09:00"]
    english = list(csv.reader(io.StringIO(ledger_csv(EN, ledger).decode("utf-8-sig"))))
    assert english[0][0] == "Section"


def test_file_names_carry_the_date(ledger):
    assert ledger_filename(ZH, NOW, "xlsx") == "督办台账-2026-11-20.xlsx"
    assert ledger_filename(EN, NOW, "csv") == "ledger-2026-11-20.csv"
