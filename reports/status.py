"""The state of the current cycle as plain data: a light per measure, totals, one department.

Reads `LatestProgress` (one row per measure and department) and the cycle's tasks with a few
set-based queries, so the cost does not grow with the number of past updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, func, select

from models.chats import ChatDepartment
from models.plan import ROLE_LEAD, Assignment, Department, Measure, Plan, Section
from models.progress import PROGRESS_AT_RISK, PROGRESS_BLOCKED, LatestProgress
from models.schedules import Cycle, CycleTask
from reports.deliveries import DeliveryTally, delivery_tally

LIGHT_GREEN = "green"  # every responsible department reported on time, none at risk
LIGHT_YELLOW = "yellow"  # reported late, partly reported, or at risk
LIGHT_RED = "red"  # overdue (deadline passed, a responsible report missing) or blocked
LIGHT_WHITE = "white"  # not yet due, nothing reported
LIGHTS = (LIGHT_GREEN, LIGHT_YELLOW, LIGHT_RED, LIGHT_WHITE)

# What one department's task looks like in a cycle.
TASK_ON_TIME = "on_time"
TASK_LATE = "late"
TASK_OVERDUE = "overdue"
TASK_PENDING = "pending"  # not reported, deadline not passed
TASK_STATES = (TASK_ON_TIME, TASK_LATE, TASK_OVERDUE, TASK_PENDING)


@dataclass(frozen=True)
class Latest:
    """The newest update of one department on one measure."""

    status: str
    percent: int | None
    text: str
    user_name: str
    updated_at: datetime
    cycle_id: int | None
    on_time: bool | None


@dataclass
class TaskState:
    """One department's task on one measure in the cycle."""

    department_id: int
    department: str
    role: str
    responsible: bool
    state: str  # TASK_*
    latest: Latest | None

    @property
    def reported(self) -> bool:
        return self.state in (TASK_ON_TIME, TASK_LATE)


@dataclass
class MeasureState:
    measure_id: int
    number: int
    label: str
    title: str
    section_id: int | None
    light: str
    tasks: list[TaskState] = field(default_factory=list)

    @property
    def responsible(self) -> list[TaskState]:
        return [task for task in self.tasks if task.responsible]

    @property
    def supporting(self) -> list[TaskState]:
        return [task for task in self.tasks if not task.responsible]


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

    def light_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(LIGHTS, 0)
        for measure in self.measures:
            counts[measure.light] += 1
        return counts

    def responsible_tasks(self) -> list[TaskState]:
        return [task for m in self.measures for task in m.responsible]

    def task_counts(self) -> dict[str, int]:
        """Responsible tasks by state (supporting reports do not count towards the rate)."""
        counts = {TASK_ON_TIME: 0, TASK_LATE: 0, TASK_OVERDUE: 0, TASK_PENDING: 0}
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


def active_plan(session: Session) -> Plan | None:
    return session.exec(
        select(Plan).where(col(Plan.is_active)).order_by(col(Plan.id).desc()).limit(1)
    ).first()


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


def latest_of(row: LatestProgress) -> Latest:
    return Latest(
        status=row.status,
        percent=row.percent,
        text=row.text,
        user_name=row.user_name,
        updated_at=row.updated_at,
        cycle_id=row.cycle_id,
        on_time=row.on_time,
    )


def task_state(cycle: Cycle, task: CycleTask, latest: Latest | None, *, now: datetime) -> str:
    """On time, late, overdue or pending.

    The task's first report in the cycle decides (a later follow-up or a reply to an older
    cycle changes nothing); a report made outside any reminder after this one fired counts
    too, judged by the deadline.
    """
    if task.reported_at is not None:
        on_time = task.reported_on_time
        if on_time is None:
            on_time = task.reported_at <= cycle.due_at
        return TASK_ON_TIME if on_time else TASK_LATE
    if latest is not None and (
        latest.cycle_id == cycle.id
        or (latest.cycle_id is None and latest.updated_at >= cycle.fire_at)
    ):
        on_time = latest.on_time if latest.cycle_id == cycle.id else None
        if on_time is None:
            on_time = latest.updated_at <= cycle.due_at
        return TASK_ON_TIME if on_time else TASK_LATE
    return TASK_OVERDUE if now > cycle.due_at else TASK_PENDING


def measure_light(tasks: list[TaskState]) -> str:
    """The light of a measure from its responsible tasks (all tasks if none is responsible)."""
    counted = [t for t in tasks if t.responsible] or tasks
    if not counted:
        return LIGHT_WHITE
    if any(t.state == TASK_OVERDUE for t in counted) or any(
        t.reported and t.latest is not None and t.latest.status == PROGRESS_BLOCKED for t in counted
    ):
        return LIGHT_RED
    reported = [t for t in counted if t.reported]
    if not reported:
        return LIGHT_WHITE
    if len(reported) < len(counted) or any(
        t.state == TASK_LATE or (t.latest is not None and t.latest.status == PROGRESS_AT_RISK)
        for t in reported
    ):
        return LIGHT_YELLOW
    return LIGHT_GREEN


