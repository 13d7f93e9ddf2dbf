"""The 通报 as a Word document in the usual form: heading, 期号, date, an overview paragraph,
tables of the units that reported on time, late or not at all, the measures behind, what needs
attention and what was closed — in the reader's language (python-docx).
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from commands.views import BulletinAnswer
from messages.escalation import escalation_items
from messages.i18n import Translator
from messages.outgoing import File, Outgoing
from messages.status import heading, render_no_cycle
from messages.vocabulary import (
    SIGNALS,
    joined,
    progress_detail,
    reporting_name,
    shorten,
    signal_name,
)
from models.clock import as_aware_utc
from reports.bulletin import Bulletin, UnitLine
from reports.progress_signal import SIGNAL_CLOSED
from reports.status import TASK_LATE, TASK_ON_TIME, TASK_OVERDUE, TASK_PENDING, TASK_UNBOUND

BODY_FONT = "仿宋"  # the body of official documents; Word falls back when it is missing
HEADING_FONT = "黑体"
TEXT_LIMIT = 120  # characters of a report quoted in a table
RED = RGBColor(0xC0, 0x00, 0x00)
# A4 with the margins of official documents (GB/T 9704): python-docx's default is US Letter.
PAGE = (Cm(21), Cm(29.7))
MARGINS = {"top": Cm(3.7), "bottom": Cm(3.5), "left": Cm(2.8), "right": Cm(2.6)}


def _font(run: object, name: str, size: float, *, bold: bool = False) -> None:
    """A run's Latin and East Asian fonts (Word keeps them apart)."""
    font = run.font  # type: ignore[attr-defined]
    font.name = name
    font.size = Pt(size)
    font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)  # type: ignore[attr-defined]


def _paragraph(
    doc: object,
    text: str,
    *,
    size: float = 14,
    bold: bool = False,
    font: str = BODY_FONT,
    center: bool = False,
    colour: RGBColor | None = None,
) -> None:
    paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    _font(run, font, size, bold=bold)
    if colour is not None:
        run.font.color.rgb = colour


def _table(doc: object, headers: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(header), HEADING_FONT, 11, bold=True)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(value), BODY_FONT, 11)


def _local_date(t: Translator, bulletin: Bulletin) -> str:
    return t.date(as_aware_utc(bulletin.now).astimezone(t.tz).date(), "long")


def issue_line(t: Translator, bulletin: Bulletin) -> str:
    """'2026年第3期' / 'No. 3 of 2026'."""
    return t._("No. {number} of {year}").format(number=bulletin.number, year=bulletin.year)


def overview_paragraph(t: Translator, bulletin: Bulletin) -> str:
    """The paragraph that says how the cycle went, in figures."""
    overview = bulletin.overview
    assert overview.cycle is not None
    tasks = overview.task_counts()
    progress = overview.progress_counts()
    parts = [
        t._(
            "As of {moment}, the cycle of {fired} (deadline {due}) covers {measures} measures: "
            "of {total} reports owed by the responsible units, {on_time} came on time, {late} "
            "late and {overdue} are missing, {pending} not yet due; on-time rate {rate}."
        ).format(
            moment=t.datetime(bulletin.now, "short"),
            fired=t.datetime(overview.cycle.fire_at, "short"),
            due=t.datetime(overview.cycle.due_at, "short"),
            measures=len(overview.measures),
            total=sum(tasks.values()),
            on_time=tasks[TASK_ON_TIME],
            late=tasks[TASK_LATE],
            overdue=tasks[TASK_OVERDUE],
            pending=tasks[TASK_PENDING],
            rate=t.percent(overview.on_time_rate()),
        ),
        t._("Progress: {counts}.").format(
            counts=joined(
                t,
                [
                    f"{signal_name(t, s)} {progress[s]}"
                    for s in SIGNALS
                    if progress[s] or s != SIGNAL_CLOSED
                ],
            )
        ),
    ]
    if bulletin.unbound:
        held = {label for line in bulletin.unbound for label in line.labels}
        parts.append(
            t._(
                "{units} units have no chat bound, so nobody asks them; they hold "
                "{measures} measures."
            ).format(units=len(bulletin.unbound), measures=len(held))
        )
    return ("" if t.is_chinese else " ").join(parts)


