"""Tables for reminder schedules, the cycles they fire and the delivery outbox.

The database is the source of truth: jobs are rebuilt from `ReminderSchedule` at start,
a cycle exists once per (schedule, fire time) thanks to its unique `key`, and every
message the bot owes a chat is a `Delivery` row written before it is sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.clock import utcnow

SCHEDULE_REMINDER = "reminder"  # remind department chats of their measures
SCHEDULE_DIGEST = "digest"  # 通报: overview and overdue list to the coordinators' chats
# A cycle of no schedule that only carries one-off notices (its key names what about).
CYCLE_NOTICE = "notice"

SCOPE_LEAD = "lead"
SCOPE_ALL = "all"

DELIVERY_REMINDER = "reminder"
DELIVERY_NUDGE = "nudge"
DELIVERY_OVERDUE = "overdue"  # digest of who is overdue, to coordinators, after the deadline
DELIVERY_DIGEST = "digest"  # 通报 from a digest schedule
DELIVERY_NOTICE = "notice"  # one-off notices (e.g. a chat became unreachable)
DELIVERY_REPORT = "report"  # to /remind's chat: how the cycle's fan-out went

STATUS_PENDING = "pending"
STATUS_SENDING = "sending"  # claimed by a process; in flight
STATUS_SENT = "sent"
STATUS_FAILED = "failed"  # given up for good (chat gone); pending ones are retried
STATUS_SKIPPED = "skipped"  # nothing to say any more (e.g. nudge after everyone reported)

# How Delivery.last_error begins when Telegram asked to wait, or the chat shut the bot out.
RATE_LIMITED_MARK = "flood control"
FORBIDDEN_MARK = "forbidden"


class ReminderSchedule(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default=SCHEDULE_REMINDER, max_length=20)
    spec: str = Field(max_length=200)  # as the admin typed it: "monthly 25 09:00"
    cron: str = Field(max_length=100)  # five-field cron equivalent: "0 9 25 * *"
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    due_days: int = 3  # reply window after the reminder
    nudge_hours: int = 24  # the nudge goes this long before the deadline (0: none)
    scope: str = Field(default=SCOPE_ALL, max_length=10)
    department_id: int | None = Field(default=None, foreign_key="department.id")  # None: all
    skip_holidays: bool = True  # move to the next working day (调休 aware)
    paused: bool = False
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class Cycle(SQLModel, table=True):
    """One firing of a schedule (or one manual /remind): what was asked, and by when."""

    id: int | None = Field(default=None, primary_key=True)
    # "s{schedule_id}:{fire time ISO}" or "manual:{uuid}": unique, so concurrent
    # processes that fire the same schedule create the cycle once.
    key: str = Field(max_length=100, unique=True, index=True)
    schedule_id: int | None = Field(default=None, foreign_key="reminderschedule.id")
    kind: str = Field(default=SCHEDULE_REMINDER, max_length=20)
    fire_at: datetime  # naive UTC; the planned time (after the holiday shift)
    due_at: datetime  # naive UTC; replies after this are late
    nudge_at: datetime | None = None
    scope: str = Field(default=SCOPE_ALL, max_length=10)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    overdue_digest_done: bool = False
    # /remind's chat, told how the fan-out went once it has settled (`report_queued` then).
    report_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    report_queued: bool = False


class CycleTask(SQLModel, table=True):
    """Department D owes a report on measure M in cycle C (the basis of overdue and status)."""

    __table_args__ = (UniqueConstraint("cycle_id", "measure_id", "department_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    role: str = Field(max_length=10)
    # Leads, and every department of a clause with no lead, colour the status light.
    responsible: bool = True
    # Set by the first report of this cycle, so /status judges the cycle by it and not by
    # whatever the department sent later (a late follow-up, a reply to an older cycle).
    reported_at: datetime | None = None
    reported_on_time: bool | None = None


class Delivery(SQLModel, table=True):
    """The outbox: one message the bot owes one chat for one cycle."""

    __table_args__ = (
        UniqueConstraint("cycle_id", "chat_id", "kind"),
        Index("ix_delivery_status_due", "status", "not_before"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    kind: str = Field(default=DELIVERY_REMINDER, max_length=20)
    status: str = Field(default=STATUS_PENDING, max_length=20)
    not_before: datetime = Field(default_factory=utcnow)  # retry back-off
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = None
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
