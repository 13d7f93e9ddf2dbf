"""Finding the department a user means: exact name or alias, then the closest suggestions.

Tolerant of spaces and full-width characters (`省 水利厅`, `发改委`); `suggest_departments`
offers the closest names when nothing matches exactly (`水利` → 省水利厅).
"""

from __future__ import annotations

import difflib

from sqlmodel import Session, select

from models.plan import Department, DepartmentAlias
from planreader.aliases import generate_aliases, lookup_key


def _keyed(session: Session) -> list[tuple[str, Department]]:
    """(lookup key, department) for every name and alias; names first."""
    departments = session.exec(select(Department).order_by(Department.id)).all()
    by_id = {d.id: d for d in departments}
    keyed = [(lookup_key(d.name), d) for d in departments]
    for alias in session.exec(select(DepartmentAlias).order_by(DepartmentAlias.id)).all():
        department = by_id.get(alias.department_id)
        if department is not None:
            keyed.append((lookup_key(alias.alias), department))
    return keyed


def find_department(session: Session, text: str) -> Department | None:
    """The department named (or aliased) exactly `text`, ignoring spaces and width."""
    key = lookup_key(text)
    if not key:
        return None
    keyed = _keyed(session)
    for candidate, department in keyed:
        if candidate == key:
            return department
    # 山西省水利厅, 山西省发改委: the typed name's own variants may be a stored name.
    variants = {lookup_key(v) for v in generate_aliases(text.strip())}
    names = [(lookup_key(d.name), d) for _, d in keyed]
    for candidate, department in names:
        if candidate in variants:
            return department
    return None


def suggest_departments(session: Session, text: str, limit: int = 3) -> list[Department]:
    """Departments whose name or alias is closest to `text`: containing it first, then alike."""
    key = lookup_key(text)
    if not key or limit <= 0:
        return []
    keyed = _keyed(session)
    scored: dict[int, tuple[float, Department]] = {}

    def offer(score: float, department: Department) -> None:
        assert department.id is not None
        if department.id not in scored or scored[department.id][0] < score:
            scored[department.id] = (score, department)

    for candidate, department in keyed:
        if candidate == key:
            offer(3.0, department)
        elif key in candidate:
            # 水利 in 省水利厅: the shorter the name around it, the better the match.
            offer(2.0 + len(key) / len(candidate), department)
        elif len(candidate) >= 2 and candidate in key:
            offer(1.5 + len(candidate) / len(key), department)
        else:
            ratio = difflib.SequenceMatcher(None, key, candidate).ratio()
            if ratio >= 0.5:
                offer(ratio, department)
    ranked = sorted(scored.values(), key=lambda item: (-item[0], item[1].name))
    return [department for _score, department in ranked[:limit]]
