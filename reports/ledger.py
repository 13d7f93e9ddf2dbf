"""The ledger (台账) as plain data: one row per measure with both signals and the latest
reports split into progress, 存在问题 and 下步打算; every report ever made; the office's review
acts; how each task of the recent cycles ended (`messages/ledger.py` writes the workbook).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from models.plan import ROLE_LEAD, Assignment, Department, Measure, Section
from models.progress import LatestProgress, ProgressUpdate
from models.review import ACTION_RETURN, ReviewAction
from models.schedules import Cycle
from reports.closures import Closure, closures
from reports.cycles import CycleOutcome, current_cycle, cycle_outcomes, recent_cycles
from reports.latest import Latest, latest_of, returned_update_ids
from reports.progress_signal import Progress, measure_progress
from reports.report_sections import split_sections
from reports.status import MeasureState, active_plan, cycle_overview, plan_start, schedule_of

# Excel holds 1,048,576 rows a sheet: the history sheet stops short of it, and says so.
HISTORY_ROWS = 1_000_000


@dataclass(frozen=True)
class UnitReport:
    """One unit's latest accepted report on a measure, in its parts."""

    department: str
    text: str
    problems: str
    next_steps: str
    updated_at: datetime


@dataclass(frozen=True)
class LedgerRow:
    serial: int  # 序号
    section: str
    label: str
    title: str
    leads: list[str]
    others: list[str]  # the supports, or every unit named when the clause names no lead
    deadline: date | None
    deadline_text: str | None
    progress: Progress
    reporting: str | None  # this cycle's reporting (TASK_*), None when not asked this cycle
    reports: list[UnitReport]
    closure: Closure | None = None

    @property
    def updated_at(self) -> datetime | None:
        return max((r.updated_at for r in self.reports), default=None)


@dataclass(frozen=True)
class HistoryRow:
    """One report as it stands now, with when it was sent, edited, and returned."""

    created_at: datetime
    edited_at: datetime | None
    cycle_fire_at: datetime | None
    label: str
    title: str
    department: str
    user_name: str
    status: str
    percent: int | None
    text: str
    problems: str
    next_steps: str
    on_time: bool | None
    returned_at: datetime | None = None
    return_reason_code: str | None = None
    return_note: str = ""


@dataclass(frozen=True)
class ActionRow:
    at: datetime
    label: str
    title: str
    kind: str
    department: str | None
    user_name: str
    reason_code: str | None
    note: str


@dataclass
class Ledger:
    plan_title: str
    doc_number: str
    generated_at: datetime
    rows: list[LedgerRow] = field(default_factory=list)
    history: list[HistoryRow] = field(default_factory=list)
    history_total: int = 0
    actions: list[ActionRow] = field(default_factory=list)
    cycles: list[CycleOutcome] = field(default_factory=list)


def _unit_reports(
    measure_id: int, order: list[int], latest: dict[tuple[int, int], tuple[Latest, str]]
) -> list[UnitReport]:
    """The latest accepted report of each unit on the measure, the plan's units first."""
    mine = {d: v for (m, d), v in latest.items() if m == measure_id and not v[0].returned}
    ranked = sorted(mine, key=lambda d: (order.index(d) if d in order else len(order), mine[d][1]))
    reports = []
    for department_id in ranked:
        found, name = mine[department_id]
        parts = split_sections(found.text)
        reports.append(
            UnitReport(name, parts.progress, parts.problems, parts.next_steps, found.updated_at)
        )
    return reports


