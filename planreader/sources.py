"""Turning a file into text: plain text in any of the encodings plans come in, .docx, PDF,
a saved web page.

The text keeps the document's line breaks; `repair.py` joins the ones that fall inside words.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

from planreader.document import (
    BROKEN_FILE,
    EMPTY_FILE,
    FILE_NOT_FOUND,
    UNREADABLE_ENCODING,
    UNSUPPORTED_FORMAT,
    PlanReadError,
)
from planreader.docx_numbering import NumberingCounter
from planreader.tables import task_table_lines, xlsx_text
from planreader.web_page import page_text

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
# First cells of a table's heading row (市 | 县（市、区）), which is no region.
TABLE_HEADINGS = {"市", "设区市", "城市", "地市", "所在市", "序号", "地区", "市（州）", "市州"}


def decode_text(data: bytes, *, source: str = "") -> str:
    """Bytes of a text file → str: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030/GBK."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # GB18030 is a superset of GBK and GB2312, so one attempt covers all three.
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise PlanReadError(source, [UNREADABLE_ENCODING]) from None
    if "\x00" in text:
        raise PlanReadError(source, [UNREADABLE_ENCODING])
    return text


def docx_text(data: bytes, *, source: str = "") -> str:
    """Paragraphs and table rows of a .docx in document order, one per line."""
    # Optional heavy dependency: python-docx is loaded only when a .docx comes in.
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises several unrelated types for a damaged file
        raise PlanReadError(source, [BROKEN_FILE]) from None
    lines: list[str] = []
    numbering = NumberingCounter(document)
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            lines.append(numbering.label(paragraph) + paragraph.text)
        elif tag == "tbl":
            rows = [
                [cell.text.strip() for cell in row.cells] for row in Table(child, document).rows
            ]
            lines += task_table_lines(rows) or region_table_lines(rows)
    return "\n".join(lines)


def region_table_lines(rows: list[list[str]]) -> list[str]:
    """A city | counties table as the text attachment writes it: 长治市：潞州区、…"""
    lines: list[str] = []
    for row in rows:
        cells: list[str] = []
        for text in row:
            if text and (not cells or cells[-1] != text):  # merged cells repeat
                cells.append(text)
        if cells and cells[0].isdigit():
            cells = cells[1:]  # a 序号 column
        if not cells or cells[0] in TABLE_HEADINGS:
            continue
        lines.append("：".join(cells))
    return lines


def pdf_text(data: bytes, *, source: str = "") -> str:
    """The text layer of a PDF, page after page (scanned images have none)."""
    # Optional heavy dependency: pypdf is loaded only when a PDF comes in.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join((page.extract_text() or "") for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError):
        raise PlanReadError(source, [BROKEN_FILE]) from None


def html_text(data: bytes, *, source: str = "") -> str:
    """The text of a plan saved from a government website (.html), task tables as measures."""
    return page_text(decode_text(data, source=source))


def read_source(path: Path | str) -> str:
    """The text of the file at `path`, whatever its format."""
    path = Path(path)
    source = path.name
    if not path.is_file():
        raise PlanReadError(str(path), [FILE_NOT_FOUND])
    data = path.read_bytes()
    if not data.strip():
        raise PlanReadError(source, [EMPTY_FILE])
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return xlsx_text(data, source=source)
    if suffix == ".docx" or (data[:2] == b"PK" and suffix not in TEXT_SUFFIXES):
        return docx_text(data, source=source)
    if suffix == ".pdf" or data[:5] == b"%PDF-":
        return pdf_text(data, source=source)
    if suffix in {".html", ".htm", ".shtml", ".xhtml"}:
        return html_text(data, source=source)
    if suffix in TEXT_SUFFIXES or suffix in {".csv", ".log"}:
        if data[:2] == b"PK":  # a .docx renamed .txt
            return docx_text(data, source=source)
        return decode_text(data, source=source)
    raise PlanReadError(source, [UNSUPPORTED_FORMAT])
