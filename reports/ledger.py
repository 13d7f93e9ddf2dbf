"""The ledger (台账) as plain data: one row per measure × department with its latest update,
and how each task of the recent cycles ended (`messages/ledger.py` writes the workbook).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from models.plan import ROLE_LEAD, Assignment, Department, Measure, Section
from models.progress import LatestProgress
from reports.cycles import CycleOutcome, cycle_outcomes, recent_cycles
from reports.status import active_plan


@dataclass(frozen=True)
class LedgerRow:
    section: str
    measure: str
    department: str
    role: str
    status: str | None
    percent: int | None
    text: str
    updated_at: datetime | None
    reporter: str
    on_time: bool | None


@dataclass
class Ledger:
    plan_title: str
    generated_at: datetime
    rows: list[LedgerRow] = field(default_factory=list)
    cycles: list[CycleOutcome] = field(default_factory=list)


def build_ledger(session: Session, *, now: datetime, cycles: int = 24) -> Ledger:
    """Every measure × department of the active plan with its latest update, and the cycles."""
    plan = active_plan(session)
    ledger = Ledger(plan_title=plan.title if plan else "", generated_at=now)
    if plan is None:
        return ledger
    sections = {
        s.id: f"{s.numeral}、{s.title}"
        for s in session.exec(select(Section).where(Section.plan_id == plan.id))
    }
    measures = {
        m.id: m
        for m in session.exec(
            select(Measure).where(Measure.plan_id == plan.id, col(Measure.is_active))
        )
    }
    names = {d.id: d.name for d in session.exec(select(Department))}
    pairs: dict[tuple[int, int], str] = {}
    for assignment in session.exec(
        select(Assignment)
        .where(col(Assignment.measure_id).in_(list(measures)))
        .order_by(Assignment.measure_id, Assignment.position, Assignment.id)
    ):
        pairs[(assignment.measure_id, assignment.department_id)] = assignment.role
    latest = {
        (row.measure_id, row.department_id): row
        for row in session.exec(
            select(LatestProgress).where(col(LatestProgress.measure_id).in_(list(measures)))
        )
    }
    for key in latest:
        pairs.setdefault(key, ROLE_LEAD)  # a report from a department the plan does not name

    position = {key: index for index, key in enumerate(pairs)}

    def order(key: tuple[int, int]) -> tuple[int, int, int]:
        measure = measures[key[0]]
        return (measure.position, measure.number, position[key])

    for key in sorted(pairs, key=order):
        measure = measures[key[0]]
        found = latest.get(key)
        ledger.rows.append(
            LedgerRow(
                section=sections.get(measure.section_id, "") if measure.section_id else "",
                measure=f"{measure.label}{measure.title}",
                department=names.get(key[1], str(key[1])),
                role=pairs[key],
                status=found.status if found else None,
                percent=found.percent if found else None,
                text=found.text if found else "",
                updated_at=found.updated_at if found else None,
                reporter=found.user_name if found else "",
                on_time=found.on_time if found else None,
            )
        )
    ledger.cycles = cycle_outcomes(
        session, cycles=recent_cycles(session, now=now, limit=cycles), now=now
    )
    return ledger
