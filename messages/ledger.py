"""The ledger (台账) as an office hands it up: an .xlsx workbook (or the main sheet as CSV).

The main sheet has a title block (plan, 文号, 截至), one row per measure with its 序号, units,
完成时限, both signals, 完成比例 as a percent, the latest reports split into 最新进展, 存在问题
and 下步打算; it prints on landscape A4 with its header row on every page. Further sheets: every
report ever made, the review acts, a summary per cycle and the tasks of the recent cycles.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.worksheet import Worksheet

from commands.views import ExportAnswer
from messages.i18n import N_, Translator
from messages.outgoing import File, Outgoing
from messages.review import REASON_NAMES
from messages.vocabulary import (
    OUTCOME_NAMES,
    REPORTING_NAMES,
    joined,
    moment_text,
    role_name,
    signal_name,
    status_name,
)
from models.clock import as_aware_utc
from models.review import ACTION_CLOSE, ACTION_DEADLINE, ACTION_REOPEN, ACTION_RETURN
from reports.cycles import (
    OUTCOME_LATE,
    OUTCOME_MISSING,
    OUTCOME_ON_TIME,
    OUTCOME_OPEN,
    CycleOutcome,
)
from reports.ledger import HistoryRow, Ledger, LedgerRow, UnitReport
from reports.progress_signal import SIGNAL_BEHIND, SIGNAL_ON_TRACK
from reports.status import TASK_LATE, TASK_ON_TIME

CYCLE_SHEETS = 6  # recent cycles that get a sheet of their own
EXCEL_CELL_LIMIT = 32_000  # Excel refuses cells over 32,767 characters
TIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0%"
HEADER_ROW = 3  # under the title and the line with 文号 and 截至
FORMULA_STARTS = ("=", "+", "-", "@")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
ACTION_NAMES = {
    ACTION_RETURN: N_("returned"),
    ACTION_CLOSE: N_("closing"),
    ACTION_REOPEN: N_("reopened"),
    ACTION_DEADLINE: N_("deadline set"),
}


def local_time(t: Translator, moment: datetime | None) -> datetime | None:
    """A stored UTC time as the reader's wall clock, to the second (Excel has no time zones)."""
    if moment is None:
        return None
    return as_aware_utc(moment).astimezone(t.tz).replace(tzinfo=None, microsecond=0)


def excel_serial(local: datetime) -> float:
    """A wall-clock time as Excel's serial number, never a second early.

    Excel keeps times as fractions of a day, which binary floating point cannot hold exactly:
    10:00 becomes 09:59:59.99999…, and readers that cut seconds off (many do) show 09:59.
    The serial is nudged up to the nearest float that is not below the exact second.
    """
    serial = float(to_excel(local))
    exact = local.hour * 3600 + local.minute * 60 + local.second
    while math.floor((serial - math.floor(serial)) * 86400) < exact:
        serial = math.nextafter(serial, math.inf)
    return serial


def xlsx_row(values: list[object]) -> list[object]:
    """A row for the workbook: times as nudged serial numbers (formatted by their column)."""
    return [excel_serial(v) if isinstance(v, datetime) else v for v in values]


def due_cell(t: Translator, row: LedgerRow) -> str:
    """完成时限 as the plan wrote it (in Chinese), else the date; plain text for Excel."""
    if row.deadline_text and (t.is_chinese or row.deadline is None):
        return row.deadline_text
    return t.date(row.deadline, "long") if row.deadline is not None else ""


def progress_cell(t: Translator, row: LedgerRow) -> str:
    """进展: the judged signal, with 序时进度 when judged against the time elapsed, or 办结."""
    if row.closure is not None:
        return t._("closed {moment}").format(moment=t.datetime(row.closure.closed_at, "short"))
    text = signal_name(t, row.progress.signal)
    if row.progress.expected is not None and row.progress.signal in (
        SIGNAL_ON_TRACK,
        SIGNAL_BEHIND,
    ):
        text += t._(" (time elapsed {percent})").format(
            percent=t.percent(row.progress.expected / 100)
        )
    return text


