"""Who and where, namespaced by platform: a chat, a person, a message the bot sent or saw.

Keys are the platform's own identifiers as text (Telegram's numbers, DingTalk's
`cid…` conversation ids, staff ids, `processQueryKey`s and card `outTrackId`s), so a
reference never loses what the platform needs to address the thing again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

TELEGRAM = "telegram"
DINGTALK = "dingtalk"
PLATFORMS = (TELEGRAM, DINGTALK)


class ChatKind(StrEnum):
    PRIVATE = "private"  # the bot and one person
    GROUP = "group"  # a group chat (Telegram's group and supergroup, a DingTalk group)


class MessageKind(StrEnum):
    # An ordinary message: edited in place where the platform can, else recalled and sent anew.
    MESSAGE = "message"
    # A card (DingTalk's interactive card): redrawn in place, never recalled to edit.
    CARD = "card"


@dataclass(frozen=True)
class ChatRef:
    """A chat: on Telegram its id; on DingTalk a group's `openConversationId`, or for a
    private chat the person's staff id (what DingTalk's one-to-one sending addresses)."""

    platform: str
    key: str
    kind: ChatKind = ChatKind.GROUP

    @property
    def is_group(self) -> bool:
        return self.kind == ChatKind.GROUP

    def __str__(self) -> str:
        return f"{self.platform}:{self.kind}:{self.key}"


@dataclass(frozen=True)
class UserRef:
    """A person: Telegram's user id, DingTalk's staff id (`senderStaffId`, the `userId` of its
    APIs). The display name travels along but is no part of who it is."""

    platform: str
    key: str
    name: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.platform}:{self.key}"


@dataclass(frozen=True)
class MessageRef:
    """A message in a chat: Telegram's message id; on DingTalk the `msgId` of a message the
    bot received, the `processQueryKey` of one it sent, or the `outTrackId` of its card."""

    chat: ChatRef
    key: str
    kind: MessageKind = MessageKind.MESSAGE

    def __str__(self) -> str:
        return f"{self.chat}/{self.kind}:{self.key}"


def telegram_chat(chat_id: int) -> ChatRef:
    """Telegram's chat: private chats have the user's (positive) id, groups negative ids."""
    kind = ChatKind.PRIVATE if chat_id > 0 else ChatKind.GROUP
    return ChatRef(TELEGRAM, str(chat_id), kind)
