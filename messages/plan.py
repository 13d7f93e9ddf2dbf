"""What `python bot.py plan show|import` prints: the plan as a table, what an import changed,
why a file is not a plan, and the reader's warnings; terminal text, not HTML.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from messages.i18n import N_, Translator, get_translator
from messages.vocabulary import role_name
from models.plan import ROLE_SUPPORT
from planreader.document import (
    BROKEN_FILE,
    CARRIED,
    CLAUSES_OUTSIDE,
    EMPTY_FILE,
    FILE_NOT_FOUND,
    HELPERS_LEAD,
    INHERITED_CLAUSE,
    MEASURES_WITHOUT_CLAUSE,
    MISSING_CLAUSES,
    MISSING_DOC_NUMBER,
    MISSING_MEASURES,
    MISSING_TITLE,
    NO_CLAUSE,
    NO_DOC_NUMBER,
    REGION_COUNT_MISMATCH,
    RUN_TOGETHER,
    TITLE_FROM_FILE_NAME,
    UNKNOWN_NAME,
    UNPARSED,
    UNPLACED,
    UNREADABLE_ENCODING,
    UNSUPPORTED_FORMAT,
    MeasureDoc,
    PlanDocument,
    PlanReadError,
    ReadWarning,
)
from planreader.importer import STATUS_CREATED, STATUS_UNCHANGED, ImportResult

PROBLEMS = {
    MISSING_DOC_NUMBER: N_("no document number (文号) such as 晋政发〔2021〕36号"),
    MISSING_MEASURES: N_("no numbered measures such as （一） or 1."),
    MISSING_CLAUSES: N_("no responsibility clauses such as （省水利厅牵头，…按职责分工负责）"),
    MISSING_TITLE: N_("no title"),
    UNREADABLE_ENCODING: N_("the text is in an encoding that could not be recognised"),
    UNSUPPORTED_FORMAT: N_(
        "the file type is not supported (use .txt, .docx, .xlsx, .pdf or .html)"
    ),
    EMPTY_FILE: N_("the file is empty"),
    FILE_NOT_FOUND: N_("the file does not exist"),
    BROKEN_FILE: N_("the file could not be opened (damaged or not what its name says)"),
}
WARNINGS = {
    REGION_COUNT_MISMATCH: N_("{city} lists {listed} counties but its heading says {declared}"),
    MEASURES_WITHOUT_CLAUSE: N_(
        "No responsibility clause was found for {labels}; check these measures in the document."
    ),
    CLAUSES_OUTSIDE: N_(
        "Responsibility clauses were found outside the measures, at {labels}; check them in the "
        "document."
    ),
    TITLE_FROM_FILE_NAME: N_("No title was found; the file's name stands for it: {title}"),
    NO_DOC_NUMBER: N_(
        "The document has no document number (文号); the plan is known by its title, so a "
        "revision must keep the same title."
    ),
    # Doubts about one measure's reading.
    UNKNOWN_NAME: N_("{name} appears only here and is not a department the bot knows"),
    RUN_TOGETHER: N_("{name} looks like two names run together"),
    NO_CLAUSE: N_("No responsibility clause, while the measures around it have one"),
    INHERITED_CLAUSE: N_("No clause of its own: the departments are taken from {label} above it"),
    UNPLACED: N_("Words in the clause that are neither a department nor a role: {words}"),
    UNPARSED: N_("A bracket looks like a responsibility clause but could not be read: {text}"),
    CARRIED: N_(
        "{names} is not written here: an earlier note (…不再列出) adds it to every later task"
    ),
    HELPERS_LEAD: N_(
        "The clause names no lead; {names} taken as lead because the others assist. Check who "
        "leads."
    ),
}
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
        out.extend(" " * widths[0] + "  ? " + warning_text(t, doubt) for doubt in measure.doubts)
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
            t._(
                "(no lead): the clause names no lead unit; every unit named is {role} and "
                "reports on it."
            ).format(role=role_name(t, ROLE_SUPPORT, True))
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
    out.extend("⚠ " + warning_text(t, warning) for warning in document.warnings)
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
    lines.extend("⚠ " + warning_text(t, warning) for warning in result.warnings)
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
            lines.extend("    " + warning_text(t, doubt) for doubt in doubts)
    return "\n".join(lines)


def warning_text(t: Translator, warning: ReadWarning) -> str:
    """A warning about the document, or a doubt about a measure, in the reader's language."""
    return t._(WARNINGS[warning.code]).format(**warning.params)


def document_json(t: Translator, document: PlanDocument) -> dict[str, Any]:
    """What `plan show --json` prints: the document's shape, its doubts in the reader's words."""
    return document.to_json(lambda doubt: warning_text(t, doubt))


def read_error_text(t: Translator, error: PlanReadError) -> str:
    """Why the file is not a plan that can be read, one problem a line."""
    head = t._("{source} is not a plan document that can be read:").format(source=error.source)
    return head + "\n" + "\n".join("- " + t._(PROBLEMS[p]) for p in error.problems)


def summary_line(result: ImportResult) -> str:
    """One English line for the log: what an import stored or changed."""
    counts = (
        f"{result.measures} measures, {result.departments} departments, "
        f"{result.assignments} assignments, {result.regions} regions"
    )
    if result.status == STATUS_UNCHANGED:
        line = f"{result.doc_number} already imported, nothing changed ({counts})"
    elif result.status == STATUS_CREATED:
        line = f"{result.doc_number} imported: {counts}"
    else:
        line = (
            f"{result.doc_number} revised: {len(result.measures_added)} measures added, "
            f"{len(result.measures_removed)} removed, {len(result.changes)} with changed "
            f"departments ({counts})"
        )
    if result.corrections_kept:
        line += f"; corrections kept: {', '.join(result.corrections_kept)}"
    if result.doubts:
        line += f"; {len(result.doubts)} measures to check"
    english = get_translator("en")
    return line + "".join("; " + warning_text(english, w) for w in result.warnings)


def database_error_text(t: Translator, error: Exception) -> str:
    """A database that could not be written, with the first line of the driver's reason."""
    return t._("The database could not be written: {error}").format(
        error=str(error).splitlines()[0]
    )
