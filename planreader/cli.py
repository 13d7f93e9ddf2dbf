"""`python bot.py plan show|import PATH`: read a plan document, print it, store it.

No bot token needed. Messages go through the catalogs (Chinese by default, `--lang en`);
`plan show --json` prints `PlanDocument.to_json()`: plan, measures, departments, regions.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path
from typing import TextIO

from messages.i18n import Translator, get_translator
from planreader.document import MeasureDoc, PlanDocument, PlanReadError
from planreader.importer import STATUS_CREATED, STATUS_UNCHANGED, ImportResult
from planreader.reader import read_plan

EXIT_OK, EXIT_NOT_A_PLAN, EXIT_DATABASE = 0, 1, 3
COLUMN_WIDTHS = (10, 26, 12, 22, 40)  # measure, title, due, leads, supports (display columns)


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap_cell(text: str, width: int) -> list[str]:
    """Cut `text` into lines of at most `width` columns, preferring to cut after 、 or a space."""
    if display_width(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for piece in _pieces(text):
        if line and display_width(line + piece) > width:
            lines.append(line.rstrip())
            line = ""
        while display_width(piece) > width:  # one piece longer than the column
            cut = len(piece)
            while display_width(piece[:cut]) > width:
                cut -= 1
            lines.append(piece[:cut])
            piece = piece[cut:]
        line += piece
    if line:
        lines.append(line.rstrip())
    return lines


def _pieces(text: str) -> list[str]:
    pieces: list[str] = []
    current = ""
    for ch in text:
        current += ch
        if ch in "、， ,":
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    return pieces


def list_separator(t: Translator) -> str:
    """Names are listed with 、 in Chinese and with commas in English."""
    return "、" if t.is_chinese else ", "


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def render_table(document: PlanDocument, t: Translator) -> str:
    """The plan as a readable table: measure, title, leads, supports."""
    out: list[str] = [
        document.title,
        t._("Document number: {doc_number}").format(doc_number=document.doc_number),
        t._("Issued by: {issuer}").format(issuer=document.issuer or "—"),
        t._("Date: {date}").format(date=t.date(document.issued_on) if document.issued_on else "—"),
        "",
    ]
    headings = (t._("Measure"), t._("Title"), t._("Due"), t._("Leads"), t._("Supports"))
    widths = [max(w, display_width(h)) for w, h in zip(COLUMN_WIDTHS, headings, strict=True)]
    out.append("  ".join(pad(h, w) for h, w in zip(headings, widths, strict=True)).rstrip())
    out.append("  ".join("-" * w for w in widths))
    separator = list_separator(t)
    section = group = None
    for measure in document.measures:
        if measure.section and measure.section != section:
            section = measure.section
            out.append(section)
        if measure.group and measure.group != group:
            group = measure.group
            out.append("  " + group)
        if measure.clause is None:
            leads = t._("(no clause)")
            supports = ""
        else:
            leads = separator.join(measure.leads) or t._("(no lead)")
            supports = separator.join(measure.supports) or "—"
        cells = [
            wrap_cell(text, width)
            for text, width in zip(
                (measure.label, measure.title, due_text(measure, t), leads, supports),
                widths,
                strict=True,
            )
        ]
        for row in range(max(len(c) for c in cells)):
            parts = [
                pad(c[row] if row < len(c) else "", w) for c, w in zip(cells, widths, strict=True)
            ]
            out.append("  ".join(parts).rstrip())
        out.extend(" " * widths[0] + "  ? " + doubt.render(t) for doubt in measure.doubts)
    out.append("")
    doubtful = [m.label for m in document.measures if m.doubts]
    if doubtful:
        out.append(
            t.ngettext(
                "?: {n} measure may be read wrong ({labels}); check it against the document and "
                "correct it with /assign or plan import-map.",
                "?: {n} measures may be read wrong ({labels}); check them against the document "
                "and correct them with /assign or plan import-map.",
                len(doubtful),
            ).format(n=len(doubtful), labels=list_separator(t).join(doubtful))
        )
    if any(m.clause is not None and m.clause.no_lead for m in document.measures):
        out.append(
            t._("(no lead): the clause names no lead unit; every unit named reports like a lead.")
        )
    out.append(summary_counts(document, t))
    if document.regions:
        counties = sum(len(r.counties) for r in document.regions)
        out.append(
            t.ngettext(
                "Attachment: {counties} county in {cities} cities",
                "Attachment: {counties} counties in {cities} cities",
                counties,
            ).format(counties=counties, cities=len(document.regions))
        )
        colon = "：" if t.is_chinese else ": "
        for region in document.regions:
            lines = wrap_cell(region.city + colon + separator.join(region.counties), 96)
            out.extend("  " + line for line in lines)
    out.extend("⚠ " + warning.render(t) for warning in document.warnings)
    return "\n".join(out)


def due_text(measure: MeasureDoc, t: Translator) -> str:
    """The due date in the reader's format, else the kind as written (长期坚持), else —."""
    if measure.deadline is not None:
        return t.date(measure.deadline, "short")
    return measure.deadline_text or "—"


def summary_counts(document_or_result: PlanDocument | ImportResult, t: Translator) -> str:
    if isinstance(document_or_result, PlanDocument):
        measures = len(document_or_result.measures)
        departments = len(document_or_result.departments)
        assignments = sum(
            len(m.clause.departments) for m in document_or_result.measures if m.clause
        )
    else:
        measures = document_or_result.measures
        departments = document_or_result.departments
        assignments = document_or_result.assignments
    parts = [
        t.ngettext("{n} measure", "{n} measures", measures).format(n=measures),
        t.ngettext("{n} department", "{n} departments", departments).format(n=departments),
        t.ngettext("{n} assignment", "{n} assignments", assignments).format(n=assignments),
    ]
    return list_separator(t).join(parts)


