"""Liaison handlers: replies to the bot in a department's chat become progress records.

Also `/report <measure> <text>`, the measure-choice buttons and the status-correction buttons.
Each callback parses the update, calls `coordination.progress` in a worker thread, answers.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from coordination import progress
from coordination.reply_reader import split_report_arguments
from coordination.roles import resolve_roles
from messages import progress as texts
from messages.i18n import Translator
from models.clock import to_naive_utc
from models.progress import (
    PROGRESS_AT_RISK,
    PROGRESS_BLOCKED,
    PROGRESS_DONE,
    PROGRESS_IN_PROGRESS,
)
from runtime import services

log = logging.getLogger(__name__)

# Replies are handled in their own group, after group 0 where every command lives: a command
# (even one sent as a reply to the bot) is never read as a report, and a group-0 handler of
# another module cannot hide a reply from this one. The buttons and /report stay in group 0.
REPLY_GROUP = 5
# Seconds to wait before the one retry of a write that lost a race.
RETRY_PAUSE = 0.2

# Callback data (≤ 64 bytes): "lr:<pending id>:<measure id|a>" picks the measure of a reply
# that named none; "ls:<update id>:<status code>" corrects a status. The ids only point at
# rows: chat, message and binding are checked against the database on every press.
CHOICE_PREFIX = "lr"
STATUS_PREFIX = "ls"
STATUS_CODES = {
    "d": PROGRESS_DONE,
    "i": PROGRESS_IN_PROGRESS,
    "r": PROGRESS_AT_RISK,
    "b": PROGRESS_BLOCKED,
}
CODE_OF_STATUS = {status: code for code, status in STATUS_CODES.items()}
_CHOICE_DATA = re.compile(r"^lr:(\d{1,12}):(\d{1,12}|a)$")
_STATUS_DATA = re.compile(r"^ls:(\d{1,12}):([dirb])$")

FILE_OF_MESSAGE: tuple[tuple[str, Callable[[Message], Any]], ...] = (
    ("photo", lambda m: m.photo[-1] if m.photo else None),
    ("document", lambda m: m.document),
    ("video", lambda m: m.video),
    ("voice", lambda m: m.voice),
    ("audio", lambda m: m.audio),
)


# --- keyboards ------------------------------------------------------------------------------


def status_keyboard(t: Translator, records: list[progress.RecordView]) -> InlineKeyboardMarkup:
    """Buttons to correct the status: words for one measure, one row per measure for more."""
    firsts: dict[int, progress.RecordView] = {}
    for record in records:
        firsts.setdefault(record.measure.measure_id, record)
    rows: list[list[InlineKeyboardButton]] = []
    single = len(firsts) == 1
    for record in firsts.values():
        buttons = [
            InlineKeyboardButton(
                texts.status_button(t, status)
                if single
                else f"{record.measure.label}{texts.STATUS_ICONS[status]}",
                callback_data=f"{STATUS_PREFIX}:{record.update_id}:{code}",
            )
            for code, status in STATUS_CODES.items()
        ]
        rows += [buttons[:2], buttons[2:]] if single else [buttons]
    return InlineKeyboardMarkup(rows)


def choice_keyboard(
    t: Translator, pending_id: int, choices: list[progress.MeasureRef]
) -> InlineKeyboardMarkup:
    """One button per candidate measure (four a row), and "All"."""
    buttons = [
        InlineKeyboardButton(
            ref.label, callback_data=f"{CHOICE_PREFIX}:{pending_id}:{ref.measure_id}"
        )
        for ref in choices
    ]
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows.append(
        [InlineKeyboardButton(texts.all_button(t), callback_data=f"{CHOICE_PREFIX}:{pending_id}:a")]
    )
    return InlineKeyboardMarkup(rows)


# --- helpers --------------------------------------------------------------------------------


async def _run(context: ContextTypes.DEFAULT_TYPE, fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Run a recording function in its own committed session; retry once on a race.

    Two copies of one update, or two presses of one button, end in an IntegrityError (or a
    locked SQLite file) for one of them; the retry then sees the winner's rows.
    """
    db = services(context).db
    try:
        return await db.run(fn, **kwargs)
    except (IntegrityError, OperationalError):
        log.info("write race while recording; reading again", exc_info=True)
        await asyncio.sleep(RETRY_PAUSE)
        return await db.run(fn, **kwargs)


