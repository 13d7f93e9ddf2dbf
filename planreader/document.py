"""What the reader makes of a plan document, before anything is stored.

Plain dataclasses: the importer stores them, `plan show --json` prints them, tests read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from messages.i18n import N_


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
    """Something the reader noticed that a person should check; `message` is a msgid."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return self.message.format(**self.params)

    def render(self, translate: Any) -> str:
        return translate._(self.message).format(**self.params)


# A doubt about one measure's reading has the same shape as a warning about the document.
Doubt = ReadWarning

REGION_COUNT_MISMATCH = N_("{city} lists {listed} counties but its heading says {declared}")
MEASURES_WITHOUT_CLAUSE = N_(
    "No responsibility clause was found for {labels}; check these measures in the document."
)


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

    def to_json(self, translate: Any = None) -> dict[str, Any]:
        """The shape `plan show --json` prints; doubts in the translator's language (English
        without one). `number` is the measure's own number, as the document writes it."""

        def doubt_text(doubt: ReadWarning) -> str:
            return doubt.render(translate) if translate is not None else doubt.english()

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
                    "doubts": [doubt_text(d) for d in m.doubts],
                }
                for m in self.measures
            ],
            "departments": [
                {"name": d.name, "aliases": d.aliases, "members": d.members}
                for d in self.departments
            ],
            "regions": [{"city": r.city, "counties": r.counties} for r in self.regions],
        }


# Why a file was refused; msgids translated where they are shown.
MISSING_DOC_NUMBER = N_("no document number (文号) such as 晋政发〔2021〕36号")
MISSING_MEASURES = N_("no numbered measures such as （一） or 1.")
MISSING_CLAUSES = N_("no responsibility clauses such as （省水利厅牵头，…按职责分工负责）")
MISSING_TITLE = N_("no title")
CLAUSES_OUTSIDE = N_(
    "Responsibility clauses were found outside the measures, at {labels}; check them in the "
    "document."
)
TITLE_FROM_FILE_NAME = N_("No title was found; the file's name stands for it: {title}")
NO_DOC_NUMBER = N_(
    "The document has no document number (文号); the plan is known by its title, so a revision "
    "must keep the same title."
)
UNREADABLE_ENCODING = N_("the text is in an encoding that could not be recognised")
UNSUPPORTED_FORMAT = N_("the file type is not supported (use .txt, .docx, .xlsx, .pdf or .html)")
EMPTY_FILE = N_("the file is empty")
FILE_NOT_FOUND = N_("the file does not exist")
BROKEN_FILE = N_("the file could not be opened (damaged or not what its name says)")


class PlanReadError(Exception):
    """The file is not a plan of this genre (or cannot be read); `problems` are msgids."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: not a plan: " + "; ".join(problems))

    def render(self, translate: Any) -> str:
        """One message in the reader's language; `translate` is a Translator."""
        head = translate._("{source} is not a plan document that can be read:").format(
            source=self.source
        )
        return head + "\n" + "\n".join("- " + translate._(p) for p in self.problems)
