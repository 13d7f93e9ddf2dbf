"""Shared steps of the admin-side tests: move the bot's clock, read reminders, record reports."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import select

from coordination.duties import duties
from models.clock import utcnow
from models.db import Database
from models.plan import Department
from models.progress import ProgressUpdate
from models.schedules import CycleTask

LABEL = re.compile(r"^(（[一二三四五六七八九十]+）)")


def shared_database(tmp_path) -> Database:
    """A database with the bundled plan that outlives the Applications opened on it."""
    from assembly import ensure_bundled_plan
    from tests.support.harness import fresh_database, test_database_url

    db = fresh_database(test_database_url(tmp_path))
    ensure_bundled_plan(db)
    return db


def travel(bot, moment: datetime) -> None:
    """Set the bot's clock to `moment` (naive UTC)."""
    bot.application.bot_data["services"].clock_offset = moment - utcnow()


def listed_labels(text: str) -> list[str]:
    """Measure labels at the start of the lines of a reminder, nudge or digest."""
    return [m.group(1) for line in text.splitlines() if (m := LABEL.match(line))]


def department_id(bot, name: str) -> int:
    with bot.db.session() as session:
        return session.exec(select(Department.id).where(Department.name == name)).one()


def expected_labels(bot, names: list[str]) -> list[str]:
    with bot.db.session() as session:
        ids = [session.exec(select(Department.id).where(Department.name == n)).one() for n in names]
        return [d.label for d in duties(session, department_ids=ids)]


def report_all(bot, *, cycle_id: int, department: str, chat_id: int) -> int:
    """Record a report for every task of `department` in the cycle (as the liaison would)."""
    dept = department_id(bot, department)
    with bot.db.session() as session:
        tasks = session.exec(
            select(CycleTask).where(CycleTask.cycle_id == cycle_id, CycleTask.department_id == dept)
        ).all()
        for index, task in enumerate(tasks):
            session.add(
                ProgressUpdate(
                    measure_id=task.measure_id,
                    department_id=dept,
                    cycle_id=cycle_id,
                    chat_id=chat_id,
                    text="已完成",
                    status="done",
                    source_message_id=90_000 + index,
                )
            )
        session.commit()
        return len(tasks)
