"""Which measures each department owes reports on, as lead (牵头) or support (配合).

Assignments to a department group (相关市人民政府) are owed by each member department, so
a city's chat hears about the measures its group was named in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from models.plan import (
    KIND_GROUP,
    ROLE_LEAD,
    Assignment,
    Department,
    DepartmentMember,
    Measure,
    Plan,
)
from models.review import MeasureClosure
from models.schedules import SCOPE_LEAD


@dataclass(frozen=True)
class Duty:
    """Department `department_id` owes reports on a measure in `role`."""

    department_id: int
    department_name: str
    measure_id: int
    number: int
    label: str
    title: str
    role: str
    responsible: bool  # leads, and every department of a clause with no lead
    via_group: str | None = None  # the group's name when owed through a group
    deadline: date | None = None  # the measure's due date, when the plan sets one
    deadline_text: str | None = None  # as written: 2023年6月底前, 长期坚持


def duties(
    session: Session, *, department_ids: Iterable[int] | None = None, scope: str = "all"
) -> list[Duty]:
    """Duties of open measures of active plans, by department then measure number.

    `department_ids=None` means every department reachable by a chat (real departments and
    the members of groups); `scope="lead"` keeps only the responsible ones.
    """
    wanted = set(department_ids) if department_ids is not None else None
    rows = session.exec(
        select(Assignment, Measure, Department)
        .join(Measure, col(Measure.id) == Assignment.measure_id)
        .join(Plan, col(Plan.id) == Measure.plan_id)
        .join(Department, col(Department.id) == Assignment.department_id)
        .where(
            col(Measure.is_active).is_(True),
            col(Plan.is_active).is_(True),
            # A closed measure (销号) asks nothing more of anyone.
            col(Measure.id).not_in(select(MeasureClosure.measure_id)),
        )
        .order_by(Measure.number, Assignment.position)
    ).all()
    members: dict[int, list[tuple[int, str]]] = {}
    for member_row in session.exec(
        select(DepartmentMember.group_id, Department.id, Department.name)
        .join(Department, col(Department.id) == DepartmentMember.member_id)
        .order_by(DepartmentMember.id)
    ).all():
        members.setdefault(member_row[0], []).append((member_row[1], member_row[2]))

    found: dict[tuple[int, int], Duty] = {}
    for assignment, measure, department in rows:
        responsible = assignment.role == ROLE_LEAD or assignment.reports_as_lead
        if scope == SCOPE_LEAD and not responsible:
            continue
        assert measure.id is not None and department.id is not None
        if department.kind == KIND_GROUP:
            owners = [(mid, name, department.name) for mid, name in members.get(department.id, [])]
        else:
            owners = [(department.id, department.name, None)]
        for owner_id, owner_name, via in owners:
            if wanted is not None and owner_id not in wanted:
                continue
            key = (owner_id, measure.id)
            # A direct assignment beats one through a group; a lead role beats support.
            previous = found.get(key)
            if previous is not None and (previous.via_group is None or not responsible):
                continue
            found[key] = Duty(
                department_id=owner_id,
                department_name=owner_name,
                measure_id=measure.id,
                number=measure.number,
                label=measure.label,
                title=measure.title,
                role=assignment.role,
                responsible=responsible,
                via_group=via,
                deadline=measure.deadline,
                deadline_text=measure.deadline_text,
            )
    order = {d: i for i, d in enumerate(department_ids or [])}
    return sorted(
        found.values(),
        key=lambda d: (order.get(d.department_id, len(order)), d.department_id, d.number),
    )


@dataclass(frozen=True)
class TaskLine:
    """One measure a department owes, as a reminder or /measures lists it."""

    label: str
    title: str
    role: str
    responsible: bool
    deadline: date | None = None  # the measure's due date, when the plan sets one
    deadline_text: str | None = None  # as written: 2023年6月底前, 长期坚持


@dataclass(frozen=True)
class DepartmentTasks:
    """A department and the measures it owes (in a cycle, or in the plan)."""

    name: str
    tasks: Sequence[TaskLine]
