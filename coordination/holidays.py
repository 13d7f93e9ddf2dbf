"""Working days in mainland China: public holidays and the adjusted working days (调休).

Uses the maintained `chinese_calendar` package; for a year it does not cover yet, weekends
are the only days off (logged once per year so an operator knows to upgrade the package).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import cache

import chinese_calendar

log = logging.getLogger(__name__)

# Longest run of days off in the calendar (Spring Festival plus a weekend) is about nine
# days; stop well after that so a broken calendar can never loop forever.
MAX_SHIFT_DAYS = 31


@cache
def _warn_uncovered(year: int) -> None:
    log.warning(
        "the holiday calendar has no data for %s; treating only weekends as days off "
        "(upgrade the chinese-calendar package)",
        year,
    )


def is_working_day(day: date) -> bool:
    """True on a working day: weekdays that are not public holidays, and 调休 weekends."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_uncovered(day.year)
        return day.weekday() < 5


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    for offset in range(MAX_SHIFT_DAYS + 1):
        candidate = day + timedelta(days=offset)
        if is_working_day(candidate):
            return candidate
    return day


def shift_to_working_day(moment: datetime) -> datetime:
    """The same wall-clock time on the next working day (aware datetimes keep their zone)."""
    day = moment.date()
    target = next_working_day(day)
    if target == day:
        return moment
    shifted = datetime.combine(target, moment.timetz().replace(tzinfo=None))
    if moment.tzinfo is not None:
        # Rebuild in the zone so the UTC offset is right on the target day.
        shifted = shifted.replace(tzinfo=moment.tzinfo)
    return shifted
