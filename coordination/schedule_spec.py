"""Reading `/schedule add …` arguments into a schedule (when it fires: schedule_triggers).

Friendly forms (`monthly 25 09:00`, `weekly mon 09:30`, `daily 09:00`) and standard cron
(`cron "0 9 25 * *"`, Sunday = 0 or 7) become one APScheduler trigger in the schedule's time
zone; with holiday skipping on, a fire time on a day off moves to the next working day.

A schedule fires at most once a day unless an admin adds `--force` (and never more than once
an hour). `monthly 29|30|31` fires on the last day of shorter months: its cron day field is
written `31L` ("day 31, or the month's last day when it has fewer").
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coordination.schedule_triggers import (
    APS_DAYS,
    ascii_number,
    cron_trigger,
    field_values,
    firings_per_day,
)
from models.schedules import SCHEDULE_DIGEST, SCHEDULE_REMINDER, SCOPE_ALL, SCOPE_LEAD

DEFAULT_DUE_DAYS = 3
MAX_DUE_DAYS = 60
DEFAULT_NUDGE_HOURS = 24

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
    "--force": "force",
    "force": "force",
    "强制": "force",
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
        # Chinese input methods type full-width digits; digits of other scripts are refused.
        **{chr(0xFF10 + n): str(n) for n in range(10)},
    }
)
# The first day of the month whose friendly form means "or the last day of a shorter month".
CLAMPED_FROM = 29
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
TOO_OFTEN = "too_often"  # times (a day): allowed with --force
SUB_HOURLY = "sub_hourly"  # more than once an hour: never
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
    # More than one a day only with --force; the answer then warns how many.
    firings_per_day: int = 1


def _parse_time(token: str | None) -> tuple[int, int]:
    if token is None:
        raise SpecError(MISSING_TIME)
    match = re.fullmatch(r"([0-9]{1,2})(?::([0-9]{2}))?", token.translate(QUOTES).strip())
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
    for part in re.split(r"[,，、/]+", token.translate(QUOTES).strip().lower()):
        if not part:
            continue
        if part in DAY_WORDS:
            days.append(DAY_WORDS[part])
        elif ascii_number(part) and 1 <= int(part) <= 7:
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
    cleaned = token.translate(QUOTES).strip().removesuffix("日").removesuffix("号")
    if not ascii_number(cleaned) or not 1 <= int(cleaned) <= 31:
        raise SpecError(BAD_DAY, value=token)
    return int(cleaned)


def _validate_cron(text: str, timezone: tzinfo) -> str:
    cron = " ".join(text.split())
    bad = BAD_CRON
    try:
        trigger = cron_trigger(cron, timezone)
        minutes = field_values(cron.split()[0], 0, 59)
        firings_per_day(cron)
    except (ValueError, TypeError, IndexError, KeyError):
        raise SpecError(bad, value=text) from None
    if len(minutes) > 1:
        raise SpecError(SUB_HOURLY)
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
        # 29, 30, 31: the month's last day when it is shorter, not skipped.
        cron = f"{minute} {hour} {day}{'L' if day >= CLAMPED_FROM else ''} * *"
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

    result = ScheduleSpec(
        spec=spec, cron=cron, timezone=timezone, firings_per_day=firings_per_day(cron)
    )
    nudge_given = False
    force = False
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
        elif option == "force":
            force = True
        else:
            raise SpecError(
                UNKNOWN_OPTION,
                value=word,
            )
    if result.firings_per_day > 1 and not force:
        # Each firing reminds every chat it reaches: more than once a day is a flood.
        raise SpecError(TOO_OFTEN, times=result.firings_per_day)
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
