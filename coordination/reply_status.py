"""Reading the status and the percent a liaison's reply reports, from its words: 已完成,
推进中, 困难/滞后, 受阻, done, at risk…, and 60%, 百分之六十, 六成 (negations understood).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from models.progress import (
    PROGRESS_AT_RISK,
    PROGRESS_BLOCKED,
    PROGRESS_DONE,
    PROGRESS_IN_PROGRESS,
)
from planreader.numerals import DIGITS, FULL_WIDTH_FOLD, numeral_value

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


_LATIN = re.compile(r"[A-Za-z]")
_CENT = re.compile(r"cent\b", re.IGNORECASE)


def _found_zh(
    text: str,
    words: Iterable[str],
    near: tuple[str, ...],
    clause_words: tuple[str, ...],
    after_words: tuple[str, ...] = (),
) -> tuple[bool, bool]:
    """(said, negated): whether a word occurs not negated, and whether one occurs negated.

    Only the words that occur in the text are looked at (a plain substring search each).
    """
    said = negated = False
    for word in words:
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            ends = [m.end() for m in _CLAUSE_END.finditer(text, 0, start)]
            clause = text[ends[-1] if ends else 0 : start]
            rest = _CLAUSE_END.split(text[end:], maxsplit=1)[0]
            tight = clause.replace("了", "").replace("已", "").replace("全部", "").rstrip()
            if (
                tight.endswith(near)
                or any(w in clause for w in clause_words)
                or any(w in rest for w in after_words)
            ):
                negated = True
            else:
                said = True
            start = text.find(word, end)
    return said, negated


def read_status(text: str) -> str | None:
    """The status the words of `text` report, or None when they say nothing about it.

    Trouble outranks progress: "推进中，但遇到困难" is at risk; "已完成，没有问题" is done;
    "尚未完成" and "预计年底完成" are not done (in progress). A percent below 100 caps "done".
    """
    return read_progress(text)[0]


def read_progress(text: str) -> tuple[str | None, int | None]:
    """`read_status` and `read_percent` of `text` at once (the percent is read once)."""
    if not text:
        return None, None
    folded = text.translate(FULL_WIDTH_FOLD)
    percent = read_percent(folded)
    return _status(folded, percent), percent


def _status(folded: str, percent: int | None) -> str | None:
    # Text with no Latin letter says nothing in English: its patterns are not tried.
    english = _LATIN.search(folded) is not None
    blocked, _ = _found_zh(folded, _BLOCKED_ZH, _BLOCKED_NEGATED_NEAR, ())
    if blocked or (english and _EN_BLOCKED.search(_EN_BLOCKED_NEGATED.sub(" ", folded))):
        return PROGRESS_BLOCKED
    risk, _ = _found_zh(
        folded, _RISK_ZH, _RISK_NEGATED_NEAR, _RISK_NEGATED_CLAUSE, _RISK_RESOLVED_AFTER
    )
    if risk or (english and _EN_RISK.search(_EN_RISK_NEGATED.sub(" ", folded))):
        return PROGRESS_AT_RISK
    if percent is not None and percent >= 100:
        return PROGRESS_DONE
    done, not_done = _found_zh(
        folded, _DONE_ZH, _DONE_NEGATED_NEAR, _DONE_NEGATED_CLAUSE, _DONE_PARTIAL_AFTER
    )
    if english:
        done = done or _EN_DONE.search(_EN_NOT_DONE.sub(" ", folded)) is not None
        not_done = not_done or _EN_NOT_DONE.search(folded) is not None
    # "主体完工，推进中": part of the work is finished and the rest is still under way.
    still_going = any(word in folded for word in _STILL_GOING_ZH) or (
        english and _EN_STILL_GOING.search(folded) is not None
    )
    if done and percent is None and not still_going:
        return PROGRESS_DONE
    if done or not_done or percent is not None:
        return PROGRESS_IN_PROGRESS
    if any(word in folded for word in _PROGRESS_ZH) or (
        english and _EN_PROGRESS.search(folded)
    ):
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
    if not text:
        return None
    folded = text.translate(FULL_WIDTH_FOLD)
    # Every form needs one of these: most replies without a figure stop here.
    if not ("%" in folded or "百分之" in folded or "成" in folded or _CENT.search(folded)):
        return None
    found: list[tuple[int, float]] = []
    for match in _PERCENT_DIGITS.finditer(folded):
        found.append((match.start(), float(match.group(1))))
    for match in _PERCENT_CN.finditer(folded):
        whole = 0 if match.group(1) in ("零", "〇") else numeral_value(match.group(1))
        if whole is not None:
            tenth = DIGITS.get(match.group(2), 0) if match.group(2) else 0
            found.append((match.start(), whole + tenth / 10))
    for match in _TENTHS.finditer(folded):
        tenths = numeral_value(match.group(1))
        if tenths is not None:
            extra = DIGITS.get(match.group(2), 0) if match.group(2) else 0
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
