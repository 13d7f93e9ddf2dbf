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
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from delivery.limiter import PACED
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


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Rows of buttons as an inline keyboard; None when there are none."""
    if not rows:
        return None
    return InlineKeyboardMarkup([[inline_button(b) for b in row] for row in rows])


def _preview(message: Outgoing) -> dict[str, Any]:
    # Only when asked: every other request stays exactly as it was.
    return {} if message.link_preview else {"link_preview_options": NO_PREVIEW}


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
            chat_id,
            message.text,
            reply_markup=markup,
            reply_parameters=reply,
            **_preview(message),
            **limit,
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
        return await to.reply_text(message.text, **markup, **_preview(message))
    upload = InputFile(message.file.content, filename=message.file.name)
    if message.file.kind == FILE_PHOTO:
        return await to.reply_photo(photo=upload, caption=message.text, **markup)
    return await to.reply_document(
        document=upload, filename=message.file.name, caption=message.text, **markup
    )


async def edit(query: CallbackQuery, message: Outgoing) -> None:
    """Redraw the message a button sits under: new text, new buttons."""
    await query.edit_message_text(
        message.text, reply_markup=keyboard(message.buttons), **_preview(message)
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