async def _say(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    text: str,
    *,
    reply_to: int | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    try:
        return await context.bot.send_message(
            chat_id,
            text,
            reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to is not None
            else None,
            reply_markup=markup,
        )
    except TelegramError:
        # The record is committed already; a lost acknowledgement loses no data.
        log.warning("could not answer in chat %s", chat_id, exc_info=True)
        return None


async def _translator(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int | None, language: str | None
) -> Translator:
    """The chat's translator; the bot's default language when the database cannot say."""
    try:
        return await services(context).chat_translator(chat_id, language)
    except SQLAlchemyError:
        log.warning("could not read the language of chat %s", chat_id, exc_info=True)
        return services(context).translator()


def _is_reply_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return False
    # In forum topics every message "replies" to the topic's first message.
    return not (message.is_topic_message and replied.forum_topic_created is not None)


def _file_of(message: Message) -> tuple[str | None, str | None]:
    for kind, getter in FILE_OF_MESSAGE:
        item = getter(message)
        if item is not None:
            return item.file_id, kind
    return None, None


async def _answer_outcome(
    context: ContextTypes.DEFAULT_TYPE,
    t: Translator,
    message: Message,
    outcome: progress.ReplyOutcome,
) -> None:
    """Send what an outcome calls for, as a reply to the liaison's message."""
    chat_id = message.chat_id
    if outcome.kind in (progress.OUTCOME_RECORDED, progress.OUTCOME_UPDATED):
        await _say(
            context,
            chat_id,
            texts.render_ack(
                t,
                outcome.records,
                unknown_labels=outcome.unknown_labels,
                chat_measures=outcome.chat_measures,
                edited=outcome.kind == progress.OUTCOME_UPDATED,
            ),
            reply_to=message.message_id,
            markup=status_keyboard(t, outcome.records) if outcome.records else None,
        )
    elif outcome.kind == progress.OUTCOME_ASK and outcome.pending_id is not None:
        prompt = await _say(
            context,
            chat_id,
            texts.render_choice_prompt(t, outcome.choices),
            reply_to=message.message_id,
            markup=choice_keyboard(t, outcome.pending_id, outcome.choices),
        )
        if prompt is not None:
            try:
                await services(context).db.run(
                    progress.set_prompt_message,
                    pending_id=outcome.pending_id,
                    chat_id=chat_id,
                    prompt_message_id=prompt.message_id,
                )
            except SQLAlchemyError:
                # The buttons still work: an unset prompt id only skips the message check.
                log.warning("could not store the prompt message id", exc_info=True)
    elif outcome.kind == progress.OUTCOME_UNKNOWN:
        await _say(
            context,
            chat_id,
            texts.render_unknown(t, outcome.unknown_labels, outcome.chat_measures),
            reply_to=message.message_id,
        )
    elif outcome.kind == progress.OUTCOME_NO_MEASURES:
        await _say(context, chat_id, texts.render_no_measures(t), reply_to=message.message_id)
    # ignored, duplicate, unchanged: say nothing.


# --- replies and edits ----------------------------------------------------------------------


async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply to the bot in a group: record it for the chat's department(s)."""
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return
    if not _is_reply_to_bot(message, context.bot.id):
        return
    await _record(update, context, message, edited=False)


async def on_edited_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited reply: update its record, keeping the earlier version."""
    message = update.edited_message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return
    if message.reply_to_message is not None and not _is_reply_to_bot(message, context.bot.id):
        return
    await _record(update, context, message, edited=True)


async def _record(
    update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message, *, edited: bool
) -> None:
    svc = services(context)
    user = message.from_user
    assert user is not None
    file_id, file_kind = _file_of(message)
    kwargs: dict[str, Any] = {
        "chat_id": message.chat_id,
        "user_id": user.id,
        "user_name": user.full_name,
        "text": message.text or message.caption or "",
        "message_id": message.message_id,
        "reply_to_message_id": message.reply_to_message.message_id
        if message.reply_to_message is not None
        else None,
        "sent_at": to_naive_utc(message.date),
        "file_id": file_id,
        "file_kind": file_kind,
        "now": svc.now(),
    }
    if edited:
        kwargs["edited_at"] = to_naive_utc(message.edit_date or message.date)
    try:
        outcome = await _run(
            context, progress.record_edit if edited else progress.record_reply, **kwargs
        )
    except SQLAlchemyError:
        log.exception("could not record a reply in chat %s", message.chat_id)
        t = await _translator(context, message.chat_id, user.language_code)
        await _say(
            context, message.chat_id, texts.render_save_failed(t), reply_to=message.message_id
        )
        return
    if outcome.kind in (
        progress.OUTCOME_IGNORED,
        progress.OUTCOME_DUPLICATE,
        progress.OUTCOME_UNCHANGED,
    ):
        return
    t = await _translator(context, message.chat_id, user.language_code)
    await _answer_outcome(context, t, message, outcome)


# --- /report --------------------------------------------------------------------------------


async def on_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report <measure> <text>: record progress without a reminder."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    svc = services(context)
    t = await _translator(context, message.chat_id, user.language_code)
    roles = await svc.db.run(
        resolve_roles,
        user_id=user.id,
        chat_id=message.chat_id,
        admin_ids=svc.settings.admin_ids,
    )
    if not roles.is_liaison:
        await _say(
            context, message.chat_id, texts.render_report_refused(t), reply_to=message.message_id
        )
        return
    # The raw text after the command keeps the liaison's line breaks (context.args does not).
    command_and_rest = (message.text or "").split(maxsplit=1)
    arguments = command_and_rest[1] if len(command_and_rest) > 1 else ""
    numbers, body = split_report_arguments(arguments)
    if not numbers or not body:
        if not numbers and arguments.strip():
            measures = await svc.db.run(
                progress.chat_measures, chat_id=message.chat_id, now=svc.now()
            )
            lines = [texts.render_report_usage(t), "", *texts.measures_list(t, measures)]
            await _say(context, message.chat_id, "\n".join(lines), reply_to=message.message_id)
        else:
            await _say(
                context, message.chat_id, texts.render_report_usage(t), reply_to=message.message_id
            )
        return
    try:
        outcome = await _run(
            context,
            progress.record_report,
            chat_id=message.chat_id,
            user_id=user.id,
            user_name=user.full_name,
            numbers=numbers,
            text=body,
            message_id=message.message_id,
            sent_at=to_naive_utc(message.date),
            now=svc.now(),
        )
    except SQLAlchemyError:
        log.exception("could not record /report in chat %s", message.chat_id)
        await _say(
            context, message.chat_id, texts.render_save_failed(t), reply_to=message.message_id
        )
        return
    await _answer_outcome(context, t, message, outcome)


# --- buttons --------------------------------------------------------------------------------


async def _alert(query: CallbackQuery, text: str) -> None:
    try:
        await query.answer(text, show_alert=True)
    except TelegramError:
        log.warning("could not answer a callback query", exc_info=True)


async def on_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The measure button under the question: record the waiting reply for it (or all)."""
    query = update.callback_query
    if query is None:
        return
    chat = update.effective_chat
    t = await _translator(context, chat.id if chat else None, query.from_user.language_code)
    match = _CHOICE_DATA.match(query.data or "")
    if match is None or chat is None or query.message is None:
        await _alert(query, texts.callback_alert(t, "refused"))
        return
    pending_id = int(match.group(1))
    measure_id = None if match.group(2) == "a" else int(match.group(2))
    try:
        outcome = await _run(
            context,
            progress.resolve_pending,
            chat_id=chat.id,
            pending_id=pending_id,
            measure_id=measure_id,
            prompt_message_id=query.message.message_id,
            now=services(context).now(),
        )
    except SQLAlchemyError:
        log.exception("could not record a choice in chat %s", chat.id)
        await _alert(query, texts.callback_alert(t, "failed"))
        return
    if outcome.kind != progress.OUTCOME_RECORDED:
        kind = "resolved" if outcome.kind == progress.OUTCOME_RESOLVED else "refused"
        await _alert(query, texts.callback_alert(t, kind))
        return
    try:
        await query.answer()
        await query.edit_message_text(
            texts.render_ack(t, outcome.records),
            reply_markup=status_keyboard(t, outcome.records),
        )
    except TelegramError:
        log.warning("could not turn the question into an acknowledgement", exc_info=True)


async def on_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A status button under an acknowledgement: correct that measure's status."""
    query = update.callback_query
    if query is None:
        return
    chat = update.effective_chat
    t = await _translator(context, chat.id if chat else None, query.from_user.language_code)
    match = _STATUS_DATA.match(query.data or "")
    if match is None or chat is None or query.message is None:
        await _alert(query, texts.callback_alert(t, "refused"))
        return
    try:
        outcome = await _run(
            context,
            progress.correct_status,
            chat_id=chat.id,
            update_id=int(match.group(1)),
            status=STATUS_CODES[match.group(2)],
            now=services(context).now(),
        )
    except SQLAlchemyError:
        log.exception("could not correct a status in chat %s", chat.id)
        await _alert(query, texts.callback_alert(t, "failed"))
        return
    if outcome.kind == progress.OUTCOME_REFUSED:
        await _alert(query, texts.callback_alert(t, "refused"))
        return
    if outcome.kind == progress.OUTCOME_UNCHANGED:
        await _alert(query, texts.callback_alert(t, "unchanged"))
        return
    records = outcome.records
    try:
        records = await services(context).db.run(
            progress.ack_records_of_update, chat_id=chat.id, update_id=int(match.group(1))
        )
    except SQLAlchemyError:
        log.warning("could not reread the records for the acknowledgement", exc_info=True)
    try:
        await query.answer(texts.render_status_corrected(t, outcome.records)[:190])
        await query.edit_message_text(
            texts.render_ack(t, records), reply_markup=status_keyboard(t, records)
        )
    except TelegramError:
        log.warning("could not redraw the acknowledgement", exc_info=True)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register /report and the buttons in group 0, replies and edits in REPLY_GROUP."""
    application.add_handler(CommandHandler("report", on_report, filters=filters.UpdateType.MESSAGE))
    application.add_handler(CallbackQueryHandler(on_choice, pattern=r"^lr:"))
    application.add_handler(CallbackQueryHandler(on_status, pattern=r"^ls:"))
    reply_content = (
        filters.TEXT
        | filters.CAPTION
        | filters.PHOTO
        | filters.Document.ALL
        | (filters.VIDEO | filters.VOICE | filters.AUDIO)
    )
    in_groups = filters.ChatType.GROUPS & filters.REPLY & ~filters.COMMAND & reply_content
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & in_groups, on_reply), group=REPLY_GROUP
    )
    # Edits: the reply filter is left out because an edit of a reply keeps reply_to_message;
    # record_edit works from the stored records of the message.
    application.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE
            & filters.ChatType.GROUPS
            & ~filters.COMMAND
            & reply_content,
            on_edited_reply,
        ),
        group=REPLY_GROUP,
    )
