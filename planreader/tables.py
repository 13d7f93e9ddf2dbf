"""Task tables (重点任务分工表) in .docx and .xlsx, read like a text plan.

A table's heading may span several rows and merged cells (责任单位 over 牵头单位 | 配合单位);
its columns are recognised by their usual names. Each task row becomes a numbered line with
a labelled clause (`3. 任务（牵头单位：…；责任单位：…；完成时限：…）`) for the text reader;
rows of one merged cell and a category column become headings.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from planreader.document import BROKEN_FILE, PlanReadError
from planreader.numerals import to_chinese_numeral
from planreader.repair import is_numbered

NUMBER = "number"
TASK = "task"
LEAD = "lead"
SUPPORT = "support"
RESPONSIBLE = "responsible"
DEADLINE = "deadline"
CATEGORY = "category"
OTHER = "other"

# Heading words, most specific first: a heading cell is the kind of its first match.
COLUMN_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (NUMBER, re.compile(r"^(序号|编号|序|No\.?|NO\.?)$")),
    (DEADLINE, re.compile(r"时限|完成时间|时间节点|完成期限|进度安排|时间安排|时间要求|截止时间")),
    (LEAD, re.compile(r"牵头|主责|主办")),
    (SUPPORT, re.compile(r"配合|协办|协同|参与|协助")),
    (RESPONSIBLE, re.compile(r"责任单位|责任部门|负责单位|负责部门|落实单位|实施单位|承办单位")),
    (OTHER, re.compile(r"备注|目标|成果|责任人|联系人|指标|标准|资金|说明|依据|状态|进展")),
    (CATEGORY, re.compile(r"类别|分类|领域|板块|方面|类型")),
    (TASK, re.compile(r"任务|措施|举措|事项|内容|工作|要点|项目|政策")),
)
HEADING_ROWS_MAX = 4
LEADING_NUMBER_RE = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{1,3})*\s*[.．、]?|[（(]\d{1,3}[）)])\s*")


@dataclass
class _Columns:
    kinds: list[str]
    heading_rows: int
    task: int = -1
    groups: list[int] = field(default_factory=list)  # task columns left of the task: headings

    def first(self, kind: str) -> int:
        return next((i for i, k in enumerate(self.kinds) if k == kind), -1)

    def every(self, kind: str) -> list[int]:
        return [i for i, k in enumerate(self.kinds) if k == kind]


def _kind(text: str) -> str:
    text = re.sub(r"\s+", "", text)
    if not text:
        return ""
    for kind, pattern in COLUMN_WORDS:
        if pattern.search(text):
            return kind
    return ""


def _is_heading_row(row: list[str]) -> bool:
    kinds = [_kind(cell) for cell in row if cell.strip()]
    named = [k for k in kinds if k]
    return len(set(named)) >= 2 and len(named) >= len(kinds) - 1


def _columns(rows: list[list[str]]) -> _Columns | None:
    """Which column holds what, from the heading rows (merged cells repeat their text)."""
    start = next((i for i, row in enumerate(rows[:8]) if _is_heading_row(row)), None)
    if start is None:
        return None
    end = start + 1
    while end < min(len(rows), start + HEADING_ROWS_MAX) and _is_heading_row(rows[end]):
        end += 1
    width = max(len(row) for row in rows)
    kinds: list[str] = []
    for column in range(width):
        cells = [rows[r][column] for r in range(start, end) if column < len(rows[r])]
        # The lowest row says most: 责任单位 above 牵头单位 is a lead column.
        named = [_kind(c) for c in cells if _kind(c)]
        kinds.append(named[-1] if named else "")
    columns = _Columns(kinds, end)
    tasks = columns.every(TASK)
    if not tasks:
        return None
    if columns.first(LEAD) < 0 and columns.first(RESPONSIBLE) < 0 and columns.first(SUPPORT) < 0:
        return None
    columns.task = tasks[-1]
    columns.groups = columns.every(CATEGORY) + tasks[:-1]
    return columns


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if 0 <= index < len(row) else ""


def _flat(text: str) -> str:
    """A task's text: the line breaks of a cell are no words."""
    return re.sub(r"\s+", "", text)


def _names(text: str) -> str:
    """Names in a cell may stand on lines of their own: 省水利厅\\n省财政厅 → 省水利厅、省财政厅."""
    parts = [p for p in re.split(r"[\s\u3000]+", text.strip()) if p]
    return "、".join(parts)


def _single_cell_row(row: list[str]) -> str:
    """The text of a row that is one merged cell (a heading across the table), else ""."""
    values = {cell.strip() for cell in row if cell.strip()}
    return values.pop() if len(values) == 1 and len(row) > 1 else ""


