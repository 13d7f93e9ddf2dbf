"""When a schedule fires: cron lines as APScheduler triggers, days off skipped.

Standard five-field cron (Sunday = 0 or 7; only ASCII digits), a `31L` day field meaning "day
31, or the last day of a shorter month", and fire times on a day off moved to the next working
day; the (nominal, actual) firings before and after a moment, as naive UTC.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from coordination.holidays import shift_to_working_day
from models.clock import as_aware_utc, to_naive_utc

# A fire time can move by the longest run of days off; look back this far to find the
# nominal (cron) time behind a firing.
LOOKBACK = timedelta(days=20)
MAX_SCAN = 5000
APS_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # index = standard cron number


def ascii_number(text: str) -> bool:
    """Digits 0-9 only (str.isdigit also takes ٣, ³ and other scripts' digits)."""
    return text.isascii() and text.isdigit()


def field_values(field: str, low: int, high: int) -> set[int]:
    """A cron minute or hour field (`5`, `*`, `1-5`, `*/15`, `0,30`) as the values it holds."""
    values: set[int] = set()
    for element in field.split(","):
        body, _, step_text = element.partition("/")
        step = int(step_text) if ascii_number(step_text) and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(element)
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, last = body.split("-", 1)
            if not (ascii_number(first) and ascii_number(last)):
                raise ValueError(element)
            start, end = int(first), int(last)
        elif ascii_number(body):
            start = int(body)
            end = start if step is None else high
        else:
            raise ValueError(element)
        if not low <= start <= end <= high:
            raise ValueError(element)
        values.update(range(start, end + 1, step or 1))
    return values


def _dow_numbers(field: str) -> set[int]:
    """Standard cron day-of-week field → set of day numbers (0 = Sunday)."""
    result: set[int] = set()
    for element in field.lower().split(","):
        body, _, step_text = element.partition("/")
        step = int(step_text) if ascii_number(step_text) and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(element)

        def number(text: str) -> int:
            if ascii_number(text) and 0 <= int(text) <= 7:
                return int(text) % 7 if text != "7" else 7
            if text[:3] in APS_DAYS:
                return APS_DAYS.index(text[:3])
            raise ValueError(text)

        if body == "*":
            start, end = 0, 6
        elif "-" in body:
            first, last = body.split("-", 1)
            start, end = number(first), number(last)
        else:
            start = number(body)
            end = start if step is None else 6
        if end < start:
            raise ValueError(element)
        result.update(day % 7 for day in range(start, end + 1, step or 1))
    return result


class ClampedMonthlyTrigger(BaseTrigger):
    """Day `day` of every month at hour:minute, or the month's last day when it is shorter
    (`monthly 31` fires on 30 April and 28 February)."""

    def __init__(self, *, day: int, hour: int, minute: int, timezone: tzinfo) -> None:
        self.day, self.hour, self.minute, self.zone = day, hour, minute, timezone

    def _in_month(self, year: int, month: int) -> datetime:
        last = calendar.monthrange(year, month)[1]
        return datetime(year, month, min(self.day, last), self.hour, self.minute, tzinfo=self.zone)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # As APScheduler's CronTrigger: the first whole second at or after now, or after the
        # previous firing (whichever is earlier), never the previous firing itself.
        start = now
        if previous_fire_time is not None:
            start = min(now, previous_fire_time + timedelta(microseconds=1))
            if start == previous_fire_time:
                start += timedelta(microseconds=1)
        if start.microsecond:
            start = start.replace(microsecond=0) + timedelta(seconds=1)
        start = start.astimezone(self.zone)
        year, month = start.year, start.month
        for _ in range(24):
            candidate = self._in_month(year, month)
            if candidate >= start:
                return candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None

    def __str__(self) -> str:
        return f"monthly[day {self.day} or the last, {self.hour:02d}:{self.minute:02d}]"


_CLAMPED_DAY = re.compile(r"([0-9]{1,2})L")


def cron_trigger(cron: str, timezone: tzinfo) -> CronTrigger | ClampedMonthlyTrigger:
    """A trigger for a standard five-field cron line (Sunday = 0 or 7); the day field may be
    `31L`: day 31, or the last day of a shorter month (then the rest must be plain)."""
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(cron)
    if any(ch.isdigit() and not ch.isascii() for ch in cron):
        raise ValueError(cron)  # ٣ or ³: APScheduler would read them, nobody else
    minute, hour, day, month, dow = fields
    clamped = _CLAMPED_DAY.fullmatch(day)
    if clamped is not None:
        if not (ascii_number(minute) and ascii_number(hour) and month == dow == "*"):
            raise ValueError(cron)
        number = int(clamped.group(1))
        if not (1 <= number <= 31 and int(hour) <= 23 and int(minute) <= 59):
            raise ValueError(cron)
        return ClampedMonthlyTrigger(
            day=number, hour=int(hour), minute=int(minute), timezone=timezone
        )
    days = _dow_numbers(dow)
    if len(days) == 7:
        aps_dow = "*"
    else:
        # APScheduler numbers days from Monday = 0; names avoid that trap.
        aps_dow = ",".join(APS_DAYS[d] for d in sorted(days, key=lambda d: (d + 6) % 7))
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=aps_dow, timezone=timezone
    )


