"""Which cycle a report belongs to when the platform cannot say what it answers.

On Telegram a liaison replies to the reminder, and the reminder names the cycle. Where
replies do not reach the bot (DingTalk delivers only messages that @ it, and its quote
metadata is unreliable), a report is attributed by (chat, the chat's open cycle, sender):
the cycle of the latest reminder the chat was sent, exactly as if the sender had replied
to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists
from sqlmodel import Session, col, select

from coordination.roles import chat_department_ids
from models.schedules import (
    DELIVERY_NUDGE,
    DELIVERY_REMINDER,
    SCHEDULE_REMINDER,
    STATUS_SENT,
    Cycle,
    CycleTask,
    Delivery,
)


@dataclass(frozen=True)
class Attribution:
    """A report read as an answer: who sent it where, for which cycle, answering which
    reminder (the bot's message whose reply it stands for; None before any was sent)."""

    chat_id: int
    sender_id: int
    cycle_id: int | None
    reminder_message_id: int | None


def attribute_report(
    session: Session, *, chat_id: int, sender_id: int, now: datetime
) -> Attribution:
    """(chat, open cycle, sender) → the report's cycle and the reminder it answers.

    The chat's open cycle is the one of the latest reminder (or nudge) the bot sent to this
    chat by `now`: what the sender sees above their message. A cycle fired but not yet
    delivered here (a fan-out still going) is not theirs yet. Before any reminder reached
    the chat, it is the latest cycle that asks the chat's departments for reports, as for a
    Telegram reply to any other bot message.
    """
    sent = session.exec(
        select(Delivery.cycle_id, Delivery.message_id)
        .join(Cycle, col(Cycle.id) == Delivery.cycle_id)
        .where(
            Delivery.chat_id == chat_id,
            col(Delivery.kind).in_((DELIVERY_REMINDER, DELIVERY_NUDGE)),
            Delivery.status == STATUS_SENT,
            Cycle.kind == SCHEDULE_REMINDER,
            Cycle.fire_at <= now,
        )
        .order_by(
            col(Cycle.fire_at).desc(),
            col(Cycle.id).desc(),
            # The reminder itself, not its nudge: the reply stands for an answer to it.
            col(Delivery.kind) == DELIVERY_NUDGE,
        )
        .limit(1)
    ).first()
    if sent is not None:
        cycle_id, message_id = sent
        return Attribution(chat_id, sender_id, cycle_id, message_id)
    return Attribution(chat_id, sender_id, _latest_asking(session, chat_id, now), None)


def _latest_asking(session: Session, chat_id: int, now: datetime) -> int | None:
    department_ids = chat_department_ids(session, chat_id=chat_id)
    if not department_ids:
        return None
    has_tasks = exists().where(
        CycleTask.cycle_id == Cycle.id, col(CycleTask.department_id).in_(department_ids)
    )
    return session.exec(
        select(Cycle.id)
        .where(Cycle.kind == SCHEDULE_REMINDER, Cycle.fire_at <= now, has_tasks)
        .order_by(col(Cycle.fire_at).desc(), col(Cycle.id).desc())
        .limit(1)
    ).first()
