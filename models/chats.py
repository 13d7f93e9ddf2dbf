"""Tables for chats bound to departments and for the users' roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.clock import utcnow

ROLE_ADMIN = "admin"
ROLE_COORDINATOR = "coordinator"


class Chat(SQLModel, table=True):
    """A Telegram chat the bot knows; `id` is Telegram's chat id."""

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    title: str = Field(default="", max_length=300)
    type: str = Field(default="group", max_length=20)
    language: str | None = Field(default=None, max_length=10)  # None: the bot's default
    is_active: bool = True  # False after the bot was removed from the chat
    is_coordinators: bool = False  # the coordinators' chat: everyone in it coordinates
    is_leaders: bool = False  # the leaders' chat: it gets the 通报 and what is escalated
    migrated_to: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class ChatDepartment(SQLModel, table=True):
    """Chat C is the group of department D."""

    __table_args__ = (UniqueConstraint("chat_id", "department_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    department_id: int = Field(foreign_key="department.id", index=True)
    bound_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    bound_at: datetime = Field(default_factory=utcnow)


class UserRole(SQLModel, table=True):
    """Admins and coordinators added from Telegram (ADMIN_IDS come from settings)."""

    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    role: str = Field(max_length=20)  # ROLE_ADMIN or ROLE_COORDINATOR
    display_name: str = Field(default="", max_length=200)
    added_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    added_at: datetime = Field(default_factory=utcnow)


class StrangerAnswer(SQLModel, table=True):
    """When the bot last answered someone with no role in a chat no department owns: a
    flood from strangers gets at most one answer per chat per minute, across instances."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    answered_at: datetime
