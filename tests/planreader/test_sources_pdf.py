"""A plan given as a PDF: its text layer is read and the lines the page wrapped are joined."""

from __future__ import annotations

from pathlib import Path

from planreader.reader import read_plan
from tests.planreader.test_reader_genre import ATTACHMENT, TWO_MEASURES, plan_text


def pdf_with_lines(pages: list[list[str]]) -> bytes:
    """A minimal PDF whose pages show `pages` line by line in a non-embedded Chinese font.

    The text is UTF-16BE under the UniGB-UTF16-H encoding, so any PDF reader can extract it.
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light "
        b"/Encoding /UniGB-UTF16-H /DescendantFonts [ 3 0 R ] >>"
    )
    add(
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> >>"
    )
    page_ids: list[int] = []
    pages_id = len(objects) + 1 + 2 * len(pages)
    for lines in pages:
        stream = b"".join(
            b"BT /F1 12 Tf 50 %d Td <%s> Tj ET\n"
            % (800 - 16 * i, line.encode("utf-16-be").hex().encode())
            for i, line in enumerate(lines)
        )
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_id, font, content)
            )
        )
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    assert add(b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (kids, len(page_ids))) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    return bytes(out)


def wrapped(text: str, width: int = 24) -> list[str]:
    """The lines a page of `width` characters shows: paragraphs cut wherever they reach it."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        while paragraph:
            lines.append(paragraph[:width])
            paragraph = paragraph[width:]
    return lines


def test_a_pdf_plan_reads_like_its_text_despite_wrapped_lines_and_page_numbers(tmp_path: Path):
    text = plan_text(TWO_MEASURES, ATTACHMENT)
    lines = wrapped(text)
    half = len(lines) // 2
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf_with_lines([[*lines[:half], "— 1 —"], [*lines[half:], "— 2 —"]]))
    from_pdf = read_plan(path)
    assert from_pdf.to_json() == read_plan(_write(tmp_path / "plan.txt", text)).to_json()
    assert [(m.leads, m.supports) for m in from_pdf.measures] == [
        (["省自然资源厅"], ["省财政厅", "省农业农村厅"]),
        ([], ["省农业农村厅", "省自然资源厅"]),
    ]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
