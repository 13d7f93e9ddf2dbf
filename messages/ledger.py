"""The ledger (台账) as coordinators send it upward: an .xlsx workbook or a CSV file.

Headers and words in the reader's language; one row per measure × department, a summary row
per cycle and a sheet of tasks for each recent cycle.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from commands.views import ExportAnswer
from messages.i18n import Translator
from messages.outgoing import File, Outgoing
from messages.vocabulary import OUTCOME_NAMES, role_name, status_name
from models.clock import as_aware_utc
from reports.cycles import (
    OUTCOME_LATE,
    OUTCOME_MISSING,
    OUTCOME_ON_TIME,
    OUTCOME_OPEN,
    CycleOutcome,
)
from reports.ledger import Ledger, LedgerRow

CYCLE_SHEETS = 6  # recent cycles that get a sheet of their own
EXCEL_CELL_LIMIT = 32_000  # Excel refuses cells over 32,767 characters


def _local(t: Translator, moment: datetime | None) -> datetime | None:
    """Stored UTC as the reader's wall-clock time (Excel has no time zones)."""
    if moment is None:
        return None
    return as_aware_utc(moment).astimezone(t.tz).replace(tzinfo=None)


def _yes_no(t: Translator, value: bool | None) -> str:
    if value is None:
        return ""
    return t._("yes") if value else t._("no")


def ledger_headers(t: Translator) -> list[str]:
    return [
        t._("Section"),
        t._("Measure"),
        t._("Department"),
        t._("Role"),
        t._("Latest status"),
        t._("Percent"),
        t._("Latest update"),
        t._("Updated at"),
        t._("Reporter"),
        t._("On time"),
    ]


def ledger_values(t: Translator, row: LedgerRow) -> list[object]:
    return [
        row.section,
        row.measure,
        row.department,
        role_name(t, row.role),
        status_name(t, row.status) if row.status else t._("no report yet"),
        row.percent,
        row.text[:EXCEL_CELL_LIMIT],
        _local(t, row.updated_at),
        row.reporter,
        _yes_no(t, row.on_time),
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
        _local(t, outcome.cycle.fire_at),
        _local(t, outcome.cycle.due_at),
        len(outcome.tasks),
        outcome.count(OUTCOME_ON_TIME),
        outcome.count(OUTCOME_LATE),
        outcome.count(OUTCOME_MISSING),
        outcome.count(OUTCOME_OPEN),
        outcome.on_time_rate(),
    ]


def _style_sheet(sheet: object, widths: list[int]) -> None:
    ws = sheet  # openpyxl's Worksheet
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:  # type: ignore[index]
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width  # type: ignore[attr-defined]
    ws.freeze_panes = "A2"  # type: ignore[attr-defined]
    ws.auto_filter.ref = ws.dimensions  # type: ignore[attr-defined]


def _date_format(ws: object, columns: list[int]) -> None:
    for row in ws.iter_rows(min_row=2):  # type: ignore[attr-defined]
        for index in columns:
            row[index - 1].number_format = "yyyy-mm-dd hh:mm"


def cycle_sheet_title(t: Translator, outcome: CycleOutcome, taken: set[str]) -> str:
    """A sheet name within Excel's 31 characters and unique in the workbook."""
    base = t._("Cycle {date}").format(date=_local(t, outcome.cycle.fire_at).strftime("%Y-%m-%d"))  # type: ignore[union-attr]
    for char in "[]:*?/\\":
        base = base.replace(char, "-")
    title, n = base[:28], 2
    while title in taken:
        title, n = f"{base[:26]} ({n})", n + 1
    taken.add(title)
    return title


def ledger_xlsx(t: Translator, ledger: Ledger) -> bytes:
    """The ledger as an .xlsx workbook: ledger, summary per cycle, a sheet per recent cycle."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = t._("Ledger")
    sheet.append(ledger_headers(t))
    for row in ledger.rows:
        sheet.append(ledger_values(t, row))
    _style_sheet(sheet, [28, 36, 22, 8, 12, 8, 60, 17, 12, 8])
    _date_format(sheet, [8])
    for cells in sheet.iter_rows(min_row=2, min_col=7, max_col=7):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    summary = workbook.create_sheet(t._("Summary by cycle"))
    summary.append(summary_headers(t))
    for outcome in ledger.cycles:
        summary.append(summary_values(t, outcome))
    _style_sheet(summary, [17, 17, 8, 12, 12, 10, 10, 14])
    _date_format(summary, [1, 2])
    for cells in summary.iter_rows(min_row=2, min_col=8, max_col=8):
        for cell in cells:
            cell.number_format = "0%"

    taken = {sheet.title, summary.title}
    for outcome in ledger.cycles[:CYCLE_SHEETS]:
        ws = workbook.create_sheet(cycle_sheet_title(t, outcome, taken))
        ws.append(
            [t._("Measure"), t._("Department"), t._("Role"), t._("Reported at"), t._("Result")]
        )
        for task in outcome.tasks:
            ws.append(
                [
                    f"{task.label}{task.title}",
                    task.department,
                    role_name(t, task.role),
                    _local(t, task.first_report_at),
                    t._(OUTCOME_NAMES[task.outcome]),
                ]
            )
        _style_sheet(ws, [40, 22, 8, 17, 14])
        _date_format(ws, [4])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ledger_csv(t: Translator, ledger: Ledger) -> bytes:
    """The ledger sheet as CSV, UTF-8 with a BOM so that Excel shows Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ledger_headers(t))
    for row in ledger.rows:
        values = ledger_values(t, row)
        writer.writerow(
            [
                v.strftime("%Y-%m-%d %H:%M")
                if isinstance(v, datetime)
                else ("" if v is None else v)
                for v in values
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def ledger_filename(t: Translator, now: datetime, extension: str) -> str:
    day = _local(t, now).strftime("%Y-%m-%d")  # type: ignore[union-attr]
    stem = t._("ledger") + "-" + day
    return f"{stem}.{extension}"


def render_export(t: Translator, answer: ExportAnswer) -> list[Outgoing]:
    """/export: the ledger as a document named with today's date, or how to ask for one."""
    if answer.ledger is None:
        return [Outgoing(t._("Usage: /export for an Excel workbook, /export csv for a CSV file."))]
    ledger = answer.ledger
    caption = t._("Ledger as of {date}: {rows} rows").format(
        date=t.datetime(answer.now, "short"), rows=len(ledger.rows)
    )
    if answer.fmt == "csv":
        content = ledger_csv(t, ledger)
    else:
        content = ledger_xlsx(t, ledger)
    return [Outgoing(caption, file=File(ledger_filename(t, answer.now, answer.fmt), content))]
