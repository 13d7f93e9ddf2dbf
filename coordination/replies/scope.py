"""What one chat may report on: its departments, the cycle its message belongs to, and the
measures they hold (by number), as an immutable record with a constructor per occasion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import exists
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from coordination.replies.outcome import MeasureRef
from coordination.roles import chat_department_ids
from models.plan import Assignment, Department, Measure, Plan
from models.progress import PendingReply, ProgressUpdate
from models.schedules import SCHEDULE_REMINDER, Cycle, CycleTask, Delivery

# An alias: a query that joins the plans itself must not swallow the subquery's own.
_PLAN = aliased(Plan)
# Column rows, not entities: a measure's body text is long and not needed here. The plan's
# date comes along as a correlated subquery, so no query needs another join for it.
MEASURE_COLUMNS = (
    Measure.id,
    Measure.number,
    Measure.label,
    Measure.title,
    Measure.deadline,
    select(_PLAN.issued_on).where(_PLAN.id == Measure.plan_id).correlate(Measure).scalar_subquery(),
)


def measure_refs(session: Session, measure_ids: Iterable[int]) -> dict[int, MeasureRef]:
    """measure id → its reference, in one query."""
    wanted = set(measure_ids)
    if not wanted:
        return {}
    rows = session.execute(select(*MEASURE_COLUMNS).where(col(Measure.id).in_(wanted))).all()
    return {row[0]: MeasureRef(*row) for row in rows}


@dataclass(frozen=True)
class ChatScope:
    """What one chat may report on, right now or for the cycle its message belongs to."""

    department_ids: tuple[int, ...]
    cycle: Cycle | None
    by_number: Mapping[int, MeasureRef]
    # measure id → departments of the chat that hold it (assignment or cycle task)
    holders: Mapping[int, tuple[int, ...]]
    # (measure id, department id) the cycle asked for
    task_pairs: frozenset[tuple[int, int]]
    # Numbers a reply without markers may mean: the cycle's tasks, else every assignment.
    choice_numbers: tuple[int, ...]
    department_names: Mapping[int, str]

    def measures(self) -> list[MeasureRef]:
        return [self.by_number[n] for n in sorted(self.by_number)]

    def in_cycle(self, measure_id: int, department_id: int) -> bool:
        return self.cycle is not None and (measure_id, department_id) in self.task_pairs

    # --- the occasions --------------------------------------------------------------------

    @classmethod
    def of_chat(
        cls,
        session: Session,
        *,
        chat_id: int,
        reply_to_message_id: int | None,
        now: datetime,
    ) -> ChatScope:
        """A new message: the cycle of the bot message it replies to, else the latest one."""
        department_ids = chat_department_ids(session, chat_id=chat_id)
        cycle = _chat_cycle(
            session,
            chat_id=chat_id,
            department_ids=department_ids,
            reply_to_message_id=reply_to_message_id,
            now=now,
        )
        return _build(session, department_ids, cycle)

    @classmethod
    def of_edit(
        cls,
        session: Session,
        *,
        chat_id: int,
        reply_to_message_id: int | None,
        now: datetime,
        existing: list[ProgressUpdate],
        refs: Mapping[int, MeasureRef],
    ) -> ChatScope:
        """An edited message: the cycle its records were made for stays theirs, and the
        measures they were made for (`refs`) stay reportable, even if the plan moved on."""
        scope = cls.of_chat(
            session, chat_id=chat_id, reply_to_message_id=reply_to_message_id, now=now
        )
        cycle = scope.cycle
        if existing and existing[0].cycle_id is not None:
            cycle = session.get(Cycle, existing[0].cycle_id)
        by_number = dict(scope.by_number)
        holders = {m: list(d) for m, d in scope.holders.items()}
        for measure_id in dict.fromkeys(u.measure_id for u in existing):
            ref = refs.get(measure_id)
            if ref is None:
                continue
            by_number.setdefault(ref.number, ref)
            held = holders.setdefault(ref.measure_id, [])
            for update in existing:
                if update.measure_id == ref.measure_id and update.department_id not in held:
                    held.append(update.department_id)
        return replace(
            scope,
            cycle=cycle,
            by_number=MappingProxyType(by_number),
            holders=MappingProxyType({m: tuple(d) for m, d in holders.items()}),
        )

    @classmethod
    def of_pending(
        cls, session: Session, *, pending: PendingReply, pairs: list[tuple[int, int]], now: datetime
    ) -> ChatScope:
        """A button answering the question about a reply: the cycle the question was asked
        in, and (when it offered the cycle's tasks) the offered pairs count for it."""
        scope = cls.of_chat(
            session,
            chat_id=pending.chat_id,
            reply_to_message_id=pending.reply_to_message_id,
            now=now,
        )
        if pending.cycle_id is None:
            return scope
        cycle = session.get(Cycle, pending.cycle_id)
        task_pairs = scope.task_pairs | frozenset(pairs) if cycle is not None else scope.task_pairs
        return replace(scope, cycle=cycle, task_pairs=task_pairs)


def _chat_cycle(
    session: Session,
    *,
    chat_id: int,
    department_ids: list[int],
    reply_to_message_id: int | None,
    now: datetime,
) -> Cycle | None:
    """The cycle of the bot message replied to, else the chat's latest cycle with tasks."""
    if reply_to_message_id is not None:
        delivery = session.exec(
            select(Delivery).where(
                Delivery.chat_id == chat_id, Delivery.message_id == reply_to_message_id
            )
        ).first()
        if delivery is not None:
            return session.get(Cycle, delivery.cycle_id)
    if not department_ids:
        return None
    has_tasks = exists().where(
        CycleTask.cycle_id == Cycle.id, col(CycleTask.department_id).in_(department_ids)
    )
    return session.exec(
        select(Cycle)
        .where(Cycle.kind == SCHEDULE_REMINDER, Cycle.fire_at <= now, has_tasks)
        .order_by(col(Cycle.fire_at).desc(), col(Cycle.id).desc())
        .limit(1)
    ).first()


def _build(session: Session, department_ids: list[int], cycle: Cycle | None) -> ChatScope:
    by_number: dict[int, MeasureRef] = {}
    holders: dict[int, list[int]] = {}
    task_pairs: set[tuple[int, int]] = set()
    task_numbers: list[int] = []
    names: dict[int, str] = {}
    if department_ids:
        names = dict(
            session.execute(
                select(Department.id, Department.name).where(col(Department.id).in_(department_ids))
            ).all()
        )
    if department_ids and cycle is not None:
        rows = session.execute(
            select(CycleTask.department_id, *MEASURE_COLUMNS)
            .join(Measure, col(Measure.id) == CycleTask.measure_id)
            .where(CycleTask.cycle_id == cycle.id, col(CycleTask.department_id).in_(department_ids))
            .order_by(col(Measure.number), col(CycleTask.id))
        ).all()
        for department_id, *measure_columns in rows:
            ref = MeasureRef(*measure_columns)
            by_number.setdefault(ref.number, ref)
            if by_number[ref.number].measure_id != ref.measure_id:
                continue
            task_pairs.add((ref.measure_id, department_id))
            held = holders.setdefault(ref.measure_id, [])
            if department_id not in held:
                held.append(department_id)
            if ref.number not in task_numbers:
                task_numbers.append(ref.number)
    if department_ids:
        # Assignments: a supporting department may report on its measure outside a lead-only
        # cycle too; the record is then not counted for the cycle.
        assigned = session.execute(
            select(Assignment.department_id, *MEASURE_COLUMNS)
            .join(Measure, col(Measure.id) == Assignment.measure_id)
            .join(Plan, col(Plan.id) == Measure.plan_id)
            .where(
                col(Assignment.department_id).in_(department_ids),
                col(Measure.is_active),
                col(Plan.is_active),
            )
            .order_by(col(Measure.number), col(Plan.id).desc(), col(Assignment.id))
        ).all()
        for department_id, *measure_columns in assigned:
            ref = MeasureRef(*measure_columns)
            by_number.setdefault(ref.number, ref)
            if by_number[ref.number].measure_id != ref.measure_id:
                continue  # the same number in an older plan
            held = holders.setdefault(ref.measure_id, [])
            if department_id not in held:
                held.append(department_id)
    # Records and acknowledgements follow the order the departments were bound in.
    order = {department_id: index for index, department_id in enumerate(department_ids)}
    for held in holders.values():
        held.sort(key=lambda d: order.get(d, len(order)))
    return ChatScope(
        department_ids=tuple(department_ids),
        cycle=cycle,
        by_number=MappingProxyType(by_number),
        holders=MappingProxyType({m: tuple(d) for m, d in holders.items()}),
        task_pairs=frozenset(task_pairs),
        choice_numbers=tuple(task_numbers or sorted(by_number)),
        department_names=MappingProxyType(names),
    )
