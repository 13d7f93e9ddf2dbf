"""The office's review in the chat: /return (and the 退回 buttons under a measure's view),
/close, /reopen for coordinators, /deadline for admins.

Thin: the gate checks the caller, `commands/review.py` and `commands/deadlines.py` act in one
session, `messages/review.py` words it; a returned report is told to the department's chats.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from commands import deadlines, review
from commands.gate import run_gated
from coordination.review import Returned
from coordination.roles import Access, Need, Place
from delivery import bot_api
from handlers.gate import Call, command, command_args, gated
from messages.common import coordinators_only
from messages.html import ALERT_LIMIT
from messages.review import (
    miss_text,
    render_closing,
    render_deadline,
    render_return,
    render_return_notice,
)
from runtime import services

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
COORDINATOR, COORDINATION = Need.COORDINATOR, Place.COORDINATION
# A command edited later is not answered (nor acted on) twice.
ONLY_NEW = filters.UpdateType.MESSAGE

close_command = command(
    "close", review.close, render_closing, need=COORDINATOR, place=COORDINATION, quote=True
)
reopen_command = command(
    "reopen", review.reopen, render_closing, need=COORDINATOR, place=COORDINATION, quote=True
)
deadline_command = command("deadline", deadlines.deadline, render_deadline, need=Need.ADMIN)


async def tell_department(context: ContextTypes.DEFAULT_TYPE, returned: Returned) -> int:
    """The notice to each chat of the department, in its language; how many got it."""
    svc = services(context)
    told = 0
    for chat in returned.chats:
        t = await svc.chat_translator(chat.chat_id, None)
        try:
            await bot_api.send(context.bot, chat.chat_id, render_return_notice(t, returned))
            told += 1
        except TelegramError:
            # The return stands: the nudge and the overdue list name the measure again.
            log.warning("could not tell chat %s of a returned report", chat.chat_id, exc_info=True)
    return told


@gated("return", need=COORDINATOR, place=COORDINATION, quote=True)
async def return_command(call: Call) -> None:
    """/return <measure> [department] <reason>: send a report back for 补报."""
    answer = await call.run(review.return_)
    told = None
    if isinstance(answer, review.ReturnDone):
        told = await tell_department(call.context, answer.returned)
    await call.send(await asyncio.to_thread(render_return, call.t, answer, told))


async def return_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A 退回 button: ask for the reason, or return the report with the reason pressed."""
    query = update.callback_query
    assert query is not None
    press = review.read_return_payload(query.data or "")
    chat = update.effective_chat
    svc = services(context)
    if press is None or chat is None or query.message is None:
        await query.answer()  # a button of an older version, or a forgery
        return
    t = await svc.chat_translator(chat.id, query.from_user.language_code)
    gated_answer = await svc.db.run(
        run_gated,
        review.return_button,
        user_id=query.from_user.id,
        args=command_args(update, svc),
        now=svc.now(),
        # A coordinator may act wherever the view was posted.
        need=COORDINATOR,
        place=Place.ANYWHERE,
        press=press,
    )
    if gated_answer.access != Access.OK:
        await query.answer(coordinators_only(t), show_alert=True)
        return
    answer = gated_answer.answer
    if isinstance(answer, review.ReviewMiss):
        await query.answer(miss_text(t, answer)[:ALERT_LIMIT], show_alert=True)
        return
    if isinstance(answer, review.ReasonPrompt):
        await query.answer()
        (prompt,) = render_return(t, answer)
        await bot_api.send(context.bot, chat.id, prompt, reply_to=query.message.message_id)
        return
    told = await tell_department(context, answer.returned)
    (done,) = render_return(t, answer, told)
    await query.answer()
    try:
        await bot_api.edit(query, done)  # the question becomes the record of the return
    except TelegramError:
        log.warning("could not turn the reasons into the answer", exc_info=True)
        await bot_api.send(context.bot, chat.id, done)


def register(application: AnyApp) -> None:
    """/return, /close, /reopen, /deadline and the 退回 buttons."""
    application.add_handler(CommandHandler("return", return_command, filters=ONLY_NEW))
    application.add_handler(CommandHandler("close", close_command, filters=ONLY_NEW))
    application.add_handler(CommandHandler("reopen", reopen_command, filters=ONLY_NEW))
    application.add_handler(CommandHandler("deadline", deadline_command, filters=ONLY_NEW))
    application.add_handler(
        CallbackQueryHandler(return_button, pattern=rf"^{review.RETURN_PREFIX}:")
    )