def _per_unit(t: Translator, reports: list[UnitReport], part: str) -> str:
    """One unit's text as it is; several units' each after its name, one a line."""
    texts = [(r.department, getattr(r, part)) for r in reports if getattr(r, part)]
    if len(reports) == 1:
        return texts[0][1][:EXCEL_CELL_LIMIT] if texts else ""
    colon = "：" if t.is_chinese else ": "
    return "\n".join(f"{name}{colon}{text}" for name, text in texts)[:EXCEL_CELL_LIMIT]


def ledger_headers(t: Translator) -> list[str]:
    return [
        t._("No."),
        t._("Measure"),
        t._("Lead units"),
        t._("Other units"),
        t._("Time limit"),
        t._("Progress"),
        t._("Reporting this cycle"),
        t._("Share completed"),
        t._("Latest progress"),
        t._("Problems"),
        t._("Next steps"),
        t._("Updated at"),
        t._("Reporting units"),
    ]


def ledger_values(t: Translator, row: LedgerRow) -> list[object]:
    percent = row.progress.percent
    return [
        row.serial,
        f"{row.label}{row.title}",
        joined(t, row.leads) or (t._("(no lead)") if row.others else ""),
        joined(t, row.others),
        due_cell(t, row),
        progress_cell(t, row),
        t._(REPORTING_NAMES[row.reporting]) if row.reporting else "",
        percent / 100 if percent is not None else None,
        _per_unit(t, row.reports, "text"),
        _per_unit(t, row.reports, "problems"),
        _per_unit(t, row.reports, "next_steps"),
        local_time(t, row.updated_at),
        joined(t, [r.department for r in row.reports]),
    ]


LEDGER_WIDTHS = [6, 30, 16, 26, 14, 16, 12, 10, 48, 30, 30, 17, 18]
TIME_COLUMNS = [12]
PERCENT_COLUMNS = [8]
WRAPPED = [2, 3, 4, 6, 9, 10, 11, 13]


def history_headers(t: Translator) -> list[str]:
    return [
        t._("No."),
        t._("Measure"),
        t._("Unit"),
        t._("Reporter"),
        t._("Reported at"),
        t._("Edited at"),
        t._("Cycle"),
        t._("Status"),
        t._("Share completed"),
        t._("Progress"),
        t._("Problems"),
        t._("Next steps"),
        t._("Reporting"),
        t._("Returned"),
    ]


def _reporting_word(t: Translator, row: HistoryRow) -> str:
    if row.on_time is None:
        return t._("outside a reminder")
    return t._(REPORTING_NAMES[TASK_ON_TIME if row.on_time else TASK_LATE])


def _returned_word(t: Translator, row: HistoryRow) -> str:
    if row.returned_at is None:
        return ""
    reason = row.return_note or (
        t._(REASON_NAMES[row.return_reason_code]) if row.return_reason_code in REASON_NAMES else ""
    )
    moment = t.datetime(row.returned_at, "short")
    return f"{moment} {reason}".strip()


def history_values(t: Translator, serial: int, row: HistoryRow) -> list[object]:
    return [
        serial,
        f"{row.label}{row.title}",
        row.department,
        row.user_name,
        local_time(t, row.created_at),
        local_time(t, row.edited_at),
        local_time(t, row.cycle_fire_at),
        status_name(t, row.status),
        row.percent / 100 if row.percent is not None else None,
        row.text[:EXCEL_CELL_LIMIT],
        row.problems[:EXCEL_CELL_LIMIT],
        row.next_steps[:EXCEL_CELL_LIMIT],
        _reporting_word(t, row),
        _returned_word(t, row),
    ]


def summary_headers(t: Translator) -> list[str]:
    return [
        t._("Reminder sent"),
        t._("Deadline"),
        t._("Tasks"),
        t._("Reported on time"),
        t._("Reported late"),
        t._("Missing"),
        t._("Not yet due"),
        t._("On-time rate (responsible)"),
    ]


