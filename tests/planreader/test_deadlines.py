"""Time limits as plans write them, in a 完成时限 cell, a clause or a measure's text."""

from __future__ import annotations

from datetime import date

import pytest

from planreader.deadlines import Deadline, body_deadline, is_time_part, read_deadline


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("2022年底前", date(2022, 12, 31)),
        ("2023年6月底前完成", date(2023, 6, 30)),
        ("2024年2月底前", date(2024, 2, 29)),
        ("2023年12月31日前", date(2023, 12, 31)),
        ("2023年9月30日", date(2023, 9, 30)),
        ("2024年上半年", date(2024, 6, 30)),
        ("2024年下半年", date(2024, 12, 31)),
        ("2023年第三季度", date(2023, 9, 30)),
        ("2023年一季度末", date(2023, 3, 31)),
        ("二〇二二年底前", date(2022, 12, 31)),
        ("2025年", date(2025, 12, 31)),
        ("2021—2025年", date(2025, 12, 31)),
        ("2022年底前完成试点，2025年底前全面推广", date(2025, 12, 31)),
        (" 2023 年 6 月底前 ", date(2023, 6, 30)),
    ],
)
def test_a_dated_time_limit_is_due_on_the_last_day_of_the_period_it_names(text, due):
    deadline = read_deadline(text)
    assert deadline is not None
    assert deadline.due == due


@pytest.mark.parametrize("text", ["长期坚持", "持续推进", "每年", "每季度", "长期", "2023年起"])
def test_a_kind_of_time_limit_has_no_date_but_keeps_its_words(text):
    deadline = read_deadline(text)
    assert deadline is not None
    assert (deadline.due, deadline.text) == (None, text)


@pytest.mark.parametrize("text", ["省水利厅", "", "加强监测", "按规定执行"])
def test_words_that_state_no_time_limit_give_none(text):
    assert read_deadline(text) is None
    assert not is_time_part(text)


def test_a_month_without_a_year_falls_in_the_plans_year():
    assert read_deadline("6月底前", base_year=2023).due == date(2023, 6, 30)
    assert read_deadline("6月底前") is None or read_deadline("6月底前").due is None


@pytest.mark.parametrize(
    ("body", "due"),
    [
        ("到2025年，建成一批示范项目。", None),  # an aim
        ("每年3月底前报送上年度工作总结。", None),  # recurs
        ("2023年6月底前出台实施细则，2024年底前全面推开。", date(2024, 12, 31)),
        ("力争2022年12月底前完成全部改造任务。", date(2022, 12, 31)),
    ],
)
def test_in_a_measures_text_only_a_limit_before_a_date_counts(body, due):
    found = body_deadline(body)
    assert (found.due if found else None) == due


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("年底前取得明显成效", date(2019, 12, 31)),
        ("今年上半年完成", date(2019, 6, 30)),
        ("年内完成", date(2019, 12, 31)),
    ],
)
def test_a_limit_without_a_year_falls_in_the_year_the_plan_was_issued(text, due):
    assert is_time_part(text)  # a clause's part, not a unit
    assert read_deadline(text, base_year=2019) == Deadline(due, text)
    assert read_deadline(text) == Deadline(None, text)  # no issue date: the words are kept
