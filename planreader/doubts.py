"""How sure the reader is of each measure, and why not: the doubts a person should check.

Doubts found while reading a clause live in `clause_spans.py`; here are those that need the
whole document: a name seen only once that is no familiar kind of unit, a missing clause.
"""

from __future__ import annotations

from collections import Counter

from planreader.document import RUN_TOGETHER, UNKNOWN_NAME, Doubt, MeasureDoc
from planreader.names import is_familiar, runs_together


def unknown_name_doubts(measures: list[MeasureDoc]) -> None:
    """A doubt on each measure naming a unit seen nowhere else and of no familiar kind."""
    seen = Counter(name for m in measures if m.clause for name in set(m.clause.departments))
    for measure in measures:
        if measure.clause is None:
            continue
        for name in measure.clause.departments:
            if runs_together(name):
                measure.doubts.append(Doubt(RUN_TOGETHER, {"name": name}))
            elif seen[name] == 1 and not is_familiar(name):
                measure.doubts.append(Doubt(UNKNOWN_NAME, {"name": name}))


def without_known_names(doubts: list[Doubt], known: set[str]) -> list[Doubt]:
    """The doubts left once names the database already knows are no longer unknown."""
    return [d for d in doubts if not (d.code == UNKNOWN_NAME and d.params.get("name") in known)]
