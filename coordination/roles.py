"""Who may do what: admins, coordinators and liaisons, worked out from the database.

- admin: a user in ADMIN_IDS, or one an admin added (`UserRole` with role admin);
- coordinator: a user an admin added, or anyone in the coordinators' chat; admins may do
  everything coordinators may;
- liaison: anyone in a chat bound to one or more departments (the group is theirs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import Session, select

from models.chats import ROLE_ADMIN, ROLE_COORDINATOR, Chat, ChatDepartment, UserRole


@dataclass(frozen=True)
class Roles:
    user_id: int | None
    chat_id: int | None
    is_admin: bool = False
    is_coordinator: bool = False
    # Departments the chat is bound to: a user in such a chat is their liaison.
    department_ids: tuple[int, ...] = field(default_factory=tuple)
    in_coordinators_chat: bool = False

    @property
    def is_liaison(self) -> bool:
        return bool(self.department_ids)

    @property
    def can_coordinate(self) -> bool:
        return self.is_admin or self.is_coordinator

    @property
    def is_stranger(self) -> bool:
        """No role at all, in a chat no department owns (a flood from such is answered
        sparingly)."""
        return not (self.can_coordinate or self.is_liaison or self.in_coordinators_chat)


def chat_department_ids(session: Session, *, chat_id: int) -> list[int]:
    """Departments bound to the chat, in binding order (empty for unbound or inactive chats)."""
    chat = session.get(Chat, chat_id)
    if chat is None or not chat.is_active:
        return []
    rows = session.exec(
        select(ChatDepartment.department_id)
        .where(ChatDepartment.chat_id == chat_id)
        .order_by(ChatDepartment.id)  # type: ignore[arg-type]
    ).all()
    return list(rows)


def resolve_roles(
    session: Session, *, user_id: int | None, chat_id: int | None, admin_ids: Iterable[int]
) -> Roles:
    """The roles of `user_id` speaking in `chat_id`."""
    granted: set[str] = set()
    if user_id is not None:
        granted = set(session.exec(select(UserRole.role).where(UserRole.user_id == user_id)).all())
    is_admin = user_id is not None and (user_id in set(admin_ids) or ROLE_ADMIN in granted)
    in_coord_chat = False
    department_ids: list[int] = []
    if chat_id is not None:
        chat = session.get(Chat, chat_id)
        in_coord_chat = bool(chat and chat.is_active and chat.is_coordinators)
        department_ids = chat_department_ids(session, chat_id=chat_id)
    return Roles(
        user_id=user_id,
        chat_id=chat_id,
        is_admin=is_admin,
        is_coordinator=ROLE_COORDINATOR in granted or in_coord_chat,
        department_ids=tuple(department_ids),
        in_coordinators_chat=in_coord_chat,
    )


# --- who may run what, where -----------------------------------------------------------


class Need(StrEnum):
    """Who a command is for."""

    EVERYONE = "everyone"
    COORDINATOR = "coordinator"  # coordinators and admins
    ADMIN = "admin"


class Place(StrEnum):
    """Where a command may be used."""

    ANYWHERE = "anywhere"
    GROUP = "group"  # inside the group chat it is about (/bind, /unbind, /coordinators_chat)
    # The coordinators' chat or a private chat, so department groups stay uncluttered.
    COORDINATION = "coordination"


class Access(StrEnum):
    """The verdict of `access`: allowed, or why not (each with its own polite answer)."""

    OK = "ok"
    ADMINS_ONLY = "admins_only"
    COORDINATORS_ONLY = "coordinators_only"
    GROUP_ONLY = "group_only"
    ELSEWHERE = "elsewhere"  # a coordinator in a department group: ask in the right place


def access(roles: Roles, *, need: Need, place: Place, private: bool, in_group: bool) -> Access:
    """May the caller with `roles` run a command for `need` in a chat of this kind here?"""
    if need == Need.ADMIN and not roles.is_admin:
        return Access.ADMINS_ONLY
    if need == Need.COORDINATOR and not roles.can_coordinate:
        return Access.COORDINATORS_ONLY
    if place == Place.GROUP and not in_group:
        return Access.GROUP_ONLY
    if place == Place.COORDINATION and not (private or roles.in_coordinators_chat):
        return Access.ELSEWHERE
    return Access.OK
