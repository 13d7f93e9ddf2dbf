"""Message records as Bot API calls: the one place that knows Telegram's inline keyboards,
documents, photos and reply parameters, so another platform's adapter can sit beside it.
"""

from __future__ import annotations

from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
)
from telegram.ext import ExtBot

from delivery.limiter import PACED
from messages.outgoing import FILE_PHOTO, Button, Outgoing


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Rows of buttons as an inline keyboard; None when there are none."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in rows]
    )


async def send(
    bot: Bot,
    chat_id: int,
    message: Outgoing,
    *,
    reply_to: int | None = None,
    paced: bool = False,
) -> Message:
    """Send one message to a chat; `reply_to` answers a message (sent even if it is gone).

    `paced`: the caller already waited for the message's turn (the outbox worker).
    """
    markup = keyboard(message.buttons)
    reply = None
    if reply_to is not None:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True)
    limit: dict[str, Any] = {}
    if paced and isinstance(bot, ExtBot) and bot.rate_limiter is not None:
        limit = {"rate_limit_args": PACED}
    if message.file is None:
        return await bot.send_message(
            chat_id, message.text, reply_markup=markup, reply_parameters=reply, **limit
        )
    upload = InputFile(message.file.content, filename=message.file.name)
    if message.file.kind == FILE_PHOTO:
        return await bot.send_photo(
            chat_id,
            upload,
            caption=message.text,
            reply_markup=markup,
            reply_parameters=reply,
            **limit,
        )
    return await bot.send_document(
        chat_id,
        upload,
        filename=message.file.name,
        caption=message.text,
        reply_markup=markup,
        reply_parameters=reply,
        **limit,
    )


async def reply(to: Message, message: Outgoing) -> Message:
    """Answer a message the way Telegram's clients do: quoted in groups, plain in private."""
    markup: dict[str, Any] = {"reply_markup": keyboard(message.buttons)} if message.buttons else {}
    if message.file is None:
        return await to.reply_text(message.text, **markup)
    upload = InputFile(message.file.content, filename=message.file.name)
    if message.file.kind == FILE_PHOTO:
        return await to.reply_photo(photo=upload, caption=message.text, **markup)
    return await to.reply_document(
        document=upload, filename=message.file.name, caption=message.text, **markup
    )


async def edit(query: CallbackQuery, message: Outgoing) -> None:
    """Redraw the message a button sits under: new text, new buttons."""
    await query.edit_message_text(message.text, reply_markup=keyboard(message.buttons))