def _unit_rows(t: Translator, lines: list[UnitLine]) -> list[list[str]]:
    return [[line.name, "".join(line.labels), str(len(line.labels))] for line in lines]


def bulletin_docx(t: Translator, bulletin: Bulletin) -> bytes:
    """The 通报 as a .docx document."""
    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = PAGE
        for side, margin in MARGINS.items():
            setattr(section, f"{side}_margin", margin)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _paragraph(
        doc,
        t._("Progress bulletin"),
        size=26,
        bold=True,
        font=HEADING_FONT,
        center=True,
        colour=RED,
    )
    _paragraph(doc, issue_line(t, bulletin), size=14, center=True)
    _paragraph(doc, _local_date(t, bulletin), size=14, center=True)
    if bulletin.plan_title:
        _paragraph(
            doc, f"{bulletin.doc_number} {bulletin.plan_title}".strip(), size=12, center=True
        )
    _paragraph(doc, t._("1. Overview"), bold=True, font=HEADING_FONT)
    _paragraph(doc, overview_paragraph(t, bulletin))
    _paragraph(doc, t._("2. Reporting"), bold=True, font=HEADING_FONT)
    headers = [t._("Unit"), t._("Measures"), t._("Count")]
    for state, lines in (
        (TASK_ON_TIME, bulletin.on_time),
        (TASK_LATE, bulletin.late),
        (TASK_OVERDUE, bulletin.missing),
        (TASK_UNBOUND, bulletin.unbound),
    ):
        _paragraph(doc, heading(reporting_name(t, state)), size=12, bold=True)
        if lines:
            _table(doc, headers, _unit_rows(t, lines))
        else:
            _paragraph(doc, t._("None."), size=12)
    _paragraph(doc, t._("3. Measures behind, at risk or blocked"), bold=True, font=HEADING_FONT)
    if bulletin.lagging:
        _table(
            doc,
            [t._("Measure"), t._("Units"), t._("Progress"), t._("Figures"), t._("Latest report")],
            [
                [
                    f"{m.label}{m.title}",
                    joined(t, m.units),
                    signal_name(t, m.progress.signal),
                    progress_detail(t, m.progress),
                    shorten(m.text, TEXT_LIMIT),
                ]
                for m in bulletin.lagging
            ],
        )
    else:
        _paragraph(doc, t._("None."), size=12)
    _paragraph(doc, t._("4. Needs attention"), bold=True, font=HEADING_FONT)
    items = escalation_items(t, bulletin.escalations, html=False)
    for item in items or [t._("Nothing has been at risk or missing two cycles in a row.")]:
        _paragraph(doc, item, size=12)
    if bulletin.closed:
        _paragraph(doc, t._("5. Closed measures"), bold=True, font=HEADING_FONT)
        _table(
            doc,
            [t._("Measure"), t._("Closed"), t._("By")],
            [
                [
                    f"{c.label}{c.title}",
                    t.datetime(c.closure.closed_at, "short"),
                    c.closure.closed_by,
                ]
                for c in bulletin.closed
            ],
        )
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def bulletin_filename(t: Translator, bulletin: Bulletin) -> str:
    day = as_aware_utc(bulletin.now).astimezone(t.tz).strftime("%Y-%m-%d")
    return t._("bulletin") + f"-{day}.docx"


def bulletin_file(t: Translator, bulletin: Bulletin) -> File:
    return File(bulletin_filename(t, bulletin), bulletin_docx(t, bulletin))


def render_bulletin(t: Translator, answer: BulletinAnswer) -> list[Outgoing]:
    """/bulletin: the 通报 of the current cycle as a .docx, or why there is none yet."""
    bulletin = answer.bulletin
    if bulletin.overview.cycle is None:
        return [Outgoing(render_no_cycle(t, answer.measure_count))]
    caption = t._("Progress bulletin {issue}, as of {moment}").format(
        issue=issue_line(t, bulletin), moment=t.datetime(bulletin.now, "short")
    )
    return [Outgoing(caption, file=bulletin_file(t, bulletin))]
