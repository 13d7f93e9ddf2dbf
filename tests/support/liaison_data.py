"""Rows the liaison tests start from: bound chats, a cycle with its tasks, a sent reminder.

Made directly with the models, so these tests do not depend on how /bind or the scheduler
create them (tests of those live with their own areas).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from models.chats import Chat, ChatDepartment
from models.clock import utcnow
from models.plan import Assignment, Department, Measure
from models.progress import LatestProgress, PendingReply, ProgressRevision, ProgressUpdate
from models.schedules import (
    DELIVERY_REMINDER,
    SCOPE_ALL,
    SCOPE_LEAD,
    STATUS_SENT,
    Cycle,
    CycleTask,
    Delivery,
)


def department_id(session: Session, name: str) -> int:
    department = session.exec(select(Department).where(Department.name == name)).one()
    assert department.id is not None
    return department.id


def measure_id(session: Session, number: int) -> int:
    measure = session.exec(select(Measure).where(Measure.number == number)).one()
    assert measure.id is not None
    return measure.id


def bind(session: Session, chat_id: int, *names: str, title: str = "") -> None:
    if session.get(Chat, chat_id) is None:
        session.add(Chat(id=chat_id, title=title or f"chat {chat_id}"))
    for name in names:
        session.add(ChatDepartment(chat_id=chat_id, department_id=department_id(session, name)))
    session.flush()


def make_cycle(
    session: Session,
    *,
    deliveries: dict[int, int],
    scope: str = SCOPE_ALL,
    fire_at: datetime | None = None,
    due_in: timedelta = timedelta(days=3),
) -> int:
    """A fired cycle with tasks for every bound chat's departments, and sent reminders.

    `deliveries` maps chat id → the message id of the reminder the bot sent there.
    """
    fire_at = fire_at or utcnow() - timedelta(hours=1)
    cycle = Cycle(
        key=f"manual:{uuid.uuid4()}", fire_at=fire_at, due_at=fire_at + due_in, scope=scope
    )
    session.add(cycle)
    session.flush()
    assert cycle.id is not None
    for chat_id, message_id in deliveries.items():
        departments = session.exec(
            select(ChatDepartment.department_id).where(ChatDepartment.chat_id == chat_id)
        ).all()
        for assignment in session.exec(
            select(Assignment).where(col(Assignment.department_id).in_(departments))
        ):
            responsible = assignment.role == "lead" or assignment.reports_as_lead
            if scope == SCOPE_LEAD and not responsible:
                continue
            session.add(
                CycleTask(
                    cycle_id=cycle.id,
                    measure_id=assignment.measure_id,
                    department_id=assignment.department_id,
                    role=assignment.role,
                    responsible=responsible,
                )
            )
        session.add(
            Delivery(
                cycle_id=cycle.id,
                chat_id=chat_id,
                kind=DELIVERY_REMINDER,
                status=STATUS_SENT,
                message_id=message_id,
                sent_at=fire_at,
            )
        )
    session.flush()
    return cycle.id


def updates(session: Session, chat_id: int | None = None) -> list[ProgressUpdate]:
    query = select(ProgressUpdate).order_by(col(ProgressUpdate.id))
    if chat_id is not None:
        query = query.where(ProgressUpdate.chat_id == chat_id)
    return list(session.exec(query).all())


def summary(session: Session, chat_id: int | None = None) -> list[tuple[int, str, str, str]]:
    """(measure number, department name, status, text) of every record, in order."""
    rows = []
    for update in updates(session, chat_id):
        measure = session.get(Measure, update.measure_id)
        department = session.get(Department, update.department_id)
        assert measure is not None and department is not None
        rows.append((measure.number, department.name, update.status, update.text))
    return rows


def counts(session: Session) -> tuple[int, int, int, int]:
    """(updates, latest rows, revisions, pending replies)."""
    return (
        len(session.exec(select(ProgressUpdate)).all()),
        len(session.exec(select(LatestProgress)).all()),
        len(session.exec(select(ProgressRevision)).all()),
        len(session.exec(select(PendingReply)).all()),
    )
