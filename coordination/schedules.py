"""Reminder schedules in the database (the source of truth the jobs are rebuilt from)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from coordination.schedule_spec import ScheduleSpec
from models.plan import KIND_GROUP, Department
from models.schedules import Cycle, ReminderSchedule
from planreader.departments import find_department, suggest_departments


class UnknownDepartment(LookupError):
    def __init__(self, name: str, suggestions: list[str], *, is_group: bool = False) -> None:
        super().__init__(name)
        self.name = name
        self.suggestions = suggestions
        self.is_group = is_group


@dataclass(frozen=True)
class ScheduleView:
    id: int
    kind: str
    spec: str
    cron: str
    timezone: str
    due_days: int
    nudge_hours: int
    scope: str
    department: str | None
    skip_holidays: bool
    paused: bool

    @property
    def signature(self) -> tuple[str, str, bool]:
        """What the job's trigger depends on: a change means the job is rebuilt."""
        return (self.cron, self.timezone, self.skip_holidays)


def _view(session: Session, row: ReminderSchedule) -> ScheduleView:
    assert row.id is not None
    department = session.get(Department, row.department_id) if row.department_id else None
    return ScheduleView(
        row.id,
        row.kind,
        row.spec,
        row.cron,
        row.timezone,
        row.due_days,
        row.nudge_hours,
        row.scope,
        department.name if department else None,
        row.skip_holidays,
        row.paused,
    )


def resolve_department(session: Session, name: str) -> Department:
    """The department called `name`, or `UnknownDepartment` with the closest names."""
    department = find_department(session, name)
    if department is None:
        raise UnknownDepartment(name, [d.name for d in suggest_departments(session, name, 3)])
    if department.kind == KIND_GROUP:
        raise UnknownDepartment(department.name, [], is_group=True)
    return department


def add_schedule(session: Session, *, spec: ScheduleSpec, created_by: int | None) -> ScheduleView:
    department_id = None
    if spec.department:
        department_id = resolve_department(session, spec.department).id
    row = ReminderSchedule(
        kind=spec.kind,
        spec=spec.spec,
        cron=spec.cron,
        timezone=spec.timezone,
        due_days=spec.due_days,
        nudge_hours=spec.nudge_hours,
        scope=spec.scope,
        department_id=department_id,
        skip_holidays=spec.skip_holidays,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return _view(session, row)


def list_schedules(session: Session) -> list[ScheduleView]:
    rows = session.exec(select(ReminderSchedule).order_by(col(ReminderSchedule.id))).all()
    return [_view(session, r) for r in rows]


def live_schedules(session: Session) -> list[ScheduleView]:
    return [s for s in list_schedules(session) if not s.paused]


def set_paused(session: Session, *, schedule_id: int, paused: bool) -> ScheduleView | None:
    row = session.get(ReminderSchedule, schedule_id)
    if row is None:
        return None
    row.paused = paused
    session.add(row)
    return _view(session, row)


def delete_schedule(session: Session, *, schedule_id: int) -> ScheduleView | None:
    """Delete the schedule; its past cycles and their progress stay, unlinked."""
    row = session.get(ReminderSchedule, schedule_id)
    if row is None:
        return None
    view = _view(session, row)
    session.execute(
        update(Cycle).where(col(Cycle.schedule_id) == schedule_id).values(schedule_id=None)
    )
    session.delete(row)
    session.flush()
    return view
