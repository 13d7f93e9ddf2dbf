"""Admins' commands: /bind, /unbind, /chats, /admin, /coordinator, /coordinators_chat,
/leaders_chat, and /measures (a chat's measures for its liaisons, any department's for
coordinators).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from commands.gate import CommandArgs
from coordination.admins import (
    grant_role,
    revoke_role,
    role_holders,
    set_coordinators_chat,
    set_leaders_chat,
)
from coordination.bindings import (
    BindResult,
    ChatsOverview,
    bind_departments,
    chat_departments,
    chats_overview,
    unbind_departments,
)
from coordination.duties import DepartmentTasks, TaskLine, duties
from coordination.roles import Roles
from coordination.schedules import UnknownDepartment, resolve_department
from models.chats import ROLE_ADMIN, ROLE_COORDINATOR

# `/coordinators_chat off` and its other spellings.
OFF_WORDS = ("off", "remove", "unmark", "取消", "关")
ROLE_ACTIONS = ("add", "remove")
# Telegram's user ids fit 52 bits; a longer number is nobody (and no database integer).
MAX_USER_ID = 2**52


def bind(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> BindResult:
    """/bind 省水利厅；省能源局: bind this group to departments (all or none)."""
    if not args.text.strip():
        return BindResult()
    assert args.chat_id is not None
    return bind_departments(
        session,
        chat_id=args.chat_id,
        text=args.text.strip(),
        title=args.chat_title,
        chat_type=args.chat_type,
        user_id=roles.user_id,
    )


@dataclass(frozen=True)
class UnbindAnswer:
    removed: list[str]
    missing: list[str]  # named, but not bound to this chat


def unbind(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> UnbindAnswer:
    """/unbind [department…]: this group's bindings, all or the named ones."""
    assert args.chat_id is not None
    removed, missing = unbind_departments(session, chat_id=args.chat_id, text=args.text.strip())
    return UnbindAnswer(removed, missing)


