"""Storing a plan: departments (with aliases and group members), measures, who leads what.

Importing the same document again changes nothing; a revised document with the same 文号
updates the plan in place and reports what changed. Measures are never deleted: one that
the revision dropped is marked inactive, so the progress recorded against it stays.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from models.clock import utcnow
from models.db import Database
from models.plan import (
    KIND_GROUP,
    ROLE_LEAD,
    ROLE_SUPPORT,
    Assignment,
    Department,
    DepartmentAlias,
    DepartmentMember,
    Measure,
    MeasureCorrection,
    Plan,
    Region,
    Section,
)
from models.versions import REPLY_SCOPE, bump_version
from planreader.aliases import lookup_key
from planreader.corrections import dump_doubts, keep_through_revision, load_doubts
from planreader.document import DepartmentDoc, MeasureDoc, PlanDocument, ReadWarning
from planreader.doubts import without_known_names
from planreader.reader import read_plan

STATUS_CREATED = "created"
STATUS_UNCHANGED = "unchanged"
STATUS_REVISED = "revised"


@dataclass
class MeasureChange:
    """How a revision changed the departments of one measure."""

    label: str
    title: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    role_changed: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    plan_id: int
    doc_number: str
    title: str
    status: str
    measures: int
    departments: int
    assignments: int
    regions: int
    new_departments: int = 0
    measures_added: list[str] = field(default_factory=list)  # "（五）建设安全高效水利工程"
    measures_removed: list[str] = field(default_factory=list)
    changes: list[MeasureChange] = field(default_factory=list)
    warnings: list[ReadWarning] = field(default_factory=list)
    # (label, title, doubts) of each measure the reader is unsure of and nobody corrected.
    doubts: list[tuple[str, str, list[ReadWarning]]] = field(default_factory=list)
    corrections_kept: list[str] = field(default_factory=list)  # "（五）建设…"
    # Kept, but the document's clause for the measure changed since: worth a look.
    corrections_to_check: list[str] = field(default_factory=list)

    @property
    def created(self) -> bool:
        return self.status == STATUS_CREATED

    @property
    def unchanged(self) -> bool:
        return self.status == STATUS_UNCHANGED


def plan_count(session: Session) -> int:
    """How many plans the database holds."""
    return int(session.exec(select(func.count()).select_from(Plan)).one())


def import_plan_file(db: Database, path: Path | str) -> ImportResult:
    """Read the plan at `path` and store it (raises PlanReadError, writing nothing)."""
    document = read_plan(path)
    return db.call(import_plan_document, document=document)


def _counts(document: PlanDocument) -> dict[str, int]:
    return {
        "measures": len(document.measures),
        "departments": len(document.departments),
        "assignments": sum(len(m.clause.departments) for m in document.measures if m.clause),
        "regions": sum(len(r.counties) for r in document.regions),
    }


class _Directory:
    """Departments by lookup key of name and alias, loaded once per import."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_key: dict[str, Department] = {}
        self.taken: set[str] = set()
        departments = session.exec(select(Department)).all()
        by_id = {d.id: d for d in departments}
        for department in departments:
            self.by_key[lookup_key(department.name)] = department
        self.names = dict(self.by_key)  # by name only: aliases are too short to match on
        for alias in session.exec(select(DepartmentAlias)).all():
            key = lookup_key(alias.alias)
            self.taken.add(key)
            if key not in self.by_key and alias.department_id in by_id:
                self.by_key[key] = by_id[alias.department_id]
        self.created = 0

    def ensure(self, entries: list[DepartmentDoc]) -> dict[str, int]:
        """name → department id, creating what is missing, then aliases and members."""
        ids: dict[str, int] = {}
        new_spellings: list[tuple[str, Department]] = []
        for entry in entries:
            department = self.by_key.get(lookup_key(entry.name))
            if department is None:
                # 山西省水利厅 in a new plan is the 省水利厅 already stored.
                department = next(
                    (self.names[k] for k in map(lookup_key, entry.aliases) if k in self.names),
                    None,
                )
                if department is not None:
                    new_spellings.append((entry.name, department))
            if department is None:
                department = Department(name=entry.name, kind=entry.kind)
                self.session.add(department)
                self.names[lookup_key(entry.name)] = department
                self.created += 1
            elif entry.kind == KIND_GROUP and department.kind != KIND_GROUP:
                department.kind = KIND_GROUP
                self.session.add(department)
            self.by_key[lookup_key(entry.name)] = department
            ids[entry.name] = -1
        self.session.flush()
        for entry in entries:
            department = self.by_key[lookup_key(entry.name)]
            assert department.id is not None
            ids[entry.name] = department.id
        for spelling, department in new_spellings:
            if lookup_key(spelling) not in self.taken:
                assert department.id is not None
                self.session.add(DepartmentAlias(department_id=department.id, alias=spelling))
                self.taken.add(lookup_key(spelling))
        for entry in entries:
            for alias in entry.aliases:
                key = lookup_key(alias)
                if key in self.by_key or key in self.taken:
                    continue  # already someone's name or alias: never steal it
                self.session.add(DepartmentAlias(department_id=ids[entry.name], alias=alias))
                self.taken.add(key)
                self.by_key[key] = self.by_key[lookup_key(entry.name)]
        for entry in entries:
            if not entry.members:
                continue
            group_id = ids[entry.name]
            present = set(
                self.session.exec(
                    select(DepartmentMember.member_id).where(DepartmentMember.group_id == group_id)
                ).all()
            )
            for member in entry.members:
                member_id = ids.get(member)
                if member_id is not None and member_id not in present:
                    self.session.add(DepartmentMember(group_id=group_id, member_id=member_id))
                    present.add(member_id)
        return ids


