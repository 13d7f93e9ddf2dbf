"""What the bot says, as records any chat platform can render: HTML text, buttons, a file.

`Outgoing.text` is HTML in Telegram's subset (b, i, code, pre, a), already escaped; with a
`file` it is the file's caption. Buttons are rows of (label, payload); the payload comes back
when the button is pressed, so it is short (Telegram allows 64 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

FILE_DOCUMENT = "document"
FILE_PHOTO = "photo"


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class File:
    name: str
    content: bytes
    kind: str = FILE_DOCUMENT  # FILE_DOCUMENT or FILE_PHOTO


@dataclass(frozen=True)
class Outgoing:
    """One message: its text, buttons under it (rows), and an optional file it carries."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    file: File | None = None


def button_rows(rows: list[list[Button]]) -> tuple[tuple[Button, ...], ...]:
    """Rows of buttons as the immutable shape `Outgoing` holds (empty rows dropped)."""
    return tuple(tuple(row) for row in rows if row)