def chats(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> ChatsOverview:
    """/chats: bound chats, the coordinators' chat, departments with no chat yet."""
    return chats_overview(session)


class RoleOutcome(StrEnum):
    LISTED = "listed"
    USAGE = "usage"  # neither add, remove nor list
    WHOM = "whom"  # add or remove, but nobody named
    GRANTED = "granted"
    ALREADY = "already"
    REVOKED = "revoked"
    NOT_HELD = "not_held"
    CONFIGURED = "configured"  # an admin of ADMIN_IDS: changed in the settings only


@dataclass(frozen=True)
class RoleAnswer:
    role: str  # ROLE_ADMIN or ROLE_COORDINATOR
    outcome: RoleOutcome
    action: str = ""  # add or remove, as typed
    holders: list[tuple[int, str]] = field(default_factory=list)  # user id, display name
    configured: tuple[int, ...] = ()  # the admins of ADMIN_IDS (listed for the admin role)
    user_id: int | None = None
    user_name: str = ""
    # Where only @-messages reach the bot (DingTalk) a person is named by @-mentioning them.
    answer_by_mention: bool = False

    @property
    def command(self) -> str:
        return "admin" if self.role == ROLE_ADMIN else "coordinator"


def _role_command(session: Session, *, role: str, roles: Roles, args: CommandArgs) -> RoleAnswer:
    words = args.words
    action = words[0].lower() if words else "list"
    if action == "list":
        holders = [(h.user_id, h.display_name) for h in role_holders(session, role=role)]
        configured = args.admin_ids if role == ROLE_ADMIN else ()
        return RoleAnswer(role, RoleOutcome.LISTED, holders=holders, configured=configured)
    if action not in ROLE_ACTIONS:
        return RoleAnswer(role, RoleOutcome.USAGE, answer_by_mention=args.answer_by_mention)
    target, name = args.replied_user_id, args.replied_user_name
    typed = words[1] if len(words) > 1 else ""
    if target is None and typed.lstrip("-").isdecimal() and abs(int(typed)) <= MAX_USER_ID:
        target, name = int(typed), ""
    if target is None:
        return RoleAnswer(
            role, RoleOutcome.WHOM, action=action, answer_by_mention=args.answer_by_mention
        )
    if action == "add":
        added = grant_role(
            session, user_id=target, role=role, display_name=name, added_by=roles.user_id
        )
        outcome = RoleOutcome.GRANTED if added else RoleOutcome.ALREADY
    elif role == ROLE_ADMIN and target in args.admin_ids:
        outcome = RoleOutcome.CONFIGURED
    else:
        removed = revoke_role(session, user_id=target, role=role)
        outcome = RoleOutcome.REVOKED if removed else RoleOutcome.NOT_HELD
    return RoleAnswer(role, outcome, action=action, user_id=target, user_name=name)


def admin(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> RoleAnswer:
    """/admin add|remove|list: reply to the person's message, or give their user id."""
    return _role_command(session, role=ROLE_ADMIN, roles=roles, args=args)


def coordinator(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> RoleAnswer:
    """/coordinator add|remove|list."""
    return _role_command(session, role=ROLE_COORDINATOR, roles=roles, args=args)


@dataclass(frozen=True)
class CoordinatorsChatAnswer:
    off: bool  # asked to unmark
    changed: bool  # False: it already was (or was not) the coordinators' chat


def coordinators_chat(
    session: Session, *, roles: Roles, args: CommandArgs, now: datetime
) -> CoordinatorsChatAnswer:
    """/coordinators_chat [off]: mark (or unmark) this group as the coordinators' chat."""
    assert args.chat_id is not None
    off = (args.words or [""])[0].lower() in OFF_WORDS
    changed = set_coordinators_chat(
        session, chat_id=args.chat_id, on=not off, title=args.chat_title, chat_type=args.chat_type
    )
    return CoordinatorsChatAnswer(off, changed)


def leaders_chat(
    session: Session, *, roles: Roles, args: CommandArgs, now: datetime
) -> CoordinatorsChatAnswer:
    """/leaders_chat [off]: mark (or unmark) this group as the leaders' chat."""
    assert args.chat_id is not None
    off = (args.words or [""])[0].lower() in OFF_WORDS
    changed = set_leaders_chat(
        session, chat_id=args.chat_id, on=not off, title=args.chat_title, chat_type=args.chat_type
    )
    return CoordinatorsChatAnswer(off, changed)


class MeasuresRefusal(StrEnum):
    NONE = ""
    OTHERS = "others"  # a stranger asked for a department's measures
    NAME_ONE = "name_one"  # a coordinator in an unbound chat: name a department
    NOT_BOUND = "not_bound"  # anyone else in an unbound chat


@dataclass(frozen=True)
class MeasuresAnswer:
    departments: list[DepartmentTasks] = field(default_factory=list)
    refusal: MeasuresRefusal = MeasuresRefusal.NONE
    unknown: UnknownDepartment | None = None


def measures(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> MeasuresAnswer:
    """/measures: the bound chat's measures; /measures <department> for coordinators."""
    name = args.text.strip()
    if name and not roles.can_coordinate:
        if not roles.is_liaison:
            return MeasuresAnswer(refusal=MeasuresRefusal.OTHERS)
        name = ""  # a liaison sees their own chat's measures
    if not name and not roles.is_liaison:
        if roles.can_coordinate:
            return MeasuresAnswer(refusal=MeasuresRefusal.NAME_ONE)
        return MeasuresAnswer(refusal=MeasuresRefusal.NOT_BOUND)
    if name:
        try:
            departments = [resolve_department(session, name)]
        except UnknownDepartment as unknown:
            return MeasuresAnswer(unknown=unknown)
    else:
        departments = chat_departments(session, chat_id=args.chat_id) if args.chat_id else []
    owed = duties(session, department_ids=[d.id for d in departments if d.id is not None])
    return MeasuresAnswer(
        [
            DepartmentTasks(
                department.name,
                [
                    TaskLine(d.label, d.title, d.role, d.responsible, d.deadline, d.deadline_text)
                    for d in owed
                    if d.department_id == department.id
                ],
            )
            for department in departments
        ]
    )
