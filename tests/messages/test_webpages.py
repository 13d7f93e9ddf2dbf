"""The dashboard's words: every name a template uses is a translated string in both languages."""

from __future__ import annotations

import re

import pytest

from messages.i18n import get_translator
from messages.webpages import WORDS, Words
from tests.support.paths import ROOT

TEMPLATES = ROOT / "webapp" / "templates"


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_word_is_a_string_and_chinese_is_translated(locale) -> None:
    words = Words(get_translator(locale))
    for name, msgid in WORDS.items():
        value = getattr(words, name)
        assert isinstance(value, str) and value, name
        if locale == "zh_CN" and name != "app_name":
            assert value != msgid or not re.search("[A-Za-z]{3}", msgid), name


def test_no_word_is_hidden_by_a_method_of_the_same_name() -> None:
    # `w.percent` must be the column heading in one place and a formatter in another: never.
    clashes = [name for name in WORDS if name in vars(Words)]
    assert clashes == []


def test_templates_hold_no_words_of_their_own() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        # Class names, not words.
        text = re.sub(r"{% block body_class %}.*?{% endblock %}", "", text)
        text = re.sub(r"{[{%#].*?[}%#]}", "", text, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        leftover = {w for w in re.findall(r"[A-Za-z\u4e00-\u9fff]{2,}", text)}
        assert leftover <= {"中文", "EN"}, (template.name, leftover)
