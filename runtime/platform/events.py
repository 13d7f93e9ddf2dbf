"""What a chat platform hands the core: a message, a button press, a change of members.

Each adapter reads its own updates into these records (Telegram's update JSON, DingTalk's
Stream frames) and nothing else crosses into the core. Times are naive UTC, as stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from runtime.platform.refs import ChatRef, MessageRef, UserRef

ATTACHMENT_KINDS = ("photo", "document", "video", "voice", "audio")

# "/bind 省水利厅", "/bind@duban_bot 省水利厅"; a Chinese keyboard may type the full-width "／".
_COMMAND = re.compile(r"^[/／]([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)")


@dataclass(frozen=True)
class Attachment:
    """A file a person sent: its kind, the platform's key to fetch it (Telegram's `file_id`,
    DingTalk's `downloadCode`) and its name when the platform says."""

    kind: str  # one of ATTACHMENT_KINDS
    key: str
    name: str = ""


@dataclass(frozen=True)
class Command:
    """`/name args`: the name in lower case, the rest as typed (line breaks kept)."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class IncomingMessage:
    """A person's message that reached the bot: a command, or a report (the incoming reply).

    On Telegram it reaches the bot as a command, a reply to one of the bot's messages, or (in
    a group without privacy mode) any message; on DingTalk only when it @-mentions the bot in
    a group, or in the private chat with the bot. `text` holds no mention of the bot.
    """

    chat: ChatRef
    sender: UserRef
    message: MessageRef
    text: str
    sent_at: datetime
    chat_title: str = ""
    # The message this one answers, when the platform says (Telegram's reply); and whether
    # that message was the bot's own. DingTalk's quote metadata is unreliable: None there.
    reply_to: MessageRef | None = None
    reply_to_bot: bool = False
    mentions_bot: bool = False
    mentions: tuple[UserRef, ...] = ()  # other people it @-mentions
    attachments: tuple[Attachment, ...] = ()
    edited_at: datetime | None = None  # an edit of an earlier message: when it was edited
    sender_language: str | None = None  # the sender's app language, when the platform says
    sender_is_chat_admin: bool | None = None  # an admin of the group, when the platform says

    @property
    def command(self) -> Command | None:
        return read_command(self.text)

    @property
    def addressed_to_bot(self) -> bool:
        """Meant for the bot: a private chat, an @-mention, a reply to the bot, a command."""
        return (
            not self.chat.is_group
            or self.mentions_bot
            or self.reply_to_bot
            or self.command is not None
        )


def read_command(text: str, *, bot_username: str = "") -> Command | None:
    """The command at the start of `text`, or None. `/cmd@other_bot` is None when the bot's
    own username is known and differs (Telegram groups with several bots)."""
    stripped = text.lstrip()
    match = _COMMAND.match(stripped)
    if match is None:
        return None
    addressed = match.group(2)
    if addressed and bot_username and addressed.lower() != bot_username.lower():
        return None
    rest = stripped[match.end() :]
    return Command(match.group(1).lower(), rest.strip())


@dataclass(frozen=True)
class ButtonPress:
    """A button pressed under one of the bot's messages (a Telegram inline button, a DingTalk
    card's callback button): the payload the button was given comes back."""

    press_id: str  # Telegram's callback query id; the Stream frame's messageId on DingTalk
    sender: UserRef
    payload: str
    pressed_at: datetime
    chat: ChatRef | None = None  # None when the platform does not say (inline mode)
    message: MessageRef | None = None  # the message or card the button sits under
    sender_language: str | None = None


class MembershipKind(StrEnum):
    BOT_ADDED = "bot_added"  # the bot joined the chat (or was let back in)
    BOT_REMOVED = "bot_removed"  # the bot was removed; sending there fails from now on
    MEMBERS_ADDED = "members_added"
    MEMBERS_REMOVED = "members_removed"  # removed by someone else
    MEMBERS_LEFT = "members_left"  # left by themselves
    CHAT_DISBANDED = "chat_disbanded"  # the chat is gone, with everyone in it
    CHAT_MOVED = "chat_moved"  # the same chat under a new key (a Telegram supergroup)


@dataclass(frozen=True)
class MembershipChange:
    """Who came or went, or what happened to the chat itself."""

    chat: ChatRef
    kind: MembershipKind
    at: datetime
    users: tuple[UserRef, ...] = ()
    by: UserRef | None = None  # who did it, when the platform says
    chat_title: str = ""
    moved_to: ChatRef | None = None  # CHAT_MOVED: the chat's new reference
    # The platform's id of this event when it has one (DingTalk's eventId): an event pushed
    # twice carries the same id.
    event_id: str = ""


ChatEvent = IncomingMessage | ButtonPress | MembershipChange
