"""Tables for the office's review of the work: reports returned for 补报, measures closed
(销号/办结), and the history of every such action.

A `MeasureClosure` row exists while a measure is closed; `ReviewAction` keeps each return,
closing, reopening and deadline set by hand, so the history shows who did what and when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from models.clock import utcnow

ACTION_RETURN = "return"  # a report sent back for 补报
ACTION_CLOSE = "close"  # 销号: the measure is finished for everyone
ACTION_REOPEN = "reopen"  # a closing undone
ACTION_DEADLINE = "deadline"  # an admin set (or cleared) the measure's deadline
ACTIONS = (ACTION_RETURN, ACTION_CLOSE, ACTION_REOPEN, ACTION_DEADLINE)


class MeasureClosure(SQLModel, table=True):
    """Measure M is closed (销号): no more reminders, shown as 办结 with when and by whom."""

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", unique=True)
    closed_at: datetime = Field(default_factory=utcnow)
    closed_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    closed_by_name: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=500)


class ReviewAction(SQLModel, table=True):
    """One act of review on a measure (and, for a return, on one department's report)."""

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    kind: str = Field(max_length=20)  # ACTION_*
    department_id: int | None = Field(default=None, foreign_key="department.id")
    update_id: int | None = Field(default=None, foreign_key="progressupdate.id")
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id")
    # A return's reason: one of the usual ones by code (worded in each reader's language),
    # or the coordinator's own words in `note`. A deadline's new date, ISO, or "" when cleared.
    reason_code: str | None = Field(default=None, max_length=20)
    note: str = Field(default="", max_length=500)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    user_name: str = Field(default="", max_length=200)
    at: datetime = Field(default_factory=utcnow)
