"""The state of the current cycle as plain data: two signals per measure, totals, one department.

Reporting (报送: on time, late, overdue, not yet due, and 未绑定 for units no chat reaches) and
progress (进展, judged in `progress_signal`) side by side. Reads `LatestProgress` (one row per
measure and department) and the cycle's tasks with a few set-based queries, so the cost does
not grow with the number of past updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, func, select

from models.chats import ChatDepartment
from models.plan import ROLE_LEAD, Assignment, Department, Measure, Plan, Section
from models.schedules import SCOPE_LEAD, Cycle, CycleTask
from reports.closures import Closure, closures
from reports.coverage import UnboundUnit, reached_department_ids, unbound_units
from reports.deliveries import DeliveryTally, delivery_tally
from reports.latest import Latest, latest_map, latest_of
from reports.progress_signal import (
    NO_PROGRESS,
    Progress,
    Schedule,
    department_progress,
    measure_progress,
    signal_counts,
)

# How a unit's report stands in a cycle, and (the worst of its units) a measure's.
TASK_ON_TIME = "on_time"  # 按时报送
TASK_LATE = "late"  # 逾期报送
TASK_OVERDUE = "overdue"  # 逾期未报: deadline passed, nothing (accepted) reported
TASK_PENDING = "pending"  # 未到期: not reported, deadline not passed
TASK_UNBOUND = "unbound"  # 未绑定: no chat reaches the unit, nobody asks it
TASK_STATES = (TASK_ON_TIME, TASK_LATE, TASK_OVERDUE, TASK_PENDING)
REPORTING_STATES = (TASK_ON_TIME, TASK_LATE, TASK_OVERDUE, TASK_UNBOUND, TASK_PENDING)
# Worst first: a measure's reporting is the worst of the units that answer for it.
REPORTING_ORDER = (TASK_OVERDUE, TASK_UNBOUND, TASK_LATE, TASK_PENDING, TASK_ON_TIME)

__all__ = ["Latest", "latest_of"]  # re-exported: the views' callers know them from here


@dataclass
class TaskState:
    """One department's task on one measure in the cycle, with its progress."""

    department_id: int
    department: str
    role: str
    responsible: bool
    state: str  # TASK_*
    latest: Latest | None
    progress: Progress = NO_PROGRESS

    @property
    def reported(self) -> bool:
        return self.state in (TASK_ON_TIME, TASK_LATE)

    @property
    def returned(self) -> bool:
        """Its latest report was returned (退回) and no new one came yet."""
        return self.latest is not None and self.latest.returned


@dataclass
class MeasureState:
    measure_id: int
    number: int
    label: str
    title: str
    section_id: int | None
    reporting: str = TASK_PENDING  # the worst REPORTING state of its answering units
    progress: Progress = NO_PROGRESS
    deadline: date | None = None
    deadline_text: str | None = None
    closure: Closure | None = None
    tasks: list[TaskState] = field(default_factory=list)
    unbound: list[UnboundUnit] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.closure is not None

    @property
    def responsible(self) -> list[TaskState]:
        return [task for task in self.tasks if task.responsible]

    @property
    def supporting(self) -> list[TaskState]:
        return [task for task in self.tasks if not task.responsible]

    @property
    def unbound_responsible(self) -> list[UnboundUnit]:
        return [unit for unit in self.unbound if unit.responsible]

    @property
    def unbound_supporting(self) -> list[UnboundUnit]:
        return [unit for unit in self.unbound if not unit.responsible]


@dataclass
class SectionState:
    section_id: int | None
    numeral: str
    title: str
    measures: list[MeasureState] = field(default_factory=list)


