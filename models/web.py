"""Tables for the web dashboard's access: one-time login links, browser sessions, kiosk links.

Only a SHA-256 of each token is stored: a copy of the database opens no dashboard.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from models.clock import utcnow

SESSION_MINI_APP = "mini_app"  # opened inside Telegram, signed initData
SESSION_LOGIN_LINK = "login_link"  # a desktop browser, from /dashboard's one-time link


class WebLoginLink(SQLModel, table=True):
    """A one-time link a user asked for with /dashboard; it opens one browser session."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    locale: str = Field(default="", max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A browser's session cookie: who it is, until when (roles are checked on every page)."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    kind: str = Field(default=SESSION_MINI_APP, max_length=20)
    locale: str = Field(default="", max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class KioskLink(SQLModel, table=True):
    """A read-only link for the office's big screen, made by /screen and revocable."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    label: str = Field(default="", max_length=100)
    locale: str = Field(default="", max_length=10)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