def _number_of(result: ImportResult) -> str:
    """The 文号 to show; a plan known by its title (a task table) shows none."""
    return "" if result.doc_number == result.title[:100] else result.doc_number


def render_import(result: ImportResult, t: Translator) -> str:
    """What `plan import` prints: what was stored, or what a revision changed."""
    sep = list_separator(t)
    if result.status == STATUS_UNCHANGED:
        lines = [
            t._("{doc_number} is already imported with the same content; nothing changed.").format(
                doc_number=result.doc_number
            )
        ]
    elif result.status == STATUS_CREATED:
        lines = [
            t._("Imported {doc_number} {title}").format(
                doc_number=_number_of(result) or t._("(no document number)"), title=result.title
            )
        ]
    else:
        lines = [
            t._("Imported a revision of {doc_number} {title}").format(
                doc_number=_number_of(result) or t._("(no document number)"), title=result.title
            )
        ]
        if result.measures_added:
            lines.append(
                t._("Measures added: {measures}").format(measures=sep.join(result.measures_added))
            )
        if result.measures_removed:
            lines.append(
                t._("Measures removed (kept inactive with their progress): {measures}").format(
                    measures=sep.join(result.measures_removed)
                )
            )
        for change in result.changes:
            parts: list[str] = []
            if change.added:
                parts.append(t._("departments added: {names}").format(names=sep.join(change.added)))
            if change.removed:
                parts.append(
                    t._("departments removed: {names}").format(names=sep.join(change.removed))
                )
            if change.role_changed:
                parts.append(
                    t._("role changed: {names}").format(names=sep.join(change.role_changed))
                )
            joiner = "；" if t.is_chinese else "; "
            lines.append(f"{change.label}{change.title}: " + joiner.join(parts))
        if not (result.measures_added or result.measures_removed or result.changes):
            lines.append(t._("No measure or department changed; the text was updated."))
    if result.corrections_kept:
        lines.append(
            t._("Corrections kept: {measures}").format(measures=sep.join(result.corrections_kept))
        )
    if result.corrections_to_check:
        lines.append(
            t._(
                "The document's clause changed for {measures}: the correction was kept; check it."
            ).format(measures=sep.join(result.corrections_to_check))
        )
    lines.append(summary_counts(result, t))
    if result.regions:
        lines.append(
            t.ngettext(
                "{n} county in the attachment", "{n} counties in the attachment", result.regions
            ).format(n=result.regions)
        )
    if result.new_departments and result.status != STATUS_CREATED:
        lines.append(
            t.ngettext("{n} new department", "{n} new departments", result.new_departments).format(
                n=result.new_departments
            )
        )
    lines.extend("⚠ " + warning.render(t) for warning in result.warnings)
    if result.doubts:
        lines.append(
            t.ngettext(
                "{n} measure may be read wrong; check it and correct it with /assign or "
                "plan import-map:",
                "{n} measures may be read wrong; check them and correct them with /assign or "
                "plan import-map:",
                len(result.doubts),
            ).format(n=len(result.doubts))
        )
        for label, title, doubts in result.doubts:
            lines.append(f"? {label}{title}")
            lines.extend("    " + doubt.render(t) for doubt in doubts)
    return "\n".join(lines)


def _read(path: Path | str, t: Translator, err: TextIO) -> PlanDocument | None:
    try:
        return read_plan(path)
    except PlanReadError as exc:
        print(exc.render(t), file=err)
        return None


def cmd_show(
    path: Path | str,
    *,
    as_json: bool = False,
    lang: str = "zh_CN",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print who leads and supports each measure of the plan at `path` (no database)."""
    out, err = out or sys.stdout, err or sys.stderr
    t = get_translator(lang)
    document = _read(path, t, err)
    if document is None:
        return EXIT_NOT_A_PLAN
    text = (
        json.dumps(document.to_json(t), ensure_ascii=False, indent=2)
        if as_json
        else render_table(document, t)
    )
    try:
        print(text, file=out)
    except BrokenPipeError:  # `plan show … | head` closed the pipe early: not an error
        pass
    return EXIT_OK


def cmd_import(
    path: Path | str,
    *,
    database_url: str,
    lang: str = "zh_CN",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Store the plan at `path` (or a revision of it) and print what changed.

    The schema is handled like `bot.py run` does: a SQLite file is migrated in place, a
    PostgreSQL database must already be at the newest migration (`bot.py db upgrade`).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from migrations.runner import require_current, upgrade_engine
    from models.db import Database, is_postgres
    from planreader.importer import import_plan_document

    out, err = out or sys.stdout, err or sys.stderr
    t = get_translator(lang)
    document = _read(path, t, err)
    if document is None:
        return EXIT_NOT_A_PLAN
    db = Database.from_url(database_url)
    try:
        if is_postgres(db.engine):
            require_current(db.engine)
        else:
            upgrade_engine(db.engine)
        result = db.call(import_plan_document, document=document)
    except SQLAlchemyError as exc:
        print(
            t._("The database could not be written: {error}").format(
                error=str(exc).splitlines()[0]
            ),
            file=err,
        )
        return EXIT_DATABASE
    finally:
        db.dispose()
    print(render_import(result, t), file=out)
    return EXIT_OK
