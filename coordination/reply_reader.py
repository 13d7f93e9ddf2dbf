"""Reading a liaison's reply: which measures it names, and the status and percent it reports.

Pure text logic with no database and no Telegram: `read_reply(text, candidates)` splits a
reply into one `ReplyPart` per measure marker; `read_status` and `read_percent` read words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from models.progress import (
    PROGRESS_AT_RISK,
    PROGRESS_BLOCKED,
    PROGRESS_DONE,
    PROGRESS_IN_PROGRESS,
)
from planreader.numerals import parse_chinese_numeral

# Measure numbers beyond this are years, amounts or ids, never a measure of a plan.
MAX_MEASURE_NUMBER = 200
# A range such as （五）至（九） longer than this is a typo, not a list of measures.
MAX_RANGE = 30

# Full-width ASCII (（５） ＃５ ６０％) folded to half-width one character for one, so every
# match offset is also an offset into the original text and slices keep the user's spelling.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

CN = "[零〇一二两三四五六七八九十百]+"
DIGITS = "[0-9]{1,4}"
NUM = f"(?:{DIGITS}|{CN})"


def numeral_value(token: str) -> int | None:
    """`5`, `５`, `五`, `十五`, `一百零三` → int; None for anything that is not a numeral."""
    return parse_chinese_numeral(token.translate(_FOLD))


# --- markers ------------------------------------------------------------------------------

_OPEN = r"[(（〔【\[]"
_CLOSE = r"[)）〕】\]]"
_SEP = r"\s*(?:[、,，;；/&]|和|及|与|and)\s*"
_RANGE = r"\s*(?:至|到|~|～|-|—|–|－|to)\s*"

# A marker names one measure, a list, or a range. Every alternative captures its numbers in
# the group "body"; `_numbers_of` reads them. Order matters: lists before single forms.
_MARKER_FORMS: list[tuple[str, str]] = [
    # （五）至（七）, (5)-(7)
    ("strong", rf"{_OPEN}\s*(?P<r1>{NUM})\s*{_CLOSE}{_RANGE}{_OPEN}\s*(?P<r2>{NUM})\s*{_CLOSE}"),
    # 第五至七项, 第5-7项 (without 第, "3至5项" counts items rather than naming them)
    ("strong", rf"第\s*(?P<r3>{NUM}){_RANGE}第?\s*(?P<r4>{NUM})\s*[项条]"),
    # 第五、六项, 五、六项, 第5和第6项
    ("strong", rf"第?\s*(?P<l1>{NUM}(?:{_SEP}第?\s*{NUM})+)\s*[项条]"),
    # 措施5-7, measures 5-7, #5-7
    ("strong", rf"(?:措施|\b(?:measures?|items?)|#)\s*第?\s*(?P<r5>{NUM}){_RANGE}(?P<r6>{NUM})"),
    # 措施5、6, measures 5 and 6
    ("strong", rf"(?:措施|\b(?:measures?|items?))\s*(?P<l2>{NUM}(?:{_SEP}{NUM})+)(?![0-9])"),
    # （五）, (5)
    ("strong", rf"{_OPEN}\s*(?P<s1>{NUM})\s*{_CLOSE}"),
    # 第五项, 第5条
    ("strong", rf"第\s*(?P<s2>{NUM})\s*[项条]"),
    # 措施5, 措施第五项 is caught above; measure 5, item 5
    ("strong", rf"(?:措施|\b(?:measures?|items?))\s*第?\s*(?P<s3>{NUM})(?![0-9])"),
    # #5
    ("strong", rf"#\s*(?P<s4>{NUM})(?![0-9])"),
    # 5、 5. 五、 at the start of a line (a weak form: reports also number their own points)
    ("weak", rf"(?m:^)[ \t]*(?P<w1>{NUM})\s*(?:、|\.(?![0-9])|．)"),
    # No. 5 only at the start of a line: inside a sentence it is a name ("Taihang No. 1 road")
    ("weak", rf"(?m:^)[ \t]*no\.\s*(?P<w2>{NUM})(?![0-9])"),
]
_MARKER_RE = re.compile(
    "|".join(f"(?P<f{index}>{pattern})" for index, (_kind, pattern) in enumerate(_MARKER_FORMS)),
    re.IGNORECASE,
)
# Between two markers of one group ("（五）（六）", "#5、#6") only separators may stand.
_GROUP_GAP = re.compile(r"^[\s、,，;；/&和及与]*$")


@dataclass(frozen=True)
class Marker:
    start: int
    end: int
    numbers: tuple[int, ...]
    strong: bool
    digits_in_brackets: bool  # "(1)": also how reports number their own points


def _numbers_of(match: re.Match[str]) -> tuple[int, ...]:
    groups = match.groupdict()
    for first, last in (("r1", "r2"), ("r3", "r4"), ("r5", "r6")):
        if groups.get(first) and groups.get(last):
            low, high = numeral_value(groups[first]), numeral_value(groups[last])
            if low is None or high is None or not 0 < high - low <= MAX_RANGE:
                return ()
            return tuple(range(low, high + 1))
    for name in ("l1", "l2"):
        if groups.get(name):
            tokens = re.findall(NUM, groups[name])
            values = [numeral_value(token) for token in tokens]
            return tuple(v for v in values if v is not None)
    for name in ("s1", "s2", "s3", "s4", "w1", "w2"):
        if groups.get(name):
            value = numeral_value(groups[name])
            return (value,) if value is not None else ()
    return ()


def find_markers(text: str) -> list[Marker]:
    """Every measure marker in `text`, in order (numbers outside 1..200 dropped)."""
    folded = text.translate(_FOLD)
    markers: list[Marker] = []
    for match in _MARKER_RE.finditer(folded):
        form = next(i for i in range(len(_MARKER_FORMS)) if match.group(f"f{i}") is not None)
        numbers = tuple(n for n in _numbers_of(match) if 0 < n <= MAX_MEASURE_NUMBER)
        if not numbers:
            continue
        markers.append(
            Marker(
                start=match.start(),
                end=match.end(),
                numbers=tuple(dict.fromkeys(numbers)),
                strong=_MARKER_FORMS[form][0] == "strong",
                digits_in_brackets=match.group("s1") is not None and match.group("s1").isascii(),
            )
        )
    return markers


# --- status and percent -------------------------------------------------------------------

# A clause ends at these; negations and future words reach no further than their clause.
_CLAUSE_END = re.compile(r"[，,。；;！!？?\n：:]")
# Right before a word: 未完成, 没完成, 不能完成 (了 and 已 between do not matter).
_DONE_NEGATED_NEAR = (
    "未",
    "没",
    "没有",
    "不",
    "不能",
    "待",
    "将",
    "需",
    "要",
    "需要",
    "未能",
    "部分",
    "初步",
    "阶段性",
)
# Anywhere earlier in the clause: 计划年底前完成, 尚未全部完成, 力争6月底完成.
_DONE_NEGATED_CLAUSE = (
    "尚未",
    "还未",
    "仍未",
    "还没",
    "未能",
    "无法",
    "不能",
    "没有",
    "计划",
    "预计",
    "争取",
    "力争",
    "确保",
    "有望",
    "即将",
    "拟于",
    "拟在",
    "预期",
    "将于",
    "将在",
    "年底前",
    "月底前",
    "之前完成",
    "待",
    "下一步",
    "下步",
)
# Part of the work done is not the measure done: 部分完成, 完成一半, 完成前期工作.
_DONE_PARTIAL_AFTER = (
    "一半",
    "过半",
    "大半",
    "部分",
    "阶段性",
    "前期",
    "初步",
    # "完成投资11亿元", "完成产值", "完成12项": an amount achieved so far, not the measure done
    "投资",
    "产值",
    "营收",
    "任务量",
    "工程量",
    "亿元",
    "万元",
    "公里",
    "万亩",
)
_RISK_NEGATED_NEAR = ("没", "没有", "无", "不", "暂无", "不存在")
_RISK_NEGATED_CLAUSE = (
    "没有",
    "未遇到",
    "未发现",
    "未出现",
    "不存在",
    "暂无",
    "无重大",
    "无明显",
    "解决",
    "化解",
    "消除",
    "排除",
)
# After the word in its clause: 问题已解决, 困难已经得到协调.
_RISK_RESOLVED_AFTER = ("解决", "化解", "消除", "排除", "协调好", "克服")
_BLOCKED_NEGATED_NEAR = ("不", "没", "没有", "未", "无", "防止", "避免")

_BLOCKED_ZH = ("停滞", "无法推进", "暂停", "停工", "搁置", "中止", "叫停", "无法开展", "无法实施")
_RISK_ZH = (
    "困难",
    "滞后",
    "受阻",
    "问题",
    "风险",
    "延期",
    "延误",
    "推迟",
    "缓慢",
    "落后",
    "瓶颈",
    "难度",
)
_DONE_ZH = ("完成", "办结", "落实到位", "完工", "竣工", "建成")
_PROGRESS_ZH = (
    "推进中",
    "正在",
    "进行中",
    "实施中",
    "建设中",
    "开展中",
    "已启动",
    "推进",
    "开工",
    "启动",
)

_STILL_GOING_ZH = ("推进中", "正在", "进行中", "实施中", "建设中", "开展中")
_EN_STILL_GOING = re.compile(r"\b(?:in progress|ongoing|under ?way|still)\b", re.IGNORECASE)

_EN_NEGATION = r"\b(?:no|not|without|zero|never|nor|isn't|aren't|wasn't|n't)\s+(?:\w+\s+){0,2}?"
_EN_BLOCKED_WORDS = (
    r"(?:blocked|stalled|stuck|halted|on hold|paused|suspended|"
    r"cannot proceed|can't proceed|can not proceed)"
)
_EN_RISK_WORDS = (
    r"(?:delayed|delays?|behind(?: schedule)?|at risk|risks?|problems?|issues?|"
    r"difficult(?:y|ies)?|slipping|late|troubles?|obstacles?)"
)
_EN_BLOCKED = re.compile(rf"\b{_EN_BLOCKED_WORDS}\b", re.IGNORECASE)
_EN_BLOCKED_NEGATED = re.compile(rf"{_EN_NEGATION}{_EN_BLOCKED_WORDS}\b", re.IGNORECASE)
_EN_RISK = re.compile(rf"\b{_EN_RISK_WORDS}\b", re.IGNORECASE)
_EN_RISK_NEGATED = re.compile(
    rf"{_EN_NEGATION}{_EN_RISK_WORDS}\b|"
    rf"\b{_EN_RISK_WORDS}\s+(?:(?:were|was|are|is|have been|has been)\s+)?"
    r"(?:solved|resolved|fixed|cleared|overcome|addressed)\b",
    re.IGNORECASE,
)
_EN_NOT_DONE = re.compile(
    r"\b(?:not|never|n't)\s+(?:yet\s+|been\s+|fully\s+|be\s+)*(?:done|completed?|finished)\b|"
    r"\b(?:incomplete|unfinished|to be (?:done|completed|finished)|"
    r"will (?:be )?(?:done|completed?|finish(?:ed)?)|"
    r"(?:expected|planned|scheduled|due) to (?:be )?(?:done|completed?|finish(?:ed)?))",
    re.IGNORECASE,
)
_EN_DONE = re.compile(r"\b(?:done|completed?|finished|accomplished)\b", re.IGNORECASE)
_EN_PROGRESS = re.compile(
    r"\b(?:in progress|ongoing|under ?way|progressing|working on|on track|started|proceeding)\b",
    re.IGNORECASE,
)


def _found_zh(
    text: str,
    words: Iterable[str],
    near: tuple[str, ...],
    clause_words: tuple[str, ...],
    after_words: tuple[str, ...] = (),
) -> tuple[bool, bool]:
    """(said, negated): whether a word occurs not negated, and whether one occurs negated."""
    said = negated = False
    for word in words:
        for match in re.finditer(re.escape(word), text):
            ends = [m.end() for m in _CLAUSE_END.finditer(text, 0, match.start())]
            clause = text[ends[-1] if ends else 0 : match.start()]
            rest = _CLAUSE_END.split(text[match.end() :], maxsplit=1)[0]
            tight = clause.replace("了", "").replace("已", "").replace("全部", "").rstrip()
            if (
                tight.endswith(near)
                or any(w in clause for w in clause_words)
                or any(w in rest for w in after_words)
            ):
                negated = True
            else:
                said = True
    return said, negated


def read_status(text: str) -> str | None:
    """The status the words of `text` report, or None when they say nothing about it.

    Trouble outranks progress: "推进中，但遇到困难" is at risk; "已完成，没有问题" is done;
    "尚未完成" and "预计年底完成" are not done (in progress). A percent below 100 caps "done".
    """
    folded = (text or "").translate(_FOLD)
    percent = read_percent(folded)
    blocked, _ = _found_zh(folded, _BLOCKED_ZH, _BLOCKED_NEGATED_NEAR, ())
    if blocked or _EN_BLOCKED.search(_EN_BLOCKED_NEGATED.sub(" ", folded)):
        return PROGRESS_BLOCKED
    risk, _ = _found_zh(
        folded, _RISK_ZH, _RISK_NEGATED_NEAR, _RISK_NEGATED_CLAUSE, _RISK_RESOLVED_AFTER
    )
    if risk or _EN_RISK.search(_EN_RISK_NEGATED.sub(" ", folded)):
        return PROGRESS_AT_RISK
    if percent is not None and percent >= 100:
        return PROGRESS_DONE
    done, not_done = _found_zh(
        folded, _DONE_ZH, _DONE_NEGATED_NEAR, _DONE_NEGATED_CLAUSE, _DONE_PARTIAL_AFTER
    )
    done = done or _EN_DONE.search(_EN_NOT_DONE.sub(" ", folded)) is not None
    not_done = not_done or _EN_NOT_DONE.search(folded) is not None
    # "主体完工，推进中": part of the work is finished and the rest is still under way.
    still_going = any(word in folded for word in _STILL_GOING_ZH) or (
        _EN_STILL_GOING.search(folded) is not None
    )
    if done and percent is None and not still_going:
        return PROGRESS_DONE
    if done or not_done or percent is not None:
        return PROGRESS_IN_PROGRESS
    if any(word in folded for word in _PROGRESS_ZH) or _EN_PROGRESS.search(folded):
        return PROGRESS_IN_PROGRESS
    return None


_PERCENT_DIGITS = re.compile(
    r"(?<![0-9.])([0-9]{1,3}(?:\.[0-9]+)?)\s*(?:%|percent\b|per cent\b)", re.IGNORECASE
)
_PERCENT_CN = re.compile(
    r"百分之\s*([零〇一二两三四五六七八九十百]+|[0-9]{1,3})(?:点([零〇一二三四五六七八九]))?"
)
_TENTHS = re.compile(
    r"(?<![0-9零〇一二两三四五六七八九十百])([一二三四五六七八九十]|[1-9]|10)\s*成"
    r"([一二三四五六七八九])?(?![员本果立功为绩都就熟型品交不])"
)
# A figure in a clause about growth, shares or rates is not how far the work has come.
_NOT_COMPLETION = re.compile(
    r"增长|增加|增幅|下降|降低|降幅|减少|提高|提升|同比|环比|占比|比重|覆盖率|利用率|"
    r"达标率|合格率|增速|growth|increase|decrease|grew|rose|fell|drop|share|up by|down by",
    re.IGNORECASE,
)


def read_percent(text: str) -> int | None:
    """How far the work has come, as a percent (60%, ６０％, 百分之六十五, 六成), 0..100.

    Figures in a clause about growth or shares ("投资同比增长15%") are not completion.
    """
    folded = (text or "").translate(_FOLD)
    found: list[tuple[int, float]] = []
    for match in _PERCENT_DIGITS.finditer(folded):
        found.append((match.start(), float(match.group(1))))
    for match in _PERCENT_CN.finditer(folded):
        whole = 0 if match.group(1) in ("零", "〇") else numeral_value(match.group(1))
        if whole is not None:
            tenth = _CN_DIGITS.get(match.group(2), 0) if match.group(2) else 0
            found.append((match.start(), whole + tenth / 10))
    for match in _TENTHS.finditer(folded):
        tenths = numeral_value(match.group(1))
        if tenths is not None:
            extra = _CN_DIGITS.get(match.group(2), 0) if match.group(2) else 0
            found.append((match.start(), tenths * 10 + extra))
    for start, value in sorted(found):
        ends = [m.end() for m in _CLAUSE_END.finditer(folded, 0, start)]
        clause = folded[ends[-1] if ends else 0 : start]
        after = _CLAUSE_END.split(folded[start:], maxsplit=1)[0]
        if _NOT_COMPLETION.search(clause) or re.search(
            r"growth|increase|up\b|down\b", after, re.IGNORECASE
        ):
            continue
        # The first completion figure given is the one reported ("完成60%，计划80%").
        return max(0, min(100, round(value)))
    return None


# --- splitting a reply --------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyPart:
    """The slice of a reply about one measure (`measure` is the measure's number)."""

    measure: int
    text: str
    status: str | None
    percent: int | None


@dataclass(frozen=True)
class ReplyReading:
    parts: list[ReplyPart]
    # Numbers the reply names that are not among the candidates (told politely, not recorded).
    unknown: tuple[int, ...] = ()
    # True when the reply names no measure and several candidates fit: ask with buttons.
    needs_choice: bool = False
    # The reply's own status and percent, for a reply recorded without markers.
    status: str | None = None
    percent: int | None = None
    marked: bool = False


def _clean(text: str) -> str:
    return text.strip().strip("：:、，,;；。.").strip()


def _effective_markers(text: str, wanted: set[int]) -> list[Marker]:
    """The markers that name measures, dropping those that number a report's own points.

    - Line-start `1、`/`1.` count only when no stronger marker exists and one of them names a
      candidate (otherwise the reply is simply a numbered list).
    - `(1)` with digits inside a part already about a measure is a sub-point, not a measure.
    """
    markers = find_markers(text)
    strong = [m for m in markers if m.strong]
    if strong:
        kept: list[Marker] = []
        seen_known = False
        for marker in strong:
            known = any(n in wanted for n in marker.numbers)
            if not known and seen_known and marker.digits_in_brackets:
                continue
            seen_known = seen_known or known
            kept.append(marker)
        return kept
    weak = [m for m in markers if not m.strong]
    if any(n in wanted for m in weak for n in m.numbers):
        return weak
    return []


def read_reply(text: str, candidates: Iterable[int]) -> ReplyReading:
    """Split `text` into parts per measure marker, matched against candidate measure numbers.

    Consecutive markers with nothing but separators between them (`（五）（六）`) share the
    text after them. Text before the first marker is context for every part. A marker naming
    a measure not among `candidates` is returned in `unknown`, and its text is recorded for
    nobody. Without markers: one candidate takes the whole reply; several need a choice.
    """
    text = text or ""
    wanted = set(candidates)
    markers = _effective_markers(text, wanted)
    if not markers:
        status, percent = read_status(text), read_percent(text)
        if len(wanted) == 1:
            (only,) = wanted
            return ReplyReading(
                parts=[ReplyPart(only, text.strip(), status, percent)],
                status=status,
                percent=percent,
            )
        return ReplyReading(parts=[], needs_choice=len(wanted) > 1, status=status, percent=percent)

    # Group markers that stand next to each other.
    groups: list[list[Marker]] = []
    for marker in markers:
        if groups and _GROUP_GAP.match(text[groups[-1][-1].end : marker.start]):
            groups[-1].append(marker)
        else:
            groups.append([marker])

    prefix = _clean(text[: groups[0][0].start])
    prefix_status, prefix_percent = read_status(prefix), read_percent(prefix)
    parts: dict[int, ReplyPart] = {}
    unknown: list[int] = []
    for index, group in enumerate(groups):
        end = groups[index + 1][0].start if index + 1 < len(groups) else len(text)
        own = _clean(text[group[-1].end : end])
        numbers = tuple(dict.fromkeys(n for m in group for n in m.numbers))
        status = read_status(own) or prefix_status
        percent = read_percent(own)
        if percent is None:
            percent = prefix_percent
        body = f"{prefix}\n{own}".strip() if prefix else own
        for number in numbers:
            if number not in wanted:
                if number not in unknown:
                    unknown.append(number)
                continue
            if number in parts:
                # Named twice: keep both slices in one record, nothing is lost.
                earlier = parts[number]
                parts[number] = ReplyPart(
                    number,
                    f"{earlier.text}\n{own}".strip(),
                    read_status(own) or earlier.status,
                    percent if percent is not None else earlier.percent,
                )
            else:
                parts[number] = ReplyPart(number, body, status, percent)
    return ReplyReading(
        parts=list(parts.values()),
        unknown=tuple(unknown),
        status=read_status(text),
        percent=read_percent(text),
        marked=True,
    )


def resolve_measures(reply_text: str, candidates: Iterable[int]) -> list[ReplyPart]:
    """One part per measure the reply names (only measures among `candidates`)."""
    return read_reply(reply_text, candidates).parts


def split_report_arguments(text: str) -> tuple[list[int], str]:
    """`/report` arguments: the measure(s) named first (5, 五, （五）, 第五项, （五）（六）)
    and the text after them; no numbers when the arguments do not start with a measure."""
    stripped = (text or "").strip()
    markers = find_markers(stripped)
    if markers and markers[0].start == 0:
        group = [markers[0]]
        for marker in markers[1:]:
            if not _GROUP_GAP.match(stripped[group[-1].end : marker.start]):
                break
            group.append(marker)
        numbers = list(dict.fromkeys(n for m in group for n in m.numbers))
        return numbers, _clean(stripped[group[-1].end :])
    first, *others = stripped.split(maxsplit=1) if stripped else ("",)
    value = numeral_value(first.strip("：:、，,.。"))
    if value is not None and 0 < value <= MAX_MEASURE_NUMBER:
        return [value], others[0].strip() if others else ""
    return [], stripped
