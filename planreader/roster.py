"""The departments a plan names: one entry per unit, groups with their members.

`相关市人民政府` is a group whose members are the governments of the attachment's cities;
`省直有关部门` is a group with no fixed members. Aliases come from `aliases.py`.
"""

from __future__ import annotations

import re

from models.plan import KIND_DEPARTMENT, KIND_GROUP
from planreader.aliases import generate_aliases, lookup_key
from planreader.document import DepartmentDoc, MeasureDoc, RegionDoc

GROUP_NAME_RE = re.compile(
    r"^(相关|有关|各|其他|其它|省直|省级有关|市直)|有关|相关|各级|^(部门|单位|机构|地方)$"
)
CITY_GROUP_RE = re.compile(r"^(相关|有关|各)(设区)?市(人民)?政府$")
COUNTY_GROUP_RE = re.compile(r"^(相关|有关|各)县[（(]?(市、?区)?[）)]?级?(人民)?政府$")


def _group_members(name: str, regions: list[RegionDoc]) -> list[str]:
    """相关市人民政府 → the governments of the attachment's cities (counties: city + county)."""
    suffix = "人民政府" if name.endswith("人民政府") else "政府"
    if CITY_GROUP_RE.match(name):
        return [region.city + suffix for region in regions]
    if COUNTY_GROUP_RE.match(name):
        return [r.city + county + suffix for r in regions for county in r.counties]
    return []


def plan_departments(
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
