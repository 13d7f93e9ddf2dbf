"""The bot's sending pace, kept where every instance sees it: one row per budget.

`SendPace('bot')` holds when the bot's next message may leave, `SendPace('chat:<id>')` when
the next one into that chat may; instances reserve slots by moving `next_at` forward
atomically (`coordination.pace`), so two processes together keep one bot's limits.
"""

from __future__ import annotations

from sqlalchemy import Column, Float
from sqlmodel import Field, SQLModel


class SendPace(SQLModel, table=True):
    """When the next message of one budget (the bot's, a chat's) may be released."""

    key: str = Field(primary_key=True, max_length=64)
    # Seconds since the epoch on the database's clock, so instances on machines whose clocks
    # disagree still agree on the pace.
    next_at: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
