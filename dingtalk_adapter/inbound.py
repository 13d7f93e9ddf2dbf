"""DingTalk's pushes read into the platform boundary's records.

- A robot message (CALLBACK /v1.0/im/bot/messages/get) → `IncomingMessage`: in a group it
  reached the robot because it @-mentions it; in the private chat, always. Read with the
  official SDK's `ChatbotMessage`.
- A card callback (CALLBACK /v1.0/card/instances/callback) → `ButtonPress`: the card's
  callback button hands back `params.payload` (the house card template's contract).
- A group event (EVENT chat_add_member, chat_remove_member, chat_quit, chat_disband) →
  `MembershipChange`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from dingtalk_stream import ChatbotMessage

from runtime.platform import (
    DINGTALK,
    Attachment,
    ButtonPress,
    ChatKind,
    ChatRef,
    IncomingMessage,
    MembershipChange,
    MembershipKind,
    MessageKind,
    MessageRef,
    UserRef,
)

log = logging.getLogger(__name__)

GROUP_CONVERSATION = "2"
GROUP_EVENT_KINDS = {
    "chat_add_member": MembershipKind.MEMBERS_ADDED,
    "chat_remove_member": MembershipKind.MEMBERS_REMOVED,
    "chat_quit": MembershipKind.MEMBERS_LEFT,
    "chat_disband": MembershipKind.CHAT_DISBANDED,
}
# Message types that carry a file, and the attachment kind each becomes.
_FILE_TYPES = {"picture": "photo", "file": "document", "video": "video", "audio": "voice"}


def from_millis(value: Any) -> datetime:
    """DingTalk's milliseconds since the epoch as naive UTC (now when missing)."""
    try:
        moment = datetime.fromtimestamp(int(value) / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        moment = datetime.now(UTC)
    return moment.replace(tzinfo=None)


def group(key: str) -> ChatRef:
    return ChatRef(DINGTALK, key, ChatKind.GROUP)


def private(staff_id: str) -> ChatRef:
    return ChatRef(DINGTALK, staff_id, ChatKind.PRIVATE)


def incoming_message(data: dict[str, Any]) -> IncomingMessage | None:
    """A robot message as an `IncomingMessage`; None when it names no sender or chat."""
    try:
        message = ChatbotMessage.from_dict(data)
    except (KeyError, TypeError, AttributeError):
        log.warning("robot message the SDK cannot read: %s", data)
        return None
    sender_key = message.sender_staff_id or message.sender_id
    if not sender_key:
        return None
    sender = UserRef(DINGTALK, str(sender_key), str(message.sender_nick or ""))
    in_group = message.conversation_type == GROUP_CONVERSATION
    if in_group:
        if not message.conversation_id:
            return None
        chat = group(str(message.conversation_id))
    else:
        # A private chat is addressed by the person's staff id (one-to-one sending).
        chat = private(str(sender_key))
    text, attachments = _content(message, data)
    mentions = tuple(
        UserRef(DINGTALK, str(user.staff_id))
        for user in message.at_users or []
        if user.staff_id and user.dingtalk_id != message.chatbot_user_id
    )
    return IncomingMessage(
        chat=chat,
        sender=sender,
        message=MessageRef(chat, str(message.message_id or "")),
        text=text,
        sent_at=from_millis(message.create_at),
        chat_title=str(message.conversation_title or "") if in_group else "",
        mentions_bot=bool(message.is_in_at_list) if in_group else True,
        mentions=mentions,
        attachments=attachments,
        sender_is_chat_admin=bool(message.is_admin) if in_group else None,
    )


def _content(message: ChatbotMessage, data: dict[str, Any]) -> tuple[str, tuple[Attachment, ...]]:
    kind = message.message_type
    if kind == "text" and message.text is not None:
        return str(message.text.content or "").strip(), ()
    if kind == "richText" and message.rich_text_content is not None:
        parts, files = [], []
        for item in message.rich_text_content.rich_text_list or []:
            if "text" in item:
                parts.append(str(item["text"]))
            elif item.get("downloadCode"):
                files.append(Attachment("photo", str(item["downloadCode"])))
        return "".join(parts).strip(), tuple(files)
    content = data.get("content") if isinstance(data.get("content"), dict) else {}
    if kind in _FILE_TYPES and content.get("downloadCode"):
        attachment = Attachment(
            _FILE_TYPES[kind], str(content["downloadCode"]), str(content.get("fileName", ""))
        )
        # A voice message comes with DingTalk's transcription.
        return str(content.get("recognition", "")).strip(), (attachment,)
    log.info("robot message of type %s with nothing to read", kind)
    return "", ()


def button_press(data: dict[str, Any], *, press_id: str) -> ButtonPress | None:
    """A card callback as a `ButtonPress`; None without a payload or a presser."""
    try:
        private_data = json.loads(data.get("content") or "{}").get("cardPrivateData") or {}
    except (json.JSONDecodeError, AttributeError):
        private_data = {}
    params = private_data.get("params") or {}
    payload = params.get("payload") if isinstance(params, dict) else None
    user_id = data.get("userId")
    out_track_id = data.get("outTrackId")
    if not isinstance(payload, str) or not payload or not user_id or not out_track_id:
        log.warning("card callback without payload or user: %s", data)
        return None
    space_type, space_id = data.get("spaceType"), data.get("spaceId")
    chat: ChatRef | None = None
    if space_type == "IM_GROUP" and space_id:
        chat = group(str(space_id))
    elif space_type == "IM_ROBOT":
        chat = private(str(user_id))
    return ButtonPress(
        press_id=press_id,
        sender=UserRef(DINGTALK, str(user_id)),
        payload=payload,
        pressed_at=datetime.now(UTC).replace(tzinfo=None),
        chat=chat,
        message=MessageRef(chat, str(out_track_id), MessageKind.CARD) if chat else None,
    )


def event_chat(data: dict[str, Any]) -> tuple[str, str]:
    """The group an event is about: (openConversationId, chatId), either may be ""."""
    cid = data.get("OpenConversationId") or data.get("openConversationId") or ""
    chat_id = data.get("ChatId") or data.get("chatId") or ""
    return str(cid), str(chat_id)


def membership_change(
    event_type: str, data: dict[str, Any], *, chat: ChatRef, event_id: str = ""
) -> MembershipChange | None:
    """A group event about `chat` as a `MembershipChange`; None for other events."""
    kind = GROUP_EVENT_KINDS.get(event_type)
    if kind is None:
        return None
    users = data.get("UserId") or data.get("userId") or []
    if isinstance(users, str):
        users = [users]
    operator = data.get("Operator") or data.get("operator")
    return MembershipChange(
        chat=chat,
        kind=kind,
        at=from_millis(data.get("TimeStamp") or data.get("timeStamp")),
        users=tuple(UserRef(DINGTALK, str(u)) for u in users if u),
        by=UserRef(DINGTALK, str(operator)) if operator else None,
        event_id=event_id,
    )
