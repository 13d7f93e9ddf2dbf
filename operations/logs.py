"""Log lines for journald and for people: one line per event, the token never written.

A traceback is folded into the line of its event (type, message, the last frames), so a
log reader or journald never splits one event into thirty entries.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from types import TracebackType

# The frames kept of a traceback: enough to find the place, short enough for one line.
FRAMES_KEPT = 4

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def mask_token(token: str) -> str:
    """`123456789:AAH…saw0` → `123456789:…saw0`: which bot and which token, not the secret."""
    bot_id, _, secret = token.partition(":")
    if not secret:
        return "…"
    return f"{bot_id}:…{secret[-4:]}" if len(secret) >= 20 else f"{bot_id}:…"


class TokenRedactor(logging.Filter):
    """Keeps the bot token out of every log line (httpx logs request URLs with it).

    Tracebacks are redacted too: a network error's text may carry the request URL.
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        # The part after the colon is the secret; it may also appear URL-encoded on its own.
        self.secrets = [s for s in (token, token.partition(":")[2]) if len(s) >= 20]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.redact(message) != message:
            record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _format_exception(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _format_exception(exc_info: object) -> str:
    if not isinstance(exc_info, tuple) or exc_info[1] is None:
        return ""
    _type, error, tb = exc_info
    return one_line_error(error, tb)


def one_line_error(error: BaseException, tb: TracebackType | None = None) -> str:
    """`ValueError: bad (at handlers/x.py:12 in f < …)`: the error and where, on one line."""
    text = " ".join(str(error).split())
    parts = [f"{type(error).__name__}: {text}" if text else type(error).__name__]
    frames = traceback.extract_tb(tb or error.__traceback__)[-FRAMES_KEPT:]
    if frames:
        where = " < ".join(
            f"{_short_path(frame.filename)}:{frame.lineno} in {frame.name}"
            for frame in reversed(frames)
        )
        parts.append(f"(at {where})")
    cause = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    if cause is not None:
        parts.append(f"[caused by {type(cause).__name__}: {' '.join(str(cause).split())}]")
    return " ".join(parts)


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    return filename.removeprefix(root)


class OneLineFormatter(logging.Formatter):
    """Message, then the folded error, on one line; newlines inside a message become ⏎."""

    def __init__(self, *, with_time: bool) -> None:
        fmt = "%(levelname)s %(name)s: %(message)s"
        super().__init__(f"%(asctime)s {fmt}" if with_time else fmt)

    def formatException(self, ei: object) -> str:
        return _format_exception(ei)

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        saved = record.exc_text
        record.exc_text = None
        exc_info, record.exc_info = record.exc_info, None
        try:
            line = super().format(record)
        finally:
            record.exc_text, record.exc_info = saved, exc_info
        if saved:
            line = f"{line} — {saved}"
        return line.replace("\r\n", " ⏎ ").replace("\n", " ⏎ ")


def configure_logging(token: str = "", level: int = logging.INFO) -> None:
    """Log to standard error, one line per event; journald adds the time itself."""
    handler = logging.StreamHandler(sys.stderr)
    # systemd sets JOURNAL_STREAM for a service whose standard error goes to the journal.
    handler.setFormatter(OneLineFormatter(with_time="JOURNAL_STREAM" not in os.environ))
    if token:
        handler.addFilter(TokenRedactor(token))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
