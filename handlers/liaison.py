"""Liaison handlers: replies to the bot in a department's chat become progress records.

Also `/report <measure> <text>`, the measure-choice buttons and the status-correction buttons.
Each callback reads the update into an `IncomingReply` (or a button's choice), records it with
`coordination.replies` in a shared transaction (`Services.writes`, one commit for the replies
that arrive together) that also marks the update done in the inbox, and answers only once
that has committed, with what `messages.liaison` renders; that answer leaves off the chat's
lane (`intake.AnswerLanes`), so a group's next reply never waits for its pace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from telegram import CallbackQuery, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from commands.gate import caller_roles, run_gated
from coordination import replies
from coordination.reply_reader import split_report_arguments
from coordination.roles import Roles
from delivery import bot_api
from handlers.gate import command_args
from intake import answers_of
from messages import liaison as texts
from messages.i18n import Translator
from messages.outgoing import Outgoing
from models.clock import to_naive_utc
from runtime import services

log = logging.getLogger(__name__)

R = TypeVar("R")

# Replies are handled in their own group, after group 0 where every command lives: a command
# (even one sent as a reply to the bot) is never read as a report, and a group-0 handler of
# another module cannot hide a reply from this one. The buttons and /report stay in group 0.
REPLY_GROUP = 5
# Seconds to wait before the one retry of a write that lost a race.
RETRY_PAUSE = 0.2

FILE_OF_MESSAGE: tuple[tuple[str, Callable[[Message], Any]], ...] = (
    ("photo", lambda m: m.photo[-1] if m.photo else None),
    ("document", lambda m: m.document),
    ("video", lambda m: m.video),
    ("voice", lambda m: m.voice),
    ("audio", lambda m: m.audio),
)


# --- helpers --------------------------------------------------------------------------------


async def _run(
    context: ContextTypes.DEFAULT_TYPE, fn: Callable[..., R], *, settles: int, **kwargs: Any
) -> R:
    """Run a recording function in a shared transaction that also marks update `settles`
    done; its result exists only once that committed. Retried once after a lost race.

    Two copies of one update, or two presses of one button, may end in an IntegrityError (or
    a locked SQLite file) for one of them; the retry then sees the winner's rows.
    """
    writes = services(context).writes
    try:
        return await writes.run(fn, settles=settles, **kwargs)
    except (IntegrityError, OperationalError):
        log.info("write race while recording; reading again", exc_info=True)
        await asyncio.sleep(RETRY_PAUSE)
        return await writes.run(fn, settles=settles, **kwargs)


async def _say(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, message: Outgoing, *, reply_to: int
) -> int | None:
    """Answer the liaison's message; the id of the answer, None when it could not be sent."""
    try:
        return await bot_api.acknowledge(context.bot, chat_id, message, reply_to=reply_to)
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


def author(message: Message) -> tuple[int | None, str] | None:
    """Who wrote the message as its records name them; None for bots and channels.

    A group's anonymous admin writes as the group itself (Telegram shows `sender_chat`, the
    group, and a stand-in bot as `from`): such a reply is the chat's, under the chat's name.
    """
    sender = message.sender_chat
    if sender is not None:
        if sender.id == message.chat_id:
            return None, sender.title or message.chat.title or ""
        return None  # a channel's post shown in its discussion group: not a liaison
    user = message.from_user
    if user is None or user.is_bot:
        return None
    return user.id, user.full_name


def _is_reply_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return False
    # In forum topics every message "replies" to the topic's first message.
    return not (message.is_topic_message and replied.forum_topic_created is not None)


def incoming(message: Message, *, edited: bool) -> replies.IncomingReply:
    """A liaison's message as the recording functions take it."""
    who = author(message)
    assert who is not None
    file_id, file_kind = None, None
    for kind, getter in FILE_OF_MESSAGE:
        item = getter(message)
        if item is not None:
            file_id, file_kind = item.file_id, kind
            break
    replied = message.reply_to_message
    return replies.IncomingReply(
        chat_id=message.chat_id,
        user_id=who[0],
        user_name=who[1],
        text=message.text or message.caption or "",
        message_id=message.message_id,
        sent_at=to_naive_utc(message.date),
        reply_to_message_id=replied.message_id if replied is not None else None,
        file_id=file_id,
        file_kind=file_kind,
        edited_at=to_naive_utc(message.edit_date or message.date) if edited else None,
    )


