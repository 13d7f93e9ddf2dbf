"""The plan's map as a spreadsheet an office edited: its rows read back and applied.

One row per measure: measure, title, leads, supports, due, and the reader's doubts (for
reading only; `messages/map_sheet.py` writes the workbook). An import checks every row before
it writes anything: a single bad row and nothing changes, and each problem names its row.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import openpyxl
from sqlmodel import Session

from models.plan import Measure
from planreader.aliases import lookup_key
from planreader.clauses import split_outside_brackets
from planreader.corrections import (
    SOURCE_SHEET,
    MeasureMap,
    correct_measure,
    measure_maps,
    plan_measures,
    resolve_names,
)
from planreader.deadlines import read_deadline
from planreader.measures import parse_measure_token

COLUMNS = ("measure", "title", "leads", "supports", "due", "doubts", "corrected")
NAME_SEPARATORS = "、，,；;/ \n\t"

# Why a file is no map sheet (params: path).
NOT_A_WORKBOOK = "not_a_workbook"
NO_HEADING = "no_heading"
# What is wrong with a row (params: row, and those in the comment).
UNKNOWN_MEASURE = "unknown_measure"  # measure
TWICE = "twice"  # measure, first
UNKNOWN_NAME = "unknown_name"  # name, and suggestions when there are any
BOTH_ROLES = "both_roles"  # name
NO_DEPARTMENT = "no_department"  # measure
BAD_DUE = "bad_due"  # due


@dataclass(frozen=True)
class SheetRow:
    row: int  # as the spreadsheet numbers it
    measure: str
    leads: list[str]
    supports: list[str]
    due: str


@dataclass(frozen=True)
class RowProblem:
    code: str  # one of the row codes above
    params: dict[str, object]


@dataclass
class MapImport:
    problems: list[RowProblem] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)  # "（五）建设…"
    created: list[str] = field(default_factory=list)
    unchanged: int = 0


class MapSheetError(Exception):
    """The file is no map sheet at all; `code` says why."""

    def __init__(self, code: str, path: str) -> None:
        super().__init__(f"{path}: {code}")
        self.code = code
        self.path = path


def due_cell(entry: MeasureMap) -> str:
    """The deadline as the sheet shows it: the words of the plan, else the date."""
    if entry.deadline_text:
        return entry.deadline_text
    return entry.deadline.isoformat() if entry.deadline else ""


def read_map_sheet(path: Path, *, headings: dict[str, set[str]]) -> list[SheetRow]:
    """The rows of an edited map; `headings` gives each column's words in every language."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()), data_only=True)
    except Exception:  # a missing, damaged or other kind of file: openpyxl has many errors
        raise MapSheetError(NOT_A_WORKBOOK, str(path)) from None
    rows = [
        ["" if v is None else str(v).strip() for v in row]
        for row in workbook.worksheets[0].iter_rows(values_only=True)
    ]
    index, columns = _heading(rows, headings, str(path))

    def cell(row: list[str], column: str) -> str:
        position = columns.get(column, -1)
        return row[position] if 0 <= position < len(row) else ""

    out: list[SheetRow] = []
    for number, row in enumerate(rows[index + 1 :], start=index + 2):
        if not cell(row, "measure") and not cell(row, "leads") and not cell(row, "supports"):
            continue  # a blank line
        out.append(
            SheetRow(
                row=number,
                measure=cell(row, "measure"),
                leads=_names(cell(row, "leads")),
                supports=_names(cell(row, "supports")),
                due=re.sub(r"\s+", "", cell(row, "due")),
            )
        )
    return out


def _heading(
    rows: list[list[str]], headings: dict[str, set[str]], path: str
) -> tuple[int, dict[str, int]]:
    """The heading row's index and column → position."""
    wanted = {lookup_key(word): column for column, words in headings.items() for word in words}
    for index, row in enumerate(rows):
        columns = {wanted[lookup_key(c)]: i for i, c in enumerate(row) if lookup_key(c) in wanted}
        if {"measure", "leads", "supports"} <= set(columns):
            return index, columns
    raise MapSheetError(NO_HEADING, path)