_LATEST_COLUMNS = (
    LatestProgress.measure_id,
    LatestProgress.department_id,
    LatestProgress.status,
    LatestProgress.percent,
    LatestProgress.text,
    LatestProgress.user_name,
    LatestProgress.updated_at,
    LatestProgress.cycle_id,
    LatestProgress.on_time,
)


def _latest_map(
    session: Session, *, measure_ids: list[int] | None = None, department_id: int | None = None
) -> dict[tuple[int, int], Latest]:
    # Plain column rows, not ORM entities: the overview reads hundreds of them per view.
    query = select(*_LATEST_COLUMNS)
    if measure_ids is not None:
        query = query.where(col(LatestProgress.measure_id).in_(measure_ids))
    if department_id is not None:
        query = query.where(LatestProgress.department_id == department_id)
    return {(row[0], row[1]): Latest(*row[2:]) for row in session.execute(query)}


def cycle_overview(session: Session, *, cycle: Cycle | None, now: datetime) -> Overview:
    """Every measure with tasks in `cycle`, grouped by section, with its light."""
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
    measure_ids = sorted({task.measure_id for task, _ in rows})
    if not measure_ids:
        return overview
    measures = {
        m.id: m for m in session.exec(select(Measure).where(col(Measure.id).in_(measure_ids))).all()
    }
    section_ids = {m.section_id for m in measures.values() if m.section_id is not None}
    sections = {
        s.id: s for s in session.exec(select(Section).where(col(Section.id).in_(section_ids)))
    }
    latest = _latest_map(session, measure_ids=measure_ids)
    states: dict[int, MeasureState] = {}
    for task, name in rows:
        measure = measures[task.measure_id]
        state = states.get(task.measure_id)
        if state is None:
            state = states[task.measure_id] = MeasureState(
                measure_id=task.measure_id,
                number=measure.number,
                label=measure.label,
                title=measure.title,
                section_id=measure.section_id,
                light=LIGHT_WHITE,
            )
        found = latest.get((task.measure_id, task.department_id))
        state.tasks.append(
            TaskState(
                department_id=task.department_id,
                department=name,
                role=task.role,
                responsible=task.responsible,
                state=task_state(cycle, task, found, now=now),
                latest=found,
            )
        )
    by_section: dict[int | None, SectionState] = {}
    for state in sorted(states.values(), key=lambda s: (measures[s.measure_id].position, s.number)):
        state.light = measure_light(state.tasks)
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


@dataclass
class DepartmentView:
    department_id: int
    name: str
    cycle: Cycle | None
    rows: list[DepartmentRow] = field(default_factory=list)
    # The cycle's reminders to this department's chats.
    deliveries: DeliveryTally | None = None


def department_view(
    session: Session, *, department_id: int, cycle: Cycle | None, now: datetime
) -> DepartmentView | None:
    """The measures of one department: assignments, latest updates and current tasks."""
    department = session.get(Department, department_id)
    if department is None:
        return None
    view = DepartmentView(department_id=department_id, name=department.name, cycle=cycle)
    plan = active_plan(session)
    roles: dict[int, str] = {}
    if plan is not None:
        for measure_id, role in session.exec(
            select(Assignment.measure_id, Assignment.role)
            .join(Measure, col(Measure.id) == Assignment.measure_id)
            .where(
                Assignment.department_id == department_id,
                Measure.plan_id == plan.id,
                col(Measure.is_active),
            )
        ):
            roles[measure_id] = role
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
    latest = {m: v for (m, _d), v in _latest_map(session, department_id=department_id).items()}
    measure_ids = set(roles) | set(tasks) | set(latest)
    if not measure_ids:
        return view
    measures = session.exec(
        select(Measure)
        .where(col(Measure.id).in_(measure_ids))
        .order_by(col(Measure.plan_id).desc(), Measure.position, Measure.number)
    ).all()
    for measure in measures:
        assert measure.id is not None
        task = tasks.get(measure.id)
        found = latest.get(measure.id)
        role = task.role if task is not None else roles.get(measure.id, ROLE_LEAD)
        view.rows.append(
            DepartmentRow(
                measure_id=measure.id,
                number=measure.number,
                label=measure.label,
                title=measure.title,
                role=roles.get(measure.id, role),
                latest=found,
                task=task_state(cycle, task, found, now=now)
                if task is not None and cycle
                else None,
            )
        )
    return view
