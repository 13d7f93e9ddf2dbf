"""What the next digest names for the coordinators and leaders: measures at risk or blocked
for two cycles in a row, and departments that missed two deadlines in a row.

A cycle's judgement of a measure reads the reports made for that cycle (the newest accepted
one of each responsible unit), so an old cycle keeps the signal it had then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from models.plan import Department, Measure
from models.progress import ProgressUpdate
from models.schedules import SCHEDULE_REMINDER, Cycle, CycleTask
from reports.coverage import closed_measure_ids
from reports.latest import Latest
from reports.progress_signal import (
    SIGNAL_BLOCKED,
    SIGNAL_DIFFICULT,
    measure_progress,
)

IN_A_ROW = 2  # cycles in a row that call for escalation
ALARMING = (SIGNAL_DIFFICULT, SIGNAL_BLOCKED)


@dataclass(frozen=True)
class MeasureEscalation:
    measure_id: int
    label: str
    title: str
    signals: tuple[str, ...]  # oldest first, one per cycle
    departments: list[str]  # the responsible units that reported it so


@dataclass(frozen=True)
class DepartmentEscalation:
    department_id: int
    name: str
    missed: tuple[int, ...]  # reports missing in each cycle, oldest first
    deadlines: tuple[datetime, ...]


@dataclass
class Escalations:
    measures: list[MeasureEscalation] = field(default_factory=list)
    departments: list[DepartmentEscalation] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.measures or self.departments)


def _last_cycles(session: Session, *, now: datetime, due_passed: bool) -> list[Cycle]:
    query = select(Cycle).where(Cycle.kind == SCHEDULE_REMINDER, Cycle.fire_at <= now)
    if due_passed:
        query = query.where(Cycle.due_at < now)
    query = query.order_by(col(Cycle.fire_at).desc(), col(Cycle.id).desc()).limit(IN_A_ROW)
    return list(reversed(session.exec(query).all()))


def _cycle_signals(
    session: Session, cycle: Cycle, closed: set[int]
) -> dict[int, tuple[str, list[str]]]:
    """measure id → (its signal in the cycle, the units that reported it alarming)."""
    tasks = session.exec(
        select(CycleTask.measure_id, CycleTask.department_id).where(
            CycleTask.cycle_id == cycle.id, col(CycleTask.responsible)
        )
    ).all()
    answering: dict[int, list[int]] = {}
    for measure_id, department_id in tasks:
        if measure_id not in closed:
            answering.setdefault(measure_id, []).append(department_id)
    reports: dict[tuple[int, int], Latest] = {}
    names: dict[int, str] = {}
    for update, name in session.exec(
        select(ProgressUpdate, Department.name)
        .join(Department, col(Department.id) == ProgressUpdate.department_id)
        .where(ProgressUpdate.cycle_id == cycle.id, col(ProgressUpdate.returned_at).is_(None))
        .order_by(col(ProgressUpdate.created_at), col(ProgressUpdate.id))
    ):
        names[update.department_id] = name
        reports[(update.measure_id, update.department_id)] = Latest(
            update.status,
            update.percent,
            update.text,
            update.user_name,
            update.edited_at or update.created_at,
            update.cycle_id,
            update.on_time,
            update.id or 0,
        )
    signals: dict[int, tuple[str, list[str]]] = {}
    for measure_id, departments in answering.items():
        latests = [reports.get((measure_id, d)) for d in departments]
        signal = measure_progress(latests).signal
        alarming = [
            names[d]
            for d, found in zip(departments, latests, strict=True)
            if found is not None and measure_progress([found]).signal in ALARMING
        ]
        signals[measure_id] = (signal, alarming)
    return signals


def escalations(session: Session, *, now: datetime) -> Escalations:
    """Measures at risk or blocked, departments missing reports, two cycles in a row."""
    found = Escalations()
    closed = closed_measure_ids(session)
    cycles = _last_cycles(session, now=now, due_passed=False)
    if len(cycles) == IN_A_ROW:
        per_cycle = [_cycle_signals(session, cycle, closed) for cycle in cycles]
        measures = {
            m.id: m
            for m in session.exec(select(Measure).where(col(Measure.id).in_(list(per_cycle[-1]))))
        }
        for measure_id, (_signal, departments) in per_cycle[-1].items():
            history = [signals.get(measure_id, ("", []))[0] for signals in per_cycle]
            measure = measures.get(measure_id)
            if measure is not None and all(s in ALARMING for s in history):
                found.measures.append(
                    MeasureEscalation(
                        measure_id, measure.label, measure.title, tuple(history), departments
                    )
                )
        found.measures.sort(key=lambda e: (measures[e.measure_id].position, e.label))
    closed_cycles = _last_cycles(session, now=now, due_passed=True)
    if len(closed_cycles) == IN_A_ROW:
        missed: dict[int, list[int]] = {}
        for index, cycle in enumerate(closed_cycles):
            for measure_id, department_id in session.exec(
                select(CycleTask.measure_id, CycleTask.department_id).where(
                    CycleTask.cycle_id == cycle.id,
                    col(CycleTask.responsible),
                    col(CycleTask.reported_at).is_(None),
                )
            ):
                if measure_id in closed:
                    continue
                counts = missed.setdefault(department_id, [0] * IN_A_ROW)
                counts[index] += 1
        repeat = {d: counts for d, counts in missed.items() if all(counts)}
        names = dict(
            session.execute(
                select(Department.id, Department.name).where(col(Department.id).in_(list(repeat)))
            ).all()
        )
        found.departments = sorted(
            (
                DepartmentEscalation(
                    d, names.get(d, str(d)), tuple(counts), tuple(c.due_at for c in closed_cycles)
                )
                for d, counts in repeat.items()
            ),
            key=lambda e: (-sum(e.missed), e.name),
        )
    return found
