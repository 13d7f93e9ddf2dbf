"""The bot's place in a chat: removed (inactive), added back (active), or the group moved
to a new id when Telegram upgraded it to a supergroup.

`migrate_chat` is the one function for both the service message and a ChatMigrated error.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from coordination.outbox import queue_chat_lost
from models.chats import Chat, ChatDepartment
from models.progress import PendingReply, ProgressUpdate
from models.schedules import (
    DELIVERY_NUDGE,
    DELIVERY_REMINDER,
    FORBIDDEN_MARK,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SKIPPED,
    Cycle,
    Delivery,
)
from models.versions import REPLY_SCOPE, bump_version


def drop_chat(
    session: Session, *, chat_id: int, now: datetime, fallback_chat_ids: Iterable[int] = ()
) -> bool:
    """The bot was removed or shut out: the chat goes inactive, and the coordinators (else the
    admins) get one notice through the outbox. True only on the change."""
    if not deactivate_chat(session, chat_id=chat_id):
        return False
    queue_chat_lost(session, chat_id=chat_id, now=now, fallback_chat_ids=fallback_chat_ids)
    return True


def deactivate_chat(session: Session, *, chat_id: int) -> bool:
    """Mark the chat inactive; True only on the change (so coordinators hear it once)."""
    chat = session.get(Chat, chat_id)
    if chat is None or not chat.is_active:
        return False
    chat.is_active = False
    session.add(chat)
    bump_version(session, REPLY_SCOPE)  # an inactive chat reports on nothing
    return True


def reactivate_chat(
    session: Session, *, chat_id: int, now: datetime, title: str = "", chat_type: str = "group"
) -> bool:
    """The bot is back in the chat: active again, and reminders still open are owed again."""
    chat = session.get(Chat, chat_id)
    if chat is None:
        session.add(Chat(id=chat_id, title=title[:300], type=chat_type))
        return False
    if title:
        chat.title = title[:300]
    was_inactive = not chat.is_active
    chat.is_active = True
    session.add(chat)
    if was_inactive:
        bump_version(session, REPLY_SCOPE)
        open_cycles = select(Cycle.id).where(Cycle.due_at > now)
        session.execute(
            update(Delivery)
            .where(
                Delivery.chat_id == chat_id,
                Delivery.status == STATUS_FAILED,
                col(Delivery.last_error).startswith(FORBIDDEN_MARK),
                col(Delivery.kind).in_([DELIVERY_REMINDER, DELIVERY_NUDGE]),
                col(Delivery.cycle_id).in_(open_cycles),
            )
            .values(status=STATUS_PENDING, not_before=now, claimed_by=None, claimed_at=None)
        )
    return was_inactive


def migrate_chat(session: Session, *, old_id: int, new_id: int) -> bool:
    """Move bindings, settings, outbox and history from `old_id` to `new_id`.

    Safe to call twice (service message and ChatMigrated); False when nothing moved.
    """
    if old_id == new_id:
        return False
    changed = False
    old = session.get(Chat, old_id)
    if old is not None and old.migrated_to != new_id:
        changed = True
        new = session.get(Chat, new_id)
        if new is None:
            new = Chat(
                id=new_id,
                title=old.title,
                type="supergroup",
                language=old.language,
                is_coordinators=old.is_coordinators,
                is_active=True,
            )
        else:
            new.language = new.language or old.language
            new.is_coordinators = new.is_coordinators or old.is_coordinators
            new.is_active = True
            new.title = new.title or old.title
        session.add(new)
        old.is_active = False
        old.is_coordinators = False
        old.migrated_to = new_id
        session.add(old)
        bump_version(session, REPLY_SCOPE)
        session.flush()

    # The rest is idempotent: after the first move no rows point at the old id.
    have = set(
        session.exec(select(ChatDepartment.department_id).where(ChatDepartment.chat_id == new_id))
    )
    for binding in session.exec(
        select(ChatDepartment).where(ChatDepartment.chat_id == old_id)
    ).all():
        if binding.department_id in have:
            session.delete(binding)
        else:
            binding.chat_id = new_id
            session.add(binding)

    taken = {
        (c, k)
        for c, k in session.exec(
            select(Delivery.cycle_id, Delivery.kind).where(Delivery.chat_id == new_id)
        )
    }
    for delivery in session.exec(select(Delivery).where(Delivery.chat_id == old_id)).all():
        if (delivery.cycle_id, delivery.kind) in taken:
            if delivery.status == STATUS_PENDING:
                delivery.status = STATUS_SKIPPED
                session.add(delivery)
            continue
        delivery.chat_id = new_id
        session.add(delivery)
        changed = True

    # History: progress keeps pointing at the chat where it now lives (message ids carry over).
    session.execute(
        update(ProgressUpdate).where(col(ProgressUpdate.chat_id) == old_id).values(chat_id=new_id)
    )
    session.execute(
        update(PendingReply).where(col(PendingReply.chat_id) == old_id).values(chat_id=new_id)
    )
    session.flush()
    return changed
