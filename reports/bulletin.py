"""The 通报 as plain data: its issue number, the cycle's figures, who reported on time, late or
not at all, the measures behind, and what is escalated (`messages/bulletin.py` writes the .docx).

Built on the same `cycle_overview` as /status, so the document and the chat agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, func, select

from models.schedules import SCHEDULE_REMINDER, Cycle
from reports.closures import Closure
from reports.cycles import current_cycle
from reports.escalation import Escalations, escalations
from reports.progress_signal import Progress, severity
from reports.status import (
    TASK_LATE,
    TASK_ON_TIME,
    TASK_OVERDUE,
    Overview,
    active_plan,
    cycle_overview,
)


@dataclass(frozen=True)
class UnitLine:
    """A unit and the measures (labels) that put it in a table of the 通报."""

    name: str
    labels: list[str]


@dataclass(frozen=True)
class LaggingMeasure:
    label: str
    title: str
    progress: Progress
    units: list[str]  # the units that answer for it
    text: str  # the newest report of those units, as written


@dataclass(frozen=True)
class ClosedMeasure:
    label: str
    title: str
    closure: Closure


@dataclass
class Bulletin:
    plan_title: str
    doc_number: str
    year: int
    number: int  # 期号: the cycle's place among the year's reminder cycles
    now: datetime
    overview: Overview
    on_time: list[UnitLine] = field(default_factory=list)
    late: list[UnitLine] = field(default_factory=list)
    missing: list[UnitLine] = field(default_factory=list)
    unbound: list[UnitLine] = field(default_factory=list)
    lagging: list[LaggingMeasure] = field(default_factory=list)
    closed: list[ClosedMeasure] = field(default_factory=list)
    escalations: Escalations = field(default_factory=Escalations)


def issue_number(session: Session, cycle: Cycle | None) -> tuple[int, int]:
    """(year, n): the cycle is the year's n-th reminder cycle (0 before the first)."""
    if cycle is None:
        return (0, 0)
    year = cycle.fire_at.year
    count = session.exec(
        select(func.count())
        .select_from(Cycle)
        .where(
            Cycle.kind == SCHEDULE_REMINDER,
            Cycle.fire_at >= datetime(year, 1, 1),
            (col(Cycle.fire_at) < cycle.fire_at)
            | ((col(Cycle.fire_at) == cycle.fire_at) & (col(Cycle.id) <= cycle.id)),
        )
    ).one()
    return (year, int(count))


def _units(overview: Overview, state: str) -> list[UnitLine]:
    """Units with a responsible task in `state`, with those measures; most first."""
    found: dict[str, list[str]] = {}
    for measure in overview.measures:
        for task in measure.responsible:
            if task.state == state:
                found.setdefault(task.department, []).append(measure.label)
    return sorted(
        (UnitLine(name, labels) for name, labels in found.items()),
        key=lambda line: (-len(line.labels), line.name),
    )


def build_bulletin(session: Session, *, now: datetime) -> Bulletin:
    """The 通报 of the current cycle, as of `now`."""
    plan = active_plan(session)
    cycle = current_cycle(session, now=now)
    overview = cycle_overview(session, cycle=cycle, now=now)
    year, number = issue_number(session, cycle)
    bulletin = Bulletin(
        plan_title=plan.title if plan else "",
        doc_number=plan.doc_number if plan else "",
        year=year,
        number=number,
        now=now,
        overview=overview,
        on_time=_units(overview, TASK_ON_TIME),
        late=_units(overview, TASK_LATE),
        missing=_units(overview, TASK_OVERDUE),
        unbound=[
            UnitLine(name, [measure.label for measure, _unit in held])
            for name, held in overview.unbound()
        ],
        escalations=escalations(session, now=now),
    )
    for measure in overview.measures:
        if measure.closure is not None:
            bulletin.closed.append(ClosedMeasure(measure.label, measure.title, measure.closure))
        elif measure.progress.lagging:
            answering = measure.responsible or measure.tasks
            reports = [
                t.latest for t in answering if t.latest is not None and not t.latest.returned
            ]
            newest = max(reports, key=lambda r: r.updated_at, default=None)
            bulletin.lagging.append(
                LaggingMeasure(
                    measure.label,
                    measure.title,
                    measure.progress,
                    [t.department for t in answering],
                    newest.text if newest is not None else "",
                )
            )
    bulletin.lagging.sort(key=lambda m: severity(m.progress.signal))
    return bulletin
