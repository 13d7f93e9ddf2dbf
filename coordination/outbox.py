"""The delivery outbox in the database: claim what is due, render it, record the outcome.

A row is claimed (status `sending`) in its own committed transaction before the message
goes out, so two processes never send the same row; a row left in `sending` by a killed
process returns to `pending` after a short lease (a second copy is possible only then).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from coordination.cycle_state import missing_tasks
from coordination.roles import chat_department_ids
from messages.i18n import Translator, get_translator
from messages.reminders import (
    DepartmentTasks,
    TaskLine,
    render_nudge,
    render_overdue,
    render_reminder,
)
from models.chats import Chat
from models.db import is_postgres
from models.plan import Department, Measure, Plan
from models.schedules import (
    DELIVERY_DIGEST,
    DELIVERY_NUDGE,
    DELIVERY_OVERDUE,
    DELIVERY_REMINDER,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SENDING,
    STATUS_SENT,
    STATUS_SKIPPED,
    Cycle,
    CycleTask,
    Delivery,
    ReminderSchedule,
)

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
FIRST_BACKOFF = timedelta(seconds=15)


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, rendered for its chat."""

    delivery_id: int
    chat_id: int
    kind: str
    texts: list[str] = field(default_factory=list)
    attempts: int = 0


def backoff(attempts: int) -> timedelta:
    """15 s, 30 s, 1 min, … capped at an hour: the wait after the n-th network failure."""
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def release_stale(session: Session, *, now: datetime, lease: timedelta = DEFAULT_LEASE) -> int:
    """Return deliveries stuck in `sending` longer than `lease` to `pending`."""
    result = session.execute(
        update(Delivery)
        .where(col(Delivery.status) == STATUS_SENDING, col(Delivery.claimed_at) < now - lease)
        .values(status=STATUS_PENDING, claimed_by=None, claimed_at=None)
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        log.warning("%d deliveries were left in flight (killed process?); retrying them", count)
    return count


def renew_claims(session: Session, *, delivery_ids: list[int], instance: str, now: datetime) -> int:
    """A live process keeps its claims fresh, so a long wait is never taken for a crash."""
    if not delivery_ids:
        return 0
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id).in_(delivery_ids),
            col(Delivery.status) == STATUS_SENDING,
            col(Delivery.claimed_by) == instance[:100],
        )
        .values(claimed_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim_due(session: Session, *, instance: str, now: datetime, limit: int = 32) -> list[int]:
    """Claim up to `limit` due deliveries for this process; returns their ids."""
    inactive = select(Chat.id).where(col(Chat.is_active).is_(False))
    query = (
        select(Delivery.id)
        .where(
            col(Delivery.status) == STATUS_PENDING,
            col(Delivery.not_before) <= now,
            col(Delivery.chat_id).not_in(inactive),
        )
        .order_by(col(Delivery.not_before), col(Delivery.id))
        .limit(limit)
    )
    claim = dict(status=STATUS_SENDING, claimed_by=instance[:100], claimed_at=now)
    if is_postgres(session.get_bind()):  # type: ignore[arg-type]
        # Rows another process holds are skipped rather than waited for.
        ids = list(session.exec(query.with_for_update(skip_locked=True, of=Delivery)).all())
        if ids:
            session.execute(update(Delivery).where(col(Delivery.id).in_(ids)).values(**claim))
        return [i for i in ids if i is not None]
    claimed: list[int] = []
    for delivery_id in session.exec(query).all():
        # SQLite has no row locks: the conditional update is the claim.
        result = session.execute(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id, col(Delivery.status) == STATUS_PENDING)
            .values(**claim)
        )
        if result.rowcount == 1 and delivery_id is not None:  # type: ignore[attr-defined]
            claimed.append(delivery_id)
    return claimed


def _set(session: Session, delivery_id: int, **values: object) -> None:
    session.execute(update(Delivery).where(col(Delivery.id) == delivery_id).values(**values))


def mark_sent(session: Session, *, delivery_id: int, message_id: int | None, now: datetime) -> None:
    _set(
        session,
        delivery_id,
        status=STATUS_SENT,
        message_id=message_id,
        sent_at=now,
        last_error=None,
    )


def mark_skipped(session: Session, *, delivery_id: int, reason: str) -> None:
    _set(session, delivery_id, status=STATUS_SKIPPED, last_error=reason[:500])


def mark_failed(session: Session, *, delivery_id: int, error: str) -> None:
    _set(session, delivery_id, status=STATUS_FAILED, last_error=error[:500])


