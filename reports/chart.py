"""What the /chart picture shows, as plain data: both signals of every measure of the current
cycle (as /status judges them), and the on-time rate of each department over the recent
cycles (`messages/chart.py` draws it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from reports.cycles import current_cycle, cycle_outcomes, department_on_time_rates, recent_cycles
from reports.progress_signal import Progress
from reports.status import cycle_overview


@dataclass(frozen=True)
class ChartMeasure:
    number: int
    label: str
    reporting: str  # TASK_* of the measure (its worst answering unit)
    progress: Progress
    closed: bool = False


@dataclass
class ChartData:
    cycle_date: datetime | None
    measures: list[ChartMeasure] = field(default_factory=list)
    # (department, on-time rate, tasks counted)
    departments: list[tuple[str, float, int]] = field(default_factory=list)


def chart_data(session: Session, *, now: datetime, cycles: int = 12) -> ChartData:
    """What the chart shows: the current cycle's measures and the recent cycles' punctuality."""
    cycle = current_cycle(session, now=now)
    overview = cycle_overview(session, cycle=cycle, now=now)
    data = ChartData(cycle_date=cycle.fire_at if cycle else None)
    for measure in overview.measures:
        data.measures.append(
            ChartMeasure(
                measure.number, measure.label, measure.reporting, measure.progress, measure.closed
            )
        )
    outcomes = cycle_outcomes(
        session, cycles=recent_cycles(session, now=now, limit=cycles), now=now
    )
    data.departments = department_on_time_rates(outcomes)
    return data
