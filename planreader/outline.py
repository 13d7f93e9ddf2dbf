"""The numbered outline of a plan: 第一部分, 一、, 第一条, （一）, 1., （1）, ①, nested by rank.

Which level carries the measures is not assumed: `carrier_kind` picks the level whose items
hold the responsibility clauses, so a plan numbered only 一、 or 1. reads like one with （一）.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from planreader.clause_spans import ParagraphClauses
from planreader.numerals import parse_chinese_numeral
from planreader.repair import (
    ARABIC_PAREN_RE,
    ARABIC_RE,
    ARTICLE_RE,
    CIRCLED_RE,
    PAREN_RE,
    PART_RE,
    SECTION_RE,
)

KIND_PART, KIND_SECTION, KIND_ARTICLE = "part", "section", "article"
KIND_PAREN, KIND_ARABIC = "paren", "arabic"
KIND_ARABIC_PAREN, KIND_CIRCLED = "arabic_paren", "circled"


@dataclass(frozen=True)
class _Kind:
    name: str
    rank: float  # outer levels first: 第一部分 > 一、 > 第一条 > （一） > 1. > （1） > ①
    pattern: re.Pattern[str]
    label: Callable[[re.Match[str]], str]


def _circled_value(numeral: str) -> int:
    return ord(numeral) - 0x2460 + 1


KINDS = (
    _Kind(KIND_PART, 0, PART_RE, lambda m: f"第{m.group(1)}{m.group(2)}"),
    _Kind(KIND_SECTION, 1, SECTION_RE, lambda m: f"{m.group(1)}、"),
    _Kind(KIND_ARTICLE, 1.5, ARTICLE_RE, lambda m: f"第{m.group(1)}条"),
    _Kind(KIND_PAREN, 2, PAREN_RE, lambda m: f"（{m.group(1)}）"),
    _Kind(KIND_ARABIC, 3, ARABIC_RE, lambda m: f"{int(m.group(1))}."),
    _Kind(KIND_ARABIC_PAREN, 4, ARABIC_PAREN_RE, lambda m: f"（{int(m.group(1))}）"),
    _Kind(KIND_CIRCLED, 5, CIRCLED_RE, lambda m: m.group(1)),
)


@dataclass(eq=False)  # a node is itself: compared by identity, never by its whole subtree
class Node:
    kind: str
    rank: float
    value: int
    numeral: str  # as written: "五", "3"
    label: str  # "（五）", "3.", "第五条"
    heading: str  # the whole first paragraph as written
    paragraphs: list[str]  # own paragraphs, the first without its marker
    index: int  # paragraph index in the document
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    scans: list[ParagraphClauses] = field(default_factory=list)  # one per own paragraph

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def ancestors(self) -> list[Node]:
        """Outermost first."""
        out: list[Node] = []
        node = self.parent
        while node is not None:
            out.insert(0, node)
            node = node.parent
        return out

    @property
    def has_own_clause(self) -> bool:
        return any(scan.clauses for scan in self.scans)

    @property
    def has_clause(self) -> bool:
        return any(node.has_own_clause for node in self.walk())

    @property
    def bears_clause(self) -> bool:
        """A clause of its own or below it, one a heading above gives it, or a bracket that
        looks like a clause but did not read (kept, with its doubt, rather than lost)."""
        return (
            self.has_clause
            or any(a.has_own_clause for a in self.ancestors())
            or any(scan.looks_like_clause for node in self.walk() for scan in node.scans)
        )


def match_marker(paragraph: str) -> tuple[_Kind, re.Match[str], int] | None:
    """The numbering that opens `paragraph`, if any, with its value."""
    for kind in KINDS:
        match = kind.pattern.match(paragraph)
        if not match:
            continue
        numeral = match.group(1)
        if kind.name == KIND_CIRCLED:
            value: int | None = _circled_value(numeral)
        else:
            value = parse_chinese_numeral(numeral)
        if value is not None:
            return kind, match, value
    return None


def starts_outline(paragraph: str) -> bool:
    return match_marker(paragraph) is not None


def build_outline(paras: list[str], start: int, end: int) -> list[Node]:
    """The numbered items between `start` and `end` as a forest, nested by rank."""
    roots: list[Node] = []
    stack: list[Node] = []
    for index in range(start, end):
        paragraph = paras[index]
        found = match_marker(paragraph)
        if found is None:
            if stack:
                stack[-1].paragraphs.append(paragraph)
            continue
        kind, match, value = found
        node = Node(
            kind=kind.name,
            rank=kind.rank,
            value=value,
            numeral=match.group(1),
            label=kind.label(match),
            heading=paragraph,
            paragraphs=[paragraph[match.end() :]],
            index=index,
        )
        while stack and stack[-1].rank >= node.rank:
            stack.pop()
        if stack:
            node.parent = stack[-1]
            stack[-1].children.append(node)
        else:
            roots.append(node)
        stack.append(node)
    return roots


def every_node(roots: list[Node]) -> list[Node]:
    """All nodes in document order."""
    return sorted((n for root in roots for n in root.walk()), key=lambda n: n.index)


def carrier_kind(roots: list[Node]) -> str | None:
    """The numbering level whose items hold the clauses (the most such items; outer on a tie)."""
    counts = Counter(node.kind for node in every_node(roots) if node.has_own_clause)
    if not counts:
        return None
    rank = {kind.name: kind.rank for kind in KINDS}
    return max(counts, key=lambda kind: (counts[kind], -rank[kind]))


def measure_runs(roots: list[Node], kind: str) -> list[list[Node]]:
    """Items of `kind` in runs of continuous numbering, from the first that bears a clause to
    the last: the guiding thought, principles and goals before them and the closing items
    after them are headings, not measures. An item without a clause between two that have
    one stays a measure (the reader doubts it). Runs without any clause are dropped."""
    runs: list[list[Node]] = []
    for node in every_node(roots):
        if node.kind != kind or any(a.kind == kind for a in node.ancestors()):
            continue
        if runs and node.value == runs[-1][-1].value + 1:
            runs[-1].append(node)
        else:
            runs.append([node])
    trimmed: list[list[Node]] = []
    for run in runs:
        bearing = [i for i, node in enumerate(run) if node.bears_clause]
        if bearing:
            trimmed.append(run[bearing[0] : bearing[-1] + 1])
    return trimmed
