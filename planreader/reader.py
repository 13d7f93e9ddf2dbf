"""Reading a plan of the genre: header, outline, measures, clauses, deadlines, doubts.

`read_plan(path)` and `parse_plan_text(text)` return a `PlanDocument` or raise
`PlanReadError` naming what the file lacks (measures, responsibility clauses).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from planreader.clause_spans import (
    ClauseScanner,
    bracket_groups,
    merge_clauses,
    starts_labelled,
)
from planreader.clauses import mentions_first_listed_rule, read_clause
from planreader.deadlines import Deadline, body_deadline, read_deadline
from planreader.document import (
    CLAUSES_OUTSIDE,
    INHERITED_CLAUSE,
    MEASURES_WITHOUT_CLAUSE,
    MISSING_CLAUSES,
    MISSING_DOC_NUMBER,
    MISSING_MEASURES,
    MISSING_TITLE,
    NO_CLAUSE,
    NO_DOC_NUMBER,
    REGION_COUNT_MISMATCH,
    TITLE_FROM_FILE_NAME,
    MeasureDoc,
    PlanDocument,
    PlanReadError,
    ReadWarning,
    SectionDoc,
)
from planreader.doubts import unknown_name_doubts
from planreader.frame import (
    body_end,
    find_doc_number,
    find_regions,
    find_title,
    issuer_and_date,
)
from planreader.outline import (
    KIND_SECTION,
    Node,
    build_outline,
    carrier_kind,
    every_node,
    measure_runs,
    starts_outline,
)
from planreader.repair import PAREN_RE, SECTION_RE, paragraphs
from planreader.roster import plan_departments
from planreader.sources import read_source


def read_plan(path: Path | str) -> PlanDocument:
    """Read the plan in the file at `path` (.txt in any encoding, .docx, .xlsx, .pdf, .html)."""
    path = Path(path)
    return parse_plan_text(read_source(path), source_name=path.name)


def _note_outside_clauses(paragraph: str) -> bool:
    """The paragraph says that the first-listed unit leads, other than inside a clause."""
    if not mentions_first_listed_rule(paragraph):
        return False
    for start, end in bracket_groups(paragraph):
        inner = paragraph[start + 1 : end - 1]
        if mentions_first_listed_rule(inner) and read_clause(inner).clause is not None:
            return False  # （A、B负责。列第一位者为牵头单位，下同）: from that clause on
    return True


def _scan(nodes: list[Node], *, first_listed: bool) -> None:
    """Find every clause, in document order: the first-listed note holds from where said."""
    scanner = ClauseScanner(first_listed=first_listed)
    for node in nodes:
        node.paragraphs = _join_labelled_lines(node.paragraphs)
        node.scans = [scanner.scan(p) for p in node.paragraphs]


def _join_labelled_lines(paras: list[str]) -> list[str]:
    """牵头单位：… and 责任单位：… on lines of their own are one clause."""
    out: list[str] = []
    for paragraph in paras:
        if out and starts_labelled(paragraph) and starts_labelled(out[-1]):
            out[-1] = out[-1].rstrip("。；; ") + "；" + paragraph
        else:
            out.append(paragraph)
    return out


def _own_texts(node: Node, *, closing: bool) -> list[str]:
    """The node's paragraphs without clauses; a closing text after the last clause dropped."""
    texts = [scan.text for scan in node.scans]
    if closing and node.has_own_clause:
        last = max(i for i, scan in enumerate(node.scans) if scan.clauses)
        texts = texts[: last + 1]
    return texts


def _body(node: Node, *, closing: bool) -> str:
    lines = [t for t in _own_texts(node, closing=closing) if t]
    for child in node.children:
        for descendant in child.walk():
            own = [t for t in (s.text for s in descendant.scans) if t]
            if own:
                own[0] = descendant.label + own[0]
            lines += own
    return "\n".join(lines).strip()


def _title(node: Node) -> str:
    first = node.scans[0].text if node.scans else ""
    cut = first.find("。")
    return (first[:cut] if cut >= 0 else first).strip()


def _deadline(node: Node, body: str, base_year: int | None) -> Deadline | None:
    """A 完成时限 of a clause first, then the last "…前" limit of the measure's text."""
    texts = [t for n in node.walk() for scan in n.scans for t in scan.deadline_texts]
    read = [d for d in (read_deadline(t, base_year=base_year) for t in texts) if d is not None]
    dated = [d for d in read if d.due is not None]
    if dated:
        return max(dated, key=lambda d: d.due or date.min)
    return body_deadline(body, base_year=base_year) or (read[0] if read else None)


def _inherited(node: Node) -> Node | None:
    """The nearest heading above a measure without clause that has one of its own."""
    for ancestor in reversed(node.ancestors()):
        if ancestor.has_own_clause:
            return ancestor
    return None


