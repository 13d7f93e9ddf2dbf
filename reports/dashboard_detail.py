"""What the web dashboard shows of one department or one measure, as plain data.

Reuses /status's `department_view` and `measure_detail`, adds each row's progress, the
department's record over recent cycles, and the timeline of reports with their files.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from models.plan import Department, Measure
from models.progress import ProgressUpdate
from reports.cycles import current_cycle
from reports.dashboard import CycleTrend, cycle_trend, empty_task_counts, with_current
from reports.history import MeasureDetail, measure_detail
from reports.progress_signal import Progress
from reports.status import DepartmentView, department_view

TIMELINE_LIMIT = 200  # reports a measure page lists; the ledger has them all
RECENT_LIMIT = 30  # reports a department page lists


@dataclass(frozen=True)
class TimelineEntry:
    """One report as the timeline shows it: who, when, what, and the file it came with."""

    update_id: int
    measure_id: int
    measure_label: str
    measure_title: str
    department_id: int
    department: str
    user_name: str
    text: str
    status: str
    percent: int | None
    created_at: datetime
    edited_at: datetime | None
    on_time: bool | None
    file_kind: str | None
    returned_at: datetime | None = None  # a coordinator returned it for 补报


@dataclass
class DepartmentPage:
    view: DepartmentView
    progress: dict[int, Progress] = field(default_factory=dict)  # measure id → progress
    record: list[CycleTrend] = field(default_factory=list)  # oldest first
    recent: list[TimelineEntry] = field(default_factory=list)
    total_reports: int = 0

    @property
    def on_time_rate(self) -> float:
        """Tasks reported on time over all tasks of the recent cycles (every role)."""
        total = sum(entry.total for entry in self.record)
        on_time = sum(entry.counts["on_time"] for entry in self.record)
        return on_time / total if total else 0.0


@dataclass
class MeasurePage:
    detail: MeasureDetail
    progress: Progress
    department_progress: dict[int, Progress] = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    total_reports: int = 0


@dataclass(frozen=True)
class ReportFile:
    """The file a report came with, and whose report it is (to check who may fetch it)."""

    file_id: str
    kind: str
    department_id: int
    created_at: datetime


def report_file(session: Session, *, update_id: int) -> ReportFile | None:
    row = session.execute(
        select(
            ProgressUpdate.file_id,
            ProgressUpdate.file_kind,
            ProgressUpdate.department_id,
            ProgressUpdate.created_at,
        ).where(ProgressUpdate.id == update_id)
    ).first()
    if row is None or not row[0]:
        return None
    return ReportFile(row[0], row[1] or "document", row[2], row[3])


def _timeline(session: Session, conditions: list[Any], limit: int) -> list[TimelineEntry]:
    rows = session.execute(
        select(
            ProgressUpdate.id,
            ProgressUpdate.measure_id,
            Measure.label,
            Measure.title,
            ProgressUpdate.department_id,
            Department.name,
            ProgressUpdate.user_name,
            ProgressUpdate.text,
            ProgressUpdate.status,
            ProgressUpdate.percent,
            ProgressUpdate.created_at,
            ProgressUpdate.edited_at,
            ProgressUpdate.on_time,
            ProgressUpdate.file_kind,
            ProgressUpdate.returned_at,
        )
        .join(Measure, col(Measure.id) == ProgressUpdate.measure_id)
        .join(Department, col(Department.id) == ProgressUpdate.department_id)
        .where(*conditions)
        .order_by(col(ProgressUpdate.created_at).desc(), col(ProgressUpdate.id).desc())
        .limit(limit)
    )
    return [TimelineEntry(*row) for row in rows]


def _count(session: Session, conditions: list[Any]) -> int:
    return int(
        session.exec(select(func.count()).select_from(ProgressUpdate).where(*conditions)).one()
    )


def department_page(
    session: Session, *, department_id: int, now: datetime, recent: int = RECENT_LIMIT
) -> DepartmentPage | None:
    """/status <department>'s view, with progress, the on-time record and recent reports."""
    cycle = current_cycle(session, now=now)
    view = department_view(session, department_id=department_id, cycle=cycle, now=now)
    if view is None:
        return None
    page = DepartmentPage(view=view)
    for row in view.rows:
        page.progress[row.measure_id] = row.progress
    current = None
    if cycle is not None and cycle.id is not None:
        counts = empty_task_counts()
        asked = [row.task for row in view.rows if row.task is not None]
        for state in asked:
            counts[state] += 1
        if asked:
            current = CycleTrend(cycle.id, cycle.fire_at, cycle.due_at, counts)
    page.record = with_current(
        cycle_trend(session, now=now, department_id=department_id, responsible_only=False),
        current,
    )
    conditions = [ProgressUpdate.department_id == department_id]
    page.recent = _timeline(session, conditions, recent)
    page.total_reports = _count(session, conditions)
    return page


def measure_page(
    session: Session,
    *,
    measure_id: int,
    now: datetime,
    department_ids: Collection[int] | None = None,
    limit: int = TIMELINE_LIMIT,
) -> MeasurePage | None:
    """One measure: who leads and supports, each department's latest, every report.

    `department_ids` narrows the departments and reports shown (a liaison's own).
    """
    cycle = current_cycle(session, now=now)
    detail = measure_detail(session, measure_id=measure_id, cycle=cycle, now=now, recent=0)
    if detail is None:
        return None
    if department_ids is not None:
        detail.departments = [d for d in detail.departments if d.department_id in department_ids]
    page = MeasurePage(
        detail=detail,
        progress=detail.progress,
        department_progress={d.department_id: d.progress for d in detail.departments},
    )
    conditions: list[Any] = [ProgressUpdate.measure_id == measure_id]
    if department_ids is not None:
        conditions.append(col(ProgressUpdate.department_id).in_(list(department_ids)))
    page.timeline = _timeline(session, conditions, limit)
    page.total_reports = _count(session, conditions)
    return page
