"""Telegram as a `ChatPlatform` for what the core sends: the outbox's messages go through
`send` here, and Telegram's errors come out as the boundary's, so the outbox worker reads
one set of outcomes whatever the platform. Updates still come in through the handlers.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from delivery import bot_api
from delivery.limiter import retry_after_seconds
from messages.outgoing import File, Outgoing
from runtime.platform import (
    TELEGRAM,
    ButtonPress,
    Capabilities,
    ChatMoved,
    ChatRef,
    ChatUnavailable,
    CredentialsRejected,
    EventSink,
    MessageRef,
    MessageRejected,
    Pacing,
    PlatformError,
    RetryLater,
    Sent,
    TemporaryFailure,
    telegram_chat,
)

log = logging.getLogger(__name__)

TELEGRAM_CAPABILITIES = Capabilities(
    platform=TELEGRAM,
    replies_reach_bot=True,
    sees_all_group_messages=False,  # privacy mode is on for bots by default
    has_reply_threads=True,
    can_edit_text=True,
    can_redraw_buttons=True,
    can_recall=True,
    callback_buttons=True,
    button_alerts=True,
    file_captions=True,
    in_chat_apps=True,
    pacing=Pacing(per_second=30.0, per_group_per_minute=20),
)


def boundary_error(chat: ChatRef, exc: TelegramError) -> PlatformError:
    """Telegram's error as the boundary's: what the outbox should do about it."""
    if isinstance(exc, RetryAfter):
        wait = retry_after_seconds(exc)
        return RetryLater(wait, f"flood control: retry after {wait:g}s")
    if isinstance(exc, ChatMigrated):
        return ChatMoved(chat, telegram_chat(int(exc.new_chat_id)))
    if isinstance(exc, Forbidden):
        return ChatUnavailable(chat, exc.message)
    if isinstance(exc, InvalidToken):
        return CredentialsRejected(exc.message)
    if isinstance(exc, BadRequest):
        # "chat not found" and malformed requests do not get better by retrying.
        return MessageRejected(exc.message)
    if isinstance(exc, NetworkError):
        return TemporaryFailure(f"{type(exc).__name__}: {exc.message}")
    return TemporaryFailure(f"{type(exc).__name__}: {exc.message}")


class TelegramPlatform:
    """The bot's Telegram side as the core sends through it."""

    def __init__(self, bot: Bot, *, paced: bool = False) -> None:
        self.bot = bot
        # The caller waited for each message's turn itself (the outbox worker): the rate
        # limiter lets these through without a second wait.
        self._paced = paced

    def paced(self) -> TelegramPlatform:
        return TelegramPlatform(self.bot, paced=True)

    @property
    def capabilities(self) -> Capabilities:
        return TELEGRAM_CAPABILITIES

    async def run(self, sink: EventSink) -> None:
        """Updates reach the handlers through the polling or webhook intake (operations/)."""
        raise NotImplementedError("Telegram's updates come in through operations/intake")

    async def send(
        self,
        chat: ChatRef,
        message: Outgoing,
        *,
        reply_to: MessageRef | None = None,
        dedupe_key: str | None = None,
    ) -> Sent:
        # Telegram has no key that makes a repeated send harmless: `dedupe_key` is unused.
        try:
            sent = await bot_api.send(
                self.bot,
                int(chat.key),
                message,
                reply_to=int(reply_to.key) if reply_to is not None else None,
                paced=self._paced,
            )
        except TelegramError as exc:
            raise boundary_error(chat, exc) from exc
        return Sent((MessageRef(chat, str(sent.message_id)),))

    async def edit(self, message: MessageRef, new: Outgoing) -> Sent:
        try:
            await self.bot.edit_message_text(
                new.text,
                chat_id=int(message.chat.key),
                message_id=int(message.key),
                reply_markup=bot_api.keyboard(new.buttons),
            )
        except TelegramError as exc:
            raise boundary_error(message.chat, exc) from exc
        return Sent((message,))

    async def upload(self, chat: ChatRef, file: File) -> str:
        """Telegram takes the file with the message itself: nothing to upload before."""
        raise NotImplementedError("Telegram uploads a file with the message that carries it")

    async def answer_button(
        self, press: ButtonPress, *, text: str = "", alert: bool = False
    ) -> None:
        try:
            await self.bot.answer_callback_query(press.press_id, text or None, show_alert=alert)
        except TelegramError as exc:
            raise TemporaryFailure(str(exc)) from exc
