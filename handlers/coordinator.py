"""What coordinators see: /status, /overdue, /history, /export and /chart, with page buttons.

Coordinators and admins use these in the coordinators' chat or in private; everyone else
gets one short polite refusal, and a coordinator in a department group a hint where to ask.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from messages.i18n import N_, Translator
from reports.views import (
    ACCESS_ELSEWHERE,
    ACCESS_OK,
    VIEWS,
    FileAnswer,
    Guarded,
    Rendered,
    chart_command,
    decode_args,
    encode_args,
    export_command,
    guarded,
    history_command,
    overdue_command,
    render_view,
    status_command,
)
from runtime import services

log = logging.getLogger(__name__)

PAGE_PREFIX = "pg"
NO_OP = "pg|nop"

# (command, arguments, description) of this area, shaped like the menus of handlers/common.py.
COMMANDS = [
    (
        "status",
        N_("[department | measure]"),
        N_("Progress of the current cycle, a department or a measure"),
    ),
    ("overdue", "", N_("Who is overdue in the current cycle")),
    ("history", N_("<measure> [department]"), N_("Update history of a measure")),
    ("export", "[csv]", N_("The ledger as an Excel workbook (or /export csv)")),
    ("chart", "", N_("A chart of reports and punctuality")),
]


def page_callback(view: str, args: dict[str, int], page: int) -> str:
    """`pg|sd|c=3,d=12|2`: everything a page button needs, well within Telegram's 64 bytes."""
    return f"{PAGE_PREFIX}|{view}|{encode_args(args)}|{page}"


def pager(rendered: Rendered, page: int) -> InlineKeyboardMarkup | None:
    """◀ 2/3 ▶ under a paged view (no arrow past either end); None for a single page."""
    if not rendered.pageable:
        return None
    total = len(rendered.pages)
    buttons = []
    if page > 1:
        buttons.append(
            InlineKeyboardButton(
                "◀", callback_data=page_callback(rendered.view, rendered.args, page - 1)
            )
        )
    buttons.append(InlineKeyboardButton(f"{page}/{total}", callback_data=NO_OP))
    if page < total:
        buttons.append(
            InlineKeyboardButton(
                "▶", callback_data=page_callback(rendered.view, rendered.args, page + 1)
            )
        )
    return InlineKeyboardMarkup([buttons])


def suggestion_buttons(rendered: Rendered) -> InlineKeyboardMarkup | None:
    if not rendered.suggestions:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(name[:60], callback_data=page_callback(view, args, 1))]
            for name, view, args in rendered.suggestions
        ]
    )


async def _guarded(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    t: Translator,
    view: Callable[..., Any],
    arguments: dict[str, Any],
) -> Any | None:
    """Run `view` for a coordinator in the right place (one session for both), else answer
    once with a refusal or a hint and return None."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    assert chat is not None and message is not None
    svc = services(context)
    outcome: Guarded = await svc.db.run(
        guarded,
        user_id=user.id if user else None,
        chat_id=chat.id,
        private=chat.type == ChatType.PRIVATE,
        admin_ids=svc.settings.admin_ids,
        view=view,
        arguments=arguments,
    )
    if outcome.access == ACCESS_OK:
        return outcome.result
    if outcome.access == ACCESS_ELSEWHERE:
        await message.reply_text(
            t._(
                "Please ask me this in the coordinators' chat or in a private chat with me, so "
                "that the department groups stay uncluttered."
            )
        )
    else:
        await message.reply_text(t._("Sorry, this is for coordinators only."))
    return None


async def _translator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    chat, user = update.effective_chat, update.effective_user
    return await services(context).chat_translator(
        chat.id if chat else None, user.language_code if user else None
    )


async def _send_pages(update: Update, rendered: Rendered) -> None:
    """The first page with its buttons (or the suggestions) as a reply to the command."""
    message = update.effective_message
    assert message is not None
    markup = pager(rendered, 1) or suggestion_buttons(rendered)
    await message.reply_text(rendered.pages[0], reply_markup=markup)
    if not rendered.view:
        # Not re-renderable (an error or a suggestion list): nothing to page, send the rest.
        for page in rendered.pages[1:]:
            await message.reply_text(page)


def _view_command(
    call: Callable[..., Any], *, with_argument: bool = True
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        t = await _translator(update, context)
        kwargs: dict[str, Any] = {"t": t, "now": services(context).now()}
        if with_argument:
            kwargs["argument"] = " ".join(context.args or [])
        rendered: Rendered | None = await _guarded(update, context, t, call, kwargs)
        if rendered is not None:
            await _send_pages(update, rendered)

    return handler


status = _view_command(status_command)
status.__doc__ = "/status [department | measure]: the current cycle at a glance, or one part."
overdue = _view_command(overdue_command, with_argument=False)
overdue.__doc__ = "/overdue: departments and measures overdue in the current cycle."
history = _view_command(history_command)
history.__doc__ = "/history <measure> [department]: the updates, newest first."


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export [csv]: the ledger as an .xlsx (or CSV) document."""
    t = await _translator(update, context)
    arguments = {"fmt": " ".join(context.args or []), "t": t, "now": services(context).now()}
    answer: FileAnswer | None = await _guarded(update, context, t, export_command, arguments)
    message = update.effective_message
    if answer is None or message is None:
        return
    if answer.pages:
        await message.reply_text(answer.pages[0])
        return
    await message.reply_document(
        document=InputFile(answer.content, filename=answer.filename),
        filename=answer.filename,
        caption=answer.caption,
    )


async def chart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/chart: reports per measure and on-time rate per department, as a picture."""
    t = await _translator(update, context)
    arguments = {"t": t, "now": services(context).now()}
    answer: FileAnswer | None = await _guarded(update, context, t, chart_command, arguments)
    message = update.effective_message
    if answer is None or message is None:
        return
    if answer.content:
        await message.reply_photo(
            photo=InputFile(answer.content, filename=answer.filename), caption=answer.caption
        )
    for page in answer.pages:
        await message.reply_text(page)


async def turn_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A page button (◀ ▶, or a suggested department): render that page of the view again."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split("|")
    if len(parts) != 4 or parts[1] not in VIEWS:
        await query.answer()  # the page counter, or a button of an older version
        return
    t = await _translator(update, context)
    svc = services(context)
    chat = update.effective_chat
    if chat is None or query.message is None:
        await query.answer()
        return
    args = decode_args(parts[2])
    if args is None:
        await query.answer()  # a forged or mangled button
        return
    page = int(parts[3]) if parts[3].isdecimal() else 1
    outcome: Guarded = await svc.db.run(
        guarded,
        user_id=query.from_user.id,
        chat_id=chat.id,
        private=chat.type == ChatType.PRIVATE,
        admin_ids=svc.settings.admin_ids,
        view=render_view,
        arguments={"view": parts[1], "args": args, "t": t, "now": svc.now()},
        anywhere=True,  # a coordinator may turn pages wherever the view was posted
    )
    if outcome.access != ACCESS_OK:
        await query.answer(t._("Sorry, this is for coordinators only."), show_alert=True)
        return
    rendered: Rendered = outcome.result
    page = min(max(page, 1), len(rendered.pages))
    try:
        await query.edit_message_text(rendered.pages[page - 1], reply_markup=pager(rendered, page))
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
    application.add_handler(CallbackQueryHandler(turn_page, pattern=r"^pg\|"))