def build_ledger(session: Session, *, now: datetime, cycles: int = 24) -> Ledger:
    """Every measure of the active plan with both signals and its latest reports; every report;
    the review acts; the recent cycles."""
    plan = active_plan(session)
    ledger = Ledger(
        plan_title=plan.title if plan else "",
        doc_number=plan.doc_number if plan else "",
        generated_at=now,
    )
    if plan is None:
        return ledger
    sections = {
        s.id: f"{s.numeral}、{s.title}"
        for s in session.exec(select(Section).where(Section.plan_id == plan.id))
    }
    measures = list(
        session.exec(
            select(Measure)
            .where(Measure.plan_id == plan.id, col(Measure.is_active))
            .order_by(Measure.position, Measure.number)
        )
    )
    ids = [m.id for m in measures if m.id is not None]
    names = {d.id: d.name for d in session.exec(select(Department))}
    assigned: dict[int, list[Assignment]] = {}
    for assignment in session.exec(
        select(Assignment)
        .where(col(Assignment.measure_id).in_(ids))
        .order_by(Assignment.measure_id, Assignment.position, Assignment.id)
    ):
        assigned.setdefault(assignment.measure_id, []).append(assignment)
    rows = list(session.exec(select(LatestProgress).where(col(LatestProgress.measure_id).in_(ids))))
    returned = returned_update_ids(session, [row.update_id for row in rows])
    latest = {
        (row.measure_id, row.department_id): (
            latest_of(row, returned=row.update_id in returned),
            names.get(row.department_id, str(row.department_id)),
        )
        for row in rows
    }
    cycle = current_cycle(session, now=now)
    judged: dict[int, MeasureState] = {
        m.measure_id: m for m in cycle_overview(session, cycle=cycle, now=now).measures
    }
    closed = closures(session, ids)
    start = plan_start(plan)
    for serial, measure in enumerate(measures, start=1):
        assert measure.id is not None
        units = assigned.get(measure.id, [])
        leads = [names[a.department_id] for a in units if a.role == ROLE_LEAD]
        others = [names[a.department_id] for a in units if a.role != ROLE_LEAD]
        state = judged.get(measure.id)
        if state is not None:
            progress, reporting = state.progress, state.reporting
        else:
            # Not asked this cycle: judged from the units the plan makes responsible.
            answering = [a for a in units if a.role == ROLE_LEAD or a.reports_as_lead] or units
            progress = measure_progress(
                [latest.get((measure.id, a.department_id), (None, ""))[0] for a in answering],
                schedule_of(measure, start, now),
                closed=measure.id in closed,
            )
            reporting = None
        ledger.rows.append(
            LedgerRow(
                serial=serial,
                section=sections.get(measure.section_id, "") if measure.section_id else "",
                label=measure.label,
                title=measure.title,
                leads=leads,
                others=others,
                deadline=measure.deadline,
                deadline_text=measure.deadline_text,
                progress=progress,
                reporting=reporting,
                reports=_unit_reports(measure.id, [a.department_id for a in units], latest),
                closure=closed.get(measure.id),
            )
        )
    _add_history(session, ledger, measures, names)
    ledger.cycles = cycle_outcomes(
        session, cycles=recent_cycles(session, now=now, limit=cycles), now=now
    )
    return ledger


def _add_history(
    session: Session, ledger: Ledger, measures: list[Measure], names: dict[int | None, str]
) -> None:
    """Every report of the plan's measures (in plan order, then time) and every review act."""
    by_id = {m.id: m for m in measures}
    order = {m.id: index for index, m in enumerate(measures)}
    fired = {c.id: c.fire_at for c in session.exec(select(Cycle))}
    reasons: dict[tuple[int, int | None, datetime], tuple[str | None, str]] = {}
    for action in session.exec(
        select(ReviewAction)
        .where(col(ReviewAction.measure_id).in_(list(by_id)))
        .order_by(col(ReviewAction.at), col(ReviewAction.id))
    ):
        measure = by_id[action.measure_id]
        if action.kind == ACTION_RETURN:
            reasons[(action.measure_id, action.department_id, action.at)] = (
                action.reason_code,
                action.note,
            )
        ledger.actions.append(
            ActionRow(
                at=action.at,
                label=measure.label,
                title=measure.title,
                kind=action.kind,
                department=names.get(action.department_id) if action.department_id else None,
                user_name=action.user_name,
                reason_code=action.reason_code,
                note=action.note,
            )
        )
    updates = session.exec(
        select(ProgressUpdate)
        .where(col(ProgressUpdate.measure_id).in_(list(by_id)))
        .order_by(col(ProgressUpdate.created_at), col(ProgressUpdate.id))
        .limit(HISTORY_ROWS + 1)
    ).all()
    ledger.history_total = len(updates)
    for update in sorted(updates[:HISTORY_ROWS], key=lambda u: order[u.measure_id]):
        measure = by_id[update.measure_id]
        parts = split_sections(update.text)
        reason: tuple[str | None, str] = (None, "")
        if update.returned_at is not None:
            reason = reasons.get(
                (update.measure_id, update.department_id, update.returned_at), reason
            )
        ledger.history.append(
            HistoryRow(
                created_at=update.created_at,
                edited_at=update.edited_at,
                cycle_fire_at=fired.get(update.cycle_id) if update.cycle_id else None,
                label=measure.label,
                title=measure.title,
                department=names.get(update.department_id, str(update.department_id)),
                user_name=update.user_name,
                status=update.status,
                percent=update.percent,
                text=parts.progress,
                problems=parts.problems,
                next_steps=parts.next_steps,
                on_time=update.on_time,
                returned_at=update.returned_at,
                return_reason_code=reason[0],
                return_note=reason[1],
            )
        )
