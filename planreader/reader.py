"""Reading a plan of the genre: header, sections, measures, clauses, attachment regions.

`read_plan(path)` and `parse_plan_text(text)` return a `PlanDocument` or raise
`PlanReadError` naming what the file lacks (文号, measures, responsibility clauses).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from models.plan import KIND_DEPARTMENT, KIND_GROUP
from planreader.aliases import generate_aliases, lookup_key
from planreader.clauses import mentions_first_listed_rule, parse_clause
from planreader.document import (
    MISSING_CLAUSES,
    MISSING_DOC_NUMBER,
    MISSING_MEASURES,
    MISSING_TITLE,
    Clause,
    DepartmentDoc,
    MeasureDoc,
    PlanDocument,
    PlanReadError,
    RegionDoc,
    SectionDoc,
)
from planreader.numerals import parse_chinese_numeral
from planreader.repair import (
    ARABIC_RE,
    ATTACHMENT_RE,
    CITY_LINE_RE,
    DATE_RE,
    DOC_NUMBER_RE,
    PAREN_RE,
    SECTION_RE,
    is_doc_number_line,
    paragraphs,
)
from planreader.sources import read_source

LEVEL_SECTION, LEVEL_ITEM, LEVEL_SUBITEM = 1, 2, 3
TITLE_WORDS_RE = re.compile(r"关于|意见|方案|规划|计划|通知|办法|措施|决定|纲要|要点|清单")
GROUP_NAME_RE = re.compile(r"^(相关|有关|各|其他|其它|省直|省级有关|市直)|有关|相关|各级")
CITY_GROUP_RE = re.compile(r"^(相关|有关|各)(设区)?市(人民)?政府$")
COUNTY_GROUP_RE = re.compile(r"^(相关|有关|各)县[（(]?(市、?区)?[）)]?级?(人民)?政府$")
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


def _parse_date(text: str) -> date | None:
    match = DATE_RE.match(text)
    if not match:
        return None
    year, month, day = (parse_chinese_numeral(part) for part in match.groups())
    try:
        return date(year, month, day) if year and month and day else None
    except ValueError:
        return None


def _canonical_doc_number(match: re.Match[str]) -> str:
    prefix = re.sub(r"\s+", "", match.group(0).split(match.group(1))[0]).rstrip("〔[［【(（")
    return f"{prefix}〔{match.group(1)}〕{int(match.group(2))}号"


def _find_doc_number(header: list[str], everything: list[str]) -> str:
    for paragraph in header + everything:
        if is_doc_number_line(paragraph):
            match = DOC_NUMBER_RE.search(paragraph)
            if match:
                return _canonical_doc_number(match)
    for paragraph in header:
        for match in DOC_NUMBER_RE.finditer(paragraph):
            before = paragraph[: match.start()]
            # A citation: （国发〔2021〕3号） or 《…》（…号）.
            if before.count("（") + before.count("(") > before.count("）") + before.count(")"):
                continue
            return _canonical_doc_number(match)
    return ""


def _find_title(header: list[str]) -> str:
    candidates = [
        p
        for p in header
        if "。" not in p
        and not is_doc_number_line(p)
        and not DATE_RE.match(p)
        and not p.endswith(("：", ":"))
        and not (p.endswith("文件") and len(p) <= 20)
        and not p.startswith("各")
        and len(p) <= 100
    ]
    for paragraph in candidates:
        if TITLE_WORDS_RE.search(paragraph):
            return paragraph
    return candidates[0] if candidates else ""


def _body_end(paras: list[str], start: int) -> int:
    """Index of the first paragraph after the measures: attachment, signature, date, 抄送."""
    for index in range(start, len(paras)):
        paragraph = paras[index]
        if (
            ATTACHMENT_RE.match(paragraph)
            or paragraph.startswith(("附件", "抄送", "（此件", "(此件"))
            or DATE_RE.match(paragraph)
        ):
            return index
        nxt = paras[index + 1] if index + 1 < len(paras) else ""
        if (
            len(paragraph) <= 30
            and not re.search("[。；，,]", paragraph)
            and not (
                SECTION_RE.match(paragraph)
                or PAREN_RE.match(paragraph)
                or ARABIC_RE.match(paragraph)
            )
            and DATE_RE.match(nxt)
        ):
            return index  # the issuer's signature above the date
    return len(paras)


def _regions(paras: list[str]) -> list[RegionDoc]:
    regions: list[RegionDoc] = []
    for paragraph in paras:
        if paragraph.startswith("抄送"):
            break
        match = CITY_LINE_RE.match(paragraph)
        if not match:
            continue
        counties = [c.strip().rstrip("。.") for c in re.split(r"[、，,；;\s]+", match["rest"])]
        counties = [c for c in counties if c]
        if not counties:
            continue
        count = int(match["count"]) if match["count"] else None
        regions.append(RegionDoc(city=match["city"], counties=counties, declared_count=count))
    return regions


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


def _group_members(name: str, regions: list[RegionDoc]) -> list[str]:
    """相关市人民政府 → the governments of the attachment's cities (counties: city + county)."""
    suffix = "人民政府" if name.endswith("人民政府") else "政府"
    if CITY_GROUP_RE.match(name):
        return [region.city + suffix for region in regions]
    if COUNTY_GROUP_RE.match(name):
        return [r.city + county + suffix for r in regions for county in r.counties]
    return []


