"""The file given to `bot.py plan show|import`, refused at once when it cannot be a document.

A folder, a device such as /dev/null, a pipe, or a PDF the PDF library cannot open is one
clear sentence (exit code 2); the PDF library's own warnings are kept off the terminal.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from pathlib import Path

from settings import SettingsError

PDF_MAGIC = b"%PDF"


@contextlib.contextmanager
def quiet_pdf_library() -> Iterator[None]:
    """pypdf logs warnings such as "EOF marker not found" straight to the terminal."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def check_plan_file(path_text: str) -> None:
    """SettingsError when `path_text` names a folder, a device, or a damaged PDF.

    A missing file is left to the plan reader, which says so in its own words.
    """
    path = Path(path_text)
    if not path.exists():
        return
    if path.is_dir():
        raise SettingsError("plan_is_folder", path=path_text)
    if not path.is_file():
        raise SettingsError("plan_not_a_file", path=path_text)
    with path.open("rb") as handle:
        head = handle.read(len(PDF_MAGIC))
    if path.suffix.lower() == ".pdf" or head == PDF_MAGIC:
        # Optional heavy dependency: pypdf is loaded only when a PDF is given (as planreader).
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        data = path.read_bytes()
        try:
            with quiet_pdf_library():
                reader = PdfReader(io.BytesIO(data))
                for page in reader.pages:
                    page.extract_text()
        except (PdfReadError, ValueError, KeyError, OSError, TypeError) as error:
            reason = " ".join(str(error).split()) or type(error).__name__
            raise SettingsError("plan_pdf_damaged", path=path_text, reason=reason) from None
