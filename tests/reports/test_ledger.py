"""The ledger (台账) read back as an office would: a title block, one row per measure with its
序号, units, both signals, 完成比例 as a percent, the latest reports split into 存在问题 and
下步打算; landscape A4 with the header row on every page; every report on its own sheet;
times never a second early; the CSV opens in Excel with Chinese intact."""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from coordination.review import REASON_PERCENT, close_measure, return_report, set_deadline
from messages.i18n import get_translator
from messages.ledger import excel_serial, ledger_csv, ledger_filename, ledger_xlsx
from models.db import Database, create_schema
from models.plan import Measure
from reports.ledger import HISTORY_ROWS, build_ledger
from reports.report_sections import split_sections
from tests.support.coordinator_data import DEV, ENERGY, NOW, WATER, add_update, build_sample

ZH = get_translator("zh_CN")
EN = get_translator("en")
TITLE_ROWS = 2  # the title, then 文号 and 截至


@pytest.fixture
def db(tmp_path):
    database = Database.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    create_schema(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def sample(db):
    return db.call(build_sample)


@pytest.fixture
def ledger(db, sample):
    return db.call(build_ledger, now=NOW)


def workbook(t, ledger):
    return load_workbook(io.BytesIO(ledger_xlsx(t, ledger)))


def sheet_rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def table(sheet):
    """The header row and the rows under it, as dicts."""
    rows = sheet_rows(sheet)
    header = rows[TITLE_ROWS]
    return header, [dict(zip(header, row, strict=True)) for row in rows[TITLE_ROWS + 1 :]]


def by_measure(rows, label):
    return next(r for r in rows if str(r["措施"]).startswith(label))


def test_the_main_sheet_has_a_title_block_and_one_row_per_measure(ledger):
    book = workbook(ZH, ledger)
    assert book.sheetnames[:4] == ["督办台账", "全部报送记录", "督办记录", "各轮汇总"]
    sheet = book["督办台账"]
    rows = sheet_rows(sheet)
    assert rows[0][0] == "关于新时代支持山西太行革命老区振兴发展的实施意见督办台账"
    assert rows[1][0] == "文号：晋政发〔2021〕36号　　截至：2026年11月20日周五 12:00"
    header, body = table(sheet)
    assert header == [
        "序号",
        "措施",
        "牵头单位",
        "责任单位",
        "完成时限",
        "进展",
        "本轮报送",
        "完成比例",
        "最新进展",
        "存在问题",
        "下步打算",
        "更新时间",
        "报送单位",
    ]
    assert [r["序号"] for r in body] == [1, 2, 3, 4, 5, 6]  # one row per measure
    three = by_measure(body, "（三）")
    assert three["牵头单位"] == DEV and three["责任单位"] == "省通信管理局、省工信厅"
    assert three["进展"] == "已完成" and three["本轮报送"] == "按时报送"
    # The leads' and supports' latest reports, each after its unit's name.
    assert three["最新进展"].splitlines() == [
        "省发展改革委：<b>已完成</b> & 光纤 </a> 覆盖全部行政村",  # as typed: no HTML here
        "省通信管理局：配合完成4G覆盖。",
    ]
    assert three["报送单位"] == "省发展改革委、省通信管理局"
    water = by_measure(body, "（五）")
    assert (water["进展"], water["完成比例"], water["最新进展"]) == (
        "有困难",
        0.45,
        "征地受阻，可能延期。",
    )
    # Beijing time, as the reader sees it.
    assert water["更新时间"] == datetime(2026, 11, 16, 9, 0)
    six = by_measure(body, "（六）")  # two leads: one of them silent
    assert six["牵头单位"] == "省能源局、省自然资源厅" and six["本轮报送"] == "逾期未报"
    assert by_measure(body, "（八）")["本轮报送"] == "逾期未报"


def test_percent_and_time_cells_have_their_formats(ledger):
    sheet = workbook(ZH, ledger)["督办台账"]
    water = next(row for row in sheet.iter_rows(min_row=TITLE_ROWS + 2) if "（五）" in row[1].value)
    assert water[7].value == 0.45 and water[7].number_format == "0%"  # shown as 45%
    assert water[11].number_format == "yyyy-mm-dd hh:mm"


def test_the_workbook_prints_on_landscape_a4_with_its_header_on_every_page(ledger):
    book = workbook(ZH, ledger)
    for name in ("督办台账", "全部报送记录"):
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.print_title_rows == "$3:$3"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.freeze_panes == "A4"
        assert "A1" in {str(r).split(":")[0] for r in sheet.merged_cells.ranges}


def test_the_history_sheet_has_every_report_with_its_parts_and_edits(db, sample):
    def more(session):
        add_update(
            session,
            measure_id=sample.measures[6],
            department_id=sample.departments[ENERGY],
            cycle=None,
            at=NOW - timedelta(hours=3),
            text="并网完成70%；存在问题：电网接入审批慢；下一步：协调省电力公司",
            message_id=99001,
        )

    db.call(more)
    ledger = db.call(build_ledger, now=NOW)
    header, body = table(workbook(ZH, ledger)["全部报送记录"])
    assert header[:6] == ["序号", "措施", "单位", "报送人", "报送时间", "修改时间"]
    assert len(body) == ledger.history_total == 17  # 16 reports of the sample, and this one
    assert HISTORY_ROWS > 1_000  # a real plan's history fits
    energy = next(r for r in body if r["报送时间"] == datetime(2026, 11, 20, 9, 0))
    assert energy["进展"] == "并网完成70%"
    assert (energy["存在问题"], energy["下步打算"]) == ("电网接入审批慢", "协调省电力公司")
    assert energy["报送"] == "提醒之外"
    six = by_measure(table(workbook(ZH, ledger)["督办台账"])[1], "（六）")
    assert six["存在问题"] == "省能源局：电网接入审批慢"  # the latest report's parts fill the row


def test_a_returned_report_and_the_review_acts_are_kept(db, sample):
    def review(session):
        report = session.exec(select(Measure).where(Measure.id == sample.measures[5])).one()
        from models.progress import LatestProgress

        latest = session.exec(
            select(LatestProgress).where(
                LatestProgress.measure_id == report.id,
                LatestProgress.department_id == sample.departments[WATER],
            )
        ).one()
        return_report(
            session,
            update_id=latest.update_id,
            reason_code=REASON_PERCENT,
            note="",
            user_id=1,
            user_name="刘 督查室",
            now=NOW - timedelta(hours=1),
        )
        set_deadline(
            session,
            measure=report,
            deadline=date(2027, 6, 30),
            user_id=1,
            user_name="陈 管理员",
            now=NOW - timedelta(minutes=30),
        )
        three = session.get(Measure, sample.measures[3])
        close_measure(
            session, measure=three, note="验收通过", user_id=1, user_name="刘 督查室", now=NOW
        )

    db.call(review)
    ledger = db.call(build_ledger, now=NOW)
    book = workbook(ZH, ledger)
    _header, history = table(book["全部报送记录"])
    returned = [r for r in history if r["退回"]]
    assert len(returned) == 1 and returned[0]["退回"] == "11月20日 11:00 请写明完成比例"
    acts = sheet_rows(book["督办记录"])
    assert acts[0] == ["时间", "措施", "事项", "单位", "经办人", "理由或备注"]
    assert [row[2] for row in acts[1:]] == ["退回", "设定完成时限", "销号"]
    assert acts[1][3:] == [WATER, "刘 督查室", "请写明完成比例"]
    _header, body = table(book["督办台账"])
    water = by_measure(body, "（五）")
    # Returned: it no longer counts, neither as reported nor as its progress.
    assert (water["本轮报送"], water["进展"], water["最新进展"]) == ("逾期未报", "未报送", None)
    assert water["完成时限"] == "2027年6月30日"
    assert by_measure(body, "（三）")["进展"] == "办结 11月20日 12:00"


def test_times_are_never_a_second_early_for_a_reader_that_cuts_seconds_off(ledger):
    # Excel stores 10:00 as 0.41666…; as a float that is 09:59:59.99999…, which readers
    # that drop the fraction show as 09:59. The ledger writes a serial never below the second.
    for moment in (datetime(2026, 11, 29, 10, 0), datetime(2026, 11, 25, 14, 0)):
        serial = excel_serial(moment)
        seconds = math.floor((serial - math.floor(serial)) * 86400)
        assert seconds == moment.hour * 3600 + moment.minute * 60
    data = ledger_xlsx(ZH, ledger)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    stored = [float(v) for v in re.findall(r'<c r="L\d+" s="\d+"[^>]*><v>([0-9.]+)</v>', sheet)]
    assert stored and all(
        math.floor((v - math.floor(v)) * 86400) % 60 == 0 for v in stored
    )  # every update was sent on the minute; none reads as …:59


def test_the_summary_has_a_row_per_cycle_and_recent_cycles_have_their_own_sheet(ledger):
    book = workbook(ZH, ledger)
    summary = sheet_rows(book["各轮汇总"])
    assert summary[0][:3] == ["提醒时间", "截止时间", "应报事项"]
    assert len(summary) == 1 + 3
    current = summary[1]  # newest first
    assert current[0] == datetime(2026, 11, 15, 9, 0)
    on_time, late, missing, open_ = current[3:7]
    assert (on_time, late, missing, open_) == (5, 1, 5, 0)
    assert current[7] == pytest.approx(4 / 7)
    tasks = sheet_rows(book["周期 2026-11-15"])
    assert tasks[0] == ["措施", "单位", "职责", "报送时间", "结果"]
    assert [
        "（四）完善现代综合交通网络",
        "省交通运输厅",
        "牵头",
        datetime(2026, 11, 19, 17, 0),
        "逾期报送",
    ] in tasks
    assert len(book.sheetnames) == 4 + 3


def test_english_readers_get_english_headers(ledger):
    book = workbook(EN, ledger)
    assert book.sheetnames[:4] == ["Ledger", "All reports", "Review", "Summary by cycle"]
    header, body = table(book["Ledger"])
    assert header[:8] == [
        "No.",
        "Measure",
        "Lead units",
        "Other units",
        "Time limit",
        "Progress",
        "Reporting this cycle",
        "Share completed",
    ]
    water = next(r for r in body if r["Measure"].startswith("（五）"))
    assert water["Progress"] == "at risk" and water["Reporting this cycle"] == "reported on time"
    assert "Cycle 2026-11-15" in book.sheetnames


def test_the_csv_has_a_bom_and_the_same_rows(ledger):
    data = ledger_csv(ZH, ledger)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "序号" and len(rows) == 1 + 6
    water = next(r for r in rows if r[1].startswith("（五）"))
    assert water[5] == "有困难" and water[7] == "45%" and water[11] == "2026-11-16 09:00"
    english = list(csv.reader(io.StringIO(ledger_csv(EN, ledger).decode("utf-8-sig"))))
    assert english[0][0] == "No."


def test_file_names_carry_the_date(ledger):
    assert ledger_filename(ZH, NOW, "xlsx") == "督办台账-2026-11-20.xlsx"
    assert ledger_filename(EN, NOW, "csv") == "ledger-2026-11-20.csv"


@pytest.mark.parametrize(
    ("text", "progress", "problems", "next_steps"),
    [
        ("完成80%；存在问题：资金缺口；下一步：申请专项债", "完成80%", "资金缺口", "申请专项债"),
        ("完成80%。困难和问题：用地。下步打算：协调", "完成80%。", "用地。", "协调"),
        ("项目推进困难，正在协调", "项目推进困难，正在协调", "", ""),  # no label, all progress
        (
            "80% done. Problems: land. Next steps: ask the city.",
            "80% done.",
            "land.",
            "ask the city.",
        ),
        ("下一步，将加快审批。", "", "", "将加快审批。"),
    ],
)
def test_a_report_is_split_into_progress_problems_and_next_steps(
    text, progress, problems, next_steps
):
    parts = split_sections(text)
    assert (parts.progress, parts.problems, parts.next_steps) == (progress, problems, next_steps)


def test_a_report_that_looks_like_a_formula_stays_text(db, sample):
    def formula(session):
        add_update(
            session,
            measure_id=sample.measures[7],
            department_id=sample.departments["省文化和旅游厅"],
            cycle=None,
            at=NOW - timedelta(minutes=5),
            text='=HYPERLINK("http://example.invalid","点此")',
            message_id=99100,
        )

    db.call(formula)
    ledger = db.call(build_ledger, now=NOW)
    data = ledger_xlsx(ZH, ledger)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = "".join(
            archive.read(name).decode() for name in archive.namelist() if "worksheets" in name
        )
    assert "<f>" not in sheets  # no formula anywhere
    seven = by_measure(table(workbook(ZH, ledger)["督办台账"])[1], "（七）")
    assert seven["最新进展"] == '=HYPERLINK("http://example.invalid","点此")'
    rows = list(csv.reader(io.StringIO(ledger_csv(ZH, ledger).decode("utf-8-sig"))))
    assert next(r for r in rows if r[1].startswith("（七）"))[8].startswith("'=HYPERLINK")
