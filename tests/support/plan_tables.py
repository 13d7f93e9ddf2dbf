"""Task-table plans (重点任务分工表) as offices send them: a .docx and an .xlsx, built here.

Both have a title above the table, two heading rows (责任单位 merged over 牵头单位 | 配合单位),
a category column merged down its rows, names on lines of their own, a dash for "none", a
task merged over two rows, and a 完成时限 column.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import docx
import openpyxl

TITLE = "山西省推进数字经济发展重点任务分工表"
HEADING = [
    ("序号", "重点领域", "重点任务", "责任单位", "责任单位", "完成时限"),
    ("序号", "重点领域", "重点任务", "牵头单位", "配合单位", "完成时限"),
]
# (number, category, task, lead, support, deadline); None continues the cell above (merged).
ROWS: list[tuple[str | None, ...]] = [
    (
        "1",
        "数字基础设施",
        "加快5G网络建设，实现县城以上区域5G网络连续覆盖",
        "省通信管理局",
        "省工信厅\n省发展改革委",
        "2023年底前",
    ),
    ("2", None, "推进算力基础设施建设", "省发展改革委", "省能源局、省大数据局", "2024年6月底前"),
    ("3", "数字产业化", "培育壮大数字核心产业", "省工信厅", "省科技厅", "长期坚持"),
    ("4", None, "建设数字经济产业园区", "各市人民政府", "/", "2025年"),
    ("5", "产业数字化", "推进工业互联网平台建设和应用", "省工信厅", "省通信管理局", "持续推进"),
    (None, None, None, "省国资委", "各市人民政府", None),  # task 5 goes on over this row
    (
        "6",
        "治理数字化",
        "推进政务数据共享开放",
        "省政务信息管理局",
        "省直有关部门",
        "2023年9月底前",
    ),
]
# What a reader must make of it: (number, title, leads, supports, deadline, deadline_text).
EXPECTED = [
    (
        1,
        "加快5G网络建设，实现县城以上区域5G网络连续覆盖",
        ["省通信管理局"],
        ["省工信厅", "省发展改革委"],
        "2023-12-31",
        "2023年底前",
    ),
    (
        2,
        "推进算力基础设施建设",
        ["省发展改革委"],
        ["省能源局", "省大数据局"],
        "2024-06-30",
        "2024年6月底前",
    ),
    (3, "培育壮大数字核心产业", ["省工信厅"], ["省科技厅"], None, "长期坚持"),
    (4, "建设数字经济产业园区", ["各市人民政府"], [], "2025-12-31", "2025年"),
    (
        5,
        "推进工业互联网平台建设和应用",
        ["省工信厅", "省国资委"],
        ["省通信管理局", "各市人民政府"],
        None,
        "持续推进",
    ),
    (
        6,
        "推进政务数据共享开放",
        ["省政务信息管理局"],
        ["省直有关部门"],
        "2023-09-30",
        "2023年9月底前",
    ),
]
# The notice the table is the attachment of, line by line, down to the table's title.
NOTICE = (
    "晋政办发〔2023〕9号",
    "山西省人民政府办公厅关于印发山西省推进数字经济发展重点任务分工方案的通知",
    "各市人民政府，省人民政府各委、办、厅、局：",
    "现将《山西省推进数字经济发展重点任务分工方案》印发给你们，请认真贯彻落实。",
    "山西省人民政府办公厅",
    "2023年2月20日",
    "附件",
    TITLE,
)
SECTIONS = ["一、数字基础设施", "二、数字产业化", "三、产业数字化", "四、治理数字化"]


def _grid() -> list[list[str]]:
    """Every cell's text with merged cells filled in, and the merges as (r0, c0, r1, c1)."""
    grid = [list(row) for row in HEADING]
    for row in ROWS:
        previous = grid[-1]
        grid.append([previous[i] if cell is None else cell for i, cell in enumerate(row)])
    return grid


