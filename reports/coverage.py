"""Who the reminders reach: the units of the plan that have no bound chat (未绑定).

A unit is reached when an active chat is bound to it; a group of units (相关市人民政府) when
one of its members is. Those not reached are shown with their measures, so nobody vanishes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.chats import Chat, ChatDepartment
from models.plan import KIND_GROUP, ROLE_LEAD, Assignment, Department, DepartmentMember, Measure
from models.review import MeasureClosure


@dataclass(frozen=True)
class UnboundUnit:
    """A unit named for a measure that no chat reaches."""

    department_id: int
    name: str
    role: str
    responsible: bool  # a lead, or a unit of a clause that names no lead
    group: bool = False  # a group of units (相关市人民政府): its members' chats reach it


def reached_department_ids(session: Session) -> set[int]:
    """Departments bound to an active chat."""
    rows = session.exec(
        select(ChatDepartment.department_id)
        .join(Chat, col(Chat.id) == ChatDepartment.chat_id)
        .where(col(Chat.is_active).is_(True))
    )
    return set(rows)


def closed_measure_ids(session: Session) -> set[int]:
    return set(session.exec(select(MeasureClosure.measure_id)))


def unbound_units(
    session: Session, *, plan_id: int, responsible_only: bool = False
) -> dict[int, list[UnboundUnit]]:
    """measure id → the units of its active assignments that no chat reaches, in plan order.

    Closed measures are left out: nothing more is asked of them.
    """
    reached = reached_department_ids(session)
    members: dict[int, list[int]] = {}
    for group_id, member_id in session.exec(
        select(DepartmentMember.group_id, DepartmentMember.member_id)
    ):
        members.setdefault(group_id, []).append(member_id)
    closed = closed_measure_ids(session)
    rows = session.exec(
        select(Assignment, Department.name, Department.kind)
        .join(Measure, col(Measure.id) == Assignment.measure_id)
        .join(Department, col(Department.id) == Assignment.department_id)
        .where(Measure.plan_id == plan_id, col(Measure.is_active))
        .order_by(Assignment.measure_id, Assignment.position, Assignment.id)
    ).all()
    found: dict[int, list[UnboundUnit]] = {}
    for assignment, name, kind in rows:
        if assignment.measure_id in closed:
            continue
        responsible = assignment.role == ROLE_LEAD or assignment.reports_as_lead
        if responsible_only and not responsible:
            continue
        if kind == KIND_GROUP:
            covered = any(m in reached for m in members.get(assignment.department_id, []))
        else:
            covered = assignment.department_id in reached
        if not covered:
            found.setdefault(assignment.measure_id, []).append(
                UnboundUnit(
                    assignment.department_id,
                    name,
                    assignment.role,
                    responsible,
                    group=kind == KIND_GROUP,
                )
            )
    return found
