"""What the reader makes of a plan document, before anything is stored.

Plain dataclasses: the importer stores them, `plan show --json` prints them, tests read them.
"""

from __future__ import annotations

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

    code: str  # one of the warning codes below
    params: dict[str, Any] = field(default_factory=dict)


# What a reader may point out; the params each one carries are in the comment.
REGION_COUNT_MISMATCH = "region_count_mismatch"  # city, listed, declared
MEASURES_WITHOUT_CLAUSE = "measures_without_clause"  # labels


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

    def to_json(self) -> dict[str, Any]:
        """The shape `plan show --json` prints."""
        return {
            "plan": {
                "title": self.title,
                "doc_number": self.doc_number,
                "issuer": self.issuer,
                "date": self.issued_on.isoformat() if self.issued_on else None,
            },
            "measures": [
                {
                    "number": m.number,
                    "numeral": m.numeral,
                    "section": m.section,
                    "title": m.title,
                    "lead": m.leads,
                    "support": m.supports,
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
