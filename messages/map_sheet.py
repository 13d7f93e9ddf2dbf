"""The map spreadsheet of `plan export-map` and what `plan export-map|import-map` print:
headings in the reader's language, the workbook itself, and every bad row in words.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from commands.plan_map import PlanMap
from messages.i18n import N_, Translator, get_translator
from messages.plan import warning_text
from messages.vocabulary import joined
from planreader.corrections import MeasureMap
from planreader.map_sheet import (
    BAD_DUE,
    BOTH_ROLES,
    COLUMNS,
    NO_DEPARTMENT,
    NO_HEADING,
    NOT_A_WORKBOOK,
    TWICE,
    UNKNOWN_MEASURE,
    UNKNOWN_NAME,
    MapImport,
    MapSheetError,
    RowProblem,
    due_cell,
)

HEADINGS = {
    "measure": N_("Measure"),
    "title": N_("Title"),
    "leads": N_("Leads"),
    "supports": N_("Supports"),
    "due": N_("Due"),
    "doubts": N_("Doubts"),
    "corrected": N_("Corrected"),
}
COLUMN_WIDTHS = (12, 40, 28, 44, 16, 48, 16)
SHEET_ERRORS = {
    NOT_A_WORKBOOK: N_("{path} is not an .xlsx workbook that can be opened"),
    NO_HEADING: N_(
        "{path} has no heading row with the columns Measure, Leads and Supports (as export-map "
        "writes them)"
    ),
}
ROW_PROBLEMS = {
    UNKNOWN_MEASURE: N_("row {row}: the plan has no measure {measure}"),
    TWICE: N_("row {row}: measure {measure} is already on row {first}"),
    UNKNOWN_NAME: N_("row {row}: no department called {name}"),
    BOTH_ROLES: N_("row {row}: {name} cannot both lead and support"),
    NO_DEPARTMENT: N_("row {row}: no department left for measure {measure}"),
    BAD_DUE: N_("row {row}: {due} is not a time limit (2023年6月底前, 2023-06-30, 长期坚持)"),
}
UNKNOWN_NAME_SUGGEST = N_("row {row}: no department called {name}; did you mean {suggestions}?")
NO_PLAN = N_("No plan is imported yet: run plan import first.")


def every_heading() -> dict[str, set[str]]:
    """Each column's heading in every language: a sheet exported in Chinese imports in English
    and the other way round."""
    translators = [get_translator("zh_CN"), get_translator("en")]
    return {c: {t._(HEADINGS[c]) for t in translators} | {HEADINGS[c]} for c in COLUMNS}


def _doubts_cell(t: Translator, entry: MeasureMap) -> str:
    """The reader's doubts; none once an admin corrected the measure."""
    return "" if entry.corrected else "；".join(warning_text(t, d) for d in entry.doubts)


def map_workbook(t: Translator, plan_map: PlanMap) -> bytes:
    """The .xlsx: one row per measure under headings in the reader's language."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = t._("Map")
    sheet.append([t._(HEADINGS[c]) for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for entry in plan_map.measures:
        sheet.append(
            [
                entry.label,
                entry.title,
                "、".join(entry.leads),
                "、".join(entry.supports),
                due_cell(entry),
                _doubts_cell(t, entry),
                t.date(entry.corrected_at, "short") if entry.corrected_at else "",
            ]
        )
    for column, width in zip("ABCDEFG", COLUMN_WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_map_export(t: Translator, plan_map: PlanMap, path: str) -> str:
    """What `plan export-map` prints once the file is written."""
    measures = plan_map.measures
    doubtful = sum(1 for m in measures if m.doubts and not m.corrected)
    return t.ngettext(
        "Wrote the map of {title} to {path}: {n} measure, {doubtful} to check.",
        "Wrote the map of {title} to {path}: {n} measures, {doubtful} to check.",
        len(measures),
    ).format(title=plan_map.title, path=path, n=len(measures), doubtful=doubtful)


def no_plan_text(t: Translator) -> str:
    return t._(NO_PLAN)


def write_error_text(t: Translator, path: str, error: OSError) -> str:
    """The map could not be written where asked."""
    return t._("{path} could not be written: {reason}").format(
        path=path, reason=error.strerror or str(error)
    )


def sheet_error_text(t: Translator, error: MapSheetError) -> str:
    """Why the file is no map sheet."""
    return t._(SHEET_ERRORS[error.code]).format(path=error.path)


def row_problem_text(t: Translator, problem: RowProblem) -> str:
    message = ROW_PROBLEMS[problem.code]
    if problem.code == UNKNOWN_NAME and problem.params.get("suggestions"):
        message = UNKNOWN_NAME_SUGGEST
    return t._(message).format(**problem.params)


def render_map_import(t: Translator, result: MapImport) -> str:
    """What `plan import-map` prints: every bad row (and nothing written), or what changed."""
    if result.problems:
        lines = [
            t.ngettext(
                "Nothing was changed: {n} problem needs fixing first.",
                "Nothing was changed: {n} problems need fixing first.",
                len(result.problems),
            ).format(n=len(result.problems))
        ]
        return "\n".join(lines + ["- " + row_problem_text(t, p) for p in result.problems])
    lines = [
        t.ngettext(
            "{n} measure corrected.", "{n} measures corrected.", len(result.corrected)
        ).format(n=len(result.corrected))
    ]
    lines += ["- " + label for label in result.corrected]
    if result.created:
        lines.append(t._("New departments: {names}").format(names=joined(t, result.created)))
    lines.append(
        t.ngettext("{n} row unchanged.", "{n} rows unchanged.", result.unchanged).format(
            n=result.unchanged
        )
    )
    return "\n".join(lines)