def summary_values(t: Translator, outcome: CycleOutcome) -> list[object]:
    return [
        local_time(t, outcome.cycle.fire_at),
        local_time(t, outcome.cycle.due_at),
        len(outcome.tasks),
        outcome.count(OUTCOME_ON_TIME),
        outcome.count(OUTCOME_LATE),
        outcome.count(OUTCOME_MISSING),
        outcome.count(OUTCOME_OPEN),
        outcome.on_time_rate(),
    ]


def _style_table(
    ws: Worksheet,
    widths: list[int],
    *,
    header_row: int = 1,
    times: list[int] = (),  # type: ignore[assignment]
    percents: list[int] = (),  # type: ignore[assignment]
    wrapped: list[int] = (),  # type: ignore[assignment]
) -> None:
    """Header, widths, number formats, frozen header, filter, and printing on landscape A4
    with the header row repeated on every page."""
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = GRID
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                # A report that starts with "=" is text, never a formula Excel would run.
                cell.data_type = "s"
            cell.border = GRID
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column in wrapped)
            if cell.column in times:
                cell.number_format = TIME_FORMAT
            elif cell.column in percents:
                cell.number_format = PERCENT_FORMAT
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    last = get_column_letter(len(widths))
    ws.auto_filter.ref = f"A{header_row}:{last}{max(ws.max_row, header_row)}"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = "&P / &N"


def _title_block(t: Translator, ws: Worksheet, ledger: Ledger, columns: int, title: str) -> None:
    """Row 1: the title; row 2: the plan's 文号 and 截至 date and time."""
    ws.append([title])
    ws.append(
        [
            t._("Document No.: {number}    As of: {moment}").format(
                number=ledger.doc_number or "—",
                moment=moment_text(t, ledger.generated_at),
            )
        ]
    )
    last = get_column_letter(columns)
    ws.merge_cells(f"A1:{last}1")
    ws.merge_cells(f"A2:{last}2")
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws["A2"].alignment = Alignment(horizontal="right")
    ws.row_dimensions[1].height = 30


def ledger_title(t: Translator, ledger: Ledger) -> str:
    return t._("{plan}: follow-up ledger").format(plan=ledger.plan_title or t._("Plan"))


def cycle_sheet_title(t: Translator, outcome: CycleOutcome, taken: set[str]) -> str:
    """A sheet name within Excel's 31 characters and unique in the workbook."""
    local = as_aware_utc(outcome.cycle.fire_at).astimezone(t.tz)
    base = t._("Cycle {date}").format(date=local.strftime("%Y-%m-%d"))
    for char in "[]:*?/\\":
        base = base.replace(char, "-")
    title, n = base[:28], 2
    while title in taken:
        title, n = f"{base[:26]} ({n})", n + 1
    taken.add(title)
    return title


def _main_sheet(t: Translator, ws: Worksheet, ledger: Ledger) -> None:
    ws.title = t._("Ledger")
    headers = ledger_headers(t)
    _title_block(t, ws, ledger, len(headers), ledger_title(t, ledger))
    ws.append(headers)
    for row in ledger.rows:
        ws.append(xlsx_row(ledger_values(t, row)))
    _style_table(
        ws,
        LEDGER_WIDTHS,
        header_row=HEADER_ROW,
        times=TIME_COLUMNS,
        percents=PERCENT_COLUMNS,
        wrapped=WRAPPED,
    )


def _history_sheet(t: Translator, ws: Worksheet, ledger: Ledger) -> None:
    headers = history_headers(t)
    _title_block(t, ws, ledger, len(headers), t._("Every report, measure by measure"))
    ws.append(headers)
    for serial, row in enumerate(ledger.history, start=1):
        ws.append(xlsx_row(history_values(t, serial, row)))
    if ledger.history_total > len(ledger.history):
        ws.append(
            [
                t._("The first {shown} reports; Excel holds no more on one sheet.").format(
                    shown=len(ledger.history)
                )
            ]
        )
    _style_table(
        ws,
        [6, 28, 16, 12, 17, 17, 17, 9, 9, 48, 30, 30, 10, 22],
        header_row=HEADER_ROW,
        times=[5, 6, 7],
        percents=[9],
        wrapped=[2, 10, 11, 12, 14],
    )


