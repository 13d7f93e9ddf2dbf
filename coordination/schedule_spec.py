"""Reading `/schedule add …` arguments and working out when a schedule fires.

Friendly forms (`monthly 25 09:00`, `weekly mon 09:30`, `daily 09:00`) and standard cron
(`cron "0 9 25 * *"`, Sunday = 0 or 7) become one APScheduler trigger in the schedule's time
zone; with holiday skipping on, a fire time on a day off moves to the next working day.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from coordination.holidays import shift_to_working_day
from models.clock import as_aware_utc, to_naive_utc
from models.schedules import SCHEDULE_DIGEST, SCHEDULE_REMINDER, SCOPE_ALL, SCOPE_LEAD

DEFAULT_DUE_DAYS = 3
MAX_DUE_DAYS = 60
DEFAULT_NUDGE_HOURS = 24
# A fire time can move by the longest run of days off; look back this far to find the
# nominal (cron) time behind a firing.
LOOKBACK = timedelta(days=20)
MAX_SCAN = 5000

APS_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # index = standard cron number
DAY_WORDS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("sun", "sunday", "周日", "星期日", "周天", "星期天", "礼拜天", "日", "天"),
        ("mon", "monday", "周一", "星期一", "礼拜一", "一"),
        ("tue", "tues", "tuesday", "周二", "星期二", "礼拜二", "二"),
        ("wed", "wednesday", "周三", "星期三", "礼拜三", "三"),
        ("thu", "thur", "thurs", "thursday", "周四", "星期四", "礼拜四", "四"),
        ("fri", "friday", "周五", "星期五", "礼拜五", "五"),
        ("sat", "saturday", "周六", "星期六", "礼拜六", "六"),
    )
):
    for _name in _names:
        DAY_WORDS[_name] = _number

FORM_WORDS = {
    "monthly": "monthly",
    "每月": "monthly",
    "weekly": "weekly",
    "每周": "weekly",
    "daily": "daily",
    "每天": "daily",
    "每日": "daily",
    "workdays": "workdays",
    "工作日": "workdays",
    "cron": "cron",
}
OPTION_WORDS = {
    "due": "due",
    "期限": "due",
    "截止": "due",
    "nudge": "nudge",
    "催办": "nudge",
    "scope": "scope",
    "范围": "scope",
    "to": "to",
    "发给": "to",
    "部门": "to",
    "kind": "kind",
    "类型": "kind",
    "noholiday": "noholiday",
    "noholidays": "noholiday",
    "不顺延": "noholiday",
    "tz": "tz",
    "timezone": "tz",
    "时区": "tz",
}
QUOTES = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "「": '"',
        "」": '"',
        "‘": "'",
        "’": "'",
        "＂": '"',
        "：": ":",
        "　": " ",
    }
)
# Why a schedule could not be read (`messages/schedules.py` words each one); the params a
# code carries are in its comment.
USAGE = "usage"  # nothing after /schedule add
MISSING_TIME = "missing_time"
BAD_TIME = "bad_time"  # value
MISSING_WEEKDAY = "missing_weekday"
BAD_WEEKDAY = "bad_weekday"  # value
MISSING_DAY = "missing_day"
BAD_DAY = "bad_day"  # value
BAD_CRON = "bad_cron"  # value
TOO_OFTEN = "too_often"
BAD_DUE = "bad_due"  # max
BAD_NUDGE = "bad_nudge"  # value
OPEN_QUOTE = "open_quote"  # value
UNKNOWN_FORM = "unknown_form"  # value
UNKNOWN_ZONE = "unknown_zone"  # value
MISSING_CRON = "missing_cron"
BAD_SCOPE = "bad_scope"  # value
MISSING_DEPARTMENT = "missing_department"
BAD_KIND = "bad_kind"  # value
UNKNOWN_OPTION = "unknown_option"  # value
NUDGE_TOO_LATE = "nudge_too_late"  # hours


class SpecError(ValueError):
    """Bad schedule input: a code (above) and the values that explain it."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code + "".join(f" {key}={value}" for key, value in params.items()))
        self.code = code
        self.params = params


