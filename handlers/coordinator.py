"""What coordinators see: /status, /overdue, /history, /export, /chart and /bulletin, with page
buttons.

Coordinators and admins use these in the coordinators' chat or in private; everyone else
gets one short polite refusal, and a coordinator in a department group a hint where to ask.
Answers quote the command, and a command edited later is not answered twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from commands import views
from commands.gate import run_gated
from coordination.roles import Access, Need, Place
from delivery import bot_api
from handlers.gate import Callback, command, command_args
from messages.bulletin import render_bulletin
from messages.chart import render_chart_answer
from messages.common import coordinators_only
from messages.i18n import Translator
from messages.ledger import render_export
from messages.outgoing import Outgoing
from messages.views import render_page, render_view
from runtime import services

COORDINATOR, COORDINATION = Need.COORDINATOR, Place.COORDINATION
A = TypeVar("A")


def _view(
    name: str,
    run: Callable[..., A],
    render: Callable[[Translator, A], Sequence[Outgoing]],
) -> Callback:
    """A coordinators' view: in their chat or in private, answered as a reply."""
    return command(name, run, render, need=COORDINATOR, place=COORDINATION, quote=True)


status = _view("status", views.status, render_view)
overdue = _view("overdue", views.overdue, render_view)
history = _view("history", views.history, render_view)
export = _view("export", views.export, render_export)
chart = _view("chart", views.chart, render_chart_answer)
bulletin = _view("bulletin", views.bulletin, render_bulletin)


async def turn_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A page button (◀ ▶, or a suggested department): that page of the view, drawn again."""
    query = update.callback_query
    assert query is not None
    request = views.read_page_payload(query.data or "")
    chat = update.effective_chat
    if request is None or chat is None or query.message is None:
        await query.answer()  # the page counter, a button of an older version, or a forgery
        return
    svc = services(context)
    t = await svc.chat_translator(chat.id, query.from_user.language_code)
    gated = await svc.db.run(
        run_gated,
        views.page,
        user_id=query.from_user.id,
        args=command_args(update, svc),
        now=svc.now(),
        # A coordinator may turn pages wherever the view was posted.
        need=COORDINATOR,
        place=Place.ANYWHERE,
        # A press is answered with a pop-up for the presser alone, never a chat message.
        quiet_strangers=False,
        request=request,
    )
    if gated.access != Access.OK:
        await query.answer(coordinators_only(t), show_alert=True)
        return
    page = await asyncio.to_thread(render_page, t, gated.answer, request.page)
    try:
        await bot_api.edit(query, page)
    except BadRequest as exc:
        # Pressing the same page twice changes nothing; Telegram says so, and that is fine.
        if "not modified" not in str(exc).lower():
            raise
    await query.answer()


# A command edited later is not answered twice.
ONLY_NEW = filters.UpdateType.MESSAGE


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Commands of coordinators, and the page buttons of their views."""
    application.add_handler(CommandHandler("status", status, filters=ONLY_NEW))
    application.add_handler(CommandHandler("overdue", overdue, filters=ONLY_NEW))
    application.add_handler(CommandHandler("history", history, filters=ONLY_NEW))
    application.add_handler(CommandHandler("export", export, filters=ONLY_NEW))
    application.add_handler(CommandHandler("chart", chart, filters=ONLY_NEW))
    application.add_handler(CommandHandler("bulletin", bulletin, filters=ONLY_NEW))
    application.add_handler(CallbackQueryHandler(turn_page, pattern=rf"^{views.PAGE_PREFIX}\|"))
