"""What the web dashboard's overview, overdue list and big screen show, as plain data.

Built on the same `cycle_overview` as the chat's /status, so both give the same two signals,
counts and on-time rate; trends over past cycles read the cycle tasks, never every update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case
from sqlmodel import Session, col, func, select

from models.plan import Department
from models.schedules import Cycle, CycleTask
from reports.cycles import current_cycle, recent_cycles
from reports.progress_signal import Progress
from reports.status import (
    TASK_LATE,
    TASK_ON_TIME,
    TASK_OVERDUE,
    TASK_PENDING,
    MeasureState,
    Overview,
    SectionState,
    cycle_overview,
)

TREND_CYCLES = 12  # the recent cycles a trend shows


@dataclass(frozen=True)
class CycleTrend:
    """How the tasks of one cycle ended (or stand), counted by reporting state."""

    cycle_id: int
    fire_at: datetime
    due_at: datetime
    counts: dict[str, int]  # TASK_* → tasks

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def on_time_rate(self) -> float:
        return self.counts[TASK_ON_TIME] / self.total if self.total else 0.0


@dataclass(frozen=True)
class MeasureRow:
    state: MeasureState
    progress: Progress


@dataclass
class SectionRows:
    section: SectionState
    rows: list[MeasureRow] = field(default_factory=list)


@dataclass(frozen=True)
class DepartmentSummary:
    """One department's tasks in the current cycle (all roles), for the list of departments."""

    department_id: int
    name: str
    counts: dict[str, int]


@dataclass
class OverviewPage:
    overview: Overview
    sections: list[SectionRows] = field(default_factory=list)
    trend: list[CycleTrend] = field(default_factory=list)  # oldest first
    departments: list[DepartmentSummary] = field(default_factory=list)

    @property
    def rows(self) -> list[MeasureRow]:
        return [row for section in self.sections for row in section.rows]

    def progress_counts(self) -> dict[str, int]:
        return self.overview.progress_counts()


def empty_task_counts() -> dict[str, int]:
    return {TASK_ON_TIME: 0, TASK_LATE: 0, TASK_OVERDUE: 0, TASK_PENDING: 0}


def measure_row(state: MeasureState) -> MeasureRow:
    """A measure with its progress, as /status judged it."""
    return MeasureRow(state, state.progress)


def cycle_trend(
    session: Session,
    *,
    now: datetime,
    limit: int = TREND_CYCLES,
    department_id: int | None = None,
    responsible_only: bool = True,
) -> list[CycleTrend]:
    """Reporting of the recent reminder cycles, oldest first, from each task's first report.

    One grouped query over the cycle tasks. A task's first report decides, as in /status;
    the current cycle's figures are replaced by `/status`'s own by the callers that show it.
    """
    cycles = recent_cycles(session, now=now, limit=limit)
    if not cycles:
        return []
    # As `task_state`: the recorded on-time mark, else the first report against the deadline.
    late = case(
        (col(CycleTask.reported_on_time).is_(False), 1),
        (
            and_(
                col(CycleTask.reported_on_time).is_(None),
                col(CycleTask.reported_at) > Cycle.due_at,
            ),
            1,
        ),
        else_=0,
    )
    reported = case((col(CycleTask.reported_at).is_not(None), 1), else_=0)
    query = (
        select(CycleTask.cycle_id, func.count(), func.sum(reported), func.sum(late))
        .join(Cycle, col(Cycle.id) == CycleTask.cycle_id)
        .where(col(CycleTask.cycle_id).in_([c.id for c in cycles]))
        .group_by(CycleTask.cycle_id)
    )
    if department_id is not None:
        query = query.where(CycleTask.department_id == department_id)
    if responsible_only:
        query = query.where(col(CycleTask.responsible))
    totals = {
        row[0]: (int(row[1]), int(row[2] or 0), int(row[3] or 0)) for row in session.exec(query)
    }
    trend = []
    for cycle in reversed(cycles):
        assert cycle.id is not None
        if cycle.id not in totals:
            continue
        tasks, done, late_count = totals[cycle.id]
        counts = empty_task_counts()
        counts[TASK_ON_TIME] = done - late_count
        counts[TASK_LATE] = late_count
        counts[TASK_OVERDUE if now > cycle.due_at else TASK_PENDING] = tasks - done
        trend.append(CycleTrend(cycle.id, cycle.fire_at, cycle.due_at, counts))
    return trend


def with_current(trend: list[CycleTrend], current: CycleTrend | None) -> list[CycleTrend]:
    """The trend with the current cycle's entry replaced by (or extended with) `current`."""
    if current is None:
        return trend
    kept = [entry for entry in trend if entry.cycle_id != current.cycle_id]
    return sorted([*kept, current], key=lambda entry: (entry.fire_at, entry.cycle_id))


def overview_page(session: Session, *, now: datetime) -> OverviewPage:
    """The overview: /status's cycle, each measure's progress, the trend, the departments."""
    cycle = current_cycle(session, now=now)
    overview = cycle_overview(session, cycle=cycle, now=now)
    page = OverviewPage(overview=overview)
    for section in overview.sections:
        page.sections.append(SectionRows(section, [measure_row(m) for m in section.measures]))
    current = None
    if cycle is not None and cycle.id is not None:
        current = CycleTrend(cycle.id, cycle.fire_at, cycle.due_at, overview.task_counts())
    page.trend = with_current(cycle_trend(session, now=now), current)
    by_department: dict[int, dict[str, int]] = {}
    names: dict[int, str] = {}
    for measure in overview.measures:
        for task in measure.tasks:
            names[task.department_id] = task.department
            by_department.setdefault(task.department_id, empty_task_counts())[task.state] += 1
    page.departments = sorted(
        (DepartmentSummary(d, names[d], counts) for d, counts in by_department.items()),
        key=lambda s: (-s.counts[TASK_OVERDUE], s.name),
    )
    return page


def department_names(session: Session, department_ids: list[int]) -> dict[int, str]:
    if not department_ids:
        return {}
    rows = session.exec(
        select(Department.id, Department.name).where(col(Department.id).in_(department_ids))
    )
    return {int(department_id): name for department_id, name in rows if department_id}
