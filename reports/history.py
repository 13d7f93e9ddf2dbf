"""One measure in detail, and the history of a measure (optionally of one department): its
reports and the office's review of them (returns, closing, reopening, deadlines).

These views read `ProgressUpdate` rows of one measure through its (measure, department,
time) index, newest first and with a limit, so a long history costs one page of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from models.plan import ROLE_LEAD, Assignment, Department, Measure, Section
from models.progress import LatestProgress, ProgressUpdate
from models.review import ReviewAction
from models.schedules import Cycle, CycleTask
from reports.closures import Closure, closures
from reports.coverage import reached_department_ids
from reports.latest import Latest, latest_of, returned_update_ids
from reports.progress_signal import (
    NO_PROGRESS,
    Progress,
    department_progress,
    measure_progress,
)
from reports.status import active_plan, plan_start, schedule_of, task_state

HISTORY_LIMIT = 200  # the newest entries a /history shows; the ledger has every report


@dataclass(frozen=True)
class UpdateEntry:
    department: str
    user_name: str
    text: str
    status: str
    percent: int | None
    created_at: datetime
    edited_at: datetime | None
    on_time: bool | None
    returned_at: datetime | None = None

    @property
    def edited(self) -> bool:
        return self.edited_at is not None

    @property
    def at(self) -> datetime:
        return self.created_at


@dataclass(frozen=True)
class ActionEntry:
    """A return, a closing, a reopening or a deadline set, as the history shows it."""

    kind: str  # models.review.ACTION_*
    at: datetime
    user_name: str
    department: str | None = None  # whose report was returned
    reason_code: str | None = None
    note: str = ""


HistoryEntry = UpdateEntry | ActionEntry


@dataclass
class DepartmentLatest:
    department_id: int
    name: str
    role: str
    latest: Latest | None
    task: str | None  # TASK_* in the current cycle, None when not asked this cycle
    responsible: bool = False
    progress: Progress = NO_PROGRESS
    reached: bool = True  # a chat is bound to it


@dataclass
class MeasureDetail:
    measure_id: int
    label: str
    title: str
    section: str
    leads: list[str] = field(default_factory=list)
    supports: list[str] = field(default_factory=list)
    departments: list[DepartmentLatest] = field(default_factory=list)
    recent: list[HistoryEntry] = field(default_factory=list)
    progress: Progress = NO_PROGRESS
    deadline: date | None = None
    deadline_text: str | None = None
    closure: Closure | None = None
    no_lead: bool = False  # the clause names no lead: every unit named is responsible

    @property
    def closed(self) -> bool:
        return self.closure is not None


@dataclass
class History:
    measure_id: int
    label: str
    title: str
    department: str | None
    total: int
    entries: list[HistoryEntry] = field(default_factory=list)


def _entries(session: Session, query: Any) -> list[UpdateEntry]:
    return [
        UpdateEntry(
            department=name,
            user_name=update.user_name,
            text=update.text,
            status=update.status,
            percent=update.percent,
            created_at=update.created_at,
            edited_at=update.edited_at,
            on_time=update.on_time,
            returned_at=update.returned_at,
        )
        for update, name in session.exec(query)
    ]


def _updates_query(conditions: list[Any], limit: int) -> Any:
    return (
        select(ProgressUpdate, Department.name)
        .join(Department, col(Department.id) == ProgressUpdate.department_id)
        .where(*conditions)
        .order_by(col(ProgressUpdate.created_at).desc(), col(ProgressUpdate.id).desc())
        .limit(limit)
    )


def _action_conditions(measure_id: int, department_id: int | None) -> list[Any]:
    conditions: list[Any] = [ReviewAction.measure_id == measure_id]
    if department_id is not None:
        # A department's history keeps the measure's own acts (closing) beside its returns.
        conditions.append(
            (col(ReviewAction.department_id) == department_id)
            | col(ReviewAction.department_id).is_(None)
        )
    return conditions


def measure_actions(
    session: Session, *, measure_id: int, department_id: int | None = None, limit: int
) -> list[ActionEntry]:
    """The review acts on a measure, newest first."""
    rows = session.exec(
        select(ReviewAction, Department.name)
        .join(Department, col(Department.id) == ReviewAction.department_id, isouter=True)
        .where(*_action_conditions(measure_id, department_id))
        .order_by(col(ReviewAction.at).desc(), col(ReviewAction.id).desc())
        .limit(limit)
    ).all()
    return [
        ActionEntry(
            kind=action.kind,
            at=action.at,
            user_name=action.user_name,
            department=name,
            reason_code=action.reason_code,
            note=action.note,
        )
        for action, name in rows
    ]


def merged(
    updates: list[UpdateEntry], actions: list[ActionEntry], limit: int
) -> list[HistoryEntry]:
    """Reports and review acts together, newest first."""
    entries: list[HistoryEntry] = [*updates, *actions]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


def measure_detail(
    session: Session, *, measure_id: int, cycle: Cycle | None, now: datetime, recent: int = 5
) -> MeasureDetail | None:
    """Title, leads and supports, each department's latest update, both signals, the last
    few reports and review acts."""
    measure = session.get(Measure, measure_id)
    if measure is None:
        return None
    section = session.get(Section, measure.section_id) if measure.section_id else None
    detail = MeasureDetail(
        measure_id=measure_id,
        label=measure.label,
        title=measure.title,
        section=f"{section.numeral}、{section.title}" if section else "",
        deadline=measure.deadline,
        deadline_text=measure.deadline_text,
        closure=closures(session, [measure_id]).get(measure_id),
    )
    schedule = schedule_of(measure, plan_start(active_plan(session)), now)
    assigned = session.exec(
        select(Assignment, Department.name)
        .join(Department, col(Department.id) == Assignment.department_id)
        .where(Assignment.measure_id == measure_id)
        .order_by(Assignment.position, Assignment.id)
    ).all()
    tasks: dict[int, CycleTask] = {}
    if cycle is not None:
        tasks = {
            task.department_id: task
            for task in session.exec(
                select(CycleTask).where(
                    CycleTask.cycle_id == cycle.id, CycleTask.measure_id == measure_id
                )
            )
        }
    latest_rows = session.exec(
        select(LatestProgress, Department.name)
        .join(Department, col(Department.id) == LatestProgress.department_id)
        .where(LatestProgress.measure_id == measure_id)
    ).all()
    returned = returned_update_ids(session, [row.update_id for row, _ in latest_rows])
    latest = {
        row.department_id: (latest_of(row, returned=row.update_id in returned), name)
        for row, name in latest_rows
    }
    reached = reached_department_ids(session)

    def entry(department_id: int, name: str, role: str, responsible: bool) -> DepartmentLatest:
        found = latest.get(department_id)
        task = tasks.get(department_id)
        report = found[0] if found else None
        return DepartmentLatest(
            department_id=department_id,
            name=name,
            role=role,
            responsible=responsible,
            latest=report,
            task=task_state(cycle, task, report, now=now)
            if task is not None and cycle is not None
            else None,
            progress=department_progress(report, schedule),
            reached=department_id in reached,
        )

    seen: set[int] = set()
    detail.no_lead = bool(assigned) and not any(a.role == ROLE_LEAD for a, _ in assigned)
    for assignment, name in assigned:
        (detail.leads if assignment.role == ROLE_LEAD else detail.supports).append(name)
        seen.add(assignment.department_id)
        responsible = assignment.role == ROLE_LEAD or assignment.reports_as_lead
        detail.departments.append(
            entry(assignment.department_id, name, assignment.role, responsible)
        )
    # Reports from departments the plan does not name (e.g. a member of a named group).
    for department_id, (_found, name) in sorted(latest.items(), key=lambda kv: kv[1][1]):
        if department_id not in seen:
            task = tasks.get(department_id)
            role = task.role if task else ROLE_LEAD
            detail.departments.append(
                entry(department_id, name, role, task.responsible if task else True)
            )
    answering = [d.latest for d in detail.departments if d.responsible] or [
        d.latest for d in detail.departments
    ]
    detail.progress = measure_progress(answering, schedule, closed=detail.closed)
    if recent:
        updates = _entries(
            session, _updates_query([ProgressUpdate.measure_id == measure_id], recent)
        )
        actions = measure_actions(session, measure_id=measure_id, limit=recent)
        detail.recent = merged(updates, actions, recent)
    return detail


def update_history(
    session: Session,
    *,
    measure_id: int,
    department_id: int | None = None,
    limit: int = HISTORY_LIMIT,
) -> History | None:
    """The reports and review acts of a measure (of one department, if given), newest first."""
    measure = session.get(Measure, measure_id)
    if measure is None:
        return None
    department = session.get(Department, department_id) if department_id is not None else None
    if department_id is not None and department is None:
        return None
    conditions: list[Any] = [ProgressUpdate.measure_id == measure_id]
    if department_id is not None:
        conditions.append(ProgressUpdate.department_id == department_id)
    total = int(
        session.exec(select(func.count()).select_from(ProgressUpdate).where(*conditions)).one()
    )
    total += int(
        session.exec(
            select(func.count())
            .select_from(ReviewAction)
            .where(*_action_conditions(measure_id, department_id))
        ).one()
    )
    updates = _entries(session, _updates_query(conditions, limit))
    actions = measure_actions(
        session, measure_id=measure_id, department_id=department_id, limit=limit
    )
    return History(
        measure_id=measure_id,
        label=measure.label,
        title=measure.title,
        department=department.name if department else None,
        total=total,
        entries=merged(updates, actions, limit),
    )
