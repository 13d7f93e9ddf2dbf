"""The inbox: every update received from Telegram, stored before Telegram is told it arrived.

A row is claimed by the process that handles it (a lease, as deliveries are) and marked done
in the transaction that commits the update's effect; done rows are pruned after a while.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from models.clock import utcnow


class InboxUpdate(SQLModel, table=True):
    """One update as Telegram sent it; `update_id` is Telegram's, so a copy is recognised."""

    __table_args__ = (Index("ix_inboxupdate_done_at", "done_at"),)

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the update's JSON
    received_at: datetime = Field(default_factory=utcnow)
    # The process handling it ("host:pid"), renewed while it works; None: nobody yet.
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = None
    done_at: datetime | None = None  # None: not finished (handled first at the next start)
