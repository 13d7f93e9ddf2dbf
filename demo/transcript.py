"""The demo's transcript: the simulator's record of the conversation, as lines for a terminal.

Each line is one event the simulator saw (a message, an edit, a button press, the bot's answer),
dated in simulated time and the bot's time zone; texts are Telegram's plain text, tags parsed away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo

from botapi_sim.transcript import TranscriptEntry

# How each kind of event is marked before its text.
MARKS = {
    "edit": "✎ ",
    "bot_edit": "✎ ",
    "press": "▣ ",
    "callback_answer": "↳ ",
    "delete": "✗ ",
}
INDENT = " " * 8


def render_entry(entry: TranscriptEntry, moment: datetime, tz: tzinfo) -> str:
    """`12-25 09:01 [chat] who #id ↩#id: text [button | button]`; later lines indented."""
    head = f"{moment.astimezone(tz):%m-%d %H:%M} [{entry.chat_title or entry.chat_id}] {entry.who}"
    if entry.message_id is not None and entry.kind in {"message", "bot_message"}:
        head += f" #{entry.message_id}"
    if entry.reply_to_message_id is not None and entry.kind in {"message", "bot_message"}:
        head += f" ↩#{entry.reply_to_message_id}"
    elif entry.kind in {"edit", "bot_edit", "press"} and entry.message_id is not None:
        head += f" →#{entry.message_id}"
    body = MARKS.get(entry.kind, "") + entry.text
    if entry.file_name:
        body += f" 📎{entry.file_name}"
    line = f"{head}: {body}"
    if entry.buttons:
        line += "\n[" + " | ".join(entry.buttons) + "]"
    return line.replace("\n", "\n" + INDENT)


def shown(entry: TranscriptEntry) -> bool:
    """Events a reader wants: not the silent acknowledgement of a button press."""
    return not (entry.kind == "callback_answer" and entry.text in {"", "None"})


def render_entries(
    entries: Iterable[tuple[int, TranscriptEntry]],
    *,
    moment_of: Callable[[int, TranscriptEntry], datetime],
    tz: tzinfo,
) -> list[str]:
    """Numbered entries (index in the whole transcript, entry) as rendered lines."""
    return [
        render_entry(entry, moment_of(index, entry), tz) for index, entry in entries if shown(entry)
    ]
