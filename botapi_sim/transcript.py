"""The simulator's record of the conversation: who said what, where and when, in order.

`BotApiSimulator.transcript` is a list of `TranscriptEntry`; `render_transcript(entries)` turns
it into plain lines for a terminal (the demo prints it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class TranscriptEntry:
    """One event. `kind` is one of: message, bot_message, edit, bot_edit, press,
    callback_answer, delete, bot_added, bot_removed, bot_left, migrated."""

    at: datetime  # aware UTC
    elapsed: float  # seconds since the simulator started
    chat_id: int
    chat_title: str
    kind: str
    who: str
    who_id: int
    text: str = ""
    message_id: int | None = None
    reply_to_message_id: int | None = None
    buttons: tuple[str, ...] = field(default_factory=tuple)
    file_name: str | None = None

    @property
    def by_bot(self) -> bool:
        return self.kind.startswith("bot_") or self.kind == "callback_answer"


_MARKS = {
    "message": "",
    "bot_message": "",
    "edit": "✎ ",
    "bot_edit": "✎ ",
    "press": "▣ ",
    "callback_answer": "↳ ",
    "delete": "✗ ",
    "bot_added": "+ ",
    "bot_removed": "− ",
    "bot_left": "− ",
    "migrated": "⇒ ",
}


def render_entry(entry: TranscriptEntry, *, with_chat: bool = True) -> str:
    """One entry as a line: time, chat, speaker, message id, reply target, text, buttons."""
    parts = [f"{entry.elapsed:7.2f}s"]
    if with_chat:
        parts.append(f"[{entry.chat_title or entry.chat_id}]")
    head = f"{entry.who}"
    if entry.message_id is not None:
        head += f" #{entry.message_id}"
    if entry.reply_to_message_id is not None:
        head += f" ↩#{entry.reply_to_message_id}"
    parts.append(head + ":")
    body = _MARKS.get(entry.kind, "") + entry.text
    if entry.file_name:
        body += f" 📎{entry.file_name}"
    parts.append(body)
    if entry.buttons:
        parts.append("[" + " | ".join(entry.buttons) + "]")
    return " ".join(parts)


def render_transcript(entries: Iterable[TranscriptEntry], *, chat_id: int | None = None) -> str:
    """All entries (or those of one chat) as text, one event a line; multi-line texts indent."""
    lines: list[str] = []
    for entry in entries:
        if chat_id is not None and entry.chat_id != chat_id:
            continue
        line = render_entry(entry, with_chat=chat_id is None)
        lines.append(line.replace("\n", "\n          "))
    return "\n".join(lines)
