"""Which measures are closed (销号/办结), when and by whom, for the views and the ledger."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models.review import MeasureClosure


@dataclass(frozen=True)
class Closure:
    closed_at: datetime
    closed_by: str
    note: str = ""


def closures(session: Session, measure_ids: Iterable[int] | None = None) -> dict[int, Closure]:
    """measure id → its closing, for the closed ones among `measure_ids` (all when None)."""
    query = select(MeasureClosure)
    if measure_ids is not None:
        wanted = list(measure_ids)
        if not wanted:
            return {}
        query = query.where(col(MeasureClosure.measure_id).in_(wanted))
    return {
        row.measure_id: Closure(row.closed_at, row.closed_by_name, row.note)
        for row in session.exec(query)
    }