@dataclass(frozen=True)
class ScheduleSpec:
    """What an admin asked for, validated; `department` is still the name as typed."""

    spec: str
    cron: str
    timezone: str
    kind: str = SCHEDULE_REMINDER
    due_days: int = DEFAULT_DUE_DAYS
    nudge_hours: int = DEFAULT_NUDGE_HOURS
    scope: str = SCOPE_ALL
    department: str | None = None
    skip_holidays: bool = True


def _parse_time(token: str | None) -> tuple[int, int]:
    if token is None:
        raise SpecError(MISSING_TIME)
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", token.translate(QUOTES).strip())
    if match is None:
        raise SpecError(BAD_TIME, value=token)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise SpecError(BAD_TIME, value=token)
    return hour, minute


def _parse_days(token: str | None) -> list[int]:
    """'mon', 'mon,thu', '周一、周四', '1' (Monday) … → standard cron day numbers."""
    if token is None:
        raise SpecError(MISSING_WEEKDAY)
    days: list[int] = []
    for part in re.split(r"[,，、/]+", token.strip().lower()):
        if not part:
            continue
        if part in DAY_WORDS:
            days.append(DAY_WORDS[part])
        elif part.isdigit() and 1 <= int(part) <= 7:
            days.append(int(part) % 7)
        else:
            raise SpecError(
                BAD_WEEKDAY,
                value=part,
            )
    if not days:
        raise SpecError(MISSING_WEEKDAY)
    return sorted(set(days))


def _parse_day_of_month(token: str | None) -> int:
    if token is None:
        raise SpecError(MISSING_DAY)
    cleaned = token.strip().removesuffix("日").removesuffix("号")
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= 31:
        raise SpecError(BAD_DAY, value=token)
    return int(cleaned)


def _dow_numbers(field: str) -> set[int]:
    """Standard cron day-of-week field → set of day numbers (0 = Sunday)."""
    result: set[int] = set()
    for element in field.lower().split(","):
        body, _, step_text = element.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(element)

        def number(text: str) -> int:
            if text.isdigit() and 0 <= int(text) <= 7:
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


def cron_trigger(cron: str, timezone: tzinfo) -> CronTrigger:
    """A CronTrigger for a standard five-field cron line (Sunday = 0 or 7)."""
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(cron)
    minute, hour, day, month, dow = fields
    days = _dow_numbers(dow)
    if len(days) == 7:
        aps_dow = "*"
    else:
        # APScheduler numbers days from Monday = 0; names avoid that trap.
        aps_dow = ",".join(APS_DAYS[d] for d in sorted(days, key=lambda d: (d + 6) % 7))
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=aps_dow, timezone=timezone
    )


def _validate_cron(text: str, timezone: tzinfo) -> str:
    cron = " ".join(text.split())
    bad = BAD_CRON
    try:
        trigger = cron_trigger(cron, timezone)
    except (ValueError, TypeError, IndexError):
        raise SpecError(bad, value=text) from None
    if not cron.split()[0].isdigit():
        raise SpecError(TOO_OFTEN)
    if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
        raise SpecError(bad, value=text)
    return cron


def _parse_due(token: str | None) -> int:
    match = re.fullmatch(r"(\d{1,4})\s*(d|day|days|天|日)?", (token or "").strip().lower())
    if match is None or not 1 <= int(match.group(1)) <= MAX_DUE_DAYS:
        raise SpecError(BAD_DUE, max=MAX_DUE_DAYS)
    return int(match.group(1))


def _parse_nudge(token: str | None) -> int:
    text = (token or "").strip().lower()
    if text in {"off", "none", "no", "0", "关", "不催"}:
        return 0
    match = re.fullmatch(r"(\d{1,4})\s*(h|hour|hours|小时|d|day|days|天)?", text)
    if match is None:
        raise SpecError(
            BAD_NUDGE,
            value=token or "",
        )
    hours = int(match.group(1))
    if (match.group(2) or "h")[0] in "d天":
        hours *= 24
    return hours


