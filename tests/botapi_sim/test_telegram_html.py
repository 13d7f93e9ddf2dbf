"""Telegram's HTML parse mode as the simulator applies it: what passes, what Telegram refuses."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from botapi_sim.telegram_html import EntityParseError, parse_html


def test_tags_become_entities_with_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>进度</b> &amp; <a href='https://gov.cn/x?a=1&amp;b=2'>原文</a>")
    assert parsed.text == "😀 进度 & 原文"
    # The emoji is two UTF-16 code units, so "进度" starts at 3.
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 2},
        {"type": "text_link", "offset": 8, "length": 2, "url": "https://gov.cn/x?a=1&b=2"},
    ]


def test_pre_with_code_language_is_one_entity() -> None:
    parsed = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


def test_nested_and_expandable_blockquote() -> None:
    parsed = parse_html("<blockquote expandable><i>a<u>b</u></i></blockquote>")
    kinds = {e["type"] for e in parsed.entities}
    assert kinds == {"expandable_blockquote", "italic", "underline"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>a</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("进度 < 50%", 'Unsupported start tag "" at byte offset 7'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href='x>y", "Unclosed start tag at byte offset 0"),
    ],
)
def test_invalid_html_is_refused_like_telegram(text: str, message: str) -> None:
    with pytest.raises(EntityParseError) as error:
        parse_html(text)
    assert str(error.value) == message


def test_unknown_named_entity_stays_literal() -> None:
    assert parse_html("R&D &copy; &#20320;").text == "R&D &copy; 你"


@given(st.text(max_size=200))
def test_escaped_user_text_always_parses_back_to_itself(text: str) -> None:
    # What the bot does with every user text before it goes into HTML must always be accepted.
    assert parse_html(html.escape(text)).text == text