@dataclass
class Overview:
    """The current cycle at a glance; `cycle` is None before the first reminder."""

    cycle: Cycle | None
    now: datetime
    measure_count: int  # active measures of the plan
    sections: list[SectionState] = field(default_factory=list)
    # The cycle's reminders as the outbox has them (sent, being sent, waiting, failed).
    deliveries: DeliveryTally | None = None

    @property
    def measures(self) -> list[MeasureState]:
        return [m for section in self.sections for m in section.measures]

    @property
    def is_due(self) -> bool:
        return self.cycle is not None and self.now > self.cycle.due_at

    def reporting_counts(self) -> dict[str, int]:
        """Open measures by their reporting (closed ones are done with it)."""
        counts = dict.fromkeys(REPORTING_STATES, 0)
        for measure in self.measures:
            if not measure.closed:
                counts[measure.reporting] += 1
        return counts

    def progress_counts(self) -> dict[str, int]:
        return signal_counts(measure.progress for measure in self.measures)

    def responsible_tasks(self) -> list[TaskState]:
        return [task for m in self.measures for task in m.responsible]

    def task_counts(self) -> dict[str, int]:
        """Responsible tasks by state (supporting reports do not count towards the rate)."""
        counts = dict.fromkeys(TASK_STATES, 0)
        for task in self.responsible_tasks():
            counts[task.state] += 1
        return counts

    def on_time_rate(self) -> float:
        tasks = self.responsible_tasks()
        if not tasks:
            return 0.0
        return sum(1 for t in tasks if t.state == TASK_ON_TIME) / len(tasks)

    def overdue(self) -> list[tuple[MeasureState, TaskState]]:
        return [(m, t) for m in self.measures for t in m.tasks if t.state == TASK_OVERDUE]

    def unbound(self) -> list[tuple[str, list[tuple[MeasureState, UnboundUnit]]]]:
        """Each unit no chat reaches, with the measures it holds, in plan order."""
        units: dict[int, tuple[str, list[tuple[MeasureState, UnboundUnit]]]] = {}
        for measure in self.measures:
            for unit in measure.unbound:
                units.setdefault(unit.department_id, (unit.name, []))[1].append((measure, unit))
        return list(units.values())


def active_plan(session: Session) -> Plan | None:
    return session.exec(
        select(Plan).where(col(Plan.is_active)).order_by(col(Plan.id).desc()).limit(1)
    ).first()


def plan_start(plan: Plan | None) -> date | None:
    """Where 序时进度 counts from: the plan's date (成文日期) when the document gives one."""
    return plan.issued_on if plan is not None else None


def schedule_of(measure: Measure, start: date | None, now: datetime) -> Schedule:
    return Schedule(deadline=measure.deadline, start=start, today=now.date())


def active_measure_count(session: Session) -> int:
    plan = active_plan(session)
    if plan is None:
        return 0
    return int(
        session.exec(
            select(func.count())
            .select_from(Measure)
            .where(Measure.plan_id == plan.id, col(Measure.is_active))
        ).one()
    )


def task_state(cycle: Cycle, task: CycleTask, latest: Latest | None, *, now: datetime) -> str:
    """On time, late, overdue or pending.

    The task's first report in the cycle decides (a later follow-up or a reply to an older
    cycle changes nothing); a report made outside any reminder after this one fired counts
    too, judged by the deadline. A returned report counts as none until the next one.
    """
    if task.reported_at is not None:
        on_time = task.reported_on_time
        if on_time is None:
            on_time = task.reported_at <= cycle.due_at
        return TASK_ON_TIME if on_time else TASK_LATE
    if (
        latest is not None
        and not latest.returned
        and (
            latest.cycle_id == cycle.id
            or (latest.cycle_id is None and latest.updated_at >= cycle.fire_at)
        )
    ):
        on_time = latest.on_time if latest.cycle_id == cycle.id else None
        if on_time is None:
            on_time = latest.updated_at <= cycle.due_at
        return TASK_ON_TIME if on_time else TASK_LATE
    return TASK_OVERDUE if now > cycle.due_at else TASK_PENDING


