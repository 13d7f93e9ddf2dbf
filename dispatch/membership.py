"""Membership changes from any platform into the core: the bot removed (or the chat
disbanded) stops the chat's deliveries and tells the coordinators once; the bot let back in
resumes them; a chat moved takes everything along; a new group is greeted.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from coordination.membership import drop_chat, migrate_chat, reactivate_chat
from messages.common import render_greeting
from runtime.platform import MembershipChange, MembershipKind
from runtime.platform.addresses import chat_number

if TYPE_CHECKING:  # the dispatcher imports this module: a type only, no cycle at run time
    from dispatch.dispatcher import Dispatcher

log = logging.getLogger(__name__)

GONE = (MembershipKind.BOT_REMOVED, MembershipKind.CHAT_DISBANDED)


def change_chat(
    session: Session,
    *,
    change: MembershipChange,
    now: datetime,
    fallback_chat_ids: tuple[int, ...],
    chat_type: str = "",
) -> tuple[int, bool]:
    """The chat's number, and whether the change did anything the outbox must act on
    (a notice to send, owed reminders to send again); in the event's one session."""
    chat_id = chat_number(session, change.chat, title=change.chat_title)
    if change.kind in GONE:
        return chat_id, drop_chat(
            session, chat_id=chat_id, now=now, fallback_chat_ids=fallback_chat_ids
        )
    if change.kind == MembershipKind.BOT_ADDED:
        return chat_id, reactivate_chat(
            session,
            chat_id=chat_id,
            now=now,
            title=change.chat_title,
            # The platform's own word when it has one (Telegram's supergroup).
            chat_type=chat_type or ("group" if change.chat.is_group else "private"),
        )
    if change.kind == MembershipKind.CHAT_MOVED and change.moved_to is not None:
        new_id = chat_number(session, change.moved_to, title=change.chat_title)
        return new_id, migrate_chat(session, old_id=chat_id, new_id=new_id)
    return chat_id, False


async def apply_membership(dispatcher: Dispatcher, change: MembershipChange) -> None:
    svc = dispatcher.services
    if change.kind not in (*GONE, MembershipKind.BOT_ADDED, MembershipKind.CHAT_MOVED):
        # People coming and going change no binding: roles are read from the database.
        return
    chat_id, changed = await svc.db.run(
        change_chat,
        change=change,
        now=svc.now(),
        fallback_chat_ids=tuple(svc.settings.admin_ids),
    )
    if changed:
        log.info("%s in %s: the outbox acts on it", change.kind, change.chat)
        await dispatcher.hooks.flush()
        return
    if change.kind == MembershipKind.BOT_ADDED and change.chat.is_group:
        t = await dispatcher.translator(chat_id, None)
        await dispatcher.say(change.chat, [render_greeting(t)])
