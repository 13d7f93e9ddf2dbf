"""Schema conventions for every table: stable constraint names and naive UTC timestamps.

Imported by `models/__init__.py` before any table is defined, since both rules apply only to
tables created after they are in place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Table, event
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

from models.clock import to_naive_utc

# PostgreSQL cuts identifiers at 63 characters; SQLAlchemy shortens longer generated names
# with a stable hash, so migrations and `create_all` still agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class NaiveUTCDateTime(TypeDecorator[datetime]):
    """TIMESTAMP WITHOUT TIME ZONE holding UTC; aware values are converted, naive kept."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else to_naive_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else to_naive_utc(value)


@event.listens_for(Column, "after_parent_attach")
def _naive_utc_timestamps(column: Column[Any], table: Any) -> None:
    # SQLModel ≥ 0.0.45 maps `datetime` to UTCDateTime, which refuses naive values and returns
    # aware ones; the project stores naive UTC (models/clock.py) on SQLite and PostgreSQL alike.
    if (
        isinstance(table, Table)
        and table.metadata is SQLModel.metadata
        and isinstance(column.type, UTCDateTime)
    ):
        column.type = NaiveUTCDateTime()


SQLModel.metadata.naming_convention = NAMING_CONVENTION