def measure_reporting(tasks: list[TaskState], unbound: list[UnboundUnit]) -> str:
    """The worst reporting of the units that answer for a measure (all units if none do)."""
    counted = [t.state for t in tasks if t.responsible]
    counted += [TASK_UNBOUND for unit in unbound if unit.responsible]
    if not counted:
        counted = [t.state for t in tasks] + [TASK_UNBOUND for _ in unbound]
    if not counted:
        return TASK_PENDING
    return min(counted, key=REPORTING_ORDER.index)


def judge_measure(state: MeasureState, schedule: Schedule) -> None:
    """Both signals of a measure, from its tasks and the units no chat reaches."""
    for task in state.tasks:
        task.progress = department_progress(task.latest, schedule)
    if state.closed:
        # Nothing more is owed: only what was reported stays in the counts.
        state.tasks = [task for task in state.tasks if task.reported]
        state.unbound = []
    state.reporting = measure_reporting(state.tasks, state.unbound)
    answering: list[Latest | None] = [t.latest for t in state.responsible]
    answering += [None for _ in state.unbound_responsible]
    if not answering:
        answering = [t.latest for t in state.tasks] + [None for _ in state.unbound]
    state.progress = measure_progress(answering, schedule, closed=state.closed)


def cycle_overview(session: Session, *, cycle: Cycle | None, now: datetime) -> Overview:
    """Every measure of `cycle` grouped by section, with both signals; the units that no chat
    reaches are listed with their measures (for a cycle of all departments)."""
    overview = Overview(cycle=cycle, now=now, measure_count=active_measure_count(session))
    if cycle is None:
        return overview
    assert cycle.id is not None
    overview.deliveries = delivery_tally(session, cycle_id=cycle.id, now=now)
    rows = session.exec(
        select(CycleTask, Department.name)
        .join(Department, col(Department.id) == CycleTask.department_id)
        .where(CycleTask.cycle_id == cycle.id)
        .order_by(col(CycleTask.measure_id), col(CycleTask.responsible).desc(), CycleTask.id)
    ).all()
    plan = active_plan(session)
    unbound: dict[int, list[UnboundUnit]] = {}
    if plan is not None and plan.id is not None and cycle.department_id is None:
        unbound = unbound_units(
            session, plan_id=plan.id, responsible_only=cycle.scope == SCOPE_LEAD
        )
    measure_ids = sorted({task.measure_id for task, _ in rows} | set(unbound))
    if not measure_ids:
        return overview
    measures = {
        m.id: m for m in session.exec(select(Measure).where(col(Measure.id).in_(measure_ids))).all()
    }
    section_ids = {m.section_id for m in measures.values() if m.section_id is not None}
    sections = {
        s.id: s for s in session.exec(select(Section).where(col(Section.id).in_(section_ids)))
    }
    latest = latest_map(session, measure_ids=measure_ids)
    closed = closures(session, measure_ids)
    start = plan_start(plan)
    states: dict[int, MeasureState] = {}

    def state_of(measure_id: int) -> MeasureState:
        state = states.get(measure_id)
        if state is None:
            measure = measures[measure_id]
            state = states[measure_id] = MeasureState(
                measure_id=measure_id,
                number=measure.number,
                label=measure.label,
                title=measure.title,
                section_id=measure.section_id,
                deadline=measure.deadline,
                deadline_text=measure.deadline_text,
                closure=closed.get(measure_id),
            )
        return state

    asked: set[tuple[int, int]] = set()
    for task, name in rows:
        found = latest.get((task.measure_id, task.department_id))
        asked.add((task.measure_id, task.department_id))
        state_of(task.measure_id).tasks.append(
            TaskState(
                department_id=task.department_id,
                department=name,
                role=task.role,
                responsible=task.responsible,
                state=task_state(cycle, task, found, now=now),
                latest=found,
            )
        )
    for measure_id, units in unbound.items():
        if measure_id in measures:
            fresh = [u for u in units if (measure_id, u.department_id) not in asked]
            if fresh:
                state_of(measure_id).unbound.extend(fresh)
    by_section: dict[int | None, SectionState] = {}
    for state in sorted(states.values(), key=lambda s: (measures[s.measure_id].position, s.number)):
        judge_measure(state, schedule_of(measures[state.measure_id], start, now))
        section = sections.get(state.section_id) if state.section_id is not None else None
        holder = by_section.get(state.section_id)
        if holder is None:
            holder = by_section[state.section_id] = SectionState(
                section_id=state.section_id,
                numeral=section.numeral if section else "",
                title=section.title if section else "",
            )
        holder.measures.append(state)
    order = {s.id: s.position for s in sections.values()}
    overview.sections = sorted(by_section.values(), key=lambda s: order.get(s.section_id, 10**6))
    return overview


