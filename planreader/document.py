"""What the reader makes of a plan document, before anything is stored.

Plain dataclasses: the importer stores them, `plan show --json` prints them, tests read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class Clause:
    """A responsibility clause: who leads, who supports, as the document names them."""

    text: str  # as written, without the outer brackets
    leads: list[str] = field(default_factory=list)
    supports: list[str] = field(default_factory=list)
    # No 牵头 and no first-listed rule: every named department reports like a lead.
    no_lead: bool = False

    @property
    def departments(self) -> list[str]:
        return self.leads + [name for name in self.supports if name not in self.leads]


@dataclass
class MeasureDoc:
    number: int  # sequential in the plan: 1, 2, 3 …
    numeral: str  # as numbered in the document: "五", or "3" for 3.
    label: str  # "（五）" or "3."
    title: str  # up to the first 。
    body: str  # the full text after the label, clause removed, paragraphs joined by "\n"
    section: str  # "二、统筹…" (empty when the plan has no sections)
    section_index: int  # 0-based index into PlanDocument.sections, -1 when none
    clause: Clause | None = None
    group: str = ""  # the heading above numbered 1. 2. measures, if any: "（一）壮大特色产业"
    written_number: int = 0  # the number as the document writes it (restarts per section)
    deadline: date | None = None
    deadline_text: str | None = None  # as written: "2022年底前", "长期坚持"
    doubts: list[Doubt] = field(default_factory=list)  # why the reading may be wrong

    @property
    def leads(self) -> list[str]:
        return list(self.clause.leads) if self.clause else []

    @property
    def supports(self) -> list[str]:
        return list(self.clause.supports) if self.clause else []


@dataclass
class SectionDoc:
    numeral: str  # "二"
    title: str  # "统筹…" (without the numeral)
    heading: str  # "二、统筹…" as written


@dataclass
class RegionDoc:
    city: str
    counties: list[str]
    declared_count: int | None = None  # the (12) after the city, when written


@dataclass
class DepartmentDoc:
    name: str
    kind: str  # KIND_DEPARTMENT or KIND_GROUP
    aliases: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


@dataclass
class ReadWarning:
    """Something the reader noticed that a person should check (`messages/plan.py` words it)."""

    code: str  # one of the warning or doubt codes
    params: dict[str, Any] = field(default_factory=dict)


# A doubt about one measure's reading has the same shape as a warning about the document.
Doubt = ReadWarning

# What a reader may point out; the params each one carries are in the comment.
REGION_COUNT_MISMATCH = "region_count_mismatch"  # city, listed, declared
MEASURES_WITHOUT_CLAUSE = "measures_without_clause"  # labels
CLAUSES_OUTSIDE = "clauses_outside"  # labels
TITLE_FROM_FILE_NAME = "title_from_file_name"  # title
NO_DOC_NUMBER = "no_doc_number"

# Why one measure's reading may be wrong (`MeasureDoc.doubts`, stored with the measure).
UNKNOWN_NAME = "unknown_name"  # name: seen only here, no familiar kind of unit
RUN_TOGETHER = "run_together"  # name: looks like two names without a separator
NO_CLAUSE = "no_clause"  # no clause while the measures around it have one
INHERITED_CLAUSE = "inherited_clause"  # label: the departments come from the heading above
UNPLACED = "unplaced_words"  # words: in a clause, neither a department nor a role
UNPARSED = "unparsed_clause"  # text: a bracket that looks like a clause but did not read
HELPERS_LEAD = "helpers_lead"  # names: no lead named; taken as lead because others assist
CARRIED = "carried"  # names: not written in the clause; an earlier 不再列出 note adds them


@dataclass
class PlanDocument:
    title: str
    doc_number: str
    issuer: str
    issued_on: date | None
    sections: list[SectionDoc]
    measures: list[MeasureDoc]
    regions: list[RegionDoc]
    departments: list[DepartmentDoc]
    content_hash: str
    source_name: str = ""
    warnings: list[ReadWarning] = field(default_factory=list)
    # Written name → the department entry it belongs to (省发改委 → 省发展改革委).
    canonical: dict[str, str] = field(default_factory=dict)

    def department_of(self, written: str) -> str:
        """The name of the department entry for a name as the document writes it."""
        return self.canonical.get(written, written)

    def to_json(self, doubt_text: Callable[[ReadWarning], str] | None = None) -> dict[str, Any]:
        """The shape `plan show --json` prints; `doubt_text` words each doubt (`messages/plan.py`
        in the reader's language), else its code. `number` is the measure's own number, as the
        document writes it."""

        def worded(doubt: ReadWarning) -> str:
            return doubt_text(doubt) if doubt_text is not None else doubt.code

        return {
            "plan": {
                "title": self.title,
                "doc_number": self.doc_number,
                "issuer": self.issuer,
                "date": self.issued_on.isoformat() if self.issued_on else None,
            },
            "measures": [
                {
                    "number": m.written_number or m.number,
                    "numeral": m.numeral,
                    "section": m.section,
                    "title": m.title,
                    "lead": m.leads,
                    "support": m.supports,
                    "label": m.label,
                    "deadline": m.deadline.isoformat() if m.deadline else None,
                    "deadline_text": m.deadline_text,
                    "doubts": [worded(d) for d in m.doubts],
                }
                for m in self.measures
            ],
            "departments": [
                {"name": d.name, "aliases": d.aliases, "members": d.members}
                for d in self.departments
            ],
            "regions": [{"city": r.city, "counties": r.counties} for r in self.regions],
        }


# Why a file was refused (`messages/plan.py` words each one).
MISSING_DOC_NUMBER = "missing_doc_number"
MISSING_MEASURES = "missing_measures"
MISSING_CLAUSES = "missing_clauses"
MISSING_TITLE = "missing_title"
UNREADABLE_ENCODING = "unreadable_encoding"
UNSUPPORTED_FORMAT = "unsupported_format"
EMPTY_FILE = "empty_file"
FILE_NOT_FOUND = "file_not_found"
BROKEN_FILE = "broken_file"


class PlanReadError(Exception):
    """The file is not a plan of this genre (or cannot be read); `problems` are codes."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: not a plan: " + "; ".join(problems))
