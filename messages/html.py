"""HTML for chat messages: escaping, the one message-size limit and the one tag-safe splitter.

A page never ends inside a tag, an entity or a word: it breaks at a blank line, else a line
end, else a space, else between two CJK characters; tags open at a break are closed at the
end of the page and opened again at the top of the next one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# Telegram refuses messages longer than this; every page and every message fits in it.
MESSAGE_LIMIT = 4096
# The text of a button's alert (Telegram allows 200 characters).
ALERT_LIMIT = 190
# A photo's or a document's caption.
CAPTION_LIMIT = 1024
# What someone typed, repeated in an answer: enough to recognise it, never a wall of text.
ECHO_LIMIT = 60

_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKEN = re.compile(
    rf"(?P<tag><[^>]*>)"
    rf"|(?P<newline>\n+)"
    rf"|(?P<space>[ \t\r\f\v]+)"
    rf"|(?P<cjk>[{_CJK}])"
    rf"|(?P<word>(?:&#?\w+;|[^\s<&{_CJK}]|&(?!#?\w+;))+)"
)
_VISIBLE = re.compile(r"<[^>]*>")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9-]+)")

# Break priorities: higher is better.
_BREAK_PARAGRAPH = 4
_BREAK_LINE = 3
_BREAK_SPACE = 2
_BREAK_CJK = 1
_BREAK_ANY = 0  # between two tokens, e.g. a word and a tag: better than cutting a word


def escape(text: str, *, quote: bool = True) -> str:
    """User or plan text made safe inside HTML (`quote=False` leaves quotation marks as typed:
    they need no escape outside attributes, and the status views are long)."""
    return html.escape(text, quote=quote)


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """Typed text repeated in an answer: one line, cut with "…" past `limit`, escaped."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return html.escape(flat)


def bold(text: str) -> str:
    """`text` escaped and in bold."""
    return f"<b>{html.escape(text)}</b>"


def cut_lines(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """One message: `text` whole when it fits, else cut at a line end and marked with "…".

    For messages that must stay one (they carry buttons); every line is whole HTML.
    """
    if len(text) <= limit:
        return text
    return text[: limit - 2].rsplit("\n", 1)[0] + "\n…"


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "word"
        tokens.append(_Token(kind, match.group()))
    return tokens


def _closer(opening: str) -> str:
    name = _TAG_NAME.match(opening)
    return f"</{name.group(1)}>" if name else ""


def _closers(stack: list[str]) -> str:
    return "".join(_closer(tag) for tag in reversed(stack))


def _apply_tag(stack: list[str], tag: str) -> None:
    if tag.startswith("</"):
        name = _TAG_NAME.match(tag)
        wanted = name.group(1).lower() if name else ""
        for index in range(len(stack) - 1, -1, -1):
            opened = _TAG_NAME.match(stack[index])
            if opened and opened.group(1).lower() == wanted:
                del stack[index:]
                return
    elif not tag.endswith("/>"):
        stack.append(tag)


def _break_priority(previous: _Token, following: _Token | None) -> int:
    """How good a break after `previous` (and before `following`) is."""
    if previous.kind == "newline":
        return _BREAK_PARAGRAPH if len(previous.text) > 1 else _BREAK_LINE
    if previous.kind == "space":
        return _BREAK_SPACE
    if following is not None and following.kind == "tag":
        return _BREAK_ANY  # better after the tag, keeping an element's words together
    if previous.kind == "cjk" or (following is not None and following.kind == "cjk"):
        return _BREAK_CJK
    if previous.kind == "tag" and previous.text.startswith("</"):
        return _BREAK_CJK
    return _BREAK_ANY


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pages of at most `limit` characters that together hold all of `text`."""
    if len(text) <= limit:
        return [text]
    tokens = _tokens(text)
    pages: list[str] = []
    start = 0
    prefix_stack: list[str] = []
    while start < len(tokens):
        page, start, prefix_stack = _one_page(tokens, start, prefix_stack, limit)
        if _VISIBLE.sub("", page).strip():  # a page of bare tags would be an empty message
            pages.append(page)
    return pages or [""]


def _one_page(
    tokens: list[_Token], start: int, opened: list[str], limit: int
) -> tuple[str, int, list[str]]:
    """Fill one page from `tokens[start:]`; return it, the next start and the open tags."""
    # Leading line ends and spaces of a continued page carry nothing.
    while start < len(tokens) and tokens[start].kind in ("newline", "space"):
        start += 1
    prefix = "".join(opened)
    # The open tags are kept as a tuple, copied only when a tag changes them: most tokens are
    # text, and this loop runs once per token of the message.
    stack: tuple[str, ...] = tuple(opened)
    closers_length = len(_closers(list(stack)))
    parts: list[str] = [prefix]
    length = len(prefix)
    # (priority, index after the break, length of the page up to it, stack at it)
    best: dict[int, tuple[int, int, tuple[str, ...]]] = {}
    index = start
    while index < len(tokens):
        token = tokens[index]
        next_stack, next_closers = stack, closers_length
        if token.kind == "tag":
            changed = list(stack)
            _apply_tag(changed, token.text)
            next_stack, next_closers = tuple(changed), len(_closers(changed))
        if length + len(token.text) + next_closers > limit:
            break
        parts.append(token.text)
        length += len(token.text)
        stack, closers_length = next_stack, next_closers
        index += 1
        following = tokens[index] if index < len(tokens) else None
        best[_break_priority(token, following)] = (index, length, stack)
    else:
        return "".join(parts) + _closers(list(stack)), index, []

    # The page is full: break at the best place that keeps at least half a page.
    chosen: tuple[int, int, tuple[str, ...]] | None = None
    for priority in (_BREAK_PARAGRAPH, _BREAK_LINE, _BREAK_SPACE, _BREAK_CJK):
        candidate = best.get(priority)
        if candidate is not None and candidate[1] >= limit // 2:
            chosen = candidate
            break
    if chosen is None and best:
        chosen = max(best.values(), key=lambda c: c[1])
    if chosen is None or chosen[0] == start:
        return _hard_break(tokens, start, opened, limit)
    end, _, end_tags = chosen
    end_stack = list(end_tags)
    body = prefix + "".join(t.text for t in tokens[start:end])
    return body.rstrip() + _closers(end_stack), end, end_stack


def _hard_break(
    tokens: list[_Token], start: int, opened: list[str], limit: int
) -> tuple[str, int, list[str]]:
    """A single word longer than a page: cut it between characters (never in an entity)."""
    prefix = "".join(opened)
    token = tokens[start]
    room = limit - len(prefix) - len(_closers(opened))
    pieces = re.findall(r"&#?\w+;|.", token.text, flags=re.S)
    taken: list[str] = []
    size = 0
    for piece in pieces:
        if size + len(piece) > room:
            break
        taken.append(piece)
        size += len(piece)
    rest = token.text[size:]
    if not rest:
        return prefix + "".join(taken) + _closers(opened), start + 1, list(opened)
    tokens[start] = _Token(token.kind, rest)
    return prefix + "".join(taken) + _closers(opened), start, list(opened)