def _actions_sheet(t: Translator, ws: Worksheet, ledger: Ledger) -> None:
    ws.append(
        [t._("Time"), t._("Measure"), t._("Act"), t._("Unit"), t._("By"), t._("Reason or note")]
    )
    for action in ledger.actions:
        note = action.note
        if action.kind == ACTION_RETURN and not note and action.reason_code in REASON_NAMES:
            note = t._(REASON_NAMES[action.reason_code])
        ws.append(
            xlsx_row(
                [
                    local_time(t, action.at),
                    f"{action.label}{action.title}",
                    t._(ACTION_NAMES.get(action.kind, action.kind)),
                    action.department or "",
                    action.user_name,
                    note,
                ]
            )
        )
    _style_table(ws, [17, 30, 10, 16, 16, 40], times=[1], wrapped=[2, 6])


def ledger_xlsx(t: Translator, ledger: Ledger) -> bytes:
    """The workbook: the 台账, every report, the review acts, cycles summed up and in detail."""
    workbook = Workbook()
    main = workbook.active
    assert main is not None
    _main_sheet(t, main, ledger)
    _history_sheet(t, workbook.create_sheet(t._("All reports")), ledger)
    _actions_sheet(t, workbook.create_sheet(t._("Review")), ledger)
    summary = workbook.create_sheet(t._("Summary by cycle"))
    summary.append(summary_headers(t))
    for outcome in ledger.cycles:
        summary.append(xlsx_row(summary_values(t, outcome)))
    _style_table(summary, [17, 17, 8, 12, 12, 10, 10, 14], times=[1, 2], percents=[8])
    taken = {ws.title for ws in workbook.worksheets}
    for outcome in ledger.cycles[:CYCLE_SHEETS]:
        ws = workbook.create_sheet(cycle_sheet_title(t, outcome, taken))
        ws.append(
            [t._("Measure"), t._("Department"), t._("Role"), t._("Reported at"), t._("Result")]
        )
        for task in outcome.tasks:
            ws.append(
                xlsx_row(
                    [
                        f"{task.label}{task.title}",
                        task.department,
                        role_name(t, task.role, task.responsible),
                        local_time(t, task.first_report_at),
                        t._(OUTCOME_NAMES[task.outcome]),
                    ]
                )
            )
        _style_table(ws, [40, 22, 8, 17, 14], times=[4], wrapped=[1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(t: Translator, value: object, column: int) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if column in PERCENT_COLUMNS and isinstance(value, float):
        return t.percent(value)
    text = str(value)
    # Spreadsheets run a cell that starts like a formula; a quote keeps users' text text.
    return "'" + text if isinstance(value, str) and text[:1] in FORMULA_STARTS else text


def ledger_csv(t: Translator, ledger: Ledger) -> bytes:
    """The main sheet as CSV, UTF-8 with a BOM so that Excel shows Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ledger_headers(t))
    for row in ledger.rows:
        values = ledger_values(t, row)
        writer.writerow([_csv_value(t, v, i) for i, v in enumerate(values, start=1)])
    return buffer.getvalue().encode("utf-8-sig")


def ledger_filename(t: Translator, now: datetime, extension: str) -> str:
    day = as_aware_utc(now).astimezone(t.tz).strftime("%Y-%m-%d")
    return t._("ledger") + f"-{day}.{extension}"


def render_export(t: Translator, answer: ExportAnswer) -> list[Outgoing]:
    """/export: the ledger as a document named with today's date, or how to ask for one."""
    if answer.ledger is None:
        return [Outgoing(t._("Usage: /export for an Excel workbook, /export csv for a CSV file."))]
    ledger = answer.ledger
    caption = t._("Ledger as of {date}: {measures} measures, {reports} reports").format(
        date=t.datetime(answer.now, "short"), measures=len(ledger.rows), reports=len(ledger.history)
    )
    if answer.fmt == "csv":
        content = ledger_csv(t, ledger)
    else:
        content = ledger_xlsx(t, ledger)
    return [Outgoing(caption, file=File(ledger_filename(t, answer.now, answer.fmt), content))]
