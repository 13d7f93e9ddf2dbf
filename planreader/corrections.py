"""The plan's map as stored, and admins' corrections of it: who leads, who supports, by when.

`correct_measure` rewrites a measure's assignments at once and records the correction; a
later revision of the plan keeps it (see `importer.py`). `reset_measure` goes back to what
the reader made of the document. Names are resolved like everywhere else, by name or alias.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from models.plan import (
    KIND_DEPARTMENT,
    KIND_GROUP,
    ROLE_LEAD,
    ROLE_SUPPORT,
    Assignment,
    Department,
    DepartmentAlias,
    Measure,
    MeasureCorrection,
)
from models.versions import REPLY_SCOPE, bump_version
from planreader.aliases import generate_aliases, lookup_key
from planreader.departments import find_department, suggest_departments
from planreader.document import Doubt
from planreader.roster import GROUP_NAME_RE

SOURCE_TELEGRAM = "telegram"
SOURCE_SHEET = "sheet"
NEW_MARK = "+"  # +省统计局: a department the plan did not name yet


@dataclass(frozen=True)
class MeasureMap:
    """One measure as the bot follows it: its departments, deadline, doubts, correction."""

    measure_id: int
    number: int
    label: str
    title: str
    leads: list[str]
    supports: list[str]
    deadline: date | None
    deadline_text: str | None
    doubts: list[Doubt]
    corrected_at: datetime | None = None
    corrected_source: str = ""

    @property
    def corrected(self) -> bool:
        return self.corrected_at is not None

    @property
    def no_lead(self) -> bool:
        return not self.leads and bool(self.supports)


@dataclass
class ResolvedNames:
    departments: list[Department] = field(default_factory=list)
    unknown: list[tuple[str, list[str]]] = field(default_factory=list)  # name, suggestions
    created: list[str] = field(default_factory=list)


def dump_doubts(doubts: list[Doubt]) -> str:
    return json.dumps([{"code": d.code, "params": d.params} for d in doubts], ensure_ascii=False)


def load_doubts(text: str | None) -> list[Doubt]:
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return []
    return [Doubt(item["code"], dict(item.get("params") or {})) for item in items if "code" in item]


def _ids(text: str) -> list[int]:
    try:
        return [int(i) for i in json.loads(text or "[]")]
    except (ValueError, TypeError):
        return []


def correction_of(session: Session, measure_id: int) -> MeasureCorrection | None:
    return session.exec(
        select(MeasureCorrection).where(MeasureCorrection.measure_id == measure_id)
    ).first()


def measure_maps(session: Session, measures: list[Measure]) -> list[MeasureMap]:
    """The stored map of `measures`, in their order (three queries, whatever their number)."""
    ids = [m.id for m in measures if m.id is not None]
    rows = session.exec(
        select(Assignment, Department)
        .join(Department, col(Department.id) == Assignment.department_id)
        .where(col(Assignment.measure_id).in_(ids))
        .order_by(Assignment.measure_id, Assignment.position)
    ).all()
    leads: dict[int, list[str]] = {}
    supports: dict[int, list[str]] = {}
    for assignment, department in rows:
        target = leads if assignment.role == ROLE_LEAD else supports
        target.setdefault(assignment.measure_id, []).append(department.name)
    corrections = {
        c.measure_id: c
        for c in session.exec(
            select(MeasureCorrection).where(col(MeasureCorrection.measure_id).in_(ids))
        ).all()
    }
    out: list[MeasureMap] = []
    for measure in measures:
        assert measure.id is not None
        correction = corrections.get(measure.id)
        out.append(
            MeasureMap(
                measure_id=measure.id,
                number=measure.number,
                label=measure.label,
                title=measure.title,
                leads=leads.get(measure.id, []),
                supports=supports.get(measure.id, []),
                deadline=measure.deadline,
                deadline_text=measure.deadline_text,
                doubts=load_doubts(measure.doubts),
                corrected_at=correction.corrected_at if correction else None,
                corrected_source=correction.source if correction else "",
            )
        )
    return out


def plan_measures(session: Session, plan_id: int) -> list[Measure]:
    return list(
        session.exec(
            select(Measure)
            .where(Measure.plan_id == plan_id, col(Measure.is_active))
            .order_by(Measure.position, Measure.number)
        ).all()
    )


def add_department(session: Session, name: str) -> Department:
    """A department the plan did not name (an admin added it), with the aliases users type."""
    kind = KIND_GROUP if GROUP_NAME_RE.search(name) else KIND_DEPARTMENT
    department = Department(name=name, kind=kind)
    session.add(department)
    session.flush()
    assert department.id is not None
    taken = {lookup_key(a.alias) for a in session.exec(select(DepartmentAlias)).all()}
    taken |= {lookup_key(d.name) for d in session.exec(select(Department)).all()}
    for alias in generate_aliases(name):
        if lookup_key(alias) not in taken:
            session.add(DepartmentAlias(department_id=department.id, alias=alias))
            taken.add(lookup_key(alias))
    return department


def resolve_names(session: Session, names: list[str], *, create: bool) -> ResolvedNames:
    """Departments for typed names; `+名称` is a new one (added only when `create`)."""
    out = ResolvedNames()
    for raw in names:
        name = raw.strip()
        new = name.startswith((NEW_MARK, "＋"))
        name = name.lstrip("+＋").strip()
        if not name:
            continue
        department = find_department(session, name)
        if department is None and new:
            if create:
                department = add_department(session, name)
            out.created.append(name)
        if department is None and not new:
            suggestions = [d.name for d in suggest_departments(session, name)]
            out.unknown.append((name, suggestions))
            continue
        if department is not None and department not in out.departments:
            out.departments.append(department)
    return out


def set_assignments(
    session: Session, measure: Measure, lead_ids: list[int], support_ids: list[int]
) -> None:
    """The measure's assignments become exactly these; nobody leading: all report as leads."""
    assert measure.id is not None
    wanted = [(i, ROLE_LEAD) for i in lead_ids]
    wanted += [(i, ROLE_SUPPORT) for i in support_ids if i not in lead_ids]
    have = {
        a.department_id: a
        for a in session.exec(select(Assignment).where(Assignment.measure_id == measure.id)).all()
    }
    keep = {i for i, _ in wanted}
    for department_id, row in have.items():
        if department_id not in keep:
            session.delete(row)
    no_lead = not lead_ids
    for position, (department_id, role) in enumerate(wanted):
        row = have.get(department_id) or Assignment(
            measure_id=measure.id, department_id=department_id, role=role
        )
        row.role, row.reports_as_lead, row.position = role, no_lead, position
        session.add(row)
    # Who holds the measure changed: every chat's reply scope is built again.
    bump_version(session, REPLY_SCOPE)
    session.flush()