def _names(text: str) -> list[str]:
    """省水利厅、相关县（市、区）人民政府: split on 、 but not inside brackets."""
    return [n.strip() for n in split_outside_brackets(text, NAME_SEPARATORS) if n.strip()]


def _find(measures: list[Measure], token: str) -> Measure | None:
    key = lookup_key(token)
    for measure in measures:
        if lookup_key(measure.label) == key:
            return measure
    number = parse_measure_token(token)
    return next((m for m in measures if m.number == number), None) if number else None


def import_map_rows(
    session: Session,
    *,
    plan_id: int,
    rows: list[SheetRow],
    user_id: int | None = None,
    now: datetime,
) -> MapImport:
    """Check every row, then (only if all are good) apply the rows that changed anything."""
    result = MapImport()
    measures = plan_measures(session, plan_id)
    current = {m.measure_id: m for m in measure_maps(session, measures)}
    seen: dict[int, int] = {}
    planned: list[tuple[Measure, SheetRow, bool, bool]] = []
    for row in rows:
        problems = len(result.problems)
        measure = _find(measures, row.measure)
        if measure is None or measure.id is None:
            result.problems.append(
                RowProblem(UNKNOWN_MEASURE, {"row": row.row, "measure": row.measure})
            )
            continue
        if measure.id in seen:
            result.problems.append(
                RowProblem(
                    TWICE, {"row": row.row, "measure": row.measure, "first": seen[measure.id]}
                )
            )
            continue
        seen[measure.id] = row.row
        leads = resolve_names(session, row.leads, create=False)
        supports = resolve_names(session, row.supports, create=False)
        for name, suggestions in leads.unknown + supports.unknown:
            params: dict[str, object] = {"row": row.row, "name": name}
            if suggestions:
                params["suggestions"] = "、".join(suggestions)
            result.problems.append(RowProblem(UNKNOWN_NAME, params))
        both = [n for n in row.leads if lookup_key(n) in {lookup_key(s) for s in row.supports}]
        result.problems += [RowProblem(BOTH_ROLES, {"row": row.row, "name": n}) for n in both]
        entry = current[measure.id]
        if row.due != due_cell(entry) and row.due and read_deadline(row.due) is None:
            result.problems.append(RowProblem(BAD_DUE, {"row": row.row, "due": row.due}))
        if entry.leads + entry.supports and not (row.leads or row.supports):
            result.problems.append(
                RowProblem(NO_DEPARTMENT, {"row": row.row, "measure": row.measure})
            )
        if len(result.problems) > problems:
            continue
        # 水利厅 for 省水利厅 is no change; a new +名称 is.
        typed = ([d.name for d in leads.departments], [d.name for d in supports.departments])
        names_changed = bool(leads.created or supports.created) or typed != (
            entry.leads,
            entry.supports,
        )
        planned.append((measure, row, names_changed, row.due != due_cell(entry)))
    if result.problems:
        return result
    for measure, row, names_changed, due_changed in planned:
        if not (names_changed or due_changed):
            result.unchanged += 1
            continue
        lead_ids = support_ids = None
        if names_changed:
            leads = resolve_names(session, row.leads, create=True)
            supports = resolve_names(session, row.supports, create=True)
            result.created += [
                n for n in leads.created + supports.created if n not in result.created
            ]
            lead_ids = [d.id for d in leads.departments if d.id is not None]
            support_ids = [d.id for d in supports.departments if d.id is not None]
        deadline = None
        if due_changed:
            found = read_deadline(row.due) if row.due else None
            deadline = (found.due, row.due) if found else (None, None)
        correct_measure(
            session,
            measure=measure,
            lead_ids=lead_ids,
            support_ids=support_ids,
            deadline=deadline,
            source=SOURCE_SHEET,
            user_id=user_id,
            now=now,
        )
        result.corrected.append(measure.label + measure.title)
    return result
