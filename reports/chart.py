"""What the /chart picture shows, as plain data: reports per measure in the current cycle, and
the on-time rate of each department over the recent cycles (`messages/chart.py` draws it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from reports.cycles import current_cycle, cycle_outcomes, department_on_time_rates, recent_cycles
from reports.status import TASK_STATES, cycle_overview


@dataclass
class ChartData:
    cycle_date: datetime | None
    # (measure number, label, counts per task state)
    measures: list[tuple[int, str, dict[str, int]]] = field(default_factory=list)
    # (department, on-time rate, tasks counted)
    departments: list[tuple[str, float, int]] = field(default_factory=list)


def chart_data(session: Session, *, now: datetime, cycles: int = 12) -> ChartData:
    """What the chart shows: the current cycle's tasks and the recent cycles' punctuality."""
    cycle = current_cycle(session, now=now)
    overview = cycle_overview(session, cycle=cycle, now=now)
    data = ChartData(cycle_date=cycle.fire_at if cycle else None)
    for measure in overview.measures:
        counts = dict.fromkeys(TASK_STATES, 0)
        for task in measure.tasks:
            counts[task.state] += 1
        data.measures.append((measure.number, measure.label, counts))
    outcomes = cycle_outcomes(
        session, cycles=recent_cycles(session, now=now, limit=cycles), now=now
    )
    data.departments = department_on_time_rates(outcomes)
    return data
