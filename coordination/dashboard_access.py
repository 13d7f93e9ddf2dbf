"""Who may look at the web dashboard, and what they see there.

The bot's roles decide: admins and coordinators see everything, a liaison (a member of a
department's bound group) only their departments. Chat membership is a fact only the chat
platform knows; the caller asks it for the chats `chats_to_ask` names and passes the answer in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from coordination.roles import resolve_roles
from models.chats import Chat, ChatDepartment
from models.web import KioskLink


@dataclass(frozen=True)
class Viewer:
    """Someone looking at the dashboard, and what they may see."""

    user_id: int | None
    everything: bool = False
    department_ids: frozenset[int] = frozenset()
    kiosk_id: int | None = None

    @property
    def allowed(self) -> bool:
        return self.everything or bool(self.department_ids)

    def sees_department(self, department_id: int) -> bool:
        return self.everything or department_id in self.department_ids


NOBODY = Viewer(user_id=None)


def direct_viewer(session: Session, *, user_id: int, admin_ids: Iterable[int]) -> Viewer | None:
    """Admins and coordinators the database names see everything, with no chat to ask."""
    roles = resolve_roles(session, user_id=user_id, chat_id=None, admin_ids=admin_ids)
    return Viewer(user_id=user_id, everything=True) if roles.can_coordinate else None


@dataclass(frozen=True)
class ChatsToAsk:
    """The chats whose members have a role: the coordinators' chats and the bound groups."""

    coordinators: tuple[int, ...] = ()
    departments: dict[int, tuple[int, ...]] = field(default_factory=dict)  # chat → departments

    @property
    def chat_ids(self) -> list[int]:
        return sorted({*self.coordinators, *self.departments})


def chats_to_ask(session: Session) -> ChatsToAsk:
    active = select(Chat.id).where(col(Chat.is_active))
    coordinators = session.exec(
        select(Chat.id).where(col(Chat.is_active), col(Chat.is_coordinators))
    ).all()
    departments: dict[int, list[int]] = {}
    for chat_id, department_id in session.exec(
        select(ChatDepartment.chat_id, ChatDepartment.department_id)
        .where(col(ChatDepartment.chat_id).in_(active))
        .order_by(col(ChatDepartment.id))
    ):
        departments.setdefault(chat_id, []).append(department_id)
    return ChatsToAsk(
        coordinators=tuple(sorted(coordinators)),
        departments={chat: tuple(ids) for chat, ids in departments.items()},
    )


def viewer_from_memberships(
    chats: ChatsToAsk, *, user_id: int, member_of: Collection[int]
) -> Viewer:
    """The viewer a user is by the chats they are a member of."""
    if any(chat in member_of for chat in chats.coordinators):
        return Viewer(user_id=user_id, everything=True)
    departments = {d for chat, ids in chats.departments.items() if chat in member_of for d in ids}
    return Viewer(user_id=user_id, department_ids=frozenset(departments))


def kiosk_viewer(kiosk: KioskLink) -> Viewer:
    """A big screen shows the whole plan, like the coordinator who made its link."""
    return Viewer(user_id=None, everything=True, kiosk_id=kiosk.id)
