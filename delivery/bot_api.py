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
from telegram.constants import ParseMode

from messages.html import CAPTION_LIMIT, MESSAGE_LIMIT, cut_lines, split_html
from messages.outgoing import FILE_PHOTO, Button, Outgoing


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Rows of buttons as an inline keyboard; None when there are none."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in rows]
    )


def _pages(text: str) -> list[str]:
    """A text as messages Telegram accepts: one, or several when it is too long for one."""
    return split_html(text) if len(text) > MESSAGE_LIMIT else [text]


def _caption(text: str) -> tuple[str, list[str]]:
    """A file's caption, and what did not fit in it, as messages to follow the file."""
    if len(text) <= CAPTION_LIMIT:
        return text, []
    caption, *_ = split_html(text, CAPTION_LIMIT)
    rest = text[len(caption) :] if text.startswith(caption) else text
    return caption, _pages(rest.strip()) if rest.strip() else []


async def send(
    bot: Bot, chat_id: int, message: Outgoing, *, reply_to: int | None = None
) -> Message:
    """Send one message to a chat; `reply_to` answers a message (sent even if it is gone).

    Whatever a renderer made, nothing too long for Telegram goes out: a long text is sent as
    several messages (the buttons under the last, which is returned), a long caption is cut
    and the rest follows the file.
    """
    markup = keyboard(message.buttons)
    reply = None
    if reply_to is not None:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True)
    if message.file is None:
        *first, last = _pages(message.text)
        for page in first:
            await bot.send_message(chat_id, page, reply_parameters=reply)
            reply = None
        return await bot.send_message(chat_id, last, reply_markup=markup, reply_parameters=reply)
    caption, rest = _caption(message.text)
    upload = InputFile(message.file.content, filename=message.file.name)
    if message.file.kind == FILE_PHOTO:
        sent = await bot.send_photo(
            chat_id, upload, caption=caption, reply_markup=markup, reply_parameters=reply
        )
    else:
        sent = await bot.send_document(
            chat_id,
            upload,
            filename=message.file.name,
            caption=caption,
            reply_markup=markup,
            reply_parameters=reply,
        )
    for page in rest:
        await bot.send_message(chat_id, page)
    return sent


async def acknowledge(bot: Bot, chat_id: int, message: Outgoing, *, reply_to: int) -> int | None:
    """Answer a liaison's message the lean way: plain JSON out, only the message id back.

    Building the library's objects for the buttons and reading back the whole message
    Telegram returns cost more CPU than recording the reply itself; an acknowledgement needs
    neither. The call still goes through the bot's rate limiter and raises the same errors.
    Long texts and files take `send`. Returns the id of the message (the last, when split).
    """
    if message.file is not None or len(message.text) > MESSAGE_LIMIT:
        return (await send(bot, chat_id, message, reply_to=reply_to)).message_id
    data: dict[str, Any] = {
        "chat_id": chat_id,
        "text": message.text,
        "parse_mode": ParseMode.HTML,
        "reply_parameters": {"message_id": reply_to, "allow_sending_without_reply": True},
    }
    if message.buttons:
        data["reply_markup"] = {
            "inline_keyboard": [
                [{"text": b.label, "callback_data": b.payload} for b in row]
                for row in message.buttons
            ]
        }
    # `_post` is the library's own door to the API under every send_* method (the rate
    # limiter sits behind it); it returns Telegram's answer as JSON, unparsed.
    result = await bot._post("sendMessage", data)
    return int(result["message_id"]) if isinstance(result, dict) else None


async def reply(to: Message, message: Outgoing) -> Message:
    """Answer a message the way Telegram's clients do: quoted in groups, plain in private.

    Too long for one message: the first part quotes, the rest follows (see `send`).
    """
    markup: dict[str, Any] = {"reply_markup": keyboard(message.buttons)} if message.buttons else {}
    if message.file is None:
        *first, last = _pages(message.text)
        if not first:
            return await to.reply_text(last, **markup)
        await to.reply_text(first[0])
        for page in first[1:]:
            await to.get_bot().send_message(to.chat_id, page)
        return await to.get_bot().send_message(to.chat_id, last, **markup)
    caption, rest = _caption(message.text)
    upload = InputFile(message.file.content, filename=message.file.name)
    if message.file.kind == FILE_PHOTO:
        sent = await to.reply_photo(photo=upload, caption=caption, **markup)
    else:
        sent = await to.reply_document(
            document=upload, filename=message.file.name, caption=caption, **markup
        )
    for page in rest:
        await to.get_bot().send_message(to.chat_id, page)
    return sent


async def edit(query: CallbackQuery, message: Outgoing) -> None:
    """Redraw the message a button sits under: new text (cut to one message), new buttons."""
    await query.edit_message_text(cut_lines(message.text), reply_markup=keyboard(message.buttons))