def _current_ids(session: Session, measure_id: int) -> tuple[list[int], list[int]]:
    rows = session.exec(
        select(Assignment).where(Assignment.measure_id == measure_id).order_by(Assignment.position)
    ).all()
    leads = [a.department_id for a in rows if a.role == ROLE_LEAD]
    return leads, [a.department_id for a in rows if a.role != ROLE_LEAD]


def correct_measure(
    session: Session,
    *,
    measure: Measure,
    lead_ids: list[int] | None = None,
    support_ids: list[int] | None = None,
    deadline: tuple[date | None, str | None] | None = None,
    source: str = SOURCE_TELEGRAM,
    user_id: int | None = None,
    now: datetime,
) -> MeasureCorrection:
    """Record and apply a correction: departments (when `lead_ids` is given), deadline."""
    assert measure.id is not None
    correction = correction_of(session, measure.id)
    if correction is None:
        leads, supports = _current_ids(session, measure.id)
        correction = MeasureCorrection(
            measure_id=measure.id,
            sets_departments=False,
            reading_lead_ids=json.dumps(leads),
            reading_support_ids=json.dumps(supports),
            reading_deadline=measure.deadline,
            reading_deadline_text=measure.deadline_text,
            clause_seen=measure.clause,
        )
    if lead_ids is not None:
        supports = [i for i in (support_ids or []) if i not in lead_ids]
        correction.sets_departments = True
        correction.lead_ids, correction.support_ids = json.dumps(lead_ids), json.dumps(supports)
        set_assignments(session, measure, lead_ids, supports)
    if deadline is not None:
        correction.sets_deadline = True
        correction.deadline, correction.deadline_text = deadline
        measure.deadline, measure.deadline_text = deadline
        session.add(measure)
        # Acknowledgements judge progress against the deadline the cached scopes hold.
        bump_version(session, REPLY_SCOPE)
    correction.source, correction.corrected_by, correction.corrected_at = source, user_id, now
    session.add(correction)
    session.flush()
    return correction


def reset_measure(session: Session, *, measure: Measure) -> bool:
    """Back to the reader's reading of the document; False when nothing was corrected."""
    assert measure.id is not None
    correction = correction_of(session, measure.id)
    if correction is None:
        return False
    if correction.sets_departments:
        set_assignments(
            session,
            measure,
            _ids(correction.reading_lead_ids),
            _ids(correction.reading_support_ids),
        )
    if correction.sets_deadline:
        measure.deadline = correction.reading_deadline
        measure.deadline_text = correction.reading_deadline_text
        session.add(measure)
        bump_version(session, REPLY_SCOPE)  # as when it was set
    session.delete(correction)
    session.flush()
    return True


def keep_through_revision(
    session: Session,
    correction: MeasureCorrection,
    *,
    measure: Measure,
    lead_ids: list[int],
    support_ids: list[int],
) -> tuple[list[int], list[int]] | None:
    """A revision re-read the measure: remember the new reading, keep the correction's map.

    Returns the departments to assign (None when the correction leaves them to the reader).
    """
    correction.reading_lead_ids = json.dumps(lead_ids)
    correction.reading_support_ids = json.dumps(support_ids)
    correction.reading_deadline = measure.deadline
    correction.reading_deadline_text = measure.deadline_text
    correction.clause_seen = measure.clause
    if correction.sets_deadline:
        measure.deadline, measure.deadline_text = correction.deadline, correction.deadline_text
        session.add(measure)
    session.add(correction)
    if not correction.sets_departments:
        return None
    return _ids(correction.lead_ids), _ids(correction.support_ids)
