"""The one door between the core and a chat platform: `ChatPlatform`, and what it may raise.

    platform = DingTalkPlatform(settings)            # or the Telegram adapter
    await platform.run(sink)                          # events in, until cancelled
    sent = await platform.send(chat, Outgoing(text))  # messages out, as the core rendered them

The core renders `messages.outgoing.Outgoing` records (HTML in Telegram's subset, buttons,
a file); each adapter turns them into its platform's calls. Errors are the platform's own
reasons in a shape the outbox can act on: wait, give the chat up, retry, or stop retrying.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from messages.outgoing import File, Outgoing
from runtime.platform.capabilities import Capabilities
from runtime.platform.events import ButtonPress, ChatEvent
from runtime.platform.refs import ChatRef, MessageRef

# Takes one event into the core. The adapter tells the platform an event arrived only after
# the sink returned, so a sink that stores the event first loses nothing in a crash; a sink
# that raises leaves the event unacknowledged (the platform sends it again where it can).
EventSink = Callable[[ChatEvent], Awaitable[None]]


@dataclass(frozen=True)
class Sent:
    """What one `Outgoing` became: one message on Telegram; on DingTalk perhaps a caption and
    then the file, or several pages of a long text. `main` is the one buttons sit on."""

    messages: tuple[MessageRef, ...]

    @property
    def main(self) -> MessageRef:
        return self.messages[-1]


class PlatformError(Exception):
    """The platform did not take a message; the subclass says what to do about it."""


class RetryLater(PlatformError):
    """Rate limited: nothing was delivered; try again after `seconds`."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"rate limited, retry after {seconds:g} s")
        self.seconds = seconds


class TemporaryFailure(PlatformError):
    """The network or the platform failed before the message was taken: safe to retry."""


class DeliveryUnknown(PlatformError):
    """The request went out but no answer came back: the message may have been delivered.
    Retrying may send it twice; the outbox decides (it records such deliveries as sent)."""


class ChatUnavailable(PlatformError):
    """The bot can no longer send to this chat (removed from it, the chat disbanded, a
    private chat the person closed). Retrying will not help until the bot is let back in."""

    def __init__(self, chat: ChatRef, reason: str = "") -> None:
        super().__init__(reason or f"chat {chat} is not available to the bot")
        self.chat = chat


class ChatMoved(PlatformError):
    """The chat lives on under another reference (a Telegram group become a supergroup):
    nothing was delivered; send to `moved_to` instead."""

    def __init__(self, chat: ChatRef, moved_to: ChatRef) -> None:
        super().__init__(f"chat {chat} moved to {moved_to}")
        self.chat = chat
        self.moved_to = moved_to


class MessageRejected(PlatformError):
    """The platform refused this message as it is (malformed, too large, a bad button):
    sending it again unchanged fails again. A bug to fix, not a chat to give up."""


class CredentialsRejected(PlatformError):
    """The platform no longer accepts the bot's credentials (a revoked secret)."""


@runtime_checkable
class ChatPlatform(Protocol):
    """A chat platform as the core sees it."""

    @property
    def capabilities(self) -> Capabilities: ...

    async def run(self, sink: EventSink) -> None:
        """Receive events and hand each to `sink`, in order, until cancelled."""
        ...

    async def send(
        self,
        chat: ChatRef,
        message: Outgoing,
        *,
        reply_to: MessageRef | None = None,
        dedupe_key: str | None = None,
    ) -> Sent:
        """Send one message (its pages, its file); `reply_to` answers a message where the
        platform can quote it (elsewhere it is ignored). A platform that can make a repeated
        send harmless does so for the same `dedupe_key` (DingTalk's card `outTrackId`);
        the outbox passes its delivery's key."""
        ...

    async def edit(self, message: MessageRef, new: Outgoing) -> Sent:
        """Redraw a message the bot sent: in place where the platform can (Telegram's edit,
        DingTalk's card update), else by recalling it and sending `new` in its place."""
        ...

    async def upload(self, chat: ChatRef, file: File) -> str:
        """Make a file sendable and return the platform's key for it (DingTalk's media id),
        so the same file can go to many chats with one upload."""
        ...

    async def answer_button(
        self, press: ButtonPress, *, text: str = "", alert: bool = False
    ) -> None:
        """Tell the presser the press was taken (`text`: a short note for them alone; an
        `alert` must be read before going on). Redrawing the message is `edit`'s work."""
        ...