def tokenize(text: str) -> list[str]:
    try:
        return shlex.split(text.translate(QUOTES))
    except ValueError:
        raise SpecError(OPEN_QUOTE, value=text) from None


def parse_schedule_args(text: str, *, default_timezone: str) -> ScheduleSpec:
    """Parse what follows `/schedule add`; raises `SpecError` with a readable reason."""
    tokens = tokenize(text)
    if not tokens:
        raise SpecError(USAGE)
    form = FORM_WORDS.get(tokens[0].lower())
    if form is None:
        raise SpecError(UNKNOWN_FORM, value=tokens[0])
    rest = tokens[1:]

    def take() -> str | None:
        return rest.pop(0) if rest else None

    # Options may set the time zone; find it first since cron validation needs it.
    timezone = default_timezone
    for index, token in enumerate(rest[:-1]):
        if OPTION_WORDS.get(token.lower()) == "tz":
            timezone = rest[index + 1]
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SpecError(UNKNOWN_ZONE, value=timezone) from None

    if form == "monthly":
        day = _parse_day_of_month(take())
        hour, minute = _parse_time(take())
        cron = f"{minute} {hour} {day} * *"
        spec = f"monthly {day} {hour:02d}:{minute:02d}"
    elif form == "weekly":
        days = _parse_days(take())
        hour, minute = _parse_time(take())
        cron = f"{minute} {hour} * * {','.join(str(d) for d in days)}"
        spec = f"weekly {','.join(APS_DAYS[d] for d in days)} {hour:02d}:{minute:02d}"
    elif form in {"daily", "workdays"}:
        hour, minute = _parse_time(take())
        cron = f"{minute} {hour} * * " + ("*" if form == "daily" else "1-5")
        spec = f"{form} {hour:02d}:{minute:02d}"
    else:
        first = take()
        if first is None:
            raise SpecError(MISSING_CRON)
        if len(first.split()) == 1:
            # Unquoted: the cron line is the next five words.
            words = [first]
            while rest and len(words) < 5 and OPTION_WORDS.get(rest[0].lower()) is None:
                words.append(rest.pop(0))
            first = " ".join(words)
        cron = _validate_cron(first, zone)
        spec = f'cron "{cron}"'
    _validate_cron(cron, zone)

    result = ScheduleSpec(spec=spec, cron=cron, timezone=timezone)
    nudge_given = False
    while rest:
        word = rest.pop(0)
        option = OPTION_WORDS.get(word.lower())
        if option == "due":
            result = replace(result, due_days=_parse_due(take()))
        elif option == "nudge":
            result = replace(result, nudge_hours=_parse_nudge(take()))
            nudge_given = True
        elif option == "scope":
            value = (take() or "").lower()
            scopes = {
                "lead": SCOPE_LEAD,
                "leads": SCOPE_LEAD,
                "牵头": SCOPE_LEAD,
                "all": SCOPE_ALL,
                "全部": SCOPE_ALL,
            }
            if value not in scopes:
                raise SpecError(BAD_SCOPE, value=value)
            result = replace(result, scope=scopes[value])
        elif option == "to":
            value = take()
            if not value:
                raise SpecError(MISSING_DEPARTMENT)
            result = replace(result, department=value)
        elif option == "kind":
            value = (take() or "").lower()
            kinds = {
                "digest": SCHEDULE_DIGEST,
                "通报": SCHEDULE_DIGEST,
                "reminder": SCHEDULE_REMINDER,
                "提醒": SCHEDULE_REMINDER,
            }
            if value not in kinds:
                raise SpecError(BAD_KIND, value=value)
            result = replace(result, kind=kinds[value])
        elif option == "noholiday":
            result = replace(result, skip_holidays=False)
        elif option == "tz":
            take()  # already read above
        else:
            raise SpecError(
                UNKNOWN_OPTION,
                value=word,
            )
    window_hours = result.due_days * 24
    if result.nudge_hours >= window_hours:
        if nudge_given:
            raise SpecError(
                NUDGE_TOO_LATE,
                hours=window_hours,
            )
        # Default one day before the deadline; a one-day window gets it halfway.
        result = replace(result, nudge_hours=window_hours // 2)
    return result


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
