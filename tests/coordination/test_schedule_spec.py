"""Reading /schedule add arguments: friendly forms, cron, options, and clear refusals."""

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coordination.schedule_spec import SpecError, parse_schedule_args
from coordination.schedule_triggers import cron_trigger, latest_firing, next_fire_times
from messages.i18n import get_translator
from messages.schedules import SPEC_ERRORS, spec_error_text


def parse(text: str):
    return parse_schedule_args(text, default_timezone="Asia/Shanghai")


def test_monthly_weekly_daily_and_cron_forms():
    assert parse("monthly 25 09:00").cron == "0 9 25 * *"
    assert parse("weekly mon 09:30").cron == "30 9 * * 1"
    assert parse("每周 周一、周四 9:00").cron == "0 9 * * 1,4"
    assert parse("daily 08:15").cron == "15 8 * * *"
    assert parse('cron "0 9 25 * *"').cron == "0 9 25 * *"
    assert parse("cron “0 9 25 * *”").cron == "0 9 25 * *"  # Chinese keyboards' quotes
    assert parse("cron 0 9 * * 1-5 due 2d").cron == "0 9 * * 1-5"


def test_options_are_read():
    spec = parse("monthly 25 09:00 due 5d scope lead to 省水利厅 noholiday nudge 48h")
    assert (spec.due_days, spec.scope, spec.department, spec.skip_holidays, spec.nudge_hours) == (
        5,
        "lead",
        "省水利厅",
        False,
        48,
    )
    assert parse("monthly 25 09:00 kind digest").kind == "digest"
    assert parse("monthly 25 09:00 tz Asia/Urumqi").timezone == "Asia/Urumqi"


def test_defaults_are_three_days_all_measures_every_chat_and_holidays_skipped():
    spec = parse("monthly 25 09:00")
    assert (
        spec.due_days,
        spec.scope,
        spec.department,
        spec.skip_holidays,
        spec.nudge_hours,
        spec.kind,
    ) == (3, "all", None, True, 24, "reminder")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("weekly funday 09:00", "Unknown day of the week: funday"),
        ("monthly 25 25:61", "Not a valid time: 25:61"),
        ('cron "0 9 25 *"', "Not a valid cron expression"),
        ('cron "0 9 * * 8"', "Not a valid cron expression"),
        ("monthly 25 09:00 due 0d", "reply window must be 1 to 60 days"),
        ("monthly 32 09:00", "from 1 to 31, not 32"),
        ("yearly 1 09:00", "Unknown schedule form: yearly"),
        ("monthly 25 09:00 colour red", "Unknown option: colour"),
        ("monthly 25 09:00 tz Mars/Olympus", "Unknown time zone: Mars/Olympus"),
        ('cron "*/5 * * * *"', "never fire more than once an hour"),
        ('cron "*/5 * * * *" --force', "never fire more than once an hour"),
        ('cron "0 * * * *"', "would fire 24 times a day"),
        ('cron "0 9,15 * * 1-5"', "would fire 2 times a day"),
        ('cron "0 8-10 25 * *"', "would fire 3 times a day"),
        ('cron "0 ٩ 25 * *"', "Not a valid cron expression"),
        ('cron "0 9 ²5 * *"', "Not a valid cron expression"),
        ("monthly ٢٥ 09:00", "from 1 to 31"),
        ("daily ٠٩:٣٠", "Not a valid time"),
        ("monthly 25 09:00 due 1d nudge 30h", "nudge must come before the deadline"),
        ('cron "0 9 25 * *', "quotation mark is not closed"),
    ],
)
def test_bad_input_gets_a_clear_reason(text, fragment):
    with pytest.raises(SpecError) as caught:
        parse(text)
    # The admin reads the reason the code stands for, with what they typed in it.
    assert fragment in spec_error_text(get_translator("en"), caught.value)


def test_more_than_once_a_day_needs_force_and_says_how_often():
    spec = parse('cron "0 9,15 * * 1-5" --force')
    assert (spec.cron, spec.firings_per_day) == ("0 9,15 * * 1-5", 2)
    assert parse("cron 0 */6 * * * 强制").firings_per_day == 4
    assert parse("daily 09:00").firings_per_day == 1
    assert parse("weekly mon,thu 09:30").firings_per_day == 1


def test_full_width_digits_from_chinese_keyboards_are_read():
    assert parse("monthly ２５ ０９:３０").cron == "30 9 25 * *"
    assert parse('cron "０ ９ ２５ * *"').cron == "0 9 25 * *"


def test_monthly_29_to_31_fire_on_the_last_day_of_shorter_months():
    spec = parse("monthly 31 09:00")
    assert spec.cron == "0 9 31L * *"
    times = next_fire_times(
        spec.cron, "Asia/Shanghai", skip_holidays=False, after=datetime(2027, 1, 1), count=4
    )
    # 09:00 in Shanghai is 01:00 UTC: January 31, February 28, March 31, April 30.
    assert [actual.date().isoformat() for _n, actual in times] == [
        "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"
    ]
    leap = next_fire_times(
        parse("monthly 30 09:00").cron, "Asia/Shanghai", skip_holidays=False,
        after=datetime(2028, 2, 1), count=2,
    )
    assert [actual.date().isoformat() for _n, actual in leap] == ["2028-02-29", "2028-03-30"]
    assert parse("monthly 28 09:00").cron == "0 9 28 * *"
    # A firing missed while the bot was down is found the same way.
    found = latest_firing(
        "0 9 31L * *", "Asia/Shanghai", skip_holidays=False, now=datetime(2027, 3, 1)
    )
    assert found is not None and found[1] == datetime(2027, 2, 28, 1)


def test_every_reason_is_translated_to_chinese():
    t = get_translator("zh_CN")
    with pytest.raises(SpecError) as caught:
        parse("weekly funday 09:00")
    text = t._(SPEC_ERRORS[caught.value.code]).format(**caught.value.params)
    assert "无法识别的星期" in text and "funday" in text


def test_standard_cron_sunday_is_zero_or_seven_not_apschedulers_monday():
    trigger = cron_trigger("0 9 * * 0", __import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 2, tzinfo=trigger.timezone))
    assert fire.weekday() == 6  # Sunday
    times = next_fire_times(
        "0 9 * * 1", "Asia/Shanghai", skip_holidays=False, after=datetime(2026, 11, 1)
    )
    assert all(actual.weekday() == 0 for _n, actual in times)  # 01:00 UTC Monday


def test_latest_firing_finds_the_nominal_time_behind_a_moved_firing():
    # 2026-10-25 is a Sunday: the reminder fires on Monday the 26th at 09:00.
    found = latest_firing(
        "0 9 25 * *", "Asia/Shanghai", skip_holidays=True, now=datetime(2026, 10, 26, 2)
    )
    assert found == (datetime(2026, 10, 25, 1), datetime(2026, 10, 26, 1))
    # On the Sunday itself the moved firing has not happened yet.
    earlier = latest_firing(
        "0 9 25 * *", "Asia/Shanghai", skip_holidays=True, now=datetime(2026, 10, 25, 5)
    )
    assert earlier is None or earlier[1] < datetime(2026, 10, 25)


@given(st.text(max_size=80))
def test_no_text_raises_anything_but_a_spec_error(text):
    try:
        parse(text)
    except SpecError:
        pass
