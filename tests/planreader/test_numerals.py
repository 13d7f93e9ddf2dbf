"""Chinese numerals as plans number their measures and as liaisons type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planreader.measures import parse_measure_token
from planreader.numerals import parse_chinese_numeral, to_chinese_numeral


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("五", 5),
        ("十", 10),
        ("十七", 17),
        ("二十", 20),
        ("二十二", 22),
        ("一百", 100),
        ("一百零三", 103),
        ("一百一十", 110),
        ("两千零五", 2005),
        ("一万零一", 10001),
        ("二〇二一", 2021),
        ("５", 5),
        ("12", 12),
    ],
)
def test_numerals_of_any_size_are_read(text, value):
    assert parse_chinese_numeral(text) == value


@pytest.mark.parametrize("text", ["", "abc", "二三十", "五项", "万", "五六"])
def test_text_that_is_no_numeral_gives_none(text):
    assert parse_chinese_numeral(text) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "零"),
        (10, "十"),
        (17, "十七"),
        (22, "二十二"),
        (103, "一百零三"),
        (110, "一百一十"),
        (1005, "一千零五"),
    ],
)
def test_numbers_are_written_as_a_plan_writes_them(value, text):
    assert to_chinese_numeral(value) == text


@given(st.integers(min_value=0, max_value=10**9))
def test_writing_then_reading_a_numeral_gives_the_number_back(value):
    assert parse_chinese_numeral(to_chinese_numeral(value)) == value


@pytest.mark.parametrize(
    "token",
    ["5", "五", "（五）", "(5)", "(五)", "第五项", "第5条", "５", "（ 五 ）", "5.", "措施五"],
)
def test_every_way_of_naming_measure_five_gives_five(token):
    assert parse_measure_token(token) == 5


@pytest.mark.parametrize("token", ["", "水利", "五月", "五六", "1.5", "（五）（六）"])
def test_tokens_that_name_no_measure_give_none(token):
    assert parse_measure_token(token) is None
