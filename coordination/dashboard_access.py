"""Who may look at the web dashboard, and the /dashboard and /screen commands, free of Telegram.

The bot's roles decide: admins and coordinators see everything, a liaison (a member of a
department's bound group) only their departments. Chat membership is a fact only Telegram
knows; the caller asks it for the chats `chats_to_ask` names and passes the answer in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from coordination.roles import resolve_roles
from coordination.weblinks import (
    LOGIN_LINK_LIFETIME,
    Revocation,
    create_kiosk,
    create_login_link,
    list_kiosks,
    revoke_kiosk,
)
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


# --- /dashboard -------------------------------------------------------------------------------

DASHBOARD_OFF = "off"  # WEBAPP_URL is not set
DASHBOARD_PRIVATE = "private"  # the Mini App button and a one-time login link
DASHBOARD_GROUP = "group"  # a plain link: no secret in a group
DASHBOARD_REFUSED = "refused"  # no role that sees anything


@dataclass(frozen=True)
class DashboardAnswer:
    kind: str
    login_token: str = ""
    minutes: int = int(LOGIN_LINK_LIFETIME.total_seconds() // 60)


def dashboard_command(
    session: Session,
    *,
    user_id: int | None,
    private: bool,
    allowed: bool,
    enabled: bool,
    locale: str,
    now: datetime,
) -> DashboardAnswer:
    """/dashboard: in private a one-time login link for a browser; in a group, the link only."""
    if not enabled:
        return DashboardAnswer(DASHBOARD_OFF)
    if not private:
        return DashboardAnswer(DASHBOARD_GROUP)
    if user_id is None or not allowed:
        return DashboardAnswer(DASHBOARD_REFUSED)
    token = create_login_link(session, user_id=user_id, locale=locale, now=now)
    return DashboardAnswer(DASHBOARD_PRIVATE, login_token=token)


# --- /screen ------------------------------------------------------------------------------------

SCREEN_CREATED = "created"
SCREEN_LIST = "list"
SCREEN_REVOKE = "revoke"
SCREEN_USAGE = "usage"
SCREEN_OFF = "off"
LIST_WORDS = {"list", "ls", "列表", "清单"}
REVOKE_WORDS = {"revoke", "delete", "remove", "撤销", "吊销", "删除"}


@dataclass(frozen=True)
class ScreenAnswer:
    kind: str
    token: str = ""
    kiosk: KioskLink | None = None
    kiosks: list[KioskLink] = field(default_factory=list)
    revocation: Revocation | None = None


def screen_command(
    session: Session,
    *,
    user_id: int,
    argument: str,
    enabled: bool,
    locale: str,
    now: datetime,
) -> ScreenAnswer:
    """/screen [label] makes a kiosk link, /screen list shows them, /screen revoke N ends one."""
    if not enabled:
        return ScreenAnswer(SCREEN_OFF)
    words = argument.split()
    verb = words[0].lower() if words else ""
    if verb in LIST_WORDS and len(words) == 1:
        return ScreenAnswer(SCREEN_LIST, kiosks=list_kiosks(session))
    if verb in REVOKE_WORDS:
        number = words[1].lstrip("#") if len(words) == 2 else ""
        if not (number.isascii() and number.isdecimal()) or len(number) > 9:
            return ScreenAnswer(SCREEN_USAGE)
        revocation = revoke_kiosk(session, kiosk_id=int(number), by=user_id, now=now)
        return ScreenAnswer(SCREEN_REVOKE, revocation=revocation)
    token, kiosk = create_kiosk(
        session, created_by=user_id, label=argument, locale=locale, now=now
    )
    return ScreenAnswer(SCREEN_CREATED, token=token, kiosk=kiosk)
