"""The delivery outbox in the database: claim what is due, say what it holds, record the outcome.

A row is claimed (status `sending`) in its own committed transaction before the message
goes out, so two processes never send the same row; a row left in `sending` by a killed
process returns to `pending` after a short lease (a second copy is possible only then).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from coordination.admins import coordinators_chat_ids
from coordination.bindings import chat_departments
from coordination.cycle_state import missing_tasks
from coordination.duties import DepartmentTasks, TaskLine
from coordination.roles import chat_department_ids
from models.chats import Chat
from models.db import is_postgres
from models.plan import Department, Measure, Plan
from models.schedules import (
    CYCLE_NOTICE,
    DELIVERY_DIGEST,
    DELIVERY_NOTICE,
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
from reports.bulletin import Bulletin, build_bulletin
from reports.status import Overview

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
FIRST_BACKOFF = timedelta(seconds=15)
NOTICE_PREFIX = "lost:"


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


# --- what each delivery says ---------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """The one reminder a chat gets in a cycle: its departments' measures and the deadline."""

    departments: list[DepartmentTasks]
    due_at: datetime
    plan_title: str


@dataclass(frozen=True)
class Nudge:
    """Before the deadline: only the measures a chat still has not reported."""

    departments: list[DepartmentTasks]
    due_at: datetime


@dataclass(frozen=True)
class OverdueList:
    """After the deadline, to the coordinators: who is overdue, on which measures."""

    departments: list[DepartmentTasks]
    due_at: datetime
    total_tasks: int


@dataclass(frozen=True)
class Digest:
    """The 通报 of a digest schedule: the current cycle at a glance, what is escalated, and the
    document; a leaders' chat gets the document and what is escalated only."""

    bulletin: Bulletin
    now: datetime
    for_leaders: bool = False

    @property
    def overview(self) -> Overview:
        return self.bulletin.overview


@dataclass(frozen=True)
class ChatLost:
    """A chat dropped the bot: its reminders stop until someone adds the bot back."""

    title: str
    departments: list[str]


Content = Reminder | Nudge | OverdueList | Digest | ChatLost


@dataclass(frozen=True)
class Due:
    """A claimed delivery and what it says; the sender renders it in the chat's language."""

    delivery_id: int
    chat_id: int
    kind: str
    content: Content
    locale: str | None = None  # the chat's /lang; None: the bot's default
    timezone: str | None = None  # the schedule's zone; None: the bot's default
    attempts: int = 0


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
            TaskLine(
                measure.label,
                measure.title,
                task.role,
                task.responsible,
                measure.deadline,
                measure.deadline_text,
            )
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


def _chat_lost(session: Session, cycle: Cycle) -> ChatLost | None:
    lost = lost_chat_id(cycle)
    if lost is None:
        return None
    chat = session.get(Chat, lost)
    title = chat.title if chat is not None and chat.title else str(lost)
    return ChatLost(title, [d.name for d in chat_departments(session, chat_id=lost)])


def content_of(
    session: Session, delivery: Delivery, cycle: Cycle, *, now: datetime
) -> Content | None:
    """What a delivery says now; None when there is nothing left to say."""
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
            return None
        if delivery.kind == DELIVERY_REMINDER:
            return Reminder(groups, cycle.due_at, _plan_title(session))
        return Nudge(groups, cycle.due_at)
    if delivery.kind == DELIVERY_OVERDUE:
        total = len(session.exec(select(CycleTask.id).where(CycleTask.cycle_id == cycle.id)).all())
        groups = _grouped(session, missing_tasks(session, cycle_id=cycle.id))
        return OverdueList(groups, cycle.due_at, total)
    if delivery.kind == DELIVERY_DIGEST:
        chat = session.get(Chat, delivery.chat_id)
        leaders = chat is not None and chat.is_leaders and not chat.is_coordinators
        return Digest(build_bulletin(session, now=now), now, for_leaders=leaders)
    if delivery.kind == DELIVERY_NOTICE:
        return _chat_lost(session, cycle)
    return None


def claimed_contents(session: Session, *, delivery_ids: list[int], now: datetime) -> list[Due]:
    """What the claimed deliveries say; those with nothing to say any more are marked skipped."""
    due: list[Due] = []
    for delivery_id in delivery_ids:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != STATUS_SENDING:
            continue
        cycle = session.get(Cycle, delivery.cycle_id)
        if cycle is None:
            mark_skipped(session, delivery_id=delivery_id, reason="nothing to report")
            continue
        if delivery.kind in (DELIVERY_REMINDER, DELIVERY_NUDGE) and cycle.due_at <= now:
            # Held back past the deadline (chat was unreachable): asking now would confuse.
            mark_skipped(session, delivery_id=delivery_id, reason="reply window closed")
            continue
        content = content_of(session, delivery, cycle, now=now)
        if content is None:
            mark_skipped(session, delivery_id=delivery_id, reason="nothing to report")
            continue
        chat = session.get(Chat, delivery.chat_id)
        schedule = session.get(ReminderSchedule, cycle.schedule_id) if cycle.schedule_id else None
        due.append(
            Due(
                delivery_id,
                delivery.chat_id,
                delivery.kind,
                content,
                locale=chat.language if chat is not None else None,
                timezone=schedule.timezone if schedule is not None else None,
                attempts=delivery.attempts,
            )
        )
    return due


# --- the notice that a chat dropped the bot --------------------------------------------


def notice_key(chat_id: int, now: datetime) -> str:
    """The key of a notice's cycle names the chat it is about: 'lost:-100123:2026-…'."""
    return f"{NOTICE_PREFIX}{chat_id}:{now.isoformat()}"


def lost_chat_id(cycle: Cycle) -> int | None:
    """The chat a notice's cycle is about (see `notice_key`); None for any other cycle."""
    if cycle.kind != CYCLE_NOTICE or not cycle.key.startswith(NOTICE_PREFIX):
        return None
    chat, _, _when = cycle.key.removeprefix(NOTICE_PREFIX).partition(":")
    return int(chat) if chat.lstrip("-").isdecimal() else None


def queue_chat_lost(
    session: Session, *, chat_id: int, now: datetime, fallback_chat_ids: Iterable[int] = ()
) -> int:
    """One notice to each coordinators' chat (else each admin) that `chat_id` dropped the bot.

    The notices are outbox rows like reminders: retried after network errors and flood
    control, never sent twice. Returns how many were queued.
    """
    targets = coordinators_chat_ids(session) or [c for c in fallback_chat_ids if c != chat_id]
    if not targets:
        return 0
    cycle = Cycle(key=notice_key(chat_id, now), kind=CYCLE_NOTICE, fire_at=now, due_at=now)
    session.add(cycle)
    session.flush()
    assert cycle.id is not None
    for target in targets:
        session.add(
            Delivery(cycle_id=cycle.id, chat_id=target, kind=DELIVERY_NOTICE, not_before=now)
        )
    session.flush()
    return len(targets)


def delivery_counts(session: Session, *, cycle_id: int) -> dict[str, int]:
    """status → number of deliveries of a cycle (for answers and tests)."""
    counts: dict[str, int] = {}
    for status in session.exec(select(Delivery.status).where(Delivery.cycle_id == cycle_id)):
        counts[status] = counts.get(status, 0) + 1
    return counts
