"""What one chat may report on: its departments, the cycle its message belongs to, and the
measures they hold (by number), as an immutable record with a constructor per occasion.

`ScopeCache` keeps the scopes a process built, for as long as the database's reply-scope
version (`models.versions`) stays the same: binding, unbinding, a chat dropping the bot, a
plan import and a new cycle bump it, in whichever process they happen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import exists, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from coordination.replies.outcome import MeasureRef
from coordination.roles import chat_department_ids
from models.plan import Assignment, Department, Measure, Plan
from models.progress import PendingReply, ProgressUpdate
from models.schedules import SCHEDULE_REMINDER, Cycle, CycleTask, Delivery
from models.versions import REPLY_SCOPE, read_version

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
class CycleRef:
    """The cycle a reply counts for: which one, and its deadline."""

    id: int
    due_at: datetime


def cycle_ref(session: Session, cycle_id: int | None) -> CycleRef | None:
    if cycle_id is None:
        return None
    row = session.execute(select(Cycle.id, Cycle.due_at).where(Cycle.id == cycle_id)).first()
    return CycleRef(*row) if row is not None else None


@dataclass(frozen=True)
class ChatScope:
    """What one chat may report on, right now or for the cycle its message belongs to."""

    department_ids: tuple[int, ...]
    cycle: CycleRef | None
    by_number: Mapping[int, MeasureRef]
    # measure id → departments of the chat that hold it (assignment or cycle task)
    holders: Mapping[int, tuple[int, ...]]
    # (measure id, department id) the cycle asked for
    task_pairs: frozenset[tuple[int, int]]
    # Numbers a reply without markers may mean: the cycle's tasks, else every assignment.
    choice_numbers: tuple[int, ...]
    department_names: Mapping[int, str]
    # (measure id, department id) of the cycle known to be reported already (committed), so
    # their task is not marked again; filled as replies come, dropped with the scope.
    reported: set[tuple[int, int]] = field(default_factory=set, compare=False, repr=False)

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
        cache: ScopeCache | None = None,
    ) -> ChatScope:
        """A new message: the cycle of the bot message it replies to, else the latest one."""
        kept = cache.entries(session) if cache is not None else None
        if kept is not None and chat_id in kept.departments:
            department_ids = kept.departments[chat_id]
        else:
            department_ids = tuple(chat_department_ids(session, chat_id=chat_id))
            if kept is not None:
                kept.departments[chat_id] = department_ids
        cycle = _chat_cycle(
            session,
            kept,
            chat_id=chat_id,
            department_ids=department_ids,
            reply_to_message_id=reply_to_message_id,
            now=now,
        )
        key = (chat_id, cycle.id if cycle is not None else None)
        scope = kept.scopes.get(key) if kept is not None else None
        if scope is None:
            scope = _build(session, department_ids, cycle)
            if kept is not None:
                kept.scopes[key] = scope
        return scope

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
        cache: ScopeCache | None = None,
    ) -> ChatScope:
        """An edited message: the cycle its records were made for stays theirs, and the
        measures they were made for (`refs`) stay reportable, even if the plan moved on."""
        scope = cls.of_chat(
            session,
            chat_id=chat_id,
            reply_to_message_id=reply_to_message_id,
            now=now,
            cache=cache,
        )
        cycle = scope.cycle
        if existing and existing[0].cycle_id is not None:
            cycle = cycle_ref(session, existing[0].cycle_id)
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
            reported=set(),
        )

    @classmethod
    def of_pending(
        cls,
        session: Session,
        *,
        pending: PendingReply,
        pairs: list[tuple[int, int]],
        now: datetime,
        cache: ScopeCache | None = None,
    ) -> ChatScope:
        """A button answering the question about a reply: the cycle the question was asked
        in, and (when it offered the cycle's tasks) the offered pairs count for it."""
        scope = cls.of_chat(
            session,
            chat_id=pending.chat_id,
            reply_to_message_id=pending.reply_to_message_id,
            now=now,
            cache=cache,
        )
        if pending.cycle_id is None:
            return scope
        cycle = cycle_ref(session, pending.cycle_id)
        task_pairs = scope.task_pairs | frozenset(pairs) if cycle is not None else scope.task_pairs
        return replace(scope, cycle=cycle, task_pairs=task_pairs, reported=set())


# --- the cache ----------------------------------------------------------------------------


@dataclass
class _Kept:
    """What one version of the data says about the chats asked about so far."""

    departments: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # (chat id, bot message id) → the cycle of the reminder or nudge that message was
    message_cycles: dict[tuple[int, int], CycleRef] = field(default_factory=dict)
    # chat id → its latest cycle, and until when that holds (a later cycle's fire time)
    latest: dict[int, tuple[CycleRef | None, datetime | None]] = field(default_factory=dict)
    scopes: dict[tuple[int, int | None], ChatScope] = field(default_factory=dict)


_VERSION_KEY = "reply_scope_version"


class ScopeCache:
    """Reply scopes built so far, dropped whenever the reply-scope version moves.

    The version is read once per transaction (kept in `session.info`), so a batch of replies
    pays one small query for knowing that nothing changed, in this process or another.
    """

    def __init__(self) -> None:
        self._version: int | None = None
        self._kept = _Kept()
        self.rebuilds = 0

    def entries(self, session: Session) -> _Kept:
        version = session.info.get(_VERSION_KEY)
        if version is None:
            version = session.info[_VERSION_KEY] = read_version(session, REPLY_SCOPE)
        if version != self._version:
            # A new object, not a cleared one: a thread still reading the old one is unharmed.
            self._kept, self._version = _Kept(), version
            self.rebuilds += 1
        return self._kept


def _chat_cycle(
    session: Session,
    kept: _Kept | None,
    *,
    chat_id: int,
    department_ids: tuple[int, ...],
    reply_to_message_id: int | None,
    now: datetime,
) -> CycleRef | None:
    """The cycle of the bot message replied to, else the chat's latest cycle with tasks."""
    if reply_to_message_id is not None:
        key = (chat_id, reply_to_message_id)
        known = kept.message_cycles.get(key) if kept is not None else None
        if known is not None:
            return known
        row = session.execute(
            select(Cycle.id, Cycle.due_at)
            .join(Delivery, col(Delivery.cycle_id) == Cycle.id)
            .where(Delivery.chat_id == chat_id, Delivery.message_id == reply_to_message_id)
            .limit(1)
        ).first()
        if row is not None:
            found = CycleRef(*row)
            if kept is not None:
                kept.message_cycles[key] = found
            return found
    if not department_ids:
        return None
    if kept is not None and chat_id in kept.latest:
        latest, until = kept.latest[chat_id]
        if until is None or now < until:
            return latest
    has_tasks = exists().where(
        CycleTask.cycle_id == Cycle.id, col(CycleTask.department_id).in_(department_ids)
    )
    row = session.execute(
        select(Cycle.id, Cycle.due_at)
        .where(Cycle.kind == SCHEDULE_REMINDER, Cycle.fire_at <= now, has_tasks)
        .order_by(col(Cycle.fire_at).desc(), col(Cycle.id).desc())
        .limit(1)
    ).first()
    latest = CycleRef(*row) if row is not None else None
    if kept is not None:
        # A cycle dated later than now (the demo's shifted clock) takes over when its time
        # comes, without a new version: remember when that is.
        until = session.execute(
            select(func.min(Cycle.fire_at)).where(
                Cycle.kind == SCHEDULE_REMINDER, Cycle.fire_at > now, has_tasks
            )
        ).scalar()
        kept.latest[chat_id] = (latest, until)
    return latest


def _build(
    session: Session, department_ids: tuple[int, ...], cycle: CycleRef | None
) -> ChatScope:
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
