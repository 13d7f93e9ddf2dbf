"""A deployment to break things in: many department chats bound, their liaisons, counting.

Used by the fault, kill and several-instance tests; everything is made with the real plain
functions (`bind_departments`, `set_coordinators_chat`), as an admin's commands would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimChat, SimUser
from coordination.admins import set_coordinators_chat
from coordination.bindings import bind_departments
from models.db import Database
from models.plan import Assignment, Department, Measure
from models.progress import ProgressUpdate
from models.schedules import DELIVERY_REMINDER, Delivery

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
COORDINATORS = SimChat(id=-100_900, title="督办协调组")
LABEL = re.compile(r"^(（[一二三四五六七八九十]+）)", re.MULTILINE)


@dataclass(frozen=True)
class DepartmentChat:
    chat: SimChat
    department: str
    liaison: SimUser


def departments_with_measures(session: Session) -> list[str]:
    """Names of single departments (not groups) that the plan gives measures, by id."""
    return list(
        session.exec(
            select(Department.name)
            .where(Department.kind == "department")
            .where(col(Department.id).in_(select(Assignment.department_id)))
            .order_by(col(Department.id))
        ).all()
    )


def bind_chats(db: Database, count: int, *, first_id: int = -100_100_000) -> list[DepartmentChat]:
    """`count` group chats, each bound to one department (departments repeat past ~35)."""
    names = db.call(departments_with_measures)
    chats = []
    for index in range(count):
        name = names[index % len(names)]
        chat = SimChat(id=first_id - index, title=f"{name} 督办群 {index}", type="supergroup")
        result = db.call(
            bind_departments,
            chat_id=chat.id,
            text=name,
            title=chat.title,
            chat_type="supergroup",
            user_id=1001,
        )
        assert result.bound or result.already, (name, result)
        liaison = SimUser(id=300_000 + index, first_name="联络员", last_name=str(index))
        chats.append(DepartmentChat(chat, name, liaison))
    db.call(
        set_coordinators_chat,
        chat_id=COORDINATORS.id,
        on=True,
        title=COORDINATORS.title,
        chat_type="supergroup",
    )
    return chats


def measure_labels(session: Session, department: str) -> list[str]:
    """The labels of the measures a department holds, in plan order."""
    return list(
        session.exec(
            select(Measure.label)
            .join(Assignment, col(Assignment.measure_id) == Measure.id)
            .join(Department, col(Department.id) == Assignment.department_id)
            .where(Department.name == department, col(Measure.is_active))
            .order_by(Measure.number)
        ).all()
    )


def reminder_rows(session: Session) -> list[Delivery]:
    return list(session.exec(select(Delivery).where(Delivery.kind == DELIVERY_REMINDER)).all())


def reminder_statuses(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in reminder_rows(session):
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def progress_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(ProgressUpdate)).one())


def reminders_in(sim: BotApiSimulator, chat_id: int) -> list[str]:
    """The bot's reminders in a department chat: its messages that answer nobody."""
    if chat_id not in sim.world.chats:
        return []
    return [
        m.text
        for m in sim.bot_messages(chat_id)
        if m.reply_to_message_id is None and LABEL.search(m.text)
    ]
