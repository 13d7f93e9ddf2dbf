"""The core's HTML as DingTalk Markdown: formats kept, everything people and plans typed shown
exactly as typed, never turned into format."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dingtalk_adapter.markdown import NBSP, escape_text, html_to_markdown, plain_text, title_of
from messages.html import escape


def test_bold_italic_and_links_become_markdown() -> None:
    html = '<b>督办提醒</b> <i>第3期</i> <a href="https://duban.example.org/d">看板</a>'
    assert html_to_markdown(html) == "**督办提醒** *第3期* [看板](https://duban.example.org/d)"


def test_line_breaks_stay_line_breaks_and_a_blank_line_a_paragraph() -> None:
    assert html_to_markdown("一\n二\n\n\n三") == "一  \n二\n\n三"


def test_bold_chinese_numbering_before_a_word_stays_bold() -> None:
    # "**（三）**推进" is not bold in CommonMark: the closing ** follows punctuation.
    assert html_to_markdown("<b>（三）</b>推进") == "**（三）** 推进"
    assert html_to_markdown("推进<b>（三）</b>") == "推进 **（三）**"
    assert html_to_markdown("<b>三</b>推进") == "**三**推进"


def test_spaces_inside_bold_move_outside_the_markers() -> None:
    assert html_to_markdown("a<b> b </b>c") == "a **b** c"


def test_bold_over_two_lines_is_bold_on_each() -> None:
    assert html_to_markdown("<b>一\n二</b>") == "**一**  \n**二**"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("5*3=15", r"5\*3=15"),
        ("snake_case_name", r"snake\_case\_name"),
        ("[附件](链接)", r"\[附件\](链接)"),
        ("`code`", r"\`code\`"),
        ("a<b>c", r"a\<b\>c"),
        ("~~删除~~", r"\~\~删除\~\~"),
        ("&amp; 与 &lt;", r"\&amp; 与 \&lt;"),
        ("C:\\文件", r"C:\\文件"),
    ],
)
def test_what_people_type_is_escaped_inline(typed: str, shown: str) -> None:
    assert html_to_markdown(escape(typed)) == shown


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("# 标题", r"\# 标题"),
        ("- 列表", r"\- 列表"),
        ("+ 加号", r"\+ 加号"),
        ("1. 编号", r"1\. 编号"),
        ("2) 编号", r"2\) 编号"),
        ("> 引用", r"\> 引用"),
        ("---", r"\---"),
        ("===", r"\==="),
        ("-5%", "-5%"),
        ("#话题", "#话题"),
    ],
)
def test_a_line_that_would_start_a_block_is_escaped(line: str, shown: str) -> None:
    assert html_to_markdown("前一行\n" + escape(line)) == "前一行  \n" + shown


def test_indentation_is_kept_without_becoming_a_code_block() -> None:
    assert html_to_markdown("<pre>    缩进\n  两格</pre>") == f"{NBSP * 4}缩进  \n{NBSP * 2}两格"


def test_code_is_plain_text_dingtalk_has_no_code_format() -> None:
    assert html_to_markdown("发送 <code>/bind 省水利厅</code>") == "发送 /bind 省水利厅"


def test_a_telegram_mention_link_keeps_only_the_name() -> None:
    assert html_to_markdown('<a href="tg://user?id=5">张三</a> 已回复') == "张三 已回复"


def test_link_targets_with_parentheses_and_spaces_are_encoded() -> None:
    html = '<a href="https://x.org/a(1) b">链接</a>'
    assert html_to_markdown(html) == "[链接](https://x.org/a%281%29%20b)"


def test_the_title_is_the_first_line_of_words() -> None:
    assert title_of("\n\n<b>督办提醒</b>   第 3 期\n正文") == "督办提醒 第 3 期"
    assert title_of("<b></b>") == "…"
    assert len(title_of("长" * 200)) == 64


_TEXT = st.text(alphabet=st.sampled_from(list("ab 中文（）*_[]()`~<>&#-+=.!|\\1\n")), max_size=60)


@given(_TEXT)
def test_no_typed_text_turns_into_format(typed: str) -> None:
    """Whatever was typed, unescaping the Markdown gives the typed words back."""
    markdown = html_to_markdown(escape(typed))
    unescaped = re.sub(r"\\(.)", r"\1", markdown.replace("  \n", "\n")).replace(NBSP, " ")
    expected = "\n".join(line for line in typed.split("\n"))
    # Blank lines fold into one paragraph break; leading blank lines and trailing spaces go.
    normalise = lambda s: [ln.strip() for ln in s.split("\n") if ln.strip()]  # noqa: E731
    assert normalise(unescaped) == normalise(expected)
    assert "**" not in markdown.replace(r"\*", "")
    assert not re.search(r"(?<!\\)\[", markdown)


@given(_TEXT)
def test_plain_text_reads_back_what_was_escaped(typed: str) -> None:
    assert plain_text(escape(typed)) == typed.replace("\r\n", "\n")


def test_escape_text_alone() -> None:
    assert escape_text("1. a*b", line_start=True) == r"1. a\*b"  # numbers are handled per line
    assert escape_text("# a", line_start=True) == r"\# a"
    assert escape_text("# a") == "# a"
