"""The newest report of one department on one measure, as the views read it.

One row of `LatestProgress` per (measure, department), plus whether a coordinator returned
that report (退回): a returned report does not count until the department reports again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models.progress import LatestProgress, ProgressUpdate


@dataclass(frozen=True)
class Latest:
    """The newest update of one department on one measure."""

    status: str
    percent: int | None
    text: str
    user_name: str
    updated_at: datetime
    cycle_id: int | None
    on_time: bool | None
    update_id: int = 0
    returned: bool = False  # sent back for 补报: it counts as no report


def latest_of(row: LatestProgress, *, returned: bool = False) -> Latest:
    return Latest(
        status=row.status,
        percent=row.percent,
        text=row.text,
        user_name=row.user_name,
        updated_at=row.updated_at,
        cycle_id=row.cycle_id,
        on_time=row.on_time,
        update_id=row.update_id,
        returned=returned,
    )


_COLUMNS = (
    LatestProgress.measure_id,
    LatestProgress.department_id,
    LatestProgress.status,
    LatestProgress.percent,
    LatestProgress.text,
    LatestProgress.user_name,
    LatestProgress.updated_at,
    LatestProgress.cycle_id,
    LatestProgress.on_time,
    LatestProgress.update_id,
)


def returned_update_ids(session: Session, update_ids: list[int] | None = None) -> set[int]:
    """The updates a coordinator returned (few: an index on `returned_at` finds them)."""
    query = select(ProgressUpdate.id).where(col(ProgressUpdate.returned_at).is_not(None))
    if update_ids is not None:
        if not update_ids:
            return set()
        query = query.where(col(ProgressUpdate.id).in_(update_ids))
    return {int(i) for i in session.exec(query) if i is not None}


def latest_map(
    session: Session, *, measure_ids: list[int] | None = None, department_id: int | None = None
) -> dict[tuple[int, int], Latest]:
    """(measure id, department id) → the latest report, for some measures or one department."""
    # Plain column rows, not ORM entities: the overview reads hundreds of them per view.
    query = select(*_COLUMNS)
    if measure_ids is not None:
        query = query.where(col(LatestProgress.measure_id).in_(measure_ids))
    if department_id is not None:
        query = query.where(LatestProgress.department_id == department_id)
    rows = list(session.execute(query))
    returned = returned_update_ids(session)
    return {
        (row[0], row[1]): Latest(*row[2:], returned=row[9] in returned)  # type: ignore[misc]
        for row in rows
    }
