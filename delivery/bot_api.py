"""Message records as Bot API calls: the one place that knows Telegram's inline keyboards,
link and Mini App buttons, documents, photos and reply parameters, so another platform's
adapter can sit beside it. Also the few questions the dashboard asks of the Bot API: who is
in a chat, a file's bytes, and the menu button that opens the Mini App.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    ChatMember,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    MenuButtonWebApp,
    Message,
    ReplyParameters,
    WebAppInfo,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from delivery.limiter import PACED
from messages.html import CAPTION_LIMIT, MESSAGE_LIMIT, cut_lines, split_html
from messages.outgoing import BUTTON_APP, BUTTON_LINK, FILE_PHOTO, Button, Outgoing

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
PRESENT = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


def inline_button(button: Button) -> InlineKeyboardButton:
    if button.kind == BUTTON_LINK:
        return InlineKeyboardButton(button.label, url=button.payload)
    if button.kind == BUTTON_APP:
        return InlineKeyboardButton(button.label, web_app=WebAppInfo(button.payload))
    return InlineKeyboardButton(button.label, callback_data=button.payload)


def _button_json(button: Button) -> dict[str, Any]:
    """A button as the Bot API's JSON (what `inline_button` makes, without the object)."""
    if button.kind == BUTTON_LINK:
        return {"text": button.label, "url": button.payload}
    if button.kind == BUTTON_APP:
        return {"text": button.label, "web_app": {"url": button.payload}}
    return {"text": button.label, "callback_data": button.payload}


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Rows of buttons as an inline keyboard; None when there are none."""
    if not rows:
        return None
    return InlineKeyboardMarkup([[inline_button(b) for b in row] for row in rows])


def _preview(message: Outgoing) -> dict[str, Any]:
    # Only when asked: every other request stays exactly as it was.
    return {} if message.link_preview else {"link_preview_options": NO_PREVIEW}


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
    bot: Bot,
    chat_id: int,
    message: Outgoing,
    *,
    reply_to: int | None = None,
    paced: bool = False,
) -> Message:
    """Send one message to a chat; `reply_to` answers a message (sent even if it is gone).

    Whatever a renderer made, nothing too long for Telegram goes out: a long text is sent as
    several messages (the buttons under the last, which is returned), a long caption is cut
    and the rest follows the file. `paced`: the caller already took the message's turn (the
    outbox worker); only the first of several pages can have been given one.
    """
    markup = keyboard(message.buttons)
    reply = None
    if reply_to is not None:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True)
    limit: dict[str, Any] = {}
    if paced and isinstance(bot, ExtBot) and bot.rate_limiter is not None:
        limit = {"rate_limit_args": PACED}
    if message.file is None:
        *first, last = _pages(message.text)
        for page in first:
            await bot.send_message(
                chat_id, page, reply_parameters=reply, **_preview(message), **limit
            )
            reply = None
            limit = {}  # the turn taken is used: the next pages wait for their own
        return await bot.send_message(
            chat_id,
            last,
            reply_markup=markup,
            reply_parameters=reply,
            **_preview(message),
            **limit,
        )
    caption, rest = _caption(message.text)
    upload = InputFile(message.file.content, filename=message.file.name)
    if message.file.kind == FILE_PHOTO:
        sent = await bot.send_photo(
            chat_id,
            upload,
            caption=caption,
            reply_markup=markup,
            reply_parameters=reply,
            **limit,
        )
    else:
        sent = await bot.send_document(
            chat_id,
            upload,
            filename=message.file.name,
            caption=caption,
            reply_markup=markup,
            reply_parameters=reply,
            **limit,
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
    if not message.link_preview:
        data["link_preview_options"] = {"is_disabled": True}
    if message.buttons:
        data["reply_markup"] = {
            "inline_keyboard": [[_button_json(b) for b in row] for row in message.buttons]
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
            return await to.reply_text(last, **markup, **_preview(message))
        await to.reply_text(first[0], **_preview(message))
        for page in first[1:]:
            await to.get_bot().send_message(to.chat_id, page, **_preview(message))
        return await to.get_bot().send_message(to.chat_id, last, **markup, **_preview(message))
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
    await query.edit_message_text(
        cut_lines(message.text), reply_markup=keyboard(message.buttons), **_preview(message)
    )


async def set_app_menu_button(bot: Bot, label: str, url: str) -> None:
    """The menu button of private chats opens `url` as a Mini App (Telegram wants HTTPS)."""
    await bot.set_chat_menu_button(menu_button=MenuButtonWebApp(label, WebAppInfo(url)))


async def is_member(bot: Bot, chat_id: int, user_id: int) -> bool | None:
    """Is the user in the chat now (owner, administrator, member, or restricted but still a
    member)? None when Telegram could not say (network, rate limit): ask again soon."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden) as exc:
        # Not in the chat, or the bot was removed from it: no role there.
        log.debug("getChatMember %s %s: %s", chat_id, user_id, exc)
        return False
    except TelegramError as exc:
        log.warning("could not ask Telegram who is in chat %s: %s", chat_id, exc)
        return None
    if member.status in PRESENT:
        return True
    return isinstance(member, ChatMemberRestricted) and member.is_member


async def download(bot: Bot, file_id: str) -> tuple[str, bytes] | None:
    """A file a user sent (its name and bytes), or None when Telegram does not hand it over
    (files over 20 MB, a file id from another bot, the network)."""
    try:
        telegram_file = await bot.get_file(file_id)
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not fetch file %s: %s", file_id, exc)
        return None
    return PurePosixPath(telegram_file.file_path or "").name, data
