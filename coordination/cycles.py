"""Opening a cycle: the tasks each department owes and the outbox rows for each chat.

A cycle's unique key comes from its schedule and NOMINAL (cron) fire time, so every process
and every restart that fires the same schedule at the same time opens it once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from coordination.admins import coordinators_chat_ids, leaders_chat_ids
from coordination.duties import duties
from coordination.schedule_triggers import latest_firing
from models.chats import Chat, ChatDepartment
from models.schedules import (
    DELIVERY_DIGEST,
    DELIVERY_REMINDER,
    SCHEDULE_DIGEST,
    SCHEDULE_REMINDER,
    SCOPE_ALL,
    Cycle,
    CycleTask,
    Delivery,
    ReminderSchedule,
)
from models.versions import REPLY_SCOPE, bump_version

log = logging.getLogger(__name__)

# APScheduler runs a job at most this late (misfire_grace_time); a firing found further
# back than this was not a scheduled one but a manual run of the job.
FIRE_GRACE = timedelta(hours=6)
# Missed digests older than this are not worth sending at start.
DIGEST_CATCH_UP = timedelta(days=1)


@dataclass(frozen=True)
class CycleOutcome:
    cycle_id: int
    created: bool
    chats: int = 0
    tasks: int = 0
    due_at: datetime | None = None


def cycle_key(schedule_id: int, nominal: datetime) -> str:
    """'s3:2026-10-25T01:00Z' from the schedule and its nominal fire time (naive UTC)."""
    return f"s{schedule_id}:{nominal.replace(second=0, microsecond=0).isoformat()}Z"


def _bound_chats(session: Session, department_id: int | None) -> dict[int, list[int]]:
    """Active chat id → its department ids (only those of `department_id` when given)."""
    query = (
        select(ChatDepartment.chat_id, ChatDepartment.department_id)
        .join(Chat, col(Chat.id) == ChatDepartment.chat_id)
        .where(col(Chat.is_active).is_(True))
        .order_by(ChatDepartment.id)  # type: ignore[arg-type]
    )
    if department_id is not None:
        query = query.where(ChatDepartment.department_id == department_id)
    chats: dict[int, list[int]] = {}
    for chat_id, dept_id in session.exec(query).all():
        chats.setdefault(chat_id, []).append(dept_id)
    return chats


def _fill_reminder_cycle(session: Session, cycle: Cycle) -> tuple[int, int]:
    """CycleTasks for every reached department and one reminder Delivery per chat.

    Written with two multi-row inserts: a cycle for thousands of chats opens in moments.
    """
    assert cycle.id is not None
    chats = _bound_chats(session, cycle.department_id)
    reached = sorted({d for depts in chats.values() for d in depts})
    owed = duties(session, department_ids=reached, scope=cycle.scope) if reached else []
    owing_departments = {duty.department_id for duty in owed}
    if owed:
        session.execute(
            insert(CycleTask),
            [
                {
                    "cycle_id": cycle.id,
                    "measure_id": duty.measure_id,
                    "department_id": duty.department_id,
                    "role": duty.role,
                    "responsible": duty.responsible,
                }
                for duty in owed
            ],
        )
    # A chat with nothing to report in this scope gets no message.
    served = [chat_id for chat_id, depts in chats.items() if owing_departments.intersection(depts)]
    if served:
        session.execute(
            insert(Delivery),
            [
                {
                    "cycle_id": cycle.id,
                    "chat_id": chat_id,
                    "kind": DELIVERY_REMINDER,
                    "not_before": cycle.fire_at,
                }
                for chat_id in served
            ],
        )
    return len(served), len(owed)


def _fill_digest_cycle(session: Session, cycle: Cycle, fallback_chat_ids: Iterable[int]) -> int:
    assert cycle.id is not None
    targets = coordinators_chat_ids(session) or list(fallback_chat_ids)
    # The leaders' chat gets the 通报 too (the document and what is escalated).
    targets += [c for c in leaders_chat_ids(session) if c not in targets]
    for chat_id in targets:
        session.add(
            Delivery(
                cycle_id=cycle.id, chat_id=chat_id, kind=DELIVERY_DIGEST, not_before=cycle.fire_at
            )
        )
    if not targets:
        log.warning("digest cycle %s has no coordinators' chat to go to", cycle.key)
    return len(targets)


def open_cycle(
    session: Session,
    *,
    key: str,
    fire_at: datetime,
    due_days: int,
    nudge_hours: int,
    kind: str = SCHEDULE_REMINDER,
    scope: str = SCOPE_ALL,
    schedule_id: int | None = None,
    department_id: int | None = None,
    created_by: int | None = None,
    fallback_chat_ids: Iterable[int] = (),
    report_chat_id: int | None = None,
) -> CycleOutcome:
    """Create the cycle with its tasks and deliveries, or find it when the key exists.

    `report_chat_id` is told how the fan-out went once it has settled (/remind's chat).
    """
    due_at = fire_at + timedelta(days=due_days) if kind == SCHEDULE_REMINDER else fire_at
    nudge_at = due_at - timedelta(hours=nudge_hours) if nudge_hours > 0 else None
    if nudge_at is not None and nudge_at <= fire_at:
        nudge_at = None
    cycle = Cycle(
        key=key,
        schedule_id=schedule_id,
        kind=kind,
        fire_at=fire_at,
        due_at=due_at,
        nudge_at=nudge_at,
        scope=scope,
        department_id=department_id,
        created_by=created_by,
        report_chat_id=report_chat_id,
    )
    session.add(cycle)
    try:
        session.flush()
    except IntegrityError:
        # Another process (or an earlier run of this one) opened it first.
        session.rollback()
        existing = session.exec(select(Cycle).where(Cycle.key == key)).one()
        assert existing.id is not None
        return CycleOutcome(existing.id, created=False, due_at=existing.due_at)
    if kind == SCHEDULE_DIGEST:
        served, tasks = _fill_digest_cycle(session, cycle, fallback_chat_ids), 0
    else:
        served, tasks = _fill_reminder_cycle(session, cycle)
        bump_version(session, REPLY_SCOPE)  # replies now count for the new cycle
    session.flush()
    assert cycle.id is not None
    log.info("opened cycle %s: %d chats, %d tasks", key, served, tasks)
    return CycleOutcome(cycle.id, created=True, chats=served, tasks=tasks, due_at=due_at)


def _live_schedule(session: Session, schedule_id: int) -> ReminderSchedule | None:
    schedule = session.get(ReminderSchedule, schedule_id)
    if schedule is None or schedule.paused:
        return None
    return schedule


def _open_for_schedule(
    session: Session,
    schedule: ReminderSchedule,
    nominal: datetime,
    actual: datetime,
    fallback_chat_ids: Iterable[int],
) -> CycleOutcome:
    assert schedule.id is not None
    return open_cycle(
        session,
        key=cycle_key(schedule.id, nominal),
        fire_at=actual,
        due_days=schedule.due_days,
        nudge_hours=schedule.nudge_hours,
        kind=schedule.kind,
        scope=schedule.scope,
        schedule_id=schedule.id,
        department_id=schedule.department_id,
        created_by=schedule.created_by,
        fallback_chat_ids=fallback_chat_ids,
    )


def fire_schedule(
    session: Session, *, schedule_id: int, now: datetime, fallback_chat_ids: Iterable[int] = ()
) -> CycleOutcome | None:
    """What the schedule's job does when it fires at `now` (naive UTC)."""
    schedule = _live_schedule(session, schedule_id)
    if schedule is None:
        return None
    firing = latest_firing(
        schedule.cron, schedule.timezone, skip_holidays=schedule.skip_holidays, now=now
    )
    if firing is None or firing[1] < now - FIRE_GRACE:
        # The job was run by hand (an operator or a test), not by its trigger: this moment
        # is the fire time.
        moment = now.replace(second=0, microsecond=0)
        firing = (moment, moment)
    return _open_for_schedule(session, schedule, firing[0], firing[1], fallback_chat_ids)


def catch_up_missed(
    session: Session, *, now: datetime, fallback_chat_ids: Iterable[int] = ()
) -> list[CycleOutcome]:
    """Open cycles that fired while the bot was down, if their reply window is still open.

    Only the latest firing of each schedule counts, and only when no later cycle of that
    schedule exists and the schedule already existed at that time.
    """
    opened: list[CycleOutcome] = []
    schedules = session.exec(
        select(ReminderSchedule).where(col(ReminderSchedule.paused).is_(False))
    ).all()
    for schedule in schedules:
        assert schedule.id is not None
        window = (
            timedelta(days=schedule.due_days)
            if schedule.kind == SCHEDULE_REMINDER
            else DIGEST_CATCH_UP
        )
        firing = latest_firing(
            schedule.cron,
            schedule.timezone,
            skip_holidays=schedule.skip_holidays,
            now=now,
            lookback=window + timedelta(days=20),
        )
        if firing is None:
            continue
        nominal, actual = firing
        if actual < schedule.created_at or actual + window <= now:
            continue
        later = session.exec(
            select(Cycle.id).where(Cycle.schedule_id == schedule.id, Cycle.fire_at >= actual)
        ).first()
        if later is not None:
            continue
        outcome = _open_for_schedule(session, schedule, nominal, actual, fallback_chat_ids)
        # Keep each opened cycle even if a later one loses a race and rolls back.
        session.commit()
        if outcome.created:
            log.info("schedule %s missed a firing at %s while down; sent now", schedule.id, actual)
            opened.append(outcome)
    return opened


def open_manual_cycle(
    session: Session,
    *,
    now: datetime,
    department_id: int | None = None,
    due_days: int = 3,
    nudge_hours: int = 24,
    scope: str = SCOPE_ALL,
    created_by: int | None = None,
    report_chat_id: int | None = None,
) -> CycleOutcome:
    """A cycle started with /remind: now, for every bound chat or one department's chats."""
    return open_cycle(
        session,
        key=f"manual:{uuid.uuid4().hex}",
        fire_at=now.replace(microsecond=0),
        due_days=due_days,
        nudge_hours=nudge_hours,
        scope=scope,
        department_id=department_id,
        created_by=created_by,
        report_chat_id=report_chat_id,
    )
