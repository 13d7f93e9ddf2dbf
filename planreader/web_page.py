"""The text of a plan saved from a government website (.html): one line per block element,
and a task table (重点任务分工表) in the page read like the tables of a .docx.

Merged cells (`rowspan`, `colspan`) repeat their text in every row and column they cover, as
`tables.task_table_lines` expects; a table that is no task table stays text, a cell a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from planreader.tables import task_table_lines

BLOCKS = frozenset("p br div tr li h1 h2 h3 h4 h5 h6 table section article td th".split())
HIDDEN = frozenset({"script", "style", "head", "title"})
CELLS = frozenset({"td", "th"})
LINE_BREAKS = frozenset({"p", "br", "div", "li"})


def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
    value = dict(attrs).get(name) or "1"
    return max(1, min(int(value), 50)) if value.strip().isdigit() else 1


@dataclass
class _Table:
    """A table being read: its rows as cell texts, merged cells spread over what they cover."""

    start: int  # where the table's text begins in the page's parts
    rows: list[list[str]] = field(default_factory=list)
    row: list[str] | None = None
    cell: list[str] | None = None
    colspan: int = 1
    rowspan: int = 1
    # Column → (text, rows still covered) of cells merged down from the rows above.
    below: dict[int, tuple[str, int]] = field(default_factory=dict)

    def start_row(self) -> None:
        self.finish_row()
        self.row = []

    def _fill_merged(self) -> None:
        assert self.row is not None
        while len(self.row) in self.below:
            self.row.append(self.below[len(self.row)][0])

    def finish_cell(self) -> None:
        if self.cell is None:
            return
        if self.row is None:
            self.row = []
        lines = (line.strip() for line in "".join(self.cell).split("\n"))
        text = "\n".join(line for line in lines if line)
        self._fill_merged()
        column = len(self.row)
        self.row += [text] * self.colspan
        if self.rowspan > 1:
            for covered in range(column, column + self.colspan):
                self.below[covered] = (text, self.rowspan)  # this row counts as one of them
        self.cell = None

    def finish_row(self) -> None:
        self.finish_cell()
        if self.row is None:
            return
        self._fill_merged()
        widest = max(self.below, default=-1)
        while len(self.row) <= widest:
            self.row.append(self.below.get(len(self.row), ("", 0))[0])
        # A merged cell covers one row fewer after each row it is part of.
        self.below = {c: (t, left - 1) for c, (t, left) in self.below.items() if left > 1}
        if any(cell for cell in self.row):
            self.rows.append(self.row)
        self.row = None


class _PageText(HTMLParser):
    """The visible text of a saved web page; task tables become numbered measures."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.tables: list[_Table] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
            return
        table = self.tables[-1] if self.tables else None
        if tag == "table":
            self.tables.append(_Table(start=len(self.parts)))
        elif table is not None and tag == "tr":
            table.start_row()
        elif table is not None and tag in CELLS:
            table.finish_cell()
            table.cell = []
            table.colspan, table.rowspan = _span(attrs, "colspan"), _span(attrs, "rowspan")
        elif table is not None and table.cell is not None and tag in LINE_BREAKS:
            table.cell.append("\n")
        if tag in BLOCKS:
            self.parts.append("：" if tag in CELLS else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1
            return
        table = self.tables[-1] if self.tables else None
        if table is not None and tag in CELLS:
            table.finish_cell()
        elif table is not None and tag == "tr":
            table.finish_row()
        elif table is not None and tag == "table":
            self.tables.pop()
            table.finish_row()
            lines = task_table_lines(table.rows)
            if lines:  # the table's cells, as text, give way to its measures
                del self.parts[table.start :]
                self.parts.append("\n" + "\n".join(lines) + "\n")
                return
        if tag in BLOCKS and tag not in CELLS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        self.parts.append(data.replace("\n", " "))
        if self.tables and self.tables[-1].cell is not None:
            self.tables[-1].cell.append(data.replace("\n", " "))


def page_text(html: str) -> str:
    """The page as lines of text, task tables as numbered measures with labelled clauses."""
    parser = _PageText()
    parser.feed(html)
    parser.close()
    for table in reversed(parser.tables):  # a table the page never closed
        parser.tables.pop()
        table.finish_row()
        lines = task_table_lines(table.rows)
        if lines:
            del parser.parts[table.start :]
            parser.parts.append("\n" + "\n".join(lines) + "\n")
    lines = (line.strip().lstrip("：") for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)