@dataclass
class DepartmentRow:
    """One measure of a department: its role, the latest update, and the current task."""

    measure_id: int
    number: int
    label: str
    title: str
    role: str
    latest: Latest | None
    task: str | None  # TASK_* in the current cycle, None when it owes nothing this cycle
    responsible: bool = False
    progress: Progress = NO_PROGRESS
    closure: Closure | None = None


@dataclass
class DepartmentView:
    department_id: int
    name: str
    cycle: Cycle | None
    rows: list[DepartmentRow] = field(default_factory=list)
    reached: bool = True  # False: no chat is bound to it (未绑定), nobody asks it
    # The cycle's reminders to this department's chats.
    deliveries: DeliveryTally | None = None


def department_view(
    session: Session, *, department_id: int, cycle: Cycle | None, now: datetime
) -> DepartmentView | None:
    """The measures of one department: assignments, latest updates and current tasks."""
    department = session.get(Department, department_id)
    if department is None:
        return None
    view = DepartmentView(
        department_id=department_id,
        name=department.name,
        cycle=cycle,
        reached=department_id in reached_department_ids(session),
    )
    plan = active_plan(session)
    roles: dict[int, tuple[str, bool]] = {}
    if plan is not None:
        for measure_id, role, as_lead in session.exec(
            select(Assignment.measure_id, Assignment.role, Assignment.reports_as_lead)
            .join(Measure, col(Measure.id) == Assignment.measure_id)
            .where(
                Assignment.department_id == department_id,
                Measure.plan_id == plan.id,
                col(Measure.is_active),
            )
        ):
            roles[measure_id] = (role, role == ROLE_LEAD or as_lead)
    tasks: dict[int, CycleTask] = {}
    if cycle is not None:
        assert cycle.id is not None
        chats = session.exec(
            select(ChatDepartment.chat_id).where(ChatDepartment.department_id == department_id)
        ).all()
        view.deliveries = delivery_tally(
            session, cycle_id=cycle.id, now=now, chat_ids=list(chats)
        )
        tasks = {
            task.measure_id: task
            for task in session.exec(
                select(CycleTask).where(
                    CycleTask.cycle_id == cycle.id, CycleTask.department_id == department_id
                )
            )
        }
    latest = {m: v for (m, _d), v in latest_map(session, department_id=department_id).items()}
    measure_ids = set(roles) | set(tasks) | set(latest)
    if not measure_ids:
        return view
    measures = session.exec(
        select(Measure)
        .where(col(Measure.id).in_(measure_ids))
        .order_by(col(Measure.plan_id).desc(), Measure.position, Measure.number)
    ).all()
    closed = closures(session, measure_ids)
    start = plan_start(plan)
    for measure in measures:
        assert measure.id is not None
        task = tasks.get(measure.id)
        found = latest.get(measure.id)
        role, responsible = roles.get(
            measure.id,
            (task.role, task.responsible) if task is not None else (ROLE_LEAD, True),
        )
        view.rows.append(
            DepartmentRow(
                measure_id=measure.id,
                number=measure.number,
                label=measure.label,
                title=measure.title,
                role=role,
                responsible=responsible,
                latest=found,
                task=task_state(cycle, task, found, now=now)
                if task is not None and cycle
                else None,
                progress=department_progress(found, schedule_of(measure, start, now)),
                closure=closed.get(measure.id),
            )
        )
    return view