def _departments(
    measures: list[MeasureDoc], regions: list[RegionDoc]
) -> tuple[list[DepartmentDoc], dict[str, str]]:
    """One entry per unit, and written name → entry name (省发改委 and 省发展改革委 are one)."""
    entries: dict[str, DepartmentDoc] = {}
    alias_keys: dict[str, set[str]] = {}
    written_forms: dict[str, list[str]] = {}
    canonical: dict[str, str] = {}

    def place(name: str) -> str:
        if name in canonical:
            return canonical[name]
        key = lookup_key(name)
        generated = generate_aliases(name)
        own = {lookup_key(alias) for alias in generated}
        for other in entries:
            if key in alias_keys[other] or lookup_key(other) in own:
                canonical[name] = other
                written_forms[other].append(name)
                return other
        kind = KIND_GROUP if GROUP_NAME_RE.search(name) else KIND_DEPARTMENT
        entries[name] = DepartmentDoc(name, kind, generated)
        alias_keys[name] = own
        written_forms[name] = []
        canonical[name] = name
        return name

    for measure in measures:
        for name in measure.leads + measure.supports:
            place(name)
    for entry in list(entries.values()):
        if entry.kind == KIND_GROUP:
            entry.members = [place(member) for member in _group_members(entry.name, regions)]
    departments = list(entries.values())
    # An alias that another department also claims (or that is another's name) says nothing;
    # another spelling the document itself uses is always kept.
    claims: dict[str, int] = {}
    for department in departments:
        for alias in set(department.aliases):
            claims[alias] = claims.get(alias, 0) + 1
    for department in departments:
        kept = [a for a in department.aliases if claims[a] == 1 and a not in entries]
        forms = written_forms[department.name]
        department.aliases = forms + [a for a in kept if a not in forms]
    return departments, canonical


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
    end = _body_end(paras, first_marker)
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
                group=group.paragraphs[0] if group and group.paragraphs else "",
            )
        )

    doc_number = _find_doc_number(header, paras)
    title = _find_title(header)
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
    issued_on = None
    issuer = ""
    for index, paragraph in enumerate(trailer):
        if DATE_RE.match(paragraph) and "印发" not in paragraph:
            issued_on = _parse_date(paragraph)
            before = trailer[index - 1] if index > 0 else ""
            if (
                before
                and len(before) <= 30
                and not re.search("[。；，,:：]", before)
                and not before.startswith("附件")
            ):
                issuer = before
            break
    if issued_on is None:
        issued_on = next((d for p in header if (d := _parse_date(p.strip("（）()")))), None)
    if not issuer:
        red_head = next((p for p in header if p.endswith("文件") and len(p) <= 20), "")
        issuer = red_head[: -len("文件")] if red_head else title.split("关于")[0]
        if issuer == title:
            issuer = ""

    regions = _regions(trailer)
    departments, canonical = _departments(measures, regions)
    warnings = [
        f"{r.city}: {len(r.counties)} counties listed, {r.declared_count} declared"
        for r in regions
        if r.declared_count is not None and r.declared_count != len(r.counties)
    ]
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