def clamped_day(cron: str) -> int | None:
    """The day of a `31L` day field (day 31, or the last of a shorter month), else None."""
    fields = cron.split()
    match = _CLAMPED_DAY.fullmatch(fields[2]) if len(fields) == 5 else None
    return int(match.group(1)) if match is not None else None


def firings_per_day(cron: str) -> int:
    """How often a day the cron line fires at most: one per (minute, hour) pair it holds."""
    minute, hour = cron.split()[:2]
    return len(field_values(minute, 0, 59)) * len(field_values(hour, 0, 23))


class WorkingDayTrigger(BaseTrigger):
    """A cron trigger whose fire times on a day off move to the next working day."""

    def __init__(self, cron: str, timezone: str, *, skip_holidays: bool) -> None:
        self.zone = ZoneInfo(timezone)
        self.cron = cron_trigger(cron, self.zone)
        self.skip_holidays = skip_holidays

    def shift(self, nominal: datetime) -> datetime:
        return shift_to_working_day(nominal) if self.skip_holidays else nominal

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        nominal = self.cron.get_next_fire_time(previous_fire_time, now)
        return self.shift(nominal) if nominal is not None else None

    def __str__(self) -> str:
        return f"working-day cron[{self.cron}]"


def next_fire_times(
    cron: str, timezone: str, *, skip_holidays: bool, after: datetime, count: int = 3
) -> list[tuple[datetime, datetime]]:
    """(nominal, actual) fire times after `after`, as naive UTC; distinct actual times."""
    trigger = WorkingDayTrigger(cron, timezone, skip_holidays=skip_holidays)
    result: list[tuple[datetime, datetime]] = []
    moment = as_aware_utc(after)
    previous: datetime | None = None
    for _ in range(MAX_SCAN):
        nominal = trigger.cron.get_next_fire_time(previous, moment)
        if nominal is None:
            break
        actual = trigger.shift(nominal)
        # Several nominal times can land on one working day (a daily schedule over a
        # holiday week): that is one firing, as APScheduler will do it.
        if not result or to_naive_utc(actual) > result[-1][1]:
            result.append((to_naive_utc(nominal), to_naive_utc(actual)))
            if len(result) == count:
                break
        previous = actual if actual > nominal else nominal
        moment = previous
    return result


def latest_firing(
    cron: str,
    timezone: str,
    *,
    skip_holidays: bool,
    now: datetime,
    lookback: timedelta = LOOKBACK,
) -> tuple[datetime, datetime] | None:
    """The (nominal, actual) firing with the latest actual time ≤ `now` (naive UTC).

    Of several nominal times that share one actual time, the latest nominal is the cycle's
    key, so every process and restart finds the same one.
    """
    trigger = WorkingDayTrigger(cron, timezone, skip_holidays=skip_holidays)
    limit = as_aware_utc(now)
    moment = limit - lookback
    previous: datetime | None = None
    found: tuple[datetime, datetime] | None = None
    for _ in range(MAX_SCAN):
        nominal = trigger.cron.get_next_fire_time(previous, moment)
        if nominal is None or nominal > limit:
            break
        actual = trigger.shift(nominal)
        if actual <= limit and (found is None or to_naive_utc(actual) >= found[1]):
            found = (to_naive_utc(nominal), to_naive_utc(actual))
        previous = nominal
        moment = nominal
    return found
