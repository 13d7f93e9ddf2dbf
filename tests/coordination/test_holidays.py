"""Working days: public holidays move a reminder, 调休 Saturdays count as working days."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from coordination.holidays import is_working_day, next_working_day, shift_to_working_day
from coordination.schedule_triggers import next_fire_times

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_national_day_moves_to_the_first_working_day_after_the_holiday():
    assert not is_working_day(date(2026, 10, 1))
    assert next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    moved = shift_to_working_day(datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI))
    assert moved == datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI)


def test_an_adjusted_saturday_is_a_working_day_and_an_ordinary_one_is_not():
    assert date(2026, 10, 10).weekday() == 5 and is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 17))
    assert next_working_day(date(2026, 10, 17)) == date(2026, 10, 19)


def test_a_year_the_calendar_does_not_cover_falls_back_to_weekends(caplog):
    far = date(2099, 6, 6)  # a Saturday
    assert not is_working_day(far)
    assert is_working_day(date(2099, 6, 8))
    assert "no data for 2099" in caplog.text


def test_a_monthly_schedule_on_the_national_day_fires_on_the_next_working_day():
    times = next_fire_times(
        "0 9 1 * *", "Asia/Shanghai", skip_holidays=True, after=datetime(2026, 9, 2)
    )
    nominal, actual = times[0]
    assert nominal == datetime(2026, 10, 1, 1, 0)  # 09:00 Shanghai in UTC
    assert actual == datetime(2026, 10, 8, 1, 0)


def test_with_holiday_skipping_off_the_schedule_fires_on_the_holiday():
    times = next_fire_times(
        "0 9 1 * *", "Asia/Shanghai", skip_holidays=False, after=datetime(2026, 9, 2)
    )
    assert times[0] == (datetime(2026, 10, 1, 1, 0), datetime(2026, 10, 1, 1, 0))


def test_a_daily_schedule_over_the_holiday_week_fires_once_on_the_working_day():
    times = next_fire_times(
        "0 9 * * *", "Asia/Shanghai", skip_holidays=True, after=datetime(2026, 9, 30, 2), count=3
    )
    actual = [a for _n, a in times]
    assert actual == [
        datetime(2026, 10, 8, 1),
        datetime(2026, 10, 9, 1),
        datetime(2026, 10, 10, 1),
    ]  # Oct 10 is an adjusted Saturday
