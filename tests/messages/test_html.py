"""Long views are split into pages Telegram accepts: never over 4,096 characters, never
inside a tag, an entity or a word, and nothing lost."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from botapi_sim.telegram_html import parse_html
from messages.html import MESSAGE_LIMIT as TELEGRAM_LIMIT
from messages.html import split_html


def plain(pages_or_text: list[str] | str) -> str:
    """The visible text without whitespace, as Telegram would show it."""
    text = "".join(pages_or_text) if isinstance(pages_or_text, list) else pages_or_text
    return re.sub(r"\s", "", html.unescape(re.sub(r"<[^>]*>", "", text)))


def check_pages(text: str, pages: list[str], limit: int) -> None:
    assert all(len(page) <= limit for page in pages)
    for page in pages:
        parse_html(page)  # balanced, known tags, entities whole: Telegram accepts it
    assert plain(pages) == plain(text)


def test_a_text_at_the_limit_is_one_page_and_one_more_character_makes_two():
    exact = ("进展顺利 " * 1000)[:TELEGRAM_LIMIT]
    assert split_html(exact) == [exact]
    longer = exact + "完"
    pages = split_html(longer)
    assert len(pages) == 2
    check_pages(longer, pages, TELEGRAM_LIMIT)


def test_pages_break_between_lines_and_keep_bold_and_links_whole():
    line = (
        '🔴 <b>（五）</b>加强水利基础设施建设 <a href="https://example.org/x?a=1&amp;b=2">详情</a>'
    )
    text = "\n".join(f"{line} {i}" for i in range(200))
    pages = split_html(text)
    assert len(pages) > 1
    check_pages(text, pages, TELEGRAM_LIMIT)
    for page in pages:
        assert page.startswith("🔴 <b>（五）</b>")  # every page starts at a line
        assert page.count("<a ") == page.count("</a>")


def test_an_element_longer_than_a_page_is_closed_and_reopened():
    text = "<i>" + "the committee met again and agreed &amp; signed " * 300 + "</i>"
    pages = split_html(text, 1000)
    assert len(pages) > 1
    check_pages(text, pages, 1000)
    assert all(p.startswith("<i>") and p.endswith("</i>") for p in pages)
    words = set(re.sub(r"<[^>]*>", "", text).split())
    for page in pages:  # no word cut in two
        assert set(re.sub(r"<[^>]*>", "", page).split()) <= words


def test_chinese_without_spaces_breaks_between_characters_not_in_entities():
    text = "<b>" + "水利&amp;交通" * 900 + "</b>"
    pages = split_html(text)
    check_pages(text, pages, TELEGRAM_LIMIT)
    for page in pages:
        assert not re.search(r"&[a-z]*$", page.removesuffix("</b>"))


def test_a_single_word_longer_than_a_page_is_cut_but_never_inside_an_entity():
    text = "x&amp;" * 2000
    pages = split_html(text, 500)
    check_pages(text, pages, 500)


FRAGMENTS = st.sampled_from(
    [
        "进展",
        "顺利",
        "word",
        "longerword",
        "R&amp;D",
        "&lt;b&gt;",
        " ",
        " ",
        "\n",
        "\n\n",
        "，",
        "60%",
        "🟢",
    ]
)


@st.composite
def html_texts(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 60))):
        inner = "".join(draw(st.lists(FRAGMENTS, min_size=1, max_size=30)))
        tag = draw(st.sampled_from(["", "b", "i", "code", "a"]))
        if tag == "a":
            parts.append(f'<a href="https://t.me/x">{inner}</a>')
        elif tag:
            parts.append(f"<{tag}>{inner}</{tag}>")
        else:
            parts.append(inner)
    return "".join(parts)


@settings(max_examples=80, deadline=None)
@given(text=html_texts(), limit=st.integers(80, 400))
def test_any_view_text_splits_into_valid_pages_that_hold_everything(text: str, limit: int):
    pages = split_html(text, limit)
    check_pages(text, pages, limit)
