"""The error handler: log first, then tell the operator chat (if one is configured).

Also the last resort for buttons nobody knows (an older version's, or forged): answered,
so the person's button stops spinning, and nothing else happens.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from delivery import bot_api
from messages.common import operator_report, render_apology
from runtime import services

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception, apologise in the chat, and report it to the operator chat."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        user = update.effective_user
        t = await services(context).chat_translator(
            update.effective_chat.id, user.language_code if user else None
        )
        try:
            await bot_api.send(context.bot, update.effective_chat.id, render_apology(t))
        except TelegramError:
            log.warning("could not tell the chat about the error")
    operator = services(context).settings.operator_chat_id
    if operator:
        try:
            await bot_api.send(context.bot, operator, operator_report(context.error))
        except TelegramError:
            log.warning("could not reach the operator chat")


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button payload no handler took: answer it (empty) so the client stops waiting."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer()
    except TelegramError:
        log.warning("could not answer an unknown button", exc_info=True)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_error_handler(on_error)
    # bot.py registers this module last: in group 0 this only sees buttons no one else took.
    application.add_handler(CallbackQueryHandler(unknown_button))
