"""The state of a cycle: which (measure, department) tasks are still missing a report.

A `CycleTask` says a department owes a report on a measure in a cycle; a task is reported
when a `ProgressUpdate` of that cycle exists for the same measure and department (and a
coordinator has not returned it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists
from sqlmodel import Session, col, select

from models.progress import ProgressUpdate
from models.review import MeasureClosure
from models.schedules import CycleTask


def _reported_clause() -> Any:
    return exists().where(
        and_(
            ProgressUpdate.cycle_id == CycleTask.cycle_id,
            ProgressUpdate.measure_id == CycleTask.measure_id,
            ProgressUpdate.department_id == CycleTask.department_id,
            # A report returned for 补报 (退回) does not count.
            col(ProgressUpdate.returned_at).is_(None),
        )
    )


def missing_tasks(
    session: Session, *, cycle_id: int, department_ids: list[int] | None = None
) -> list[CycleTask]:
    """Tasks of the cycle with no report yet (optionally only for some departments); the
    tasks of a measure closed since (销号) are owed no more."""
    query = select(CycleTask).where(
        CycleTask.cycle_id == cycle_id,
        ~_reported_clause(),
        col(CycleTask.measure_id).not_in(select(MeasureClosure.measure_id)),
    )
    if department_ids is not None:
        query = query.where(col(CycleTask.department_id).in_(department_ids))
    return list(session.exec(query.order_by(CycleTask.department_id, CycleTask.measure_id)).all())
