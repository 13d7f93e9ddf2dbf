"""Reports and the buttons under the bot's answers, from any platform's events.

A report that answers no message the platform can name (DingTalk's @-messages) is read as
a reply to the latest reminder its chat was sent (`coordination.replies.attribute_report`);
where the platform says what it answers (Telegram's reply), that message decides.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import Session

from commands import views
from commands.gate import CommandArgs, run_gated
from coordination import replies
from coordination.replies.scope import ScopeCache
from coordination.reply_reader import split_report_arguments
from coordination.roles import Access, Need, Place, resolve_roles
from messages import liaison as texts
from messages.common import coordinators_only
from messages.i18n import Translator
from messages.outgoing import Outgoing
from messages.views import render_page
from runtime.platform import ButtonPress, IncomingMessage, PlatformError
from runtime.platform.addresses import chat_number, message_number, user_number

if TYPE_CHECKING:  # the dispatcher imports this module: a type only, no cycle at run time
    from dispatch.dispatcher import Dispatcher, Where

log = logging.getLogger(__name__)

RETRY_PAUSE = 0.2


async def _record(dispatcher: Dispatcher, fn: Any, **kwargs: Any) -> Any:
    """A recording function in its own session; once more after a lost race (a copy)."""
    db = dispatcher.services.db
    try:
        return await db.run(fn, **kwargs)
    except (IntegrityError, OperationalError):
        log.info("write race while recording; reading again", exc_info=True)
        await asyncio.sleep(RETRY_PAUSE)
        return await db.run(fn, **kwargs)


def _file_of(message: IncomingMessage) -> tuple[str | None, str | None]:
    if not message.attachments:
        return None, None
    first = message.attachments[0]
    return first.key, first.kind


def read_report(
    session: Session, *, message: IncomingMessage, now: Any, scopes: ScopeCache | None = None
) -> tuple[int, replies.ReplyOutcome]:
    """Numbers, attribution and the record, all in the message's one session."""
    chat_id = chat_number(session, message.chat, title=message.chat_title)
    user_id = user_number(session, message.sender)
    reply_to = message_number(message.reply_to) if message.reply_to is not None else None
    if reply_to is None:
        reply_to = replies.attribute_report(
            session, chat_id=chat_id, sender_id=user_id, now=now
        ).reminder_message_id
    file_id, file_kind = _file_of(message)
    incoming = replies.IncomingReply(
        chat_id=chat_id,
        user_id=user_id,
        user_name=message.sender.name,
        text=message.text,
        message_id=message_number(message.message),
        sent_at=message.sent_at,
        reply_to_message_id=reply_to,
        file_id=file_id,
        file_kind=file_kind,
    )
    return chat_id, replies.record_reply(session, reply=incoming, now=now, scopes=scopes)


async def on_report(dispatcher: Dispatcher, message: IncomingMessage) -> None:
    """A message to the bot in a group that is no command: a report for the chat's cycle."""
    svc = dispatcher.services
    try:
        chat_id, outcome = await _record(
            dispatcher, read_report, message=message, now=svc.now(), scopes=svc.scopes
        )
    except SQLAlchemyError:
        log.exception("could not record a report in %s", message.chat)
        t = await dispatcher.translator(None, message.sender_language)
        failed = Outgoing(texts.render_save_failed(t))
        await dispatcher.say(message.chat, [failed], reply_to=message.message)
        return
    if outcome.kind.silent:
        return
    t = await dispatcher.translator(chat_id, message.sender_language)
    await _answer(dispatcher, t, message, chat_id, outcome)


async def _answer(
    dispatcher: Dispatcher,
    t: Translator,
    message: IncomingMessage,
    chat_id: int,
    outcome: replies.ReplyOutcome,
) -> None:
    answer = texts.render_outcome(t, outcome)
    if answer is None:
        return
    buttons = dispatcher.platform.capabilities.callback_buttons
    if outcome.kind == replies.Outcome.ASK and not buttons:
        answer = texts.render_name_the_measure(t, outcome.choices)
    sent = await dispatcher.say(message.chat, [answer], reply_to=message.message)
    if sent is not None and outcome.kind == replies.Outcome.ASK:
        assert outcome.pending_id is not None
        try:
            await dispatcher.services.db.run(
                replies.set_prompt_message,
                pending_id=outcome.pending_id,
                chat_id=chat_id,
                prompt_message_id=message_number(sent),
            )
        except SQLAlchemyError:
            log.warning("could not store the prompt message id", exc_info=True)


