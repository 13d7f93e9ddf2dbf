"""Binding group chats to departments (/bind, /unbind) and the overview of chats (/chats).

A binding is all or nothing: when one name is unknown or is a group of departments, nothing
changes and the admin gets suggestions or the group's members.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from coordination.duties import duties
from models.chats import Chat, ChatDepartment
from models.clock import utcnow
from models.plan import KIND_GROUP, ROLE_LEAD, Department, DepartmentMember, Measure, Plan
from models.versions import REPLY_SCOPE, bump_version
from planreader.departments import find_department, suggest_departments
from reports.coverage import unbound_units

NAME_SEPARATORS = re.compile(r"[；;，,、\n]+")


@dataclass
class BindResult:
    # name, and the measures it leads, is responsible for (no lead named), supports
    bound: list[tuple[str, int, int, int]] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    unknown: list[tuple[str, list[str]]] = field(default_factory=list)  # name, suggestions
    groups: list[tuple[str, list[str]]] = field(default_factory=list)  # group, members
    elsewhere: list[tuple[str, list[str]]] = field(default_factory=list)  # name, other chats

    @property
    def refused(self) -> bool:
        return bool(self.unknown or self.groups)


@dataclass(frozen=True)
class BoundChat:
    chat_id: int
    title: str
    is_active: bool
    departments: list[str]


@dataclass(frozen=True)
class UnboundHolding:
    """A unit no chat reaches (未绑定), and the measures it holds (labels)."""

    name: str
    leads: list[str]  # measure labels where it leads (牵头)
    supports: list[str]  # … where it supports (配合)
    responsible: list[str] = field(default_factory=list)  # … where nobody leads (负责)
    group: bool = False  # a group of units: a chat of one of its members reaches it


@dataclass(frozen=True)
class ChatsOverview:
    chats: list[BoundChat]
    unbound: list[UnboundHolding]  # units with measures that no chat reaches, most first
    coordinators_chats: list[tuple[int, str]]
    leaders_chats: list[tuple[int, str]] = field(default_factory=list)

    @property
    def unbound_departments(self) -> list[str]:
        return [holding.name for holding in self.unbound]


def split_names(session: Session, text: str) -> list[str]:
    """'省水利厅；省能源局' → ['省水利厅', '省能源局'] (also commas, 、 and spaces).

    A part with spaces that names one department as a whole ('省 水利厅') stays whole.
    """
    names: list[str] = []
    for part in NAME_SEPARATORS.split(text.strip()):
        part = part.strip()
        if not part:
            continue
        if len(part.split()) > 1 and find_department(session, part) is None:
            names.extend(part.split())
        else:
            names.append(part)
    return names


def ensure_chat(
    session: Session, *, chat_id: int, title: str = "", chat_type: str = "group"
) -> Chat:
    """The chat's row, created on first sight; the title is kept current."""
    chat = session.get(Chat, chat_id)
    if chat is None:
        chat = Chat(id=chat_id, title=title[:300], type=chat_type)
        session.add(chat)
        session.flush()
    elif title and chat.title != title[:300]:
        chat.title = title[:300]
        session.add(chat)
    return chat


def _counts(session: Session, department_id: int) -> tuple[int, int, int]:
    """Measures the department leads, is responsible for where nobody leads, and supports."""
    owed = duties(session, department_ids=[department_id])
    leads = sum(1 for d in owed if d.role == ROLE_LEAD)
    responsible = sum(1 for d in owed if d.responsible and d.role != ROLE_LEAD)
    return leads, responsible, len(owed) - leads - responsible


def bind_departments(
    session: Session,
    *,
    chat_id: int,
    text: str,
    title: str = "",
    chat_type: str = "group",
    user_id: int | None = None,
) -> BindResult:
    """Bind the chat to every named department, or to none when one name is refused."""
    result = BindResult()
    found: list[Department] = []
    for name in split_names(session, text):
        department = find_department(session, name)
        if department is None:
            suggestions = [d.name for d in suggest_departments(session, name, limit=3)]
            result.unknown.append((name, suggestions))
        elif department.kind == KIND_GROUP:
            members = session.exec(
                select(Department.name)
                .join(DepartmentMember, col(DepartmentMember.member_id) == Department.id)
                .where(DepartmentMember.group_id == department.id)
                .order_by(DepartmentMember.id)
            ).all()
            result.groups.append((department.name, list(members)))
        elif department not in found:
            found.append(department)
    if result.refused:
        return result

    chat = ensure_chat(session, chat_id=chat_id, title=title, chat_type=chat_type)
    chat_was_active = chat.is_active
    if not chat.is_active:
        chat.is_active = True
        session.add(chat)
    existing = set(
        session.exec(select(ChatDepartment.department_id).where(ChatDepartment.chat_id == chat_id))
    )
    for department in found:
        assert department.id is not None
        if department.id in existing:
            result.already.append(department.name)
            continue
        session.add(
            ChatDepartment(
                chat_id=chat_id, department_id=department.id, bound_by=user_id, bound_at=utcnow()
            )
        )
        result.bound.append((department.name, *_counts(session, department.id)))
        others = session.exec(
            select(Chat.title, Chat.id)
            .join(ChatDepartment, col(ChatDepartment.chat_id) == Chat.id)
            .where(
                ChatDepartment.department_id == department.id,
                Chat.id != chat_id,
                col(Chat.is_active).is_(True),
            )
        ).all()
        if others:
            result.elsewhere.append((department.name, [t or str(i) for t, i in others]))
    if result.bound or not chat_was_active:
        bump_version(session, REPLY_SCOPE)  # replies in this chat now count for others
    session.flush()
    return result