def mark_retry(
    session: Session,
    *,
    delivery_id: int,
    not_before: datetime,
    error: str,
    count_attempt: bool = True,
) -> int:
    """Back to pending, not before `not_before`; returns the attempts so far."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        return 0
    if count_attempt:
        delivery.attempts += 1
    delivery.status = STATUS_PENDING
    delivery.not_before = not_before
    delivery.claimed_by = None
    delivery.claimed_at = None
    delivery.last_error = error[:500]
    session.add(delivery)
    return delivery.attempts


# --- rendering -------------------------------------------------------------------------


def _grouped(
    session: Session, tasks: list[CycleTask], department_order: list[int] | None = None
) -> list[DepartmentTasks]:
    """Tasks as DepartmentTasks: departments in `department_order` (else by name)."""
    if not tasks:
        return []
    measures = {
        m.id: m
        for m in session.exec(
            select(Measure).where(col(Measure.id).in_({t.measure_id for t in tasks}))
        )
    }
    names = {
        d.id: d.name
        for d in session.exec(
            select(Department).where(col(Department.id).in_({t.department_id for t in tasks}))
        )
    }
    by_department: dict[int, list[TaskLine]] = {}
    for task in sorted(tasks, key=lambda t: measures[t.measure_id].number):
        measure = measures[task.measure_id]
        by_department.setdefault(task.department_id, []).append(
            TaskLine(measure.label, measure.title, task.role, task.responsible)
        )
    order = department_order or sorted(by_department, key=lambda d: names.get(d, ""))
    return [
        DepartmentTasks(names.get(d, "?"), by_department[d]) for d in order if d in by_department
    ]


def _plan_title(session: Session) -> str:
    plan = session.exec(
        select(Plan).where(col(Plan.is_active).is_(True)).order_by(col(Plan.id).desc())
    ).first()
    if plan is None:
        return ""
    return f"{plan.doc_number} {plan.title}".strip()


def _digest_texts(session: Session, t: Translator, now: datetime) -> list[str]:
    from reports.digest import render_digest

    return [text for text in render_digest(session, t=t, now=now) if text.strip()]


def render_delivery(
    session: Session,
    delivery: Delivery,
    *,
    default_locale: str,
    default_tz: str,
    now: datetime,
) -> list[str]:
    """The message(s) a delivery sends now; empty when there is nothing left to say."""
    cycle = session.get(Cycle, delivery.cycle_id)
    if cycle is None:
        return []
    chat = session.get(Chat, delivery.chat_id)
    locale = (chat.language if chat is not None else None) or default_locale
    timezone = default_tz
    if cycle.schedule_id is not None:
        schedule = session.get(ReminderSchedule, cycle.schedule_id)
        if schedule is not None:
            timezone = schedule.timezone
    t = get_translator(locale, timezone)
    assert cycle.id is not None

    if delivery.kind in (DELIVERY_REMINDER, DELIVERY_NUDGE):
        departments = chat_department_ids(session, chat_id=delivery.chat_id)
        if delivery.kind == DELIVERY_REMINDER:
            tasks = list(
                session.exec(
                    select(CycleTask).where(
                        CycleTask.cycle_id == cycle.id,
                        col(CycleTask.department_id).in_(departments),
                    )
                )
            )
        else:
            tasks = missing_tasks(session, cycle_id=cycle.id, department_ids=departments)
        groups = _grouped(session, tasks, departments)
        if not groups:
            return []
        if delivery.kind == DELIVERY_REMINDER:
            return [
                render_reminder(
                    t, departments=groups, due_at=cycle.due_at, plan_title=_plan_title(session)
                )
            ]
        return [render_nudge(t, departments=groups, due_at=cycle.due_at)]
    if delivery.kind == DELIVERY_OVERDUE:
        total = len(session.exec(select(CycleTask.id).where(CycleTask.cycle_id == cycle.id)).all())
        groups = _grouped(session, missing_tasks(session, cycle_id=cycle.id))
        return [render_overdue(t, departments=groups, due_at=cycle.due_at, total_tasks=total)]
    if delivery.kind == DELIVERY_DIGEST:
        return _digest_texts(session, t, now)
    return []


def render_claimed(
    session: Session,
    *,
    delivery_ids: list[int],
    default_locale: str,
    default_tz: str,
    now: datetime,
) -> list[Outgoing]:
    """Render claimed deliveries; those with nothing to say any more are marked skipped."""
    outgoing: list[Outgoing] = []
    for delivery_id in delivery_ids:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != STATUS_SENDING:
            continue
        cycle = session.get(Cycle, delivery.cycle_id)
        if (
            delivery.kind in (DELIVERY_REMINDER, DELIVERY_NUDGE)
            and cycle is not None
            and cycle.due_at <= now
        ):
            # Held back past the deadline (chat was unreachable): asking now would confuse.
            mark_skipped(session, delivery_id=delivery_id, reason="reply window closed")
            continue
        texts = render_delivery(
            session, delivery, default_locale=default_locale, default_tz=default_tz, now=now
        )
        if not texts:
            mark_skipped(session, delivery_id=delivery_id, reason="nothing to report")
            continue
        outgoing.append(
            Outgoing(delivery_id, delivery.chat_id, delivery.kind, texts, delivery.attempts)
        )
    return outgoing


def delivery_counts(session: Session, *, cycle_id: int) -> dict[str, int]:
    """status → number of deliveries of a cycle (for answers and tests)."""
    counts: dict[str, int] = {}
    for status in session.exec(select(Delivery.status).where(Delivery.cycle_id == cycle_id)):
        counts[status] = counts.get(status, 0) + 1
    return counts
