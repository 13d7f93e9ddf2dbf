"""/schedule add|list|pause|resume|delete (admins) and /remind [department] (coordinators).

The actions' words, English and Chinese, live here with the parser; the schedule itself
(`monthly 25 09:00 due 3d …`) is read by `coordination.schedule_spec`, its firings worked out
by `coordination.schedule_triggers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from commands.gate import CommandArgs
from coordination.cycles import CycleOutcome, open_manual_cycle
from coordination.roles import Roles
from coordination.schedule_spec import FORM_WORDS, SpecError, parse_schedule_args
from coordination.schedule_triggers import next_fire_times
from coordination.schedules import (
    ScheduleView,
    UnknownDepartment,
    add_schedule,
    delete_schedule,
    list_schedules,
    resolve_department,
    set_paused,
)

ADD_WORDS = ("add", "新增", "添加")
LIST_WORDS = ("list", "列表", "")
PAUSE_WORDS = ("pause", "暂停")
RESUME_WORDS = ("resume", "恢复")
DELETE_WORDS = ("delete", "删除")
# How many coming fire times an answer shows.
NEXT_TIMES = 3


class ScheduleOutcome(StrEnum):
    LISTED = "listed"
    ADDED = "added"
    INVALID = "invalid"  # the schedule could not be read (`error` says why)
    UNKNOWN_DEPARTMENT = "unknown_department"
    NO_NUMBER = "no_number"  # pause/resume/delete without the schedule's number
    NOT_FOUND = "not_found"
    PAUSED = "paused"
    RESUMED = "resumed"
    DELETED = "deleted"
    UNKNOWN_ACTION = "unknown_action"


@dataclass(frozen=True)
class ScheduleAnswer:
    outcome: ScheduleOutcome
    action: str = ""  # as typed (lower case)
    schedule_id: int | None = None
    schedule: ScheduleView | None = None
    schedules: list[ScheduleView] = field(default_factory=list)
    # (nominal, actual) fire times to come; `actual` moved off a day off when they differ.
    next_times: list[tuple[datetime, datetime]] = field(default_factory=list)
    error: SpecError | None = None
    unknown: UnknownDepartment | None = None
    # More than one a day (an admin's --force): the answer warns.
    firings_per_day: int = 1

    @property
    def changed(self) -> bool:
        """The schedules changed: the job queue must follow."""
        return self.outcome in (
            ScheduleOutcome.ADDED,
            ScheduleOutcome.PAUSED,
            ScheduleOutcome.RESUMED,
            ScheduleOutcome.DELETED,
        )


def schedule_number(text: str | None) -> int | None:
    """`3`, `#3` or `＃3` → 3; None for anything else."""
    if not text:
        return None
    cleaned = text.strip().lstrip("#＃")
    return int(cleaned) if cleaned.isdecimal() and len(cleaned) < 10 else None


def _coming(view: ScheduleView, now: datetime) -> list[tuple[datetime, datetime]]:
    return next_fire_times(
        view.cron, view.timezone, skip_holidays=view.skip_holidays, after=now, count=NEXT_TIMES
    )


def schedule(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> ScheduleAnswer:
    """/schedule add|list|pause|resume|delete; a bare form (`monthly 25 09:00`) adds."""
    text = args.text.strip()
    action, _, rest = text.partition(" ")
    action = action.lower()
    if action in FORM_WORDS:
        action, rest = ADD_WORDS[0], text
    if action in ADD_WORDS:
        return _add(session, rest, created_by=roles.user_id, args=args, now=now)
    if action in LIST_WORDS:
        return ScheduleAnswer(ScheduleOutcome.LISTED, schedules=list_schedules(session))
    if action not in PAUSE_WORDS + RESUME_WORDS + DELETE_WORDS:
        return ScheduleAnswer(ScheduleOutcome.UNKNOWN_ACTION, action=action)
    number = schedule_number(rest)
    if number is None:
        return ScheduleAnswer(ScheduleOutcome.NO_NUMBER, action=action)
    if action in DELETE_WORDS:
        view = delete_schedule(session, schedule_id=number)
        outcome = ScheduleOutcome.DELETED
    else:
        view = set_paused(session, schedule_id=number, paused=action in PAUSE_WORDS)
        outcome = ScheduleOutcome.PAUSED if action in PAUSE_WORDS else ScheduleOutcome.RESUMED
    if view is None:
        return ScheduleAnswer(ScheduleOutcome.NOT_FOUND, action=action, schedule_id=number)
    coming = _coming(view, now) if outcome == ScheduleOutcome.RESUMED else []
    return ScheduleAnswer(
        outcome, action=action, schedule_id=number, schedule=view, next_times=coming
    )


def _add(
    session: Session, text: str, *, created_by: int | None, args: CommandArgs, now: datetime
) -> ScheduleAnswer:
    try:
        spec = parse_schedule_args(text, default_timezone=args.timezone)
    except SpecError as error:
        return ScheduleAnswer(ScheduleOutcome.INVALID, error=error)
    try:
        view = add_schedule(session, spec=spec, created_by=created_by)
    except UnknownDepartment as unknown:
        return ScheduleAnswer(ScheduleOutcome.UNKNOWN_DEPARTMENT, unknown=unknown)
    return ScheduleAnswer(
        ScheduleOutcome.ADDED,
        schedule_id=view.id,
        schedule=view,
        next_times=_coming(view, now),
        firings_per_day=spec.firings_per_day,
    )


@dataclass(frozen=True)
class RemindAnswer:
    """A cycle opened and queued: the outbox sends it, and reports here once it is out."""

    cycle: CycleOutcome | None = None  # None when the department named is unknown
    unknown: UnknownDepartment | None = None
    # About how long the fan-out takes at the bot's pace (the handler knows the pace).
    seconds: float = 0.0


def remind(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> RemindAnswer:
    """/remind [department]: a cycle now, for every bound chat or one department's."""
    name = " ".join(args.words).strip()
    department_id = None
    if name:
        try:
            department_id = resolve_department(session, name).id
        except UnknownDepartment as unknown:
            return RemindAnswer(unknown=unknown)
    cycle = open_manual_cycle(
        session,
        now=now,
        department_id=department_id,
        created_by=roles.user_id,
        report_chat_id=args.chat_id,
    )
    return RemindAnswer(cycle)