async def _answer(
    context: ContextTypes.DEFAULT_TYPE,
    t: Translator,
    message: Message,
    outcome: replies.ReplyOutcome,
) -> None:
    """Send what an outcome calls for, as a reply to the liaison's message."""
    answer = texts.render_outcome(t, outcome)
    if answer is None:
        return
    sent = await _say(context, message.chat_id, answer, reply_to=message.message_id)
    if sent is not None and outcome.kind == replies.Outcome.ASK:
        assert outcome.pending_id is not None
        try:
            await services(context).db.run(
                replies.set_prompt_message,
                pending_id=outcome.pending_id,
                chat_id=message.chat_id,
                prompt_message_id=sent,
            )
        except SQLAlchemyError:
            # The buttons still work: an unset prompt id only skips the message check.
            log.warning("could not store the prompt message id", exc_info=True)


def _answer_later(
    context: ContextTypes.DEFAULT_TYPE,
    t: Translator,
    message: Message,
    outcome: replies.ReplyOutcome,
) -> None:
    """The answer to a committed record, off the chat's lane: the group's next reply is
    recorded while this answer waits for the group's pace (acknowledged at most once)."""
    answers_of(context.application).send_later(
        message.chat_id, lambda: _answer(context, t, message, outcome)
    )


# --- replies and edits ----------------------------------------------------------------------


async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply to the bot in a group: record it for the chat's department(s)."""
    message = update.message
    if message is None or author(message) is None:
        return
    if not _is_reply_to_bot(message, context.bot.id):
        return
    await _record(context, message, edited=False, update_id=update.update_id)


