"""What never changes a reading: how a copy wraps its lines, page breaks inside names, and
half-width brackets or commas. Checked on every plan the tests have, the corpus included.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planreader.document import PlanReadError
from planreader.reader import parse_plan_text
from settings import DEFAULT_PLAN
from tests.support import paths

FIXTURES = paths.PLANS
PLANS = {
    path.name: path.read_text(encoding="utf-8")
    for path in [
        DEFAULT_PLAN,
        *sorted(FIXTURES.glob("*.txt")),
        *sorted(FIXTURES.glob("corpus/*.txt")),
    ]
}


def reading(text: str) -> list[tuple]:
    """What the bot acts on: each measure's number, leads, supports and deadline (or why the
    text is refused, for a document that is no plan of the genre)."""
    try:
        measures = parse_plan_text(text).measures
    except PlanReadError as refused:
        return [("refused", *refused.problems)]
    return [(m.number, m.label, m.leads, m.supports, m.deadline, bool(m.doubts)) for m in measures]


READINGS = {name: reading(text) for name, text in PLANS.items()}


def rewrapped(text: str, width: int, separator: str) -> str:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        while paragraph:
            lines.append(paragraph[:width])
            paragraph = paragraph[width:]
    return separator.join(lines)


def names_in_clauses(text: str) -> list[tuple[int, int]]:
    """Spans of department-like names inside brackets that hold a role word."""
    spans = []
    for bracket in re.finditer(
        r"[（(【][^（()）【】]*?(?:负责|牵头|配合|单位：)[^（()）【】]*[）)】]", text
    ):
        for name in re.finditer(r"[\u4e00-\u9fff]{3,}?(?:厅|局|委|部|署|办)", bracket.group(0)):
            spans.append((bracket.start() + name.start(), bracket.start() + name.end()))
    return spans


@pytest.mark.parametrize("name", sorted(PLANS))
@settings(max_examples=12, deadline=None)
@given(width=st.integers(min_value=14, max_value=60), blank=st.booleans())
def test_rewrapping_never_changes_a_reading(name, width, blank):
    text = rewrapped(PLANS[name], width, "\n\n" if blank else "\n")
    assert reading(text) == READINGS[name]


@pytest.mark.parametrize("name", sorted(PLANS))
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_a_page_break_inside_a_name_never_changes_a_reading(name, data):
    text = PLANS[name]
    spans = names_in_clauses(text)
    if not spans:
        return
    chosen = data.draw(st.lists(st.sampled_from(spans), min_size=1, max_size=3, unique=True))
    for start, end in sorted(chosen, reverse=True):
        cut = data.draw(st.integers(min_value=start + 1, max_value=end - 1))
        page = data.draw(st.integers(min_value=1, max_value=99))
        text = f"{text[:cut]}\n\n— {page} —\n\n{text[cut:]}"
    assert reading(text) == READINGS[name]


@pytest.mark.parametrize("name", sorted(PLANS))
def test_half_width_brackets_and_commas_never_change_a_reading(name):
    text = PLANS[name]
    half = text.replace("（", "(").replace("）", ")")
    assert reading(half) == READINGS[name]
    clauses_half = re.sub(
        r"[（(][^（()）]*[）)]",
        lambda m: m.group(0).replace("，", ",").replace("；", ";").replace("：", ":"),
        text,
    )
    assert reading(clauses_half) == READINGS[name]
