"""Finding the measure a user means from what they typed: 5, 五, （五）, (5), 第五项.

Used by the reply reader and the commands; the Chinese numerals are read by `numerals.py`.
"""

from __future__ import annotations

import re
import unicodedata

from sqlmodel import Session, col, select

from models.plan import Measure, Plan
from planreader.numerals import parse_chinese_numeral

_TOKEN_RE = re.compile(
    r"^(?:措施|任务|第)?\s*[（(\[【]?\s*(?:第)?\s*(?P<num>[0-9一二三四五六七八九十百千零〇两]+)\s*"
    r"[）)\]】]?\s*(?:项|条|个|号|点)?\s*(?:措施|任务)?\s*[.．、。]?$"
)


# No plan numbers its measures this far; a larger number names none (and is no database
# integer either: 99999999999999999999 overflows SQLite's and PostgreSQL's).
MAX_MEASURE_NUMBER = 100_000


def parse_measure_token(token: str) -> int | None:
    """`（五）`, `(5)`, `第五项`, `五`, `5.` → 5; None when the token names no number."""
    text = unicodedata.normalize("NFKC", token or "").strip()
    text = re.sub(r"\s+", "", text)
    match = _TOKEN_RE.match(text)
    if not match:
        return None
    return parse_chinese_numeral(match["num"])


def current_plan(session: Session) -> Plan | None:
    """The plan the bot follows: the most recently imported active plan."""
    return session.exec(
        select(Plan)
        .where(col(Plan.is_active))
        .order_by(col(Plan.imported_at).desc(), col(Plan.id).desc())
    ).first()


def find_measure(session: Session, token: str, plan_id: int | None = None) -> Measure | None:
    """The active measure `token` names in the plan (the current plan when None).

    By number (5, 五, （五）, 第五项) or, for plans whose numbering restarts, by the label
    as shown (二（一）, （二）1.).
    """
    if plan_id is None:
        plan = current_plan(session)
        if plan is None:
            return None
        plan_id = plan.id
    number = parse_measure_token(token)
    if number is not None:
        if number > MAX_MEASURE_NUMBER:
            return None
        return session.exec(
            select(Measure).where(
                Measure.plan_id == plan_id, Measure.number == number, col(Measure.is_active)
            )
        ).first()
    key = _label_key(token)
    if not key:
        return None
    for measure in session.exec(
        select(Measure).where(Measure.plan_id == plan_id, col(Measure.is_active))
    ).all():
        if _label_key(measure.label) == key:
            return measure
    return None


def _label_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s.．、]", "", text)
