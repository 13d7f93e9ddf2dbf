"""Where a measure's responsibility clauses are: every bracket that reads as one, anywhere.

A clause may end the paragraph, sit after a sentence in its middle (several per measure), or
be a labelled line (`牵头单位：…；责任单位：…`). A bracket inside a sentence counts only when
every word of it is a name or a role word; one at a clause's place that does not read is a
doubt, not a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from planreader.clauses import ClauseReading, mentions_first_listed_rule, read_clause
from planreader.deadlines import is_time_part
from planreader.document import CARRIED, HELPERS_LEAD, UNPARSED, UNPLACED, Clause, Doubt
from planreader.names import is_departmental, is_familiar

OPENERS = "（(【〔［["
CLOSERS = "）)】〕］]"
BRACKET_RE = re.compile(r"[（(【〔［\[）)】〕］\]]")
SENTENCE_END = "。；;！？!?"
TRAILING = "。；;.，, "
LABELLED_START_RE = re.compile(
    r"(?:^|(?<=[。；;]))\s*(?:牵头单位|牵头部门|责任单位|责任部门|负责单位|负责部门|主责单位|"
    r"配合单位|配合部门|落实单位|实施单位)\s*[:：]"
)

FIELD_PREFIX_RE = re.compile(r"^(完成时限|完成时间|完成期限|时间节点|时限|时间)\s*[:：]\s*")


@dataclass
class ParagraphClauses:
    text: str  # the paragraph without its clauses
    clauses: list[Clause] = field(default_factory=list)
    doubts: list[Doubt] = field(default_factory=list)
    deadline_texts: list[str] = field(default_factory=list)
    looks_like_clause: bool = False  # a bracket at a clause's place had role words


def bracket_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of every outermost bracket group; end is past the closing bracket."""
    groups: list[tuple[int, int]] = []
    depth = 0
    start = 0
    for match in BRACKET_RE.finditer(text):  # only the brackets, not every character
        index, ch = match.start(), match.group()
        if ch in OPENERS:
            if depth == 0:
                start = index
            depth += 1
        elif ch in CLOSERS and depth:
            depth -= 1
            if depth == 0:
                groups.append((start, index + 1))
    return groups


def starts_labelled(text: str) -> bool:
    """A line that is a labelled clause: 牵头单位：省水利厅."""
    return _labelled_start(text) == 0


def _labelled_start(text: str) -> int | None:
    """Where a labelled clause (牵头单位：…) starts a sentence outside any bracket."""
    groups = bracket_groups(text)
    for match in LABELLED_START_RE.finditer(text):
        if not any(start < match.start() < end for start, end in groups):
            return match.start()
    return None


def _opens_sentence(text: str, start: int, end: int) -> bool:
    """A bracket after a full sentence (or a whole line), or closing the paragraph."""
    before = text[:start].rstrip()
    return not before or before.endswith(tuple(SENTENCE_END)) or not text[end:].strip(TRAILING)


def _at_clause_place(text: str, start: int, end: int) -> bool:
    """After a sentence (or at the start) or before the end of a sentence or paragraph."""
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    return (
        not before
        or before.endswith(tuple(SENTENCE_END))
        or not after.strip(TRAILING)
        or after.startswith(tuple(SENTENCE_END))
    )


class ClauseScanner:
    """Reads the clauses of a document in order; the first-listed note holds from where said."""

    def __init__(self, *, first_listed: bool = False) -> None:
        self.first_listed = first_listed
        self.carried: list[str] = []  # units a 不再列出 note adds to every later clause

    def scan(self, paragraph: str) -> ParagraphClauses:
        """The clauses of one paragraph, and the paragraph without them."""
        out = ParagraphClauses(paragraph)
        cuts: list[tuple[int, int]] = []
        labelled = _labelled_start(paragraph)
        limit = labelled if labelled is not None else len(paragraph)
        for start, end in bracket_groups(paragraph[:limit]):
            inner = paragraph[start + 1 : end - 1]
            placed = _at_clause_place(paragraph, start, end)
            reading = read_clause(inner, first_listed_leads=self.first_listed, carried=self.carried)
            if reading.clause is not None and reading.has_role:
                accept = placed or reading.is_clean
            else:
                # （省邮政管理局、省农业农村厅）: names alone, after a sentence, are a clause.
                accept = (
                    reading.clause is not None
                    and not reading.unplaced
                    and _opens_sentence(paragraph, start, end)
                    and all(
                        is_departmental(n) and is_familiar(n) for n in reading.clause.departments
                    )
                )
            if not accept:
                if placed and is_time_part(inner):
                    out.deadline_texts.append(FIELD_PREFIX_RE.sub("", inner))
                elif placed and reading.has_role:
                    out.looks_like_clause = True
                    if reading.clause is None and re.search(r"牵头|负责|配合|单位|部门", inner):
                        out.doubts.append(Doubt(UNPARSED, {"text": paragraph[start:end]}))
                elif placed and mentions_first_listed_rule(inner):
                    self.first_listed = True
                if placed and reading.carries:  # （以下各项工作均需各地区落实，不再列出）
                    self.carried += [n for n in reading.carries if n not in self.carried]
                continue
            if reading.states_first_listed:
                self.first_listed = True  # this clause and every later one (下同)
            self._take(reading, out)
            cuts.append((start, end))
        if labelled is not None:
            tail = paragraph[labelled:].strip(TRAILING)
            reading = read_clause(tail, first_listed_leads=self.first_listed, carried=self.carried)
            if reading.states_first_listed:
                self.first_listed = True
            if reading.clause is not None:
                self._take(reading, out)
                cuts.append((labelled, len(paragraph)))
        kept = paragraph
        for start, end in reversed(cuts):
            kept = kept[:start].rstrip() + kept[end:]
        out.text = kept.strip() if cuts else paragraph
        return out

    def _take(self, reading: ClauseReading, out: ParagraphClauses) -> None:
        assert reading.clause is not None
        out.clauses.append(reading.clause)
        self.carried += [n for n in reading.carries if n not in self.carried]
        if reading.unplaced:
            out.doubts.append(Doubt(UNPLACED, {"words": "、".join(reading.unplaced)}))
        if reading.added:
            out.doubts.append(Doubt(CARRIED, {"names": "、".join(reading.added)}))
        if reading.deadline_text:
            out.deadline_texts.append(reading.deadline_text)
        clause = reading.clause
        if clause.leads and not reading.states_first_listed and not self.first_listed:
            if _leads_by_inference(reading):
                out.doubts.append(Doubt(HELPERS_LEAD, {"names": "、".join(clause.leads)}))


def _leads_by_inference(reading: ClauseReading) -> bool:
    """Leads that no 牵头 or 会同 named: taken from 负责 … 配合."""
    text = reading.text
    return not re.search(r"牵头|会同|主责|主办|[*＊★☆]", text)


def merge_clauses(clauses: list[Clause]) -> Clause | None:
    """Several clauses of one measure: the union, in order of first appearance."""
    if not clauses:
        return None
    if len(clauses) == 1:
        return clauses[0]
    merged = Clause(text="；".join(c.text for c in clauses))
    for clause in clauses:
        merged.leads += [n for n in clause.leads if n not in merged.leads]
    for clause in clauses:
        merged.supports += [
            n for n in clause.supports if n not in merged.leads and n not in merged.supports
        ]
    merged.no_lead = not merged.leads
    return merged