def _assignment_rows(measure: MeasureDoc, measure_id: int, ids: dict[str, int]) -> list[Assignment]:
    if measure.clause is None:
        return []
    rows: list[Assignment] = []
    seen: set[int] = set()
    for position, name in enumerate(measure.clause.leads + measure.clause.supports):
        department_id = ids[name]
        if department_id in seen:
            continue
        seen.add(department_id)
        is_lead = name in measure.clause.leads
        rows.append(
            Assignment(
                measure_id=measure_id,
                department_id=department_id,
                role=ROLE_LEAD if is_lead else ROLE_SUPPORT,
                reports_as_lead=measure.clause.no_lead,
                position=position,
            )
        )
    return rows


def _store_sections(session: Session, plan_id: int, document: PlanDocument) -> list[int]:
    existing = {
        s.position: s for s in session.exec(select(Section).where(Section.plan_id == plan_id)).all()
    }
    rows: list[Section] = []
    for position, doc in enumerate(document.sections):
        section = existing.get(position) or Section(
            plan_id=plan_id, position=position, numeral=doc.numeral, title=doc.title
        )
        section.numeral, section.title = doc.numeral, doc.title
        session.add(section)
        rows.append(section)
    session.flush()
    return [section.id for section in rows if section.id is not None]


def _store_regions(session: Session, plan_id: int, document: PlanDocument) -> None:
    session.execute(delete(Region).where(col(Region.plan_id) == plan_id))
    position = 0
    for region in document.regions:
        for county in region.counties:
            session.add(Region(plan_id=plan_id, city=region.city, county=county, position=position))
            position += 1


def plan_key(document: PlanDocument) -> str:
    """What identifies a plan across revisions: its 文号, else its title (a table has none)."""
    return document.doc_number or document.title[:100]