async def on_report_command(
    dispatcher: Dispatcher, message: IncomingMessage, where: Where, t: Translator, arguments: str
) -> None:
    """/report <measure> <text>: a record without a reminder (liaisons)."""
    svc = dispatcher.services
    roles = await svc.db.run(
        resolve_roles, user_id=where.user_id, chat_id=where.chat_id, admin_ids=where.admin_ids
    )
    if not roles.is_liaison:
        refused = Outgoing(texts.render_report_refused(t))
        await dispatcher.say(message.chat, [refused], reply_to=message.message)
        return
    numbers, body = split_report_arguments(arguments)
    if not numbers or not body:
        measures = None
        if not numbers and arguments.strip():
            measures = await svc.db.run(replies.chat_measures, chat_id=where.chat_id, now=svc.now())
        help_ = texts.render_report_help(t, measures)
        await dispatcher.say(message.chat, [help_], reply_to=message.message)
        return
    reply = replies.IncomingReply(
        chat_id=where.chat_id,
        user_id=where.user_id,
        user_name=message.sender.name,
        text=body,
        message_id=message_number(message.message),
        sent_at=message.sent_at,
    )
    try:
        outcome = await _record(
            dispatcher, replies.record_report, reply=reply, numbers=numbers, now=svc.now()
        )
    except SQLAlchemyError:
        log.exception("could not record /report in %s", message.chat)
        failed = Outgoing(texts.render_save_failed(t))
        await dispatcher.say(message.chat, [failed], reply_to=message.message)
        return
    await _answer(dispatcher, t, message, where.chat_id, outcome)


# --- buttons ------------------------------------------------------------------------------


async def _note(dispatcher: Dispatcher, press: ButtonPress, text: str) -> None:
    try:
        await dispatcher.platform.answer_button(press, text=text, alert=True)
    except PlatformError:
        log.warning("could not answer a button press", exc_info=True)


async def _redraw(dispatcher: Dispatcher, press: ButtonPress, new: Outgoing) -> None:
    assert press.message is not None
    try:
        await dispatcher.platform.answer_button(press)
        await dispatcher.platform.edit(press.message, new)
    except PlatformError:
        log.warning("could not redraw %s", press.message, exc_info=True)


async def on_button(dispatcher: Dispatcher, press: ButtonPress) -> None:
    """A measure choice, a status correction or a page of a view; anything else is stale."""
    if press.chat is None or press.message is None:
        t = await dispatcher.translator(None, press.sender_language)
        await _note(dispatcher, press, texts.callback_alert(t, "refused"))
        return
    where = await dispatcher.where(press.chat, press.sender)
    t = await dispatcher.translator(where.chat_id, press.sender_language)
    payload = press.payload
    choice = replies.read_choice(payload)
    status = replies.read_status_choice(payload)
    page = views.read_page_payload(payload)
    try:
        if choice is not None:
            await _choice(dispatcher, press, where.chat_id, choice, t)
        elif status is not None:
            await _status(dispatcher, press, where.chat_id, status, t)
        elif page is not None:
            await _page(dispatcher, press, where, page, t)
        else:
            await _note(dispatcher, press, texts.callback_alert(t, "refused"))
    except SQLAlchemyError:
        log.exception("could not record a button press in %s", press.chat)
        await _note(dispatcher, press, texts.callback_alert(t, "failed"))


async def _choice(
    dispatcher: Dispatcher, press: ButtonPress, chat_id: int, choice: Any, t: Translator
) -> None:
    assert press.message is not None
    outcome = await _record(
        dispatcher,
        replies.resolve_pending,
        chat_id=chat_id,
        choice=choice,
        prompt_message_id=message_number(press.message),
        now=dispatcher.services.now(),
    )
    if outcome.kind != replies.Outcome.RECORDED:
        kind = "resolved" if outcome.kind == replies.Outcome.RESOLVED else "refused"
        await _note(dispatcher, press, texts.callback_alert(t, kind))
        return
    await _redraw(dispatcher, press, texts.ack_message(t, outcome.records))


async def _status(
    dispatcher: Dispatcher, press: ButtonPress, chat_id: int, choice: Any, t: Translator
) -> None:
    outcome = await _record(
        dispatcher,
        replies.correct_status,
        chat_id=chat_id,
        choice=choice,
        now=dispatcher.services.now(),
    )
    if outcome.kind in (replies.Outcome.REFUSED, replies.Outcome.UNCHANGED):
        kind = "refused" if outcome.kind == replies.Outcome.REFUSED else "unchanged"
        await _note(dispatcher, press, texts.callback_alert(t, kind))
        return
    records = await dispatcher.services.db.run(
        replies.ack_records_of_update, chat_id=chat_id, update_id=choice.update_id
    )
    await _redraw(dispatcher, press, texts.ack_message(t, records))


async def _page(
    dispatcher: Dispatcher, press: ButtonPress, where: Where, request: Any, t: Translator
) -> None:
    assert press.message is not None and press.chat is not None
    svc = dispatcher.services
    args = page_args(dispatcher, press, where)
    gated = await svc.db.run(
        run_gated,
        views.page,
        user_id=where.user_id,
        args=args,
        now=svc.now(),
        # A coordinator may turn pages wherever the view was posted.
        need=Need.COORDINATOR,
        place=Place.ANYWHERE,
        request=request,
    )
    if gated.access != Access.OK:
        await _note(dispatcher, press, coordinators_only(t))
        return
    page = await asyncio.to_thread(render_page, t, gated.answer, request.page)
    await _redraw(dispatcher, press, page)


def page_args(dispatcher: Dispatcher, press: ButtonPress, where: Where) -> CommandArgs:
    assert press.chat is not None
    return CommandArgs(
        chat_id=where.chat_id,
        chat_type="group" if press.chat.is_group else "private",
        admin_ids=where.admin_ids,
        timezone=dispatcher.services.settings.bot_timezone,
        answer_by_mention=dispatcher.answer_by_mention,
    )
