"""What the doctor reads from the database: plan, admins, chats, schedules (no Telegram).

Each function takes a session and returns findings; `operations.doctor` runs them in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import chinese_calendar
from sqlmodel import Session, col, func, select

from coordination.admins import role_holders
from coordination.bindings import chats_overview
from coordination.schedule_triggers import next_fire_times
from coordination.schedules import list_schedules
from messages.doctor import Finding, fail, ok, warn
from models.chats import ROLE_ADMIN
from models.plan import Measure, Plan
from models.schedules import SCHEDULE_REMINDER

# Enough names to recognise the list; the rest is counted.
NAMES_SHOWN = 8


def shown(names: Iterable[str]) -> tuple[str, int]:
    """The first names joined with 、 and how many more there are."""
    items = list(names)
    return "、".join(items[:NAMES_SHOWN]), max(0, len(items) - NAMES_SHOWN)


def plan_findings(session: Session) -> list[Finding]:
    plans = session.exec(select(Plan).where(col(Plan.is_active).is_(True))).all()
    if not plans:
        return [fail("no_plan")]
    found = []
    for plan in plans:
        measures = session.exec(
            select(func.count()).select_from(Measure).where(
                Measure.plan_id == plan.id, col(Measure.is_active).is_(True)
            )
        ).one()
        found.append(ok("plan", doc_number=plan.doc_number, measures=measures))
    return found


def admin_findings(session: Session, *, admin_ids: list[int]) -> list[Finding]:
    granted = [row.user_id for row in role_holders(session, role=ROLE_ADMIN)]
    admins = sorted(set(admin_ids) | set(granted))
    if not admins:
        return [fail("no_admin")]
    names, more = shown(str(a) for a in admins)
    return [ok("admins", ids=names, more=more)]


def chat_findings(session: Session) -> list[Finding]:
    overview = chats_overview(session)
    found: list[Finding] = []
    if overview.coordinators_chats:
        chats = overview.coordinators_chats
        titles, more = shown(title or str(chat_id) for chat_id, title in chats)
        found.append(ok("coordinators_chat", titles=titles, more=more))
    else:
        found.append(fail("no_coordinators_chat"))
    active = [chat for chat in overview.chats if chat.is_active]
    gone = [chat for chat in overview.chats if not chat.is_active]
    if active:
        departments = {name for chat in active for name in chat.departments}
        found.append(ok("chats_bound", chats=len(active), departments=len(departments)))
    else:
        found.append(fail("no_chats_bound"))
    if gone:
        titles, more = shown(chat.title or str(chat.chat_id) for chat in gone)
        found.append(warn("chats_gone", count=len(gone), titles=titles, more=more))
    if overview.unbound_departments:
        names, more = shown(overview.unbound_departments)
        found.append(
            warn("departments_unbound", count=len(overview.unbound_departments), names=names,
                 more=more)
        )
    elif active:
        found.append(ok("departments_all_bound"))
    return found


def schedule_findings(session: Session, *, now: datetime) -> list[Finding]:
    schedules = list_schedules(session)
    live_reminders = [s for s in schedules if s.kind == SCHEDULE_REMINDER and not s.paused]
    found: list[Finding] = []
    if not live_reminders:
        found.append(fail("no_schedule"))
    for schedule in schedules:
        if schedule.paused:
            found.append(warn("schedule_paused", id=schedule.id, spec=schedule.spec))
            continue
        times = next_fire_times(
            schedule.cron, schedule.timezone, skip_holidays=schedule.skip_holidays, after=now,
            count=1,
        )
        kind = "schedule_reminder" if schedule.kind == SCHEDULE_REMINDER else "schedule_digest"
        found.append(
            ok(kind, id=schedule.id, spec=schedule.spec, next=times[0][1] if times else None,
               department=schedule.department)
        )
    return found


def holiday_covered(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def holiday_findings(*, today: date) -> list[Finding]:
    this_year, next_year = today.year, today.year + 1
    found = [
        ok("holidays", year=this_year) if holiday_covered(this_year)
        else fail("holidays_missing", year=this_year),
    ]
    if holiday_covered(next_year):
        found.append(ok("holidays", year=next_year))
    else:
        found.append(warn("holidays_next_missing", year=next_year))
    return found
