"""What the bot says, as records any chat platform can render: HTML text, buttons, a file.

`Outgoing.text` is HTML in Telegram's subset (b, i, code, pre, a), already escaped; with a
`file` it is the file's caption. Buttons are rows of (label, payload); the payload of an
ordinary button comes back when it is pressed, so it is short (Telegram allows 64 bytes); a
link button's payload is the web address it opens.
"""

from __future__ import annotations

from dataclasses import dataclass

FILE_DOCUMENT = "document"
FILE_PHOTO = "photo"

BUTTON_CALLBACK = "callback"  # pressing it sends the payload back to the bot
BUTTON_LINK = "link"  # opens the payload, a web address, in the browser
# Opens the payload, a web address, as the platform's app inside the chat (Telegram's Mini
# App); only private chats offer it, so groups get a BUTTON_LINK instead.
BUTTON_APP = "app"


@dataclass(frozen=True)
class Button:
    label: str
    payload: str
    kind: str = BUTTON_CALLBACK  # BUTTON_CALLBACK, BUTTON_LINK or BUTTON_APP


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
    # False for a text whose link is a secret: the platform must not fetch it for a preview.
    link_preview: bool = True


def button_rows(rows: list[list[Button]]) -> tuple[tuple[Button, ...], ...]:
    """Rows of buttons as the immutable shape `Outgoing` holds (empty rows dropped)."""
    return tuple(tuple(row) for row in rows if row)
