"""/deadline: an admin sets (or clears) a measure's deadline, against which progress is judged.

`/deadline （五） 2027-06-30` (also 2027/6/30, 2027年6月30日), `/deadline （五） none` clears it,
`/deadline （五）` shows it. A date in the past, an unknown or a closed measure get one short
answer and change nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.gate import CommandArgs
from commands.review import split_measure
from coordination.review import is_closed, set_deadline
from coordination.roles import Roles
from models.clock import as_aware_utc
from planreader.measures import find_measure

CLEAR_WORDS = ("none", "clear", "off", "reset", "无", "清除", "取消")
_DATE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?$"
    r"|^(?P<y2>\d{4})(?P<m2>\d{2})(?P<d2>\d{2})$"
)


class DeadlineOutcome(StrEnum):
    SET = "set"
    CLEARED = "cleared"
    SHOWN = "shown"
    UNCHANGED = "unchanged"
    USAGE = "usage"
    NO_MEASURE = "no_measure"
    CLOSED = "closed"
    BAD_DATE = "bad_date"
    PAST_DATE = "past_date"


@dataclass(frozen=True)
class DeadlineAnswer:
    outcome: DeadlineOutcome
    label: str = ""
    title: str = ""
    deadline: date | None = None  # the deadline now (or the one refused)
    deadline_text: str | None = None
    previous: date | None = None
    previous_text: str | None = None
    typed: str = ""


def parse_date(text: str) -> date | None:
    """2027-06-30, 2027/6/30, 2027.6.30, 2027年6月30日, 20270630 → the date; None otherwise."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    year, month, day = (
        (match["y"], match["m"], match["d"])
        if match["y"]
        else (match["y2"], match["m2"], match["d2"])
    )
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def local_today(now: datetime, timezone: str) -> date:
    return as_aware_utc(now).astimezone(ZoneInfo(timezone)).date()


def deadline(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> DeadlineAnswer:
    """/deadline <measure> <date|none>: set, clear or show a measure's deadline."""
    token, rest = split_measure(args.text)
    if not token:
        return DeadlineAnswer(DeadlineOutcome.USAGE)
    measure = find_measure(session, token)
    if measure is None or measure.id is None:
        return DeadlineAnswer(DeadlineOutcome.NO_MEASURE, typed=token)
    known = DeadlineAnswer(
        DeadlineOutcome.SHOWN,
        measure.label,
        measure.title,
        measure.deadline,
        measure.deadline_text,
        measure.deadline,
        measure.deadline_text,
    )
    if not rest:
        return known
    if is_closed(session, measure.id):
        return DeadlineAnswer(DeadlineOutcome.CLOSED, measure.label, measure.title)
    clear = rest.strip().lower() in CLEAR_WORDS
    day = None if clear else parse_date(rest)
    if not clear and day is None:
        return DeadlineAnswer(DeadlineOutcome.BAD_DATE, measure.label, measure.title, typed=rest)
    if day is not None and day < local_today(now, args.timezone):
        return DeadlineAnswer(DeadlineOutcome.PAST_DATE, measure.label, measure.title, day)
    if day == measure.deadline and (day is None or not measure.deadline_text):
        return DeadlineAnswer(
            DeadlineOutcome.UNCHANGED, measure.label, measure.title, day, measure.deadline_text
        )
    set_deadline(
        session,
        measure=measure,
        deadline=day,
        user_id=roles.user_id,
        user_name=args.user_name,
        now=now,
    )
    return DeadlineAnswer(
        DeadlineOutcome.CLEARED if day is None else DeadlineOutcome.SET,
        measure.label,
        measure.title,
        day,
        None,
        known.previous,
        known.previous_text,
    )
