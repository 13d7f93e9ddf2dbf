"""Chats and people of a platform whose ids are not numbers (DingTalk's `cid…` conversation
ids and staff ids), and the number the core knows each by.

The core keys chats and people by integers (Telegram's ids, used as they are). A platform
with text ids gets a number per address here: groups negative, people (and the private chat
with them) positive, as on Telegram, and all beyond ADDRESS_BASE so they never meet a
Telegram id in the same database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.clock import utcnow

ADDRESS_CHAT = "chat"  # a group chat
ADDRESS_USER = "user"  # a person, and the private chat with them
# Beyond Telegram's ids (users below 2^52 ≈ 4.5·10^15 in theory, about 10^10 in practice;
# supergroups near -10^12) and within what JavaScript numbers hold exactly (9·10^15).
ADDRESS_BASE = 10**15


class PlatformAddress(SQLModel, table=True):
    """Address `key` of `kind` on `platform` is known to the core as ±(ADDRESS_BASE + id)."""

    __table_args__ = (UniqueConstraint("platform", "kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    kind: str = Field(max_length=10)  # ADDRESS_CHAT or ADDRESS_USER
    key: str = Field(max_length=200)
    label: str = Field(default="", max_length=200)  # the title or name last seen
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def number(self) -> int:
        assert self.id is not None
        magnitude = ADDRESS_BASE + self.id
        return -magnitude if self.kind == ADDRESS_CHAT else magnitude
