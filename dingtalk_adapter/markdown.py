"""Telegram's HTML subset (b, i, code, pre, a) as the Markdown DingTalk's robot messages show.

DingTalk's Markdown knows headings, quotes, bold, italics, links, images and lists, and no
code: `code` and `pre` become plain text (pre keeps its line breaks and indentation). Text
is escaped wherever Markdown would misread it: `*`, `_`, brackets, backquotes, and a line
that would start a heading, a quote, a list or a rule. Line breaks are hard breaks, as on
Telegram; a blank line stays a paragraph break.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote

BOLD_TAGS = frozenset({"b", "strong"})
ITALIC_TAGS = frozenset({"i", "em"})
# Telegram tags that carry no format DingTalk shows: their text is kept, plain.
PLAIN_TAGS = frozenset({"code", "u", "ins", "s", "strike", "del", "span", "tg-spoiler"})

NBSP = "\u00a0"
HARD_BREAK = "  \n"
TITLE_LIMIT = 64

# Anywhere in text: emphasis, code, links, escapes, raw HTML, strike-through.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>~|])")
# An entity reference would be decoded by the renderer: "&lt;" typed by a person stays so.
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# What turns a line into a block: heading, quote, list item, rule, setext underline.
_BLOCK_START = re.compile(r"^(#{1,6}(?=\s|$)|>|[-+=](?=\s|$|[-=]*\s*$)|\d{1,9}(?=[.)](\s|$)))")
_OPENING_PUNCTUATION = "([{（【《「『〈“‘"


@dataclass
class _Run:
    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None


class _Reader(HTMLParser):
    """Reads the HTML into lines of styled runs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[list[_Run]] = [[]]
        self.quoted: list[bool] = [False]
        self._bold = 0
        self._italic = 0
        self._quote = 0
        self._links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BOLD_TAGS:
            self._bold += 1
        elif tag in ITALIC_TAGS:
            self._italic += 1
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            # A Telegram mention (tg://user?id=…) means nothing on DingTalk: keep the name.
            self._links.append(href if re.match(r"https?://", href, re.I) else None)
        elif tag == "blockquote":
            self._quote += 1
            self.quoted[-1] = True
        elif tag == "br":
            self._new_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in BOLD_TAGS:
            self._bold = max(0, self._bold - 1)
        elif tag in ITALIC_TAGS:
            self._italic = max(0, self._italic - 1)
        elif tag == "a" and self._links:
            self._links.pop()
        elif tag == "blockquote":
            self._quote = max(0, self._quote - 1)

    def handle_data(self, data: str) -> None:
        link = next((href for href in reversed(self._links) if href), None)
        for index, piece in enumerate(data.replace("\r\n", "\n").split("\n")):
            if index:
                self._new_line()
            if piece:
                self.lines[-1].append(_Run(piece, self._bold > 0, self._italic > 0, link))

    def _new_line(self) -> None:
        self.lines.append([])
        self.quoted.append(self._quote > 0)


def _is_word(char: str) -> bool:
    """A letter, digit or CJK character: what emphasis must not touch across punctuation."""
    return bool(char) and unicodedata.category(char)[0] in "LN"


def _is_punctuation(char: str) -> bool:
    return bool(char) and unicodedata.category(char)[0] in "PS"


def escape_text(text: str, *, line_start: bool = False) -> str:
    """`text` as literal Markdown: nothing in it turns into format."""
    escaped = _ENTITY_LIKE.sub(r"\\&", _INLINE_SPECIAL.sub(r"\\\1", text))
    if line_start:
        # Indentation would make a code block: keep it as non-breaking spaces.
        stripped = escaped.lstrip(" ")
        indent = NBSP * (len(escaped) - len(stripped))
        escaped = indent + _BLOCK_START.sub(lambda m: _escape_block(m.group(0)), stripped, 1)
    return escaped


def _escape_block(marker: str) -> str:
    if marker[0].isdigit():
        return marker  # the "." or ")" after it is escaped below
    return "\\" + marker


def _escape_list_number(line: str) -> str:
    return re.sub(r"^((?:\u00a0)*\d{1,9})([.)])(?=\s|$)", r"\1\\\2", line)


def _link_target(url: str) -> str:
    # Parentheses and spaces would end the link target early.
    return quote(url, safe=":/?#@!$&'*+,;=%~-._[]")


def _render_line(runs: list[_Run]) -> str:
    merged: list[_Run] = []
    for run in runs:
        last = merged[-1] if merged else None
        if last and (last.bold, last.italic, last.link) == (run.bold, run.italic, run.link):
            last.text += run.text
        else:
            merged.append(_Run(run.text, run.bold, run.italic, run.link))
    parts: list[str] = []
    for index, run in enumerate(merged):
        at_start = not "".join(parts).strip(NBSP + " ")
        following = merged[index + 1].text[:1] if index + 1 < len(merged) else ""
        parts.append(_render_run(run, at_start, "".join(parts)[-1:], following))
    return _escape_list_number("".join(parts))


def _render_run(run: _Run, at_start: bool, before: str, after: str) -> str:
    text = run.text
    if not (run.bold or run.italic) or not text.strip():
        body = escape_text(text, line_start=at_start)
        return f"[{body}]({_link_target(run.link)})" if run.link and body.strip() else body
    # Emphasis holds no outer spaces: they go outside the markers.
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    core = text.strip()
    marker = "***" if run.bold and run.italic else "**" if run.bold else "*"
    body = f"{marker}{escape_text(core)}{marker}"
    if run.link:
        body = f"[{body}]({_link_target(run.link)})"
    # CommonMark's flanking rules: a closing marker after punctuation must not be followed by
    # a letter (nor an opening one before punctuation preceded by one): a space keeps it bold.
    if not trail and _is_punctuation(core[-1]) and _is_word(after):
        trail = " "
    if not lead and _is_punctuation(core[0]) and _is_word(before):
        lead = " "
    return escape_text(lead, line_start=at_start) + body + trail


def html_to_markdown(text: str) -> str:
    """The message's HTML as DingTalk Markdown."""
    reader = _Reader()
    reader.feed(text)
    reader.close()
    lines = [
        ("> " if quoted else "") + _render_line(runs)
        for runs, quoted in zip(reader.lines, reader.quoted, strict=True)
    ]
    out: list[str] = []
    blank = False
    for line in lines:
        if not line.strip(NBSP + " >"):
            blank = bool(out)
            continue
        if out:
            out.append("\n\n" if blank else HARD_BREAK)
        out.append(line)
        blank = False
    return "".join(out)


def plain_text(text: str) -> str:
    """The message's HTML as the words a person reads (no tags, entities decoded)."""
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return "\n".join("".join(run.text for run in runs) for runs in reader.lines)


def title_of(text: str, *, limit: int = TITLE_LIMIT) -> str:
    """A message's title for DingTalk's chat list and notifications: its first line of words."""
    # The first line is near the start: a long message need not be read whole for it.
    for line in plain_text(text[: 4 * limit + 2000]).splitlines():
        words = " ".join(line.split())
        if words:
            return words if len(words) <= limit else words[: limit - 1] + "…"
    return "…"


__all__ = ["escape_text", "html_to_markdown", "plain_text", "title_of"]