def task_table_lines(rows: list[list[str]]) -> list[str]:
    """The table as numbered measures with labelled clauses; empty when it is no task table."""
    columns = _columns(rows)
    if columns is None:
        return []
    lines: list[str] = []
    number_column = columns.first(NUMBER)
    sections = ordinal = 0
    previous = ("", "")  # task text and number of the last task row
    group_values: list[str] = []
    for row in rows[columns.heading_rows :]:
        if heading := _single_cell_row(row):
            if not is_numbered(heading):
                sections += 1
                heading = f"{to_chinese_numeral(sections)}、{heading}"
            lines.append(heading)
            previous = ("", "")
            continue
        groups = [_flat(_cell(row, i)) for i in columns.groups]
        if any(groups) and groups != group_values:
            # A category column (merged down its rows) heads the tasks beside it.
            for level, value in enumerate(groups):
                if value and (level >= len(group_values) or group_values[level] != value):
                    if not is_numbered(value):
                        sections += 1
                        value = f"{to_chinese_numeral(sections)}、{value}"
                    lines.append(value)
            group_values = groups
        task = _flat(_cell(row, columns.task))
        if not task:
            continue
        written = _flat(_cell(row, number_column))
        named = [_cell(row, i) for k in (LEAD, RESPONSIBLE, SUPPORT) for i in columns.every(k)]
        if _cell(row, columns.task) in named:
            # 一 | 数字基础设施 merged across the rest of the row: a heading, not a task.
            marker = f"{written}、" if written and not is_numbered(written) else written
            sections += 1
            lines.append(marker + task if marker else f"{to_chinese_numeral(sections)}、{task}")
            previous = ("", "")
            continue
        clause = _clause(row, columns)
        if lines and task == previous[0] and (not written or written == previous[1]):
            lines[-1] = _merge_clause(lines[-1], clause)  # one task merged over several rows
            continue
        ordinal += 1
        if written and is_numbered(written + "、"):
            ends = written.endswith(("）", ")", ".", "、", "．"))
            marker = written if ends else written + ("." if written.isdigit() else "、")
        else:
            marker = f"{ordinal}."
        text = LEADING_NUMBER_RE.sub("", task) if written else task
        if not text.endswith(("。", "；", "）", ")")):
            text += "。"
        lines.append(f"{marker}{text}{clause}")
        previous = (task, written)
    return lines


def _clause(row: list[str], columns: _Columns) -> str:
    parts: list[str] = []
    for kind, label in ((LEAD, "牵头单位"), (RESPONSIBLE, "责任单位"), (SUPPORT, "配合单位")):
        for index in columns.every(kind):
            names = _names(_cell(row, index))
            if names and names not in {"/", "—", "-", "无"}:
                parts.append(f"{label}：{names}")
    for index in columns.every(DEADLINE):
        value = re.sub(r"\s+", "", _cell(row, index))
        if value and value not in {"/", "—", "-"}:
            parts.append(f"完成时限：{value}")
            break
    return f"（{'；'.join(parts)}）" if parts else ""


def _merge_clause(line: str, clause: str) -> str:
    if not clause:
        return line
    if line.endswith("）") and "单位：" in line:
        return line[:-1] + "；" + clause[1:]
    return line + clause


def xlsx_rows(data: bytes, *, source: str = "") -> list[list[list[str]]]:
    """The sheets of a workbook as rows of cell texts, merged cells filled in."""
    import openpyxl  # heavy; only for workbooks

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises several unrelated types for a damaged file
        raise PlanReadError(source, [BROKEN_FILE]) from None
    sheets: list[list[list[str]]] = []
    for sheet in workbook.worksheets:
        rows = [
            ["" if value is None else str(value).strip() for value in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        for merged in sheet.merged_cells.ranges:
            value = rows[merged.min_row - 1][merged.min_col - 1] if rows else ""
            for r in range(merged.min_row - 1, min(merged.max_row, len(rows))):
                for c in range(merged.min_col - 1, min(merged.max_col, len(rows[r]))):
                    rows[r][c] = value
        sheets.append([row for row in rows if any(row)])
    return sheets


def xlsx_text(data: bytes, *, source: str = "") -> str:
    """A workbook's text: the lines above each table (title, 文号), then its tasks."""
    lines: list[str] = []
    for rows in xlsx_rows(data, source=source):
        columns = _columns(rows)
        start = columns.heading_rows if columns else len(rows)
        heading_start = next((i for i, row in enumerate(rows) if _is_heading_row(row)), start)
        for row in rows[:heading_start]:
            lines.append(" ".join(dict.fromkeys(c for c in row if c)))
        lines += task_table_lines(rows)
        if columns is None:
            lines += [" ".join(dict.fromkeys(c for c in row if c)) for row in rows[heading_start:]]
    return "\n".join(lines)
