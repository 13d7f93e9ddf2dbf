"""One measure in detail, and the update history of a measure (optionally of one department).

These views read `ProgressUpdate` rows of one measure through its (measure, department,
time) index, newest first and with a limit, so a long history costs one page of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, func, select

from models.plan import ROLE_LEAD, Assignment, Department, Measure, Section
from models.progress import LatestProgress, ProgressUpdate
from models.schedules import Cycle, CycleTask
from reports.status import Latest, latest_of, task_state

HISTORY_LIMIT = 200  # the newest updates a /history shows; older ones are in the ledger


@dataclass(frozen=True)
class UpdateEntry:
    department: str
    user_name: str
    text: str
    status: str
    percent: int | None
    created_at: datetime
    edited: bool
    on_time: bool | None


@dataclass
class DepartmentLatest:
    department_id: int
    name: str
    role: str
    latest: Latest | None
    task: str | None  # TASK_* in the current cycle, None when not asked this cycle


@dataclass
class MeasureDetail:
    measure_id: int
    label: str
    title: str
    section: str
    leads: list[str] = field(default_factory=list)
    supports: list[str] = field(default_factory=list)
    departments: list[DepartmentLatest] = field(default_factory=list)
    recent: list[UpdateEntry] = field(default_factory=list)


@dataclass
class History:
    measure_id: int
    label: str
    title: str
    department: str | None
    total: int
    entries: list[UpdateEntry] = field(default_factory=list)


def _entries(session: Session, query: object) -> list[UpdateEntry]:
    return [
        UpdateEntry(
            department=name,
            user_name=update.user_name,
            text=update.text,
            status=update.status,
            percent=update.percent,
            created_at=update.created_at,
            edited=update.edited_at is not None,
            on_time=update.on_time,
        )
        for update, name in session.exec(query)  # type: ignore[call-overload]
    ]


def measure_detail(
    session: Session, *, measure_id: int, cycle: Cycle | None, now: datetime, recent: int = 5
) -> MeasureDetail | None:
    """Title, leads and supports, each department's latest update and the last few updates."""
    measure = session.get(Measure, measure_id)
    if measure is None:
        return None
    section = session.get(Section, measure.section_id) if measure.section_id else None
    detail = MeasureDetail(
        measure_id=measure_id,
        label=measure.label,
        title=measure.title,
        section=f"{section.numeral}、{section.title}" if section else "",
    )
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
    latest = {row.department_id: (latest_of(row), name) for row, name in latest_rows}
    seen: set[int] = set()
    for assignment, name in assigned:
        (detail.leads if assignment.role == ROLE_LEAD else detail.supports).append(name)
        seen.add(assignment.department_id)
        found = latest.get(assignment.department_id)
        task = tasks.get(assignment.department_id)
        detail.departments.append(
            DepartmentLatest(
                department_id=assignment.department_id,
                name=name,
                role=assignment.role,
                latest=found[0] if found else None,
                task=task_state(cycle, task, found[0] if found else None, now=now)
                if task is not None and cycle is not None
                else None,
            )
        )
    # Reports from departments the plan does not name (e.g. a member of a named group).
    for department_id, (found_latest, name) in sorted(latest.items(), key=lambda kv: kv[1][1]):
        if department_id not in seen:
            task = tasks.get(department_id)
            detail.departments.append(
                DepartmentLatest(
                    department_id=department_id,
                    name=name,
                    role=task.role if task else ROLE_LEAD,
                    latest=found_latest,
                    task=task_state(cycle, task, found_latest, now=now)
                    if task is not None and cycle is not None
                    else None,
                )
            )
    detail.recent = _entries(
        session,
        select(ProgressUpdate, Department.name)
        .join(Department, col(Department.id) == ProgressUpdate.department_id)
        .where(ProgressUpdate.measure_id == measure_id)
        .order_by(col(ProgressUpdate.created_at).desc(), col(ProgressUpdate.id).desc())
        .limit(recent),
    )
    return detail


def update_history(
    session: Session,
    *,
    measure_id: int,
    department_id: int | None = None,
    limit: int = HISTORY_LIMIT,
) -> History | None:
    """The updates of a measure (of one department, if given), newest first."""
    measure = session.get(Measure, measure_id)
    if measure is None:
        return None
    department = session.get(Department, department_id) if department_id is not None else None
    if department_id is not None and department is None:
        return None
    conditions = [ProgressUpdate.measure_id == measure_id]
    if department_id is not None:
        conditions.append(ProgressUpdate.department_id == department_id)
    total = int(
        session.exec(select(func.count()).select_from(ProgressUpdate).where(*conditions)).one()
    )
    entries = _entries(
        session,
        select(ProgressUpdate, Department.name)
        .join(Department, col(Department.id) == ProgressUpdate.department_id)
        .where(*conditions)
        .order_by(col(ProgressUpdate.created_at).desc(), col(ProgressUpdate.id).desc())
        .limit(limit),
    )
    return History(
        measure_id=measure_id,
        label=measure.label,
        title=measure.title,
        department=department.name if department else None,
        total=total,
        entries=entries,
    )