def _merges() -> list[tuple[int, int, int, int]]:
    merges = [(0, 3, 0, 4)]  # 责任单位 over two columns
    merges += [(0, c, 1, c) for c in (0, 1, 2, 5)]  # 序号, 重点领域, 重点任务, 完成时限
    first = len(HEADING)
    for column in range(6):
        start = None
        for index, row in enumerate([*ROWS, tuple("x" * 6)]):
            if row[column] is None:
                start = index - 1 if start is None else start
            elif start is not None:
                merges.append((first + start, column, first + index - 1, column))
                start = None
    return merges


def _covered(merged: list[tuple[int, int, int, int]]) -> set[tuple[int, int]]:
    return {
        (r, c) for r0, c0, r1, c1 in merged for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
    }


def _starts(merged: list[tuple[int, int, int, int]]) -> set[tuple[int, int]]:
    return {(r0, c0) for r0, c0, _, _ in merged}


def write_docx(path: Path) -> Path:
    """A notice with the table as its attachment, after the signature, as offices send it."""
    document = docx.Document()
    for line in ("山西省人民政府办公厅文件", *NOTICE):
        document.add_paragraph(line)
    grid = _grid()
    merged = _merges()
    table = document.add_table(rows=len(grid), cols=6)
    for r, row in enumerate(grid):
        for c, text in enumerate(row):
            if (r, c) in _starts(merged) or (r, c) not in _covered(merged):
                table.cell(r, c).text = text  # a merged cell holds its text once
    for r0, c0, r1, c1 in merged:
        table.cell(r0, c0).merge(table.cell(r1, c1))
    document.add_paragraph("（此件公开发布）")
    document.save(path)
    return path


def write_xlsx(path: Path) -> Path:
    """The table alone in a workbook: a title row, two heading rows, merged cells."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "分工表"
    sheet.append(["附件"])
    sheet.append([TITLE])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
    offset = 3
    grid = _grid()
    merged = _merges()
    covered, starts = _covered(merged), _starts(merged)
    for r, row in enumerate(grid):
        for c, text in enumerate(row):
            if (r, c) in covered and (r, c) not in starts:
                continue  # openpyxl keeps only the top-left value of a merge
            sheet.cell(row=offset + r, column=c + 1, value=text)
    for r0, c0, r1, c1 in merged:
        sheet.merge_cells(
            start_row=offset + r0, start_column=c0 + 1, end_row=offset + r1, end_column=c1 + 1
        )
    workbook.save(path)
    return path


def write_html(path: Path) -> Path:
    """The notice as a government website shows it: the page's layout table around the text,
    the attachment a table with rowspan and colspan, names in a cell on lines of their own."""
    grid = _grid()
    merged = _merges()
    covered, starts = _covered(merged), _starts(merged)
    spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merged}
    rows = []
    for r, row in enumerate(grid):
        cells = []
        for c, text in enumerate(row):
            if (r, c) in covered and (r, c) not in starts:
                continue  # the merged cell above or to the left covers it
            rowspan, colspan = spans.get((r, c), (1, 1))
            tag = "th" if r < len(HEADING) else "td"
            inner = "".join(f"<p>{escape(line)}</p>" for line in text.split("\n"))
            cells.append(f'<{tag} rowspan="{rowspan}" colspan="{colspan}">{inner}</{tag}>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    notice = "".join(f"<p>{escape(line)}</p>" for line in NOTICE)
    page = (
        "<html><head><meta charset='utf-8'><title>山西省人民政府</title></head><body>"
        '<table class="layout"><tr><td class="nav">首页 &gt; 政府信息公开</td></tr>'
        f'<tr><td id="UCAP-CONTENT">{notice}<table border="1">{"".join(rows)}</table>'
        "<p>（此件公开发布）</p></td></tr></table></body></html>"
    )
    path.write_text(page, encoding="utf-8")
    return path