def _apply_measure(
    measure: Measure, doc: MeasureDoc, position: int, section_ids: list[int], doubts: str
) -> None:
    measure.number = doc.number
    measure.numeral = doc.numeral
    measure.label = doc.label
    measure.title = doc.title
    measure.body = doc.body
    measure.clause = doc.clause.text if doc.clause else ""
    measure.position = position
    measure.section_id = section_ids[doc.section_index] if doc.section_index >= 0 else None
    measure.is_active = True
    measure.deadline, measure.deadline_text = doc.deadline, doc.deadline_text
    measure.doubts = doubts


def _match_measures(old: list[Measure], new: list[MeasureDoc]) -> dict[int, Measure]:
    """new index → the stored measure it continues (same title, else same number and alike)."""
    matched: dict[int, Measure] = {}
    free = sorted(old, key=lambda m: (not m.is_active, m.position))
    for index, doc in enumerate(new):
        key = lookup_key(doc.title)
        for measure in free:
            if lookup_key(measure.title) == key:
                matched[index] = measure
                free.remove(measure)
                break
    for index, doc in enumerate(new):
        if index in matched:
            continue
        best: tuple[float, Measure] | None = None
        for measure in free:
            ratio = difflib.SequenceMatcher(None, doc.title, measure.title).ratio()
            body_ratio = difflib.SequenceMatcher(None, doc.body[:400], measure.body[:400]).ratio()
            same_place = measure.is_active and measure.number == doc.number
            score = max(ratio, body_ratio)
            if (score >= 0.8 or (same_place and score >= 0.5)) and (
                best is None or score > best[0]
            ):
                best = (score, measure)
        if best is not None:
            matched[index] = best[1]
            free.remove(best[1])
    return matched


