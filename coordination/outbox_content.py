"""What each claimed delivery says, as plain records the sender renders in the chat's language.

A claimed batch is read with a handful of set-based queries (the deliveries, their cycles,
chats and schedules, the chats' departments, the cycles' tasks, the measures and department
names, the plan title), however many chats it holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from coordination.bindings import chat_departments
from coordination.cycle_state import missing_tasks
from coordination.duties import DepartmentTasks, TaskLine
from coordination.outbox import lost_chat_id, mark_skipped_many
from models.chats import Chat, ChatDepartment
from models.plan import Department, Measure, Plan
from models.schedules import (
    DELIVERY_DIGEST,
    DELIVERY_NOTICE,
    DELIVERY_NUDGE,
    DELIVERY_OVERDUE,
    DELIVERY_REMINDER,
    DELIVERY_REPORT,
    STATUS_SENDING,
    Cycle,
    CycleTask,
    Delivery,
    ReminderSchedule,
)
from reports.bulletin import Bulletin, build_bulletin
from reports.deliveries import DeliveryTally, delivery_tally
from reports.status import Overview


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


@dataclass(frozen=True)
class FanOutReport:
    """To /remind's chat once the cycle's reminders are out: what became of them."""

    tally: DeliveryTally
    due_at: datetime
    department: str = ""  # /remind <department>: whose chats only


Content = Reminder | Nudge | OverdueList | Digest | ChatLost | FanOutReport


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


@dataclass(frozen=True)
class _Task:
    cycle_id: int
    measure_id: int
    department_id: int
    role: str
    responsible: bool


class _Lookups:
    """Measures and department names for the tasks of a batch, read once."""

    def __init__(self, session: Session, tasks: Iterable[_Task]) -> None:
        tasks = list(tasks)
        measure_ids = {t.measure_id for t in tasks}
        department_ids = {t.department_id for t in tasks}
        self.measures: dict[int, Any] = {}
        self.names: dict[int, str] = {}
        if measure_ids:
            self.measures = {
                row.id: row
                for row in session.exec(
                    select(
                        Measure.id,
                        Measure.number,
                        Measure.label,
                        Measure.title,
                        Measure.deadline,
                        Measure.deadline_text,
                    ).where(col(Measure.id).in_(measure_ids))
                ).all()
            }
        if department_ids:
            self.names = dict(
                session.exec(
                    select(Department.id, Department.name).where(
                        col(Department.id).in_(department_ids)
                    )
                ).all()
            )

    def grouped(
        self, tasks: Iterable[_Task], department_order: list[int] | None = None
    ) -> list[DepartmentTasks]:
        """Tasks as DepartmentTasks: departments in `department_order` (else by name)."""
        by_department: dict[int, list[TaskLine]] = {}
        for task in sorted(tasks, key=lambda t: self.measures[t.measure_id].number):
            measure = self.measures[task.measure_id]
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
        order = department_order or sorted(by_department, key=lambda d: self.names.get(d, ""))
        return [
            DepartmentTasks(self.names.get(d, "?"), by_department[d])
            for d in order
            if d in by_department
        ]


def _as_task(row: Any) -> _Task:
    return _Task(row.cycle_id, row.measure_id, row.department_id, row.role, row.responsible)


def _cycle_tasks(session: Session, cycle_ids: set[int]) -> list[_Task]:
    if not cycle_ids:
        return []
    return [
        _as_task(row)
        for row in session.exec(
            select(
                CycleTask.cycle_id,
                CycleTask.measure_id,
                CycleTask.department_id,
                CycleTask.role,
                CycleTask.responsible,
            ).where(col(CycleTask.cycle_id).in_(cycle_ids))
        ).all()
    ]


def _chat_departments(session: Session, chat_ids: set[int]) -> dict[int, list[int]]:
    """Active chat → its departments, in binding order."""
    if not chat_ids:
        return {}
    rows = session.exec(
        select(ChatDepartment.chat_id, ChatDepartment.department_id)
        .join(Chat, col(Chat.id) == ChatDepartment.chat_id)
        .where(col(ChatDepartment.chat_id).in_(chat_ids), col(Chat.is_active).is_(True))
        .order_by(col(ChatDepartment.id))
    ).all()
    found: dict[int, list[int]] = {}
    for chat_id, department_id in rows:
        found.setdefault(chat_id, []).append(department_id)
    return found


def _plan_title(session: Session) -> str:
    plan = session.exec(
        select(Plan.doc_number, Plan.title)
        .where(col(Plan.is_active).is_(True))
        .order_by(col(Plan.id).desc())
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


def _fan_out_report(session: Session, cycle: Cycle, now: datetime) -> FanOutReport:
    assert cycle.id is not None
    department = session.get(Department, cycle.department_id) if cycle.department_id else None
    return FanOutReport(
        delivery_tally(session, cycle_id=cycle.id, now=now),
        cycle.due_at,
        department.name if department is not None else "",
    )


def _single(session: Session, delivery: Delivery, cycle: Cycle, now: datetime) -> Content | None:
    """What an overdue list, digest, notice or report says (a few per cycle at most)."""
    assert cycle.id is not None
    if delivery.kind == DELIVERY_OVERDUE:
        total = len(session.exec(select(CycleTask.id).where(CycleTask.cycle_id == cycle.id)).all())
        missing = [_as_task(t) for t in missing_tasks(session, cycle_id=cycle.id)]
        return OverdueList(_Lookups(session, missing).grouped(missing), cycle.due_at, total)
    if delivery.kind == DELIVERY_DIGEST:
        chat = session.get(Chat, delivery.chat_id)
        leaders = chat is not None and chat.is_leaders and not chat.is_coordinators
        return Digest(build_bulletin(session, now=now), now, for_leaders=leaders)
    if delivery.kind == DELIVERY_NOTICE:
        return _chat_lost(session, cycle)
    if delivery.kind == DELIVERY_REPORT:
        return _fan_out_report(session, cycle, now)
    return None


def _asked(
    session: Session, deliveries: list[Delivery], cycles: dict[int, Cycle]
) -> dict[int, Content | None]:
    """Reminders and nudges of a batch: delivery id → what it asks (None: nothing left)."""
    if not deliveries:
        return {}
    departments = _chat_departments(session, {d.chat_id for d in deliveries})
    reminder_cycles = {d.cycle_id for d in deliveries if d.kind == DELIVERY_REMINDER}
    tasks: dict[tuple[int, str], list[_Task]] = {}
    for task in _cycle_tasks(session, reminder_cycles):
        tasks.setdefault((task.cycle_id, DELIVERY_REMINDER), []).append(task)
    for cycle_id in {d.cycle_id for d in deliveries if d.kind == DELIVERY_NUDGE}:
        tasks[(cycle_id, DELIVERY_NUDGE)] = [
            _as_task(t) for t in missing_tasks(session, cycle_id=cycle_id)
        ]
    lookups = _Lookups(session, (t for found in tasks.values() for t in found))
    title = _plan_title(session) if reminder_cycles else ""
    said: dict[int, Content | None] = {}
    for delivery in deliveries:
        assert delivery.id is not None
        order = departments.get(delivery.chat_id, [])
        wanted = set(order)
        owed = tasks.get((delivery.cycle_id, delivery.kind), [])
        mine = [t for t in owed if t.department_id in wanted]
        groups = lookups.grouped(mine, order)
        due_at = cycles[delivery.cycle_id].due_at
        if not groups:
            said[delivery.id] = None
        elif delivery.kind == DELIVERY_REMINDER:
            said[delivery.id] = Reminder(groups, due_at, title)
        else:
            said[delivery.id] = Nudge(groups, due_at)
    return said


def claimed_contents(session: Session, *, delivery_ids: list[int], now: datetime) -> list[Due]:
    """What the claimed deliveries say; those with nothing to say any more are marked skipped."""
    if not delivery_ids:
        return []
    deliveries = list(
        session.exec(
            select(Delivery)
            .where(col(Delivery.id).in_(delivery_ids), Delivery.status == STATUS_SENDING)
            .order_by(col(Delivery.id))
        ).all()
    )
    cycles = {
        c.id: c
        for c in session.exec(
            select(Cycle).where(col(Cycle.id).in_({d.cycle_id for d in deliveries}))
        ).all()
    }
    zones = dict(
        session.exec(
            select(ReminderSchedule.id, ReminderSchedule.timezone).where(
                col(ReminderSchedule.id).in_(
                    {c.schedule_id for c in cycles.values() if c.schedule_id is not None}
                )
            )
        ).all()
    )
    languages = dict(
        session.exec(
            select(Chat.id, Chat.language).where(col(Chat.id).in_({d.chat_id for d in deliveries}))
        ).all()
    )
    skipped: dict[str, list[int]] = {}
    asking: list[Delivery] = []
    said: dict[int, Content | None] = {}
    for delivery in deliveries:
        assert delivery.id is not None
        cycle = cycles.get(delivery.cycle_id)
        if cycle is None:
            skipped.setdefault("nothing to report", []).append(delivery.id)
        elif delivery.kind in (DELIVERY_REMINDER, DELIVERY_NUDGE):
            if cycle.due_at <= now:
                # Held back past the deadline (chat was unreachable): asking now would confuse.
                skipped.setdefault("reply window closed", []).append(delivery.id)
            else:
                asking.append(delivery)
        else:
            said[delivery.id] = _single(session, delivery, cycle, now)
    said.update(_asked(session, asking, cycles))
    due: list[Due] = []
    for delivery in deliveries:
        assert delivery.id is not None
        if delivery.id not in said:
            continue
        content = said[delivery.id]
        if content is None:
            skipped.setdefault("nothing to report", []).append(delivery.id)
            continue
        cycle = cycles[delivery.cycle_id]
        due.append(
            Due(
                delivery.id,
                delivery.chat_id,
                delivery.kind,
                content,
                locale=languages.get(delivery.chat_id),
                timezone=zones.get(cycle.schedule_id) if cycle.schedule_id else None,
                attempts=delivery.attempts,
            )
        )
    for reason, ids in skipped.items():
        mark_skipped_many(session, delivery_ids=ids, reason=reason)
    return due