def unbind_departments(
    session: Session, *, chat_id: int, text: str = ""
) -> tuple[list[str], list[str]]:
    """Remove the chat's bindings (all, or the named ones): (removed names, names not bound)."""
    rows = session.exec(
        select(ChatDepartment, Department)
        .join(Department, col(Department.id) == ChatDepartment.department_id)
        .where(ChatDepartment.chat_id == chat_id)
    ).all()
    by_id = {dept.id: (binding, dept) for binding, dept in rows}
    removed: list[str] = []
    missing: list[str] = []
    names = split_names(session, text)
    if names:
        targets = []
        for name in names:
            department = find_department(session, name)
            if department is None or department.id not in by_id:
                missing.append(name)
            else:
                targets.append(by_id[department.id])
    else:
        targets = list(by_id.values())
    for binding, dept in targets:
        session.delete(binding)
        removed.append(dept.name)
    if removed:
        bump_version(session, REPLY_SCOPE)
    session.flush()
    return removed, missing


def chat_departments(session: Session, *, chat_id: int) -> list[Department]:
    """The departments a chat is bound to, in binding order (active or not)."""
    return list(
        session.exec(
            select(Department)
            .join(ChatDepartment, col(ChatDepartment.department_id) == Department.id)
            .where(ChatDepartment.chat_id == chat_id)
            .order_by(ChatDepartment.id)  # type: ignore[arg-type]
        ).all()
    )


def unbound_holdings(session: Session) -> list[UnboundHolding]:
    """Units of the active plan's open measures that no chat reaches, the busiest first."""
    plan = session.exec(
        select(Plan).where(col(Plan.is_active)).order_by(col(Plan.id).desc()).limit(1)
    ).first()
    if plan is None or plan.id is None:
        return []
    labels = dict(
        session.exec(select(Measure.id, Measure.label).where(Measure.plan_id == plan.id)).all()
    )
    held: dict[int, UnboundHolding] = {}
    for measure_id, units in unbound_units(session, plan_id=plan.id).items():
        for unit in units:
            holding = held.setdefault(
                unit.department_id, UnboundHolding(unit.name, [], [], group=unit.group)
            )
            if unit.role == ROLE_LEAD:
                holding.leads.append(labels[measure_id])
            elif unit.responsible:
                holding.responsible.append(labels[measure_id])
            else:
                holding.supports.append(labels[measure_id])
    return sorted(
        held.values(),
        key=lambda h: (-len(h.leads) - len(h.responsible), -len(h.supports), h.name),
    )


def chats_overview(session: Session) -> ChatsOverview:
    """Bound chats with their departments, the coordinators' and leaders' chats, and the units
    with measures that no chat reaches."""
    rows = session.exec(
        select(Chat, Department.name, Department.id)
        .join(ChatDepartment, col(ChatDepartment.chat_id) == Chat.id)
        .join(Department, col(Department.id) == ChatDepartment.department_id)
        .order_by(Chat.title, ChatDepartment.id)  # type: ignore[arg-type]
    ).all()
    chats: dict[int, BoundChat] = {}
    for chat, name, _department_id in rows:
        entry = chats.setdefault(chat.id, BoundChat(chat.id, chat.title, chat.is_active, []))
        entry.departments.append(name)

    def marked(flag: Any) -> list[tuple[int, str]]:
        return [
            (c.id, c.title)
            for c in session.exec(
                select(Chat).where(col(flag).is_(True), col(Chat.is_active).is_(True))
            ).all()
        ]

    return ChatsOverview(
        list(chats.values()),
        unbound_holdings(session),
        marked(Chat.is_coordinators),
        marked(Chat.is_leaders),
    )
