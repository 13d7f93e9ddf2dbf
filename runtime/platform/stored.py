"""Events as JSON and back, so an event can be stored before the platform is told it arrived
(the inbox) and handled again after a crash exactly as it came.

    text = event_to_json(event)
    event_from_json(text) == event
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from runtime.platform.events import (
    Attachment,
    ButtonPress,
    ChatEvent,
    IncomingMessage,
    MembershipChange,
    MembershipKind,
)
from runtime.platform.refs import ChatKind, ChatRef, MessageKind, MessageRef, UserRef

_EVENTS: dict[str, type[Any]] = {
    "message": IncomingMessage,
    "press": ButtonPress,
    "membership": MembershipChange,
}
_NAMES = {kind: name for name, kind in _EVENTS.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def event_to_json(event: ChatEvent) -> str:
    return json.dumps(
        {"type": _NAMES[type(event)], "event": _plain(event)},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _chat(data: dict[str, Any] | None) -> ChatRef | None:
    if data is None:
        return None
    return ChatRef(data["platform"], data["key"], ChatKind(data["kind"]))


def _user(data: dict[str, Any] | None) -> UserRef | None:
    if data is None:
        return None
    return UserRef(data["platform"], data["key"], data.get("name", ""))


def _message(data: dict[str, Any] | None) -> MessageRef | None:
    if data is None:
        return None
    chat = _chat(data["chat"])
    assert chat is not None
    return MessageRef(chat, data["key"], MessageKind(data["kind"]))


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def event_from_json(text: str) -> ChatEvent:
    """The event `event_to_json` wrote; ValueError for anything else."""
    try:
        outer = json.loads(text)
        kind, data = outer["type"], outer["event"]
        if kind == "message":
            return IncomingMessage(
                chat=_chat(data["chat"]),  # type: ignore[arg-type]
                sender=_user(data["sender"]),  # type: ignore[arg-type]
                message=_message(data["message"]),  # type: ignore[arg-type]
                text=data["text"],
                sent_at=_time(data["sent_at"]),  # type: ignore[arg-type]
                chat_title=data.get("chat_title", ""),
                reply_to=_message(data.get("reply_to")),
                reply_to_bot=data.get("reply_to_bot", False),
                mentions_bot=data.get("mentions_bot", False),
                mentions=tuple(_user(u) for u in data.get("mentions", ())),  # type: ignore[misc]
                attachments=tuple(Attachment(**a) for a in data.get("attachments", ())),
                edited_at=_time(data.get("edited_at")),
                sender_language=data.get("sender_language"),
                sender_is_chat_admin=data.get("sender_is_chat_admin"),
            )
        if kind == "press":
            return ButtonPress(
                press_id=data["press_id"],
                sender=_user(data["sender"]),  # type: ignore[arg-type]
                payload=data["payload"],
                pressed_at=_time(data["pressed_at"]),  # type: ignore[arg-type]
                chat=_chat(data.get("chat")),
                message=_message(data.get("message")),
                sender_language=data.get("sender_language"),
            )
        if kind == "membership":
            return MembershipChange(
                chat=_chat(data["chat"]),  # type: ignore[arg-type]
                kind=MembershipKind(data["kind"]),
                at=_time(data["at"]),  # type: ignore[arg-type]
                users=tuple(_user(u) for u in data.get("users", ())),  # type: ignore[misc]
                by=_user(data.get("by")),
                chat_title=data.get("chat_title", ""),
                moved_to=_chat(data.get("moved_to")),
                event_id=data.get("event_id", ""),
            )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a stored event: {exc}") from exc
    raise ValueError(f"not a stored event: type {kind!r}")