def import_plan_document(session: Session, *, document: PlanDocument) -> ImportResult:
    """Store `document`: a new plan, nothing (same content), or a revision of the same 文号."""
    counts = _counts(document)
    key = plan_key(document)
    plan = session.exec(select(Plan).where(Plan.doc_number == key)).first()
    if plan is not None and plan.content_hash == document.content_hash:
        assert plan.id is not None
        return ImportResult(
            plan.id,
            plan.doc_number,
            plan.title,
            STATUS_UNCHANGED,
            **counts,
            warnings=list(document.warnings),
        )
    directory = _Directory(session)
    # A name the database knew before this import (another plan, an admin) is no unknown.
    known = {d.name for d in directory.names.values()} | {
        a.alias for a in session.exec(select(DepartmentAlias)).all()
    }
    ids = directory.ensure(document.departments)
    names_by_id = {department_id: name for name, department_id in ids.items()}
    for written, entry in document.canonical.items():
        ids.setdefault(written, ids[entry])  # 省发改委 as written → 省发展改革委's row
    status = STATUS_CREATED if plan is None else STATUS_REVISED
    if plan is None:
        plan = Plan(doc_number=key, title=document.title)
    plan.title = document.title
    plan.issuer = document.issuer
    plan.issued_on = document.issued_on
    plan.source_name = document.source_name
    plan.content_hash = document.content_hash
    plan.imported_at = utcnow()
    plan.is_active = True
    session.add(plan)
    session.flush()
    assert plan.id is not None
    section_ids = _store_sections(session, plan.id, document)
    _store_regions(session, plan.id, document)

    result = ImportResult(
        plan.id, plan.doc_number, plan.title, status, **counts, warnings=list(document.warnings)
    )
    old = list(session.exec(select(Measure).where(Measure.plan_id == plan.id)).all())
    matched = _match_measures(old, document.measures)
    continuing = {m.id for m in matched.values()}
    # Free every number first: the unique (plan, number) must hold at each flush.
    for measure in old:
        assert measure.id is not None
        measure.number = -measure.id
        session.add(measure)
    session.flush()
    for measure in old:
        if measure.id not in continuing and measure.is_active:
            measure.is_active = False
            result.measures_removed.append(measure.label + measure.title)
    placed: list[Measure] = []
    for position, doc in enumerate(document.measures):
        measure = matched.get(position)
        if measure is not None and not measure.is_active:
            result.measures_added.append(doc.label + doc.title)  # back in the plan
        if measure is None:
            measure = Measure(
                plan_id=plan.id,
                number=doc.number,
                numeral=doc.numeral,
                label=doc.label,
                title=doc.title,
                body=doc.body,
            )
            if status == STATUS_REVISED:
                result.measures_added.append(doc.label + doc.title)
        doubts = without_known_names(doc.doubts, known)
        _apply_measure(measure, doc, position, section_ids, dump_doubts(doubts))
        session.add(measure)
        placed.append(measure)
    session.flush()

    stored = {m.id: m for m in old}
    existing_rows: dict[int, list[Assignment]] = {}
    if old:
        for row in session.exec(
            select(Assignment).where(col(Assignment.measure_id).in_([m.id for m in old]))
        ).all():
            existing_rows.setdefault(row.measure_id, []).append(row)
    corrections = {
        c.measure_id: c
        for c in session.exec(
            select(MeasureCorrection).where(col(MeasureCorrection.measure_id).in_(list(stored)))
        ).all()
    }
    for position, doc in enumerate(document.measures):
        measure = placed[position]
        assert measure.id is not None
        rows = _assignment_rows(doc, measure.id, ids)
        if (correction := corrections.get(measure.id)) is not None:
            rows = _corrected_rows(session, correction, measure, doc, rows, result)
        elif doc.doubts and load_doubts(measure.doubts):
            result.doubts.append((doc.label, doc.title, load_doubts(measure.doubts)))
        wanted = {row.department_id: row for row in rows}
        have = {row.department_id: row for row in existing_rows.get(measure.id, [])}
        change = MeasureChange(doc.label, doc.title)
        for department_id, row in have.items():
            if department_id not in wanted:
                session.delete(row)
                change.removed.append(_name(session, department_id, names_by_id))
        for department_id, row in wanted.items():
            current = have.get(department_id)
            if current is None:
                session.add(row)
                change.added.append(_name(session, department_id, names_by_id))
                continue
            if current.role != row.role:
                change.role_changed.append(_name(session, department_id, names_by_id))
            current.role, current.reports_as_lead = row.role, row.reports_as_lead
            current.position = row.position
            session.add(current)
        if measure.id in stored and (change.added or change.removed or change.role_changed):
            result.changes.append(change)
    # Measures and who holds them changed: every chat's reply scope is built again.
    bump_version(session, REPLY_SCOPE)
    session.flush()
    result.new_departments = directory.created
    return result


def _corrected_rows(
    session: Session,
    correction: MeasureCorrection,
    measure: Measure,
    doc: MeasureDoc,
    rows: list[Assignment],
    result: ImportResult,
) -> list[Assignment]:
    """An admin corrected this measure before: the revision keeps the correction."""
    assert measure.id is not None
    label = doc.label + doc.title
    result.corrections_kept.append(label)
    if correction.sets_departments and correction.clause_seen != measure.clause:
        result.corrections_to_check.append(label)  # the document now says something else
    leads = [r.department_id for r in rows if r.role == ROLE_LEAD]
    supports = [r.department_id for r in rows if r.role != ROLE_LEAD]
    kept = keep_through_revision(
        session, correction, measure=measure, lead_ids=leads, support_ids=supports
    )
    if kept is None:
        return rows
    lead_ids, support_ids = kept
    order = lead_ids + [i for i in support_ids if i not in lead_ids]
    return [
        Assignment(
            measure_id=measure.id,
            department_id=department_id,
            role=ROLE_LEAD if department_id in lead_ids else ROLE_SUPPORT,
            reports_as_lead=not lead_ids,
            position=position,
        )
        for position, department_id in enumerate(order)
    ]


def _name(session: Session, department_id: int, names: dict[int, str]) -> str:
    if department_id in names:
        return names[department_id]
    department = session.get(Department, department_id)
    return department.name if department else str(department_id)
