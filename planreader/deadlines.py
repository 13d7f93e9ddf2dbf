"""Time limits as plans write them: 2022年底前, 2023年6月底前完成, 长期坚持, 每年.

`read_deadline(text)` gives the due date (the last day of the period named) and the words as
written; a kind without a date (长期坚持, 持续推进, 每年) gives no date but keeps its words.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from planreader.numerals import parse_chinese_numeral

_Y = r"(?P<y>\d{4}|[二〇零○][〇零○一二三四五六七八九]{3})\s*年"
_M = r"(?P<m>\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月(?:份)?"
_D = r"(?P<d>\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])\s*(?:日|号)"
_PERIOD = (
    r"(?P<period>上半年|下半年|年底|年末|年中|底|末|中旬|上旬|下旬|"
    r"(?:第)?(?P<q>[一二三四1-4])\s*季度(?:末|底)?)"
)
# A dated limit: a year, a month or a day, then a period, then 前 / 以前 / 之前 / 完成 ….
DATED_RE = re.compile(
    # Only where a year or a month starts: every other place fails at once.
    r"(?=[\d二〇零○一二三四五六七八九十]{1,4}\s*[年月])"
    rf"(?:(?:{_Y})?\s*(?:{_M})?\s*(?:{_D})?)\s*{_PERIOD}?\s*"
    r"(?P<before>前|以前|之前|为止|内)?"
)
ISO_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
RANGE_RE = re.compile(r"(\d{4})\s*年?\s*[—\-－–~～至到]\s*(\d{4})\s*年")
# Kinds without a date, as a time-limit column or a clause writes them.
KIND_RE = re.compile(
    r"^(长期坚持|长期推进|长期实施|长期|持续推进|持续实施|持续开展|持续|常态化推进|常态化|"
    r"逐年推进|逐年落实|滚动实施|滚动推进|每年|每年度|年度|按年度|每半年|每季度|每月|每季|"
    r"按季度|按月|适时|[0-9]{4}年起|[0-9]{4}年开始|[0-9]{4}年启动)"
)
# In a clause a time limit is a part of its own: 2022年底前完成, 长期坚持.
TIME_PART_RE = re.compile(
    r"^(?:完成时限|完成时间|时间|时限)?[:：]?\s*"
    r"(?:(?:\d{4}|[二〇零○][〇零○一二三四五六七八九]{3})\s*年|\d{1,2}\s*月|年底|年内|年末|"
    r"今年|本年|当年|上半年|下半年|长期|持续|每|"
    r"常态化|逐年|滚动|按年度|按季度|按月|适时)"
)
# A limit in the year the plan is issued: 年底前取得明显成效, 今年上半年完成.
YEARLESS_RE = re.compile(
    r"^(?:今年|本年|当年|本年度)?(?P<period>年底|年末|年内|上半年|下半年|年中)(?:前|以前|之前)?"
)
# What may follow the date in a time limit: 完成, 出台, 见效 … (a short verb phrase).
_TAIL_RE = re.compile(r"^[\u4e00-\u9fff]{0,8}$")


@dataclass(frozen=True)
class Deadline:
    due: date | None  # None for 长期坚持, 每年 …
    text: str  # as written


def _year(text: str | None) -> int | None:
    if not text:
        return None
    if text.isdigit():
        return int(text)
    return parse_chinese_numeral(text)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _due(match: re.Match[str], base_year: int | None) -> date | None:
    year = _year(match["y"]) or base_year
    if year is None or not 1900 < year < 2200:
        return None
    month = parse_chinese_numeral(match["m"]) if match["m"] else None
    day = parse_chinese_numeral(match["d"]) if match["d"] else None
    period = match["period"] or ""
    try:
        if month and day:
            return date(year, month, day)
        if month:
            if period in {"上旬"}:
                return date(year, month, 10)
            if period in {"中旬"}:
                return date(year, month, 20)
            return _month_end(year, month)
        if period == "上半年":
            return date(year, 6, 30)
        if period == "年中":
            return date(year, 6, 30)
        if match["q"]:
            quarter = parse_chinese_numeral(match["q"]) or 4
            return _month_end(year, quarter * 3)
    except ValueError:
        return None
    return date(year, 12, 31)


def dated_limits(text: str, *, base_year: int | None = None, strict: bool = True) -> list[Deadline]:
    """Every dated time limit in `text`; `strict` (a measure's prose): only 年底前, 6月底前 …

    In a time-limit cell or field any date is the limit (2023年9月30日, 2024年上半年).
    """
    found: list[Deadline] = []
    for match in DATED_RE.finditer(text):
        if not (match["y"] or match["m"]):
            continue
        says_before = match["before"] not in {None, "内"} or (match["period"] or "").endswith(
            ("底", "末")
        )
        if strict and not says_before:
            continue  # 到2025年 is an aim, 2025年内 too vague: only 前 / 底 are limits here
        if not strict and not (says_before or match["period"] or match["d"] or match["m"]):
            continue  # a bare year: see read_deadline
        if text[max(0, match.start() - 3) : match.start()].endswith(("每年", "每季度", "每月")):
            continue  # 每年3月底前报送 recurs: no one due date
        due = _due(match, base_year)
        if due is not None:
            found.append(Deadline(due, match.group(0).strip()))
    return found


def read_deadline(text: str, *, base_year: int | None = None) -> Deadline | None:
    """The time limit `text` states (a 完成时限 cell, a clause part); None when it states none.

    Several dates: the last one is the measure's due date (2022年底前试点，2025年底前推广).
    """
    text = re.sub(r"\s+", "", text or "").strip("。；;，,")
    if not text:
        return None
    if match := ISO_RE.fullmatch(text):
        try:
            return Deadline(date(*map(int, match.groups())), text)
        except ValueError:
            return None
    if match := RANGE_RE.search(text):
        return Deadline(date(int(match.group(2)), 12, 31), text)
    if re.search(r"起|开始|启动", text):
        return Deadline(None, text) if KIND_RE.match(text) else None
    limits = dated_limits(text, base_year=base_year, strict=False)
    dated = [d for d in limits if d.due is not None]
    if dated:
        last = max(dated, key=lambda d: d.due or date.min)
        return Deadline(last.due, text)
    if match := YEARLESS_RE.match(text):
        due = None
        if base_year is not None and 1900 < base_year < 2200:
            half = match["period"] in {"上半年", "年中"}
            due = date(base_year, 6, 30) if half else date(base_year, 12, 31)
        return Deadline(due, text)
    # A year alone in a time-limit cell (2023年, 2023年完成) is due at its end.
    if match := re.fullmatch(rf"{_Y}(?:内|完成|实现|见效|全面完成)?", text):
        year = _year(match["y"])
        if year and 1900 < year < 2200:
            return Deadline(date(year, 12, 31), text)
    if KIND_RE.match(text):
        return Deadline(None, text)
    return None


def is_time_part(text: str) -> bool:
    """Whether a part of a clause states a time limit (and names no unit)."""
    text = text.strip()
    if not TIME_PART_RE.match(text):
        return False
    return read_deadline(text) is not None


def body_deadline(text: str, *, base_year: int | None = None) -> Deadline | None:
    """The latest "…前" limit in a measure's text (到2025年 is an aim, not a limit)."""
    limits = [d for d in dated_limits(text, base_year=base_year) if d.due is not None]
    if not limits:
        return None
    return max(limits, key=lambda d: d.due or date.min)