def _measure(
    node: Node, ordinal: int, *, closing: bool, sections: list[Node], base_year: int | None
) -> MeasureDoc:
    clauses = [c for n in node.walk() for scan in n.scans for c in scan.clauses]
    doubts: list[ReadWarning] = []
    for doubt in (d for n in node.walk() for scan in n.scans for d in scan.doubts):
        if doubt not in doubts:  # several clauses may give the same reason: say it once
            doubts.append(doubt)
    if not clauses and (heading := _inherited(node)) is not None:
        clauses = [c for scan in heading.scans for c in scan.clauses]
        doubts.append(ReadWarning(INHERITED_CLAUSE, {"label": heading.label}))
    ancestors = node.ancestors()
    root = ancestors[0] if ancestors else None
    section_index = sections.index(root) if root in sections else -1
    parent = node.parent
    group = ""
    if parent is not None and parent is not root:
        group = parent.label + (parent.paragraphs[0] if parent.paragraphs else "")
    body = _body(node, closing=closing)
    deadline = _deadline(node, body, base_year)
    return MeasureDoc(
        number=ordinal,
        numeral=node.numeral,
        label=node.label,
        title=_title(node),
        body=body,
        section=root.heading if root is not None else "",
        section_index=section_index,
        clause=merge_clauses(clauses),
        group=group,
        written_number=node.value,
        deadline=deadline.due if deadline else None,
        deadline_text=deadline.text if deadline else None,
        doubts=doubts,
    )


def reading_hash(paras: list[str], measures: list[MeasureDoc]) -> str:
    """The text and what the reader made of it: importing the same file again changes nothing,
    while a reader that now reads it better (a heading no longer a measure) revises the plan."""
    reading = [
        [
            m.label,
            m.title,
            m.leads,
            m.supports,
            m.deadline.isoformat() if m.deadline else None,
            m.deadline_text,
            [[d.code, d.params] for d in m.doubts],
        ]
        for m in measures
    ]
    summary = json.dumps(reading, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(("\n".join(paras) + "\n" + summary).encode("utf-8")).hexdigest()


def parse_plan_text(text: str, *, source_name: str = "") -> PlanDocument:
    """Read a plan from its text (the line breaks of a PDF copy are repaired first)."""
    paras = paragraphs(text)
    first_marker = next((i for i, p in enumerate(paras) if starts_outline(p)), len(paras))
    header = paras[:first_marker]
    end = body_end(paras, first_marker)
    roots = build_outline(paras, first_marker, end)
    nodes = every_node(roots)
    # 列第一位者为牵头单位 said in a note (not inside one clause) holds for every clause.
    _scan(nodes, first_listed=any(_note_outside_clauses(p) for p in paras))

    doc_number = find_doc_number(header, paras)
    title = find_title(header)
    kind = carrier_kind(roots)
    untitled = not title and kind is not None and bool(Path(source_name).stem)
    if untitled:
        title = Path(source_name).stem  # a copy without its title line: the file names it
    problems: list[str] = []
    if not title:
        problems.append(MISSING_TITLE)
    if not nodes:
        problems.append(MISSING_MEASURES)
    if kind is None:
        problems.append(MISSING_CLAUSES)
    if problems and not doc_number:
        problems.insert(0, MISSING_DOC_NUMBER)
    if problems:
        raise PlanReadError(source_name or "text", problems)
    assert kind is not None

    trailer = paras[end:]
    issuer, issued_on = issuer_and_date(header, trailer, title)
    base_year = issued_on.year if issued_on else None
    sections = [root for root in roots if root.kind != kind]
    runs = measure_runs(roots, kind)
    entries = [node for run in runs for node in run]
    written = [node.value for node in entries]
    use_written = written == sorted(set(written))  # unique and increasing: keep the doc's own
    restarts = len(runs) > 1 and not use_written
    measures: list[MeasureDoc] = []
    for ordinal, node in enumerate(entries, start=1):
        siblings = node.parent.children if node.parent else roots
        later = [s for s in siblings if s.kind == kind and s.index > node.index]
        measure = _measure(
            node,
            node.value if use_written else ordinal,
            closing=not later,
            sections=sections,
            base_year=base_year,
        )
        parent = node.parent
        if restarts and parent is not None:
            prefix = parent.numeral if parent.kind == KIND_SECTION else parent.label
            measure.label = prefix + node.label  # 三（二）, （二）3.
        measures.append(measure)

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
    missing = [m for m in measures[first:] if m.clause is None]
    for measure in missing:
        measure.doubts.append(ReadWarning(NO_CLAUSE))
    if missing:
        labels = "、".join(m.label for m in missing)
        warnings.append(ReadWarning(MEASURES_WITHOUT_CLAUSE, {"labels": labels}))
    unknown_name_doubts(measures)
    # A clause at another level, outside every measure, is not lost without a word.
    inside = {id(n) for entry in entries for n in [*entry.walk(), *entry.ancestors()]}
    outside = [n.label for n in nodes if n.has_own_clause and id(n) not in inside]
    if outside:
        warnings.append(ReadWarning(CLAUSES_OUTSIDE, {"labels": "、".join(outside)}))
    if not doc_number:
        warnings.append(ReadWarning(NO_DOC_NUMBER))
    if untitled:
        warnings.append(ReadWarning(TITLE_FROM_FILE_NAME, {"title": title}))
    return PlanDocument(
        title=title,
        doc_number=doc_number,
        issuer=issuer,
        issued_on=issued_on,
        sections=[
            SectionDoc(
                numeral=s.numeral,
                title=s.paragraphs[0] if s.paragraphs else "",
                heading=s.heading,
            )
            for s in sections
        ],
        measures=measures,
        regions=regions,
        departments=departments,
        canonical=canonical,
        content_hash=reading_hash(paras, measures),
        source_name=source_name,
        warnings=warnings,
    )


__all__ = ["PAREN_RE", "SECTION_RE", "parse_plan_text", "read_plan"]
