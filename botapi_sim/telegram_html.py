"""Telegram's HTML parse mode, as the Bot API server applies it to `text` and `caption`.

`parse_html(text)` returns the plain text and the entities Telegram would store, or raises
`EntityParseError` with the same wording Telegram uses ("Unsupported start tag ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
    "pre": "pre",
    "code": "code",
    "a": "text_link",
    "blockquote": "blockquote",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "nbsp": "\xa0"}
SPACES = " \t\r\n\f\v"
_SPECIAL = re.compile(r"[&<]")


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; `str(error)` is Telegram's own explanation."""


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    text_length: int


@dataclass
class ParsedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """The character of an HTML entity at `pos` and the index after it (';' is optional)."""
    end = pos + 1
    if end < len(text) and text[end] == "#":
        end += 1
        value = 0
        if end < len(text) and text[end] == "x":
            end += 1
            start = end
            while end < len(text) and text[end] in "0123456789abcdefABCDEF":
                end += 1
            value = int(text[start:end], 16) if end > start else 0
        else:
            start = end
            while end < len(text) and text[end].isdigit():
                end += 1
            value = int(text[start:end]) if end > start else 0
        if value == 0 or value >= 0x10FFFF or end - pos >= 10 or 0xD800 <= value <= 0xDFFF:
            return None
        char = chr(value)
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        name = text[pos + 1 : end]
        if name not in NAMED_ENTITIES:
            return None
        char = NAMED_ENTITIES[name]
    if end < len(text) and text[end] == ";":
        end += 1
    return char, end


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8"))


def _read_attribute_value(text: str, i: int, tag: str, begin: int) -> tuple[str, int]:
    if text[i] not in "'\"":
        # A name token: letters, digits, periods and hyphens, case-insensitive.
        start = i
        while i < len(text) and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
            i += 1
        if i >= len(text) or (text[i] not in SPACES and text[i] != ">"):
            raise EntityParseError(
                f"Unexpected end of name token at byte offset {_byte_offset(text, start)}"
            )
        return text[start:i].lower(), i
    quote = text[i]
    end = text.find(quote, i + 1)
    if end < 0:
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    raw = text[i + 1 : end]
    return _decode_plain(raw), end + 1


def _decode_plain(raw: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "&":
            decoded = _decode_entity(raw, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
        out.append(raw[i])
        i += 1
    return "".join(out)


def _start_tag(text: str, i: int) -> tuple[_OpenTag, int]:
    """Parse `<tag attr="v">` starting at `text[i] == '<'`; return the tag and the index of '>'."""
    begin = i
    i += 1
    while i < len(text) and text[i] not in SPACES and text[i] != ">":
        i += 1
    if i >= len(text):
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    name = text[begin + 1 : i].lower()
    if name not in SUPPORTED_TAGS:
        raise EntityParseError(
            f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}'
        )
    argument = ""
    while i < len(text) and text[i] != ">":
        while i < len(text) and text[i] in SPACES:
            i += 1
        if i >= len(text):
            raise EntityParseError(
                f'Unclosed start tag "{name}" at byte offset {_byte_offset(text, begin)}'
            )
        if text[i] == ">":
            break
        attr_start = i
        while i < len(text) and text[i] not in SPACES and text[i] != "=" and text[i] != ">":
            i += 1
        attribute = text[attr_start:i]
        if not attribute:
            raise EntityParseError(
                f'Empty attribute name in the tag "{name}" at byte offset '
                f"{_byte_offset(text, begin)}"
            )
        while i < len(text) and text[i] in SPACES:
            i += 1
        if i >= len(text) or text[i] != "=":
            if name == "blockquote" and attribute == "expandable":
                argument = "1"
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                f"at byte offset {_byte_offset(text, begin)}"
            )
        i += 1
        while i < len(text) and text[i] in SPACES:
            i += 1
        if i >= len(text):
            raise EntityParseError(
                f'Unclosed start tag "{name}" at byte offset {_byte_offset(text, begin)}'
            )
        value, i = _read_attribute_value(text, i, name, begin)
        if i >= len(text) or (text[i] not in SPACES and text[i] != ">"):
            raise EntityParseError(
                f"Expected space or end of tag at byte offset {_byte_offset(text, i)}"
            )
        if name == "a" and attribute == "href":
            argument = value
        elif name == "code" and attribute == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif name == "span" and attribute == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif name == "tg-emoji" and attribute == "emoji-id":
            argument = value
    if name == "span" and argument != "spoiler":
        raise EntityParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}'
        )
    return _OpenTag(name, argument, 0, 0), i


def _entity(tag: _OpenTag, length: int) -> dict[str, Any] | None:
    kind = ENTITY_TYPES[tag.name]
    entity: dict[str, Any] = {"type": kind, "offset": tag.utf16_offset, "length": length}
    if tag.name == "a":
        if not tag.argument:
            return None
        if tag.argument.startswith("tg://user?id="):
            return None  # a text mention needs the user object; Telegram resolves it itself
        entity["url"] = tag.argument
    elif tag.name == "tg-emoji":
        if not tag.argument.isdigit():
            return None
        entity["custom_emoji_id"] = tag.argument
    elif tag.name == "pre" and tag.argument:
        entity["language"] = tag.argument
    elif tag.name == "blockquote" and tag.argument:
        entity["type"] = "expandable_blockquote"
    return entity


def parse_html(text: str) -> ParsedText:
    """Plain text and entities of a Telegram HTML text; raises `EntityParseError`."""
    out: list[str] = []
    utf16_offset = 0
    text_length = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                utf16_offset += utf16_length(decoded[0])
                text_length += 1
                i = decoded[1]
                continue
        if char != "<":
            # Copy the run of ordinary text up to the next tag or entity in one step.
            special = _SPECIAL.search(text, i + 1)
            end = special.start() if special else len(text)
            segment = text[i:end]
            out.append(segment)
            utf16_offset += utf16_length(segment)
            text_length += len(segment)
            i = end
            continue
        begin = i
        if i + 1 < len(text) and text[i + 1] == "/":
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(text, begin)}"
                )
            i += 2
            while i < len(text) and text[i] not in SPACES and text[i] != ">":
                i += 1
            end_name = text[begin + 2 : i]
            while i < len(text) and text[i] in SPACES:
                i += 1
            if i >= len(text) or text[i] != ">":
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(text, begin)}"
                )
            tag = stack.pop()
            if end_name and end_name.lower() != tag.name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{tag.name}>", found "</{end_name}>"'
                )
            length = utf16_offset - tag.utf16_offset
            parent = stack[-1] if stack else None
            if (
                tag.name == "code"
                and parent is not None
                and parent.name == "pre"
                and parent.utf16_offset == tag.utf16_offset
            ):
                # <pre><code class="language-x"> is one pre entity with a language.
                parent.argument = parent.argument or tag.argument
            elif length > 0:
                entity = _entity(tag, length)
                if entity is not None:
                    entities.append(entity)
            i += 1
            continue
        tag, i = _start_tag(text, i)
        tag.utf16_offset = utf16_offset
        tag.text_length = text_length
        stack.append(tag)
        i += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), entities)
