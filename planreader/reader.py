"""Reading a plan of the genre: header, sections, measures, clauses, attachment regions.

`read_plan(path)` and `parse_plan_text(text)` return a `PlanDocument` or raise
`PlanReadError` naming what the file lacks (文号, measures, responsibility clauses).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from planreader.clauses import mentions_first_listed_rule, parse_clause
from planreader.document import (
    MEASURES_WITHOUT_CLAUSE,
    MISSING_CLAUSES,
    MISSING_DOC_NUMBER,
    MISSING_MEASURES,
    MISSING_TITLE,
    REGION_COUNT_MISMATCH,
    Clause,
    MeasureDoc,
    PlanDocument,
    PlanReadError,
    ReadWarning,
    SectionDoc,
)
from planreader.frame import (
    body_end,
    find_doc_number,
    find_regions,
    find_title,
    issuer_and_date,
)
from planreader.numerals import parse_chinese_numeral
from planreader.repair import (
    ARABIC_RE,
    PAREN_RE,
    SECTION_RE,
    paragraphs,
)
from planreader.roster import plan_departments
from planreader.sources import read_source

LEVEL_SECTION, LEVEL_ITEM, LEVEL_SUBITEM = 1, 2, 3
LABELLED_LINE_RE = re.compile(r"^(牵头单位|牵头部门|责任单位|责任部门)\s*[:：]")
TRAILING_PUNCT = "。；;.，,"


@dataclass
class _Node:
    level: int
    value: int
    numeral: str
    label: str
    paragraphs: list[str]
    index: int  # paragraph index in the document
    section_index: int
    children: list[_Node] = field(default_factory=list)
    clause: Clause | None = None
    clause_texts: list[str] = field(default_factory=list)


def read_plan(path: Path | str) -> PlanDocument:
    """Read the plan in the file at `path` (.txt in any encoding, .docx, .pdf)."""
    path = Path(path)
    return parse_plan_text(read_source(path), source_name=path.name)


def _final_bracket(paragraph: str) -> tuple[int, str] | None:
    """(start, inner text) of the bracket group that ends `paragraph`, if any."""
    text = paragraph.rstrip(TRAILING_PUNCT + " ")
    if not text.endswith(("）", ")")):
        return None
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        ch = text[index]
        if ch in "）)":
            depth += 1
        elif ch in "（(":
            depth -= 1
            if depth == 0:
                return index, text[index + 1 : -1]
    return None


def _take_clause(
    paragraphs_: list[str], *, first_listed: bool
) -> tuple[Clause | None, list[str], list[str]]:
    """The responsibility clause(s) ending the paragraphs, and the paragraphs without them."""
    clauses: list[Clause] = []
    texts: list[str] = []
    kept: list[str] = []
    for paragraph in paragraphs_:
        found = _final_bracket(paragraph)
        clause = parse_clause(found[1], first_listed_leads=first_listed) if found else None
        if clause and found:
            clauses.append(clause)
            texts.append(clause.text)
            rest = paragraph[: found[0]].rstrip()
            if rest:
                kept.append(rest)
            continue
        if LABELLED_LINE_RE.match(paragraph):
            clause = parse_clause(paragraph.rstrip(TRAILING_PUNCT), first_listed_leads=first_listed)
            if clause:
                clauses.append(clause)
                texts.append(clause.text)
                continue
        kept.append(paragraph)
    if not clauses:
        return None, kept, []
    if len(clauses) == 1:
        return clauses[0], kept, texts
    merged = Clause(text="；".join(texts))
    for clause in clauses:
        merged.leads += [n for n in clause.leads if n not in merged.leads]
    for clause in clauses:
        merged.supports += [
            n for n in clause.supports if n not in merged.leads and n not in merged.supports
        ]
    merged.no_lead = not merged.leads
    return merged, kept, texts


def _items(paras: list[str], start: int, end: int) -> tuple[list[SectionDoc], list[_Node]]:
    """Sections and the numbered items (（一） and 1.) between `start` and `end`."""
    sections: list[SectionDoc] = []
    top: list[_Node] = []
    current_item: _Node | None = None
    current_sub: _Node | None = None
    for index in range(start, end):
        paragraph = paras[index]
        if match := SECTION_RE.match(paragraph):
            value = parse_chinese_numeral(match.group(1))
            if value is not None:
                sections.append(
                    SectionDoc(
                        numeral=match.group(1), title=paragraph[match.end() :], heading=paragraph
                    )
                )
                current_item = current_sub = None
                continue
        if match := PAREN_RE.match(paragraph):
            value = parse_chinese_numeral(match.group(1))
            if value is not None:
                current_item = _Node(
                    LEVEL_ITEM,
                    value,
                    match.group(1),
                    f"（{match.group(1)}）",
                    [paragraph[match.end() :]],
                    index,
                    len(sections) - 1,
                )
                top.append(current_item)
                current_sub = None
                continue
        if match := ARABIC_RE.match(paragraph):
            value = int(match.group(1))
            current_sub = _Node(
                LEVEL_SUBITEM,
                value,
                str(value),
                f"{value}.",
                [paragraph[match.end() :]],
                index,
                len(sections) - 1,
            )
            if current_item is not None:
                current_item.children.append(current_sub)
            else:
                top.append(current_sub)
            continue
        if current_sub is not None:
            current_sub.paragraphs.append(paragraph)
        elif current_item is not None:
            current_item.paragraphs.append(paragraph)
    return sections, top


def _measure_candidates(top: list[_Node]) -> list[tuple[_Node, _Node | None]]:
    """(node, group heading) of every item at the level that carries the clauses."""
    out: list[tuple[_Node, _Node | None]] = []
    for node in top:
        if node.level == LEVEL_ITEM and any(child.clause for child in node.children):
            out += [(child, node) for child in node.children]
        else:
            out.append((node, None))
    return out


def _runs(candidates: list[tuple[_Node, _Node | None]]) -> list[list[tuple[_Node, _Node | None]]]:
    """Split where numbering restarts or changes level: （一）…（三） then 1. 2. …"""
    runs: list[list[tuple[_Node, _Node | None]]] = []
    for entry in candidates:
        node = entry[0]
        if runs:
            last = runs[-1][-1][0]
            if node.level == last.level and node.value == last.value + 1:
                runs[-1].append(entry)
                continue
        runs.append([entry])
    return runs


def _title_and_body(node: _Node) -> tuple[str, str]:
    body = "\n".join(p for p in node.paragraphs if p)
    first = node.paragraphs[0] if node.paragraphs else ""
    cut = first.find("。")
    title = first[:cut] if cut >= 0 else first
    return title.strip(), body.strip()


def parse_plan_text(text: str, *, source_name: str = "") -> PlanDocument:
    """Read a plan from its text (the line breaks of a PDF copy are repaired first)."""
    paras = paragraphs(text)
    first_marker = next(
        (
            i
            for i, p in enumerate(paras)
            if SECTION_RE.match(p) or PAREN_RE.match(p) or ARABIC_RE.match(p)
        ),
        len(paras),
    )
    header = paras[:first_marker]
    end = body_end(paras, first_marker)
    sections, top = _items(paras, first_marker, end)

    # 列第一位者为牵头单位: from the clause that says it on, or everywhere if said in a note.
    note_anywhere = any(mentions_first_listed_rule(p) and not _final_bracket(p) for p in paras)
    first_listed = note_anywhere
    every_node = [n for node in top for n in [node, *node.children]]
    for node in sorted(every_node, key=lambda n: n.index):
        own = node.paragraphs
        clause, kept, texts = _take_clause(own, first_listed=first_listed)
        if clause is None and any(mentions_first_listed_rule(p) for p in own):
            first_listed = True
        if clause and mentions_first_listed_rule(clause.text):
            first_listed = True
        node.clause, node.paragraphs, node.clause_texts = clause, kept, texts

    measures: list[MeasureDoc] = []
    kept_runs = [run for run in _runs(_measure_candidates(top)) if any(n.clause for n, _ in run)]
    entries = [entry for run in kept_runs for entry in run]
    written = [node.value for node, _ in entries]
    use_written = written == sorted(set(written))  # unique and increasing: keep the doc's own
    restarts = len(kept_runs) > 1 and not use_written
    for ordinal, (node, group) in enumerate(entries, start=1):
        title, body = _title_and_body(node)
        label = node.label
        if restarts and group is not None:
            label = group.label + node.label  # （二）3.
        elif restarts and node.section_index >= 0:
            label = sections[node.section_index].numeral + node.label  # 三（二）
        section = sections[node.section_index].heading if node.section_index >= 0 else ""
        measures.append(
            MeasureDoc(
                number=node.value if use_written else ordinal,
                numeral=node.numeral,
                label=label,
                title=title,
                body=body,
                section=section,
                section_index=node.section_index,
                clause=node.clause,
                group=group.label + group.paragraphs[0] if group and group.paragraphs else "",
            )
        )

    doc_number = find_doc_number(header, paras)
    title = find_title(header)
    problems: list[str] = []
    if not doc_number:
        problems.append(MISSING_DOC_NUMBER)
    if not title:
        problems.append(MISSING_TITLE)
    if not every_node:
        problems.append(MISSING_MEASURES)
    if not any(n.clause for n in every_node):
        problems.append(MISSING_CLAUSES)
    if problems:
        raise PlanReadError(source_name or "text", problems)

    trailer = paras[end:]
    issuer, issued_on = issuer_and_date(header, trailer, title)
    regions = find_regions(trailer)
    departments, canonical = plan_departments(measures, regions)
    warnings = [
        ReadWarning(
            REGION_COUNT_MISMATCH,
            {"city": r.city, "listed": len(r.counties), "declared": r.declared_count},
        )
        for r in regions
        if r.declared_count is not None and r.declared_count != len(r.counties)
    ]
    # After the first clause every measure should have one: a gap is worth a look.
    first = next((i for i, m in enumerate(measures) if m.clause), len(measures))
    missing = [m.label for m in measures[first:] if m.clause is None]
    if missing:
        warnings.append(ReadWarning(MEASURES_WITHOUT_CLAUSE, {"labels": "、".join(missing)}))
    return PlanDocument(
        title=title,
        doc_number=doc_number,
        issuer=issuer,
        issued_on=issued_on,
        sections=sections,
        measures=measures,
        regions=regions,
        departments=departments,
        canonical=canonical,
        content_hash=hashlib.sha256("\n".join(paras).encode("utf-8")).hexdigest(),
        source_name=source_name,
        warnings=warnings,
    )