async def on_edited_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited reply: update its record, keeping the earlier version."""
    message = update.edited_message
    if message is None or author(message) is None:
        return
    if message.reply_to_message is not None and not _is_reply_to_bot(message, context.bot.id):
        return
    await _record(context, message, edited=True, update_id=update.update_id)


async def _record(
    context: ContextTypes.DEFAULT_TYPE, message: Message, *, edited: bool, update_id: int
) -> None:
    user = message.from_user
    language = user.language_code if user is not None else None
    svc = services(context)
    record = replies.record_edit if edited else replies.record_reply
    try:
        outcome = await _run(
            context,
            record,
            settles=update_id,
            reply=incoming(message, edited=edited),
            now=svc.now(),
            scopes=svc.scopes,
        )
    except SQLAlchemyError:
        log.exception("could not record a reply in chat %s", message.chat_id)
        t = await _translator(context, message.chat_id, language)
        failed = Outgoing(texts.render_save_failed(t))
        await _say(context, message.chat_id, failed, reply_to=message.message_id)
        return
    if outcome.kind.silent:
        return
    t = await _translator(context, message.chat_id, language)
    _answer_later(context, t, message, outcome)


# --- /report --------------------------------------------------------------------------------


async def on_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report <measure> <text>: record progress without a reminder."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    svc = services(context)
    t = await _translator(context, message.chat_id, user.language_code)
    gated = await svc.db.run(
        run_gated, caller_roles, user_id=user.id, args=command_args(update, svc), now=svc.now()
    )
    if gated.quiet:
        return  # a stranger's flood: one answer a minute went out already
    roles: Roles = gated.answer
    if not roles.is_liaison:
        refused = Outgoing(texts.render_report_refused(t))
        await _say(context, message.chat_id, refused, reply_to=message.message_id)
        return
    # The raw text after the command keeps the liaison's line breaks (context.args does not).
    command_and_rest = (message.text or "").split(maxsplit=1)
    arguments = command_and_rest[1] if len(command_and_rest) > 1 else ""
    numbers, body = split_report_arguments(arguments)
    if not numbers or not body:
        measures = None
        if not numbers and arguments.strip():
            measures = await svc.db.run(
                replies.chat_measures, chat_id=message.chat_id, now=svc.now()
            )
        help_ = texts.render_report_help(t, measures)
        await _say(context, message.chat_id, help_, reply_to=message.message_id)
        return
    who = author(message) or (user.id, user.full_name)
    reply = replies.IncomingReply(
        chat_id=message.chat_id,
        user_id=who[0],
        user_name=who[1],
        text=body,
        message_id=message.message_id,
        sent_at=to_naive_utc(message.date),
    )
    try:
        outcome = await _run(
            context,
            replies.record_report,
            settles=update.update_id,
            reply=reply,
            numbers=numbers,
            now=svc.now(),
            scopes=svc.scopes,
        )
    except SQLAlchemyError:
        log.exception("could not record /report in chat %s", message.chat_id)
        failed = Outgoing(texts.render_save_failed(t))
        await _say(context, message.chat_id, failed, reply_to=message.message_id)
        return
    _answer_later(context, t, message, outcome)


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
    choice = replies.read_choice(query.data or "")
    if choice is None or chat is None or query.message is None:
        await _alert(query, texts.callback_alert(t, "refused"))
        return
    try:
        outcome = await _run(
            context,
            replies.resolve_pending,
            settles=update.update_id,
            chat_id=chat.id,
            choice=choice,
            prompt_message_id=query.message.message_id,
            now=services(context).now(),
        )
    except SQLAlchemyError:
        log.exception("could not record a choice in chat %s", chat.id)
        await _alert(query, texts.callback_alert(t, "failed"))
        return
    if outcome.kind != replies.Outcome.RECORDED:
        kind = "resolved" if outcome.kind == replies.Outcome.RESOLVED else "refused"
        await _alert(query, texts.callback_alert(t, kind))
        return
    try:
        await query.answer()
        await bot_api.edit(query, texts.ack_message(t, outcome.records))
    except TelegramError:
        log.warning("could not turn the question into an acknowledgement", exc_info=True)


async def on_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A status button under an acknowledgement: correct that measure's status."""
    query = update.callback_query
    if query is None:
        return
    chat = update.effective_chat
    t = await _translator(context, chat.id if chat else None, query.from_user.language_code)
    choice = replies.read_status_choice(query.data or "")
    if choice is None or chat is None or query.message is None:
        await _alert(query, texts.callback_alert(t, "refused"))
        return
    try:
        outcome = await _run(
            context,
            replies.correct_status,
            settles=update.update_id,
            chat_id=chat.id,
            choice=choice,
            now=services(context).now(),
        )
    except SQLAlchemyError:
        log.exception("could not correct a status in chat %s", chat.id)
        await _alert(query, texts.callback_alert(t, "failed"))
        return
    if outcome.kind == replies.Outcome.REFUSED:
        await _alert(query, texts.callback_alert(t, "refused"))
        return
    if outcome.kind == replies.Outcome.UNCHANGED:
        await _alert(query, texts.callback_alert(t, "unchanged"))
        return
    records = outcome.records
    try:
        records = await services(context).db.run(
            replies.ack_records_of_update, chat_id=chat.id, update_id=choice.update_id
        )
    except SQLAlchemyError:
        log.warning("could not reread the records for the acknowledgement", exc_info=True)
    try:
        await query.answer(texts.render_status_corrected(t, outcome.records))
        await bot_api.edit(query, texts.ack_message(t, records))
    except TelegramError:
        log.warning("could not redraw the acknowledgement", exc_info=True)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register /report and the buttons in group 0, replies and edits in REPLY_GROUP."""
    application.add_handler(CommandHandler("report", on_report, filters=filters.UpdateType.MESSAGE))
    application.add_handler(
        CallbackQueryHandler(on_choice, pattern=rf"^{replies.buttons.CHOICE_PREFIX}:")
    )
    application.add_handler(
        CallbackQueryHandler(on_status, pattern=rf"^{replies.buttons.STATUS_PREFIX}:")
    )
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
