"""How each task of past cycles ended: reported on time, late, or not at all.

Used by the ledger's cycle sheets and the chart's on-time rate per department; one grouped
query over the updates of the chosen cycles, never one query per task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, func, select

from models.plan import Department, Measure
from models.progress import ProgressUpdate
from models.schedules import SCHEDULE_REMINDER, Cycle, CycleTask

OUTCOME_ON_TIME = "on_time"
OUTCOME_LATE = "late"
OUTCOME_MISSING = "missing"  # deadline passed, nothing reported
OUTCOME_OPEN = "open"  # not reported, deadline still ahead


@dataclass(frozen=True)
class TaskOutcome:
    measure_id: int
    label: str
    title: str
    department_id: int
    department: str
    role: str
    responsible: bool
    first_report_at: datetime | None
    outcome: str


@dataclass
class CycleOutcome:
    cycle: Cycle
    tasks: list[TaskOutcome] = field(default_factory=list)

    def count(self, outcome: str, *, responsible_only: bool = False) -> int:
        return sum(
            1
            for task in self.tasks
            if task.outcome == outcome and (task.responsible or not responsible_only)
        )

    def on_time_rate(self) -> float:
        counted = [task for task in self.tasks if task.responsible] or self.tasks
        if not counted:
            return 0.0
        return sum(1 for task in counted if task.outcome == OUTCOME_ON_TIME) / len(counted)


def current_cycle(session: Session, *, now: datetime) -> Cycle | None:
    """The latest reminder cycle that has fired (fire_at <= now), or None before the first."""
    return session.exec(
        select(Cycle)
        .where(Cycle.kind == SCHEDULE_REMINDER, Cycle.fire_at <= now)
        .order_by(col(Cycle.fire_at).desc(), col(Cycle.id).desc())
        .limit(1)
    ).first()


def recent_cycles(session: Session, *, now: datetime, limit: int = 12) -> list[Cycle]:
    """The latest reminder cycles that have fired, newest first."""
    return list(
        session.exec(
            select(Cycle)
            .where(Cycle.kind == SCHEDULE_REMINDER, Cycle.fire_at <= now)
            .order_by(col(Cycle.fire_at).desc(), col(Cycle.id).desc())
            .limit(limit)
        ).all()
    )


def cycle_outcomes(session: Session, *, cycles: list[Cycle], now: datetime) -> list[CycleOutcome]:
    """Every task of `cycles` with its first report in the cycle and how it ended."""
    ids = [cycle.id for cycle in cycles if cycle.id is not None]
    if not ids:
        return []
    first_reports = {
        (cycle_id, measure_id, department_id): first
        for cycle_id, measure_id, department_id, first in session.exec(
            select(
                ProgressUpdate.cycle_id,
                ProgressUpdate.measure_id,
                ProgressUpdate.department_id,
                func.min(ProgressUpdate.created_at),
            )
            # A returned report (退回) does not count: the 补报 after it does.
            .where(col(ProgressUpdate.cycle_id).in_(ids), col(ProgressUpdate.returned_at).is_(None))
            .group_by(
                ProgressUpdate.cycle_id, ProgressUpdate.measure_id, ProgressUpdate.department_id
            )
        )
    }
    by_id = {cycle.id: CycleOutcome(cycle=cycle) for cycle in cycles}
    rows = session.exec(
        select(CycleTask, Measure.label, Measure.title, Department.name)
        .join(Measure, col(Measure.id) == CycleTask.measure_id)
        .join(Department, col(Department.id) == CycleTask.department_id)
        .where(col(CycleTask.cycle_id).in_(ids))
        .order_by(CycleTask.cycle_id, Measure.position, Measure.number, CycleTask.id)
    ).all()
    for task, label, title, name in rows:
        holder = by_id[task.cycle_id]
        first = first_reports.get((task.cycle_id, task.measure_id, task.department_id))
        if first is not None:
            outcome = OUTCOME_ON_TIME if first <= holder.cycle.due_at else OUTCOME_LATE
        else:
            outcome = OUTCOME_MISSING if now > holder.cycle.due_at else OUTCOME_OPEN
        holder.tasks.append(
            TaskOutcome(
                measure_id=task.measure_id,
                label=label,
                title=title,
                department_id=task.department_id,
                department=name,
                role=task.role,
                responsible=task.responsible,
                first_report_at=first,
                outcome=outcome,
            )
        )
    return [by_id[cycle.id] for cycle in cycles]


def department_on_time_rates(outcomes: list[CycleOutcome]) -> list[tuple[str, float, int]]:
    """(department, on-time rate, tasks counted) over the closed tasks of `outcomes`."""
    totals: dict[str, list[int]] = {}
    for outcome in outcomes:
        for task in outcome.tasks:
            if task.outcome == OUTCOME_OPEN:
                continue  # still open: neither on time nor late yet
            counts = totals.setdefault(task.department, [0, 0])
            counts[1] += 1
            if task.outcome == OUTCOME_ON_TIME:
                counts[0] += 1
    rates = [(name, on_time / total, total) for name, (on_time, total) in totals.items() if total]
    return sorted(rates, key=lambda item: (-item[1], item[0]))
