"""Tables for progress: every update a liaison sent, its earlier versions, and the latest one.

`LatestProgress` holds the newest update per (measure, department) so that /status reads
one row per pair however long the history grows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.clock import utcnow

PROGRESS_DONE = "done"
PROGRESS_IN_PROGRESS = "in_progress"
PROGRESS_AT_RISK = "at_risk"
PROGRESS_BLOCKED = "blocked"
PROGRESS_STATUSES = (PROGRESS_DONE, PROGRESS_IN_PROGRESS, PROGRESS_AT_RISK, PROGRESS_BLOCKED)


class ProgressUpdate(SQLModel, table=True):
    __table_args__ = (
        # One record per measure for one source message (a reply naming （五） and （六） → 2).
        UniqueConstraint("chat_id", "source_message_id", "measure_id", "department_id"),
        Index("ix_progress_measure_department_time", "measure_id", "department_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    user_name: str = Field(default="", max_length=200)
    text: str = ""
    status: str = Field(default=PROGRESS_IN_PROGRESS, max_length=20)
    percent: int | None = None
    source_message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    reply_to_message_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    file_id: str | None = Field(default=None, max_length=300)
    file_kind: str | None = Field(default=None, max_length=20)  # photo, document, …
    created_at: datetime = Field(default_factory=utcnow)  # when the liaison sent it
    edited_at: datetime | None = None
    on_time: bool | None = None  # None: not part of a cycle
    # Set when a coordinator returned the report (退回): it no longer counts as reported.
    returned_at: datetime | None = Field(default=None, index=True)


class ProgressRevision(SQLModel, table=True):
    """An earlier version of an update, kept when the liaison edits the message."""

    id: int | None = Field(default=None, primary_key=True)
    update_id: int = Field(foreign_key="progressupdate.id", index=True)
    text: str
    status: str = Field(max_length=20)
    percent: int | None = None
    recorded_at: datetime = Field(default_factory=utcnow)  # when this version was replaced


class LatestProgress(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("measure_id", "department_id"),)

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    update_id: int = Field(foreign_key="progressupdate.id")
    status: str = Field(max_length=20)
    percent: int | None = None
    text: str = ""
    user_name: str = Field(default="", max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id")
    on_time: bool | None = None


class PendingReply(SQLModel, table=True):
    """A reply with no measure marker and several candidates, waiting for a button press."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    user_name: str = Field(default="", max_length=200)
    source_message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    reply_to_message_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id")
    text: str = ""
    file_id: str | None = Field(default=None, max_length=300)
    file_kind: str | None = Field(default=None, max_length=20)
    candidates: str = ""  # comma-separated "measure_id:department_id" pairs
    prompt_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    sent_at: datetime = Field(default_factory=utcnow)  # when the liaison sent the text
    resolved: bool = False
