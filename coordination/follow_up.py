"""What the periodic tick owes after a cycle opened: nudges before the deadline, and the
overdue digest for the coordinators after it. Everything is read from the database.

Each function takes `now` so tests can move time without waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from coordination.admins import coordinators_chat_ids
from coordination.cycle_state import missing_tasks
from coordination.roles import chat_department_ids
from models.schedules import (
    DELIVERY_NUDGE,
    DELIVERY_OVERDUE,
    DELIVERY_REMINDER,
    SCHEDULE_REMINDER,
    STATUS_SENT,
    Cycle,
    CycleTask,
    Delivery,
)

log = logging.getLogger(__name__)

# After a long outage, digests of cycles that closed long ago would only be noise.
OVERDUE_DIGEST_HORIZON = timedelta(days=7)


def _commit_or_skip(session: Session, what: str) -> bool:
    """Commit one cycle's rows; a unique clash means another process made them already."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        log.info("%s already created by another process", what)
        return False
    return True


def create_due_nudges(session: Session, *, now: datetime) -> int:
    """Nudge deliveries for cycles past their nudge time, only to chats missing measures."""
    cycles = session.exec(
        select(Cycle).where(
            Cycle.kind == SCHEDULE_REMINDER,
            col(Cycle.nudge_at).is_not(None),
            col(Cycle.nudge_at) <= now,
            Cycle.due_at > now,
        )
    ).all()
    created = 0
    for cycle in cycles:
        assert cycle.id is not None
        deliveries = session.exec(
            select(Delivery.chat_id, Delivery.kind, Delivery.status).where(
                Delivery.cycle_id == cycle.id,
                col(Delivery.kind).in_([DELIVERY_REMINDER, DELIVERY_NUDGE]),
            )
        ).all()
        reminded = {
            c
            for c, kind, status in deliveries
            if kind == DELIVERY_REMINDER and status == STATUS_SENT
        }
        nudged = {c for c, kind, _status in deliveries if kind == DELIVERY_NUDGE}
        candidates = reminded - nudged
        if not candidates:
            continue
        missing_departments = {
            task.department_id for task in missing_tasks(session, cycle_id=cycle.id)
        }
        fresh = 0
        for chat_id in sorted(candidates):
            if missing_departments.intersection(chat_department_ids(session, chat_id=chat_id)):
                session.add(
                    Delivery(
                        cycle_id=cycle.id, chat_id=chat_id, kind=DELIVERY_NUDGE, not_before=now
                    )
                )
                fresh += 1
        if fresh and _commit_or_skip(session, f"nudges of cycle {cycle.key}"):
            created += fresh
    return created


def create_overdue_digests(
    session: Session, *, now: datetime, fallback_chat_ids: Iterable[int] = ()
) -> int:
    """After a cycle's deadline, one overdue digest to each coordinators' chat."""
    cycles = session.exec(
        select(Cycle).where(
            Cycle.kind == SCHEDULE_REMINDER,
            Cycle.due_at <= now,
            col(Cycle.overdue_digest_done).is_(False),
        )
    ).all()
    targets = coordinators_chat_ids(session) or list(fallback_chat_ids)
    created = 0
    for cycle in cycles:
        assert cycle.id is not None
        has_tasks = session.exec(
            select(CycleTask.id).where(CycleTask.cycle_id == cycle.id).limit(1)
        ).first()
        fresh = 0
        if has_tasks is not None and cycle.due_at >= now - OVERDUE_DIGEST_HORIZON:
            if not targets:
                log.warning("cycle %s closed but there is no coordinators' chat to tell", cycle.key)
            for chat_id in targets:
                session.add(
                    Delivery(
                        cycle_id=cycle.id, chat_id=chat_id, kind=DELIVERY_OVERDUE, not_before=now
                    )
                )
                fresh += 1
        cycle.overdue_digest_done = True
        session.add(cycle)
        if _commit_or_skip(session, f"overdue digest of cycle {cycle.key}"):
            created += fresh
    return created
