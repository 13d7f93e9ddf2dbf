"""Chinese numerals as plans and replies write them: 五, 十七, 二十二, 一百零三, 两千.

`parse_chinese_numeral` also accepts Arabic digits (half- or full-width), so callers can
hand it whatever a user typed between the brackets of （五） or (5).
"""

from __future__ import annotations

import unicodedata

DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
MYRIADS = {"万": 10_000, "亿": 100_000_000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS) + "".join(MYRIADS)

_WRITTEN_DIGITS = "零一二三四五六七八九"

# Full-width ASCII (（５） ＃５ ６０％) folded to half-width one character for one, so every
# match offset is also an offset into the original text and slices keep the user's spelling.
FULL_WIDTH_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def parse_chinese_numeral(text: str) -> int | None:
    """二十二 → 22, 一百零三 → 103, 十 → 10, ５ → 5; None when `text` is not a numeral."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if any(ch not in NUMERAL_CHARS for ch in text):
        return None
    if all(ch in DIGITS for ch in text):
        if len(text) == 1:
            return DIGITS[text]
        # Digit by digit only for years (二〇二一); 五六 is more likely （五）（六） mistyped.
        if len(text) == 4 or any(DIGITS[ch] == 0 for ch in text):
            return int("".join(str(DIGITS[ch]) for ch in text))
        return None
    total = 0  # completed myriad groups
    section = 0  # value below the current myriad
    digit: int | None = None
    for ch in text:
        if ch in DIGITS:
            if digit is not None and DIGITS[ch] != 0:
                return None  # two digits in a row inside a unit numeral: 二三十
            digit = DIGITS[ch] if DIGITS[ch] != 0 else None
        elif ch in UNITS:
            # 十 alone at the start of a group means 一十.
            section += (1 if digit is None else digit) * UNITS[ch]
            digit = None
        else:
            section += digit or 0
            if section == 0:
                return None
            total = (
                (total + section) * MYRIADS[ch]
                if MYRIADS[ch] > 10_000
                else (total + section * MYRIADS[ch])
            )
            section = 0
            digit = None
    return total + section + (digit or 0)


def numeral_value(token: str) -> int | None:
    """`5`, `５`, `五`, `十五`, `一百零三` → int; None for anything that is not a numeral."""
    return parse_chinese_numeral(token.translate(FULL_WIDTH_FOLD))


def _below_ten_thousand(n: int, *, leading: bool) -> str:
    parts: list[str] = []
    zero_pending = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d == 0:
            if parts:
                zero_pending = True
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        if value == 10 and d == 1 and not parts and leading:
            parts.append("十")  # 十七, not 一十七
        else:
            parts.append(_WRITTEN_DIGITS[d] + unit)
    return "".join(parts)


def to_chinese_numeral(n: int) -> str:
    """22 → 二十二, 103 → 一百零三, 10 → 十, 0 → 零."""
    if n < 0:
        raise ValueError("negative numbers have no numeral here")
    if n == 0:
        return "零"
    groups: list[int] = []
    while n:
        groups.append(n % 10_000)
        n //= 10_000
    names = ["", "万", "亿", "万亿"]
    out = ""
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        leading = out == ""
        if out and group < 1000:
            out += "零"
        out += _below_ten_thousand(group, leading=leading) + names[index]
    return out
