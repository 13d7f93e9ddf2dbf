"""Reading a liaison's reply: which measures it names, and the status and percent it reports.

Pure text logic with no database and no Telegram: `read_reply(text, candidates)` splits a
reply into one `ReplyPart` per measure marker; `read_status` and `read_percent` read words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from coordination.reply_status import read_progress
from planreader.numerals import FULL_WIDTH_FOLD, numeral_value

# Measure numbers beyond this are years, amounts or ids, never a measure of a plan.
MAX_MEASURE_NUMBER = 200
# A range such as （五）至（九） longer than this is a typo, not a list of measures.
MAX_RANGE = 30

CN = "[零〇一二两三四五六七八九十百]+"
DIGITS = "[0-9]{1,4}"
NUM = f"(?:{DIGITS}|{CN})"


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
    folded = text.translate(FULL_WIDTH_FOLD)
    markers: list[Marker] = []
    for match in _MARKER_RE.finditer(folded):
        # The outer group of the form that matched closes last.
        form = int((match.lastgroup or "f0")[1:])
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
    # The reply's own status and percent, for a reply without markers (its parts carry theirs).
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
        status, percent = read_progress(text)
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
    prefix_status, prefix_percent = read_progress(prefix)
    parts: dict[int, ReplyPart] = {}
    unknown: list[int] = []
    for index, group in enumerate(groups):
        end = groups[index + 1][0].start if index + 1 < len(groups) else len(text)
        own = _clean(text[group[-1].end : end])
        numbers = tuple(dict.fromkeys(n for m in group for n in m.numbers))
        own_status, percent = read_progress(own)
        status = own_status or prefix_status
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
                    own_status or earlier.status,
                    percent if percent is not None else earlier.percent,
                )
            else:
                parts[number] = ReplyPart(number, body, status, percent)
    return ReplyReading(parts=list(parts.values()), unknown=tuple(unknown), marked=True)


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
