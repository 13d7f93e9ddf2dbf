"""/plan and /assign without Telegram: the doubts of the map, and an admin's correction;
and the map as the spreadsheet of `plan export-map` / `plan import-map` sees it.

`plan` and `assign` return answer records that `messages/plan_map.py` words; the gate lets
only admins run them (`handlers/plan_map.py`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from commands.gate import CommandArgs
from coordination.roles import Roles
from models.plan import Measure, Plan
from planreader.corrections import (
    SOURCE_TELEGRAM,
    MeasureMap,
    correct_measure,
    measure_maps,
    plan_measures,
    reset_measure,
    resolve_names,
)
from planreader.map_sheet import MapImport, SheetRow, import_map_rows
from planreader.measures import current_plan, find_measure


class PlanOutcome(StrEnum):
    NO_PLAN = "no_plan"
    UNKNOWN_MEASURE = "unknown_measure"
    OVERVIEW = "overview"  # /plan: the doubts and the corrections
    SHOWN = "shown"  # /plan （五） or /plan all


class AssignOutcome(StrEnum):
    NO_PLAN = "no_plan"
    USAGE = "usage"
    UNKNOWN_MEASURE = "unknown_measure"
    SHOWN = "shown"  # /assign （五）: the measure's map
    UNKNOWN_NAMES = "unknown_names"
    BOTH_ROLES = "both_roles"
    NO_NAMES = "no_names"
    CORRECTED = "corrected"
    RESET = "reset"
    NOT_CORRECTED = "not_corrected"  # a reset of a measure nobody corrected


LEAD_WORDS = {"牵头", "牵头单位", "牵头部门", "lead", "leads", "leader"}
SUPPORT_WORDS = {"配合", "配合单位", "责任单位", "参与", "协办", "按职责分工负责"}
SUPPORT_WORDS |= {"support", "supports", "supporting"}
RESET_WORDS = {"重置", "恢复", "撤销", "清除", "还原", "reset", "undo", "clear"}
NONE_WORDS = {"无", "没有", "none", "nobody", "-", "—"}
ALL_WORDS = {"all", "全部", "所有"}
_GLUED_RE = re.compile(r"(牵头单位|牵头部门|配合单位|责任单位|按职责分工负责|牵头|配合)")
_NAME_SEPARATORS_RE = re.compile(r"[、，,；;/]+")


@dataclass(frozen=True)
class PlanAnswer:
    outcome: PlanOutcome
    title: str = ""
    doc_number: str = ""
    measures: int = 0
    doubtful: list[MeasureMap] = field(default_factory=list)  # uncorrected, with doubts
    corrected: list[MeasureMap] = field(default_factory=list)
    shown: list[MeasureMap] = field(default_factory=list)  # /plan （五） or /plan all
    token: str = ""


@dataclass(frozen=True)
class AssignRequest:
    measure: str
    leads: list[str] = field(default_factory=list)
    supports: list[str] = field(default_factory=list)
    reset: bool = False
    show: bool = False


@dataclass(frozen=True)
class AssignAnswer:
    outcome: AssignOutcome
    token: str = ""
    measure: MeasureMap | None = None
    before: MeasureMap | None = None
    unknown: list[tuple[str, list[str]]] = field(default_factory=list)
    both: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)


def _plan_header(plan: Plan) -> tuple[str, str]:
    """Title and 文号 (none for a plan known by its title, such as a task table)."""
    number = "" if plan.doc_number == plan.title[:100] else plan.doc_number
    return plan.title, number


def plan(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> PlanAnswer:
    """/plan: doubts and corrections; /plan （五）: one measure; /plan all: every measure."""
    current = current_plan(session)
    if current is None or current.id is None:
        return PlanAnswer(PlanOutcome.NO_PLAN)
    title, number = _plan_header(current)
    token = args.text.strip()
    if token and token.lower() not in ALL_WORDS:
        measure = find_measure(session, token, current.id)
        if measure is None:
            return PlanAnswer(PlanOutcome.UNKNOWN_MEASURE, title, number, token=token[:40])
        shown = measure_maps(session, [measure])
        return PlanAnswer(PlanOutcome.SHOWN, title, number, 1, shown=shown)
    maps = measure_maps(session, plan_measures(session, current.id))
    return PlanAnswer(
        PlanOutcome.SHOWN if token else PlanOutcome.OVERVIEW,
        title,
        number,
        len(maps),
        doubtful=[m for m in maps if m.doubts and not m.corrected],
        corrected=[m for m in maps if m.corrected],
        shown=maps if token else [],
    )


def parse_assign(args: str) -> AssignRequest | None:
    """`（五） 牵头 省水利厅 配合 省财政厅`, `5 lead 省水利厅 support 省财政厅`, `（五） reset`.

    None when names come before any role word (who would they be?).
    """
    text = _GLUED_RE.sub(r" \1 ", args or "")
    text = re.sub(r"(?<=\S)\s*[:：=＝]\s*", " ", text)
    tokens = text.split()
    if not tokens:
        return None
    measure, rest = tokens[0], tokens[1:]
    if not rest:
        return AssignRequest(measure, show=True)
    if len(rest) == 1 and _word(rest[0]) in RESET_WORDS:
        return AssignRequest(measure, reset=True)
    leads: list[str] = []
    supports: list[str] = []
    target: list[str] | None = None
    for token in rest:
        word = _word(token)
        if word in LEAD_WORDS:
            target = leads
        elif word in SUPPORT_WORDS:
            target = supports
        elif target is None:
            return None
        elif word not in NONE_WORDS:
            target += [n for n in _NAME_SEPARATORS_RE.split(token) if n and n not in target]
    return AssignRequest(measure, leads, supports)


def _word(token: str) -> str:
    """A keyword as typed in any width or case: ｌｅａｄ, Lead, 牵头."""
    return unicodedata.normalize("NFKC", token).lower()


def assign(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> AssignAnswer:
    """/assign: show, correct or reset who leads and supports one measure."""
    request = parse_assign(args.text)
    if request is None:
        return AssignAnswer(AssignOutcome.USAGE)
    current = current_plan(session)
    if current is None or current.id is None:
        return AssignAnswer(AssignOutcome.NO_PLAN)
    measure = find_measure(session, request.measure, current.id)
    if measure is None:
        return AssignAnswer(AssignOutcome.UNKNOWN_MEASURE, token=request.measure[:40])
    before = measure_maps(session, [measure])[0]
    if request.show:
        return AssignAnswer(AssignOutcome.SHOWN, request.measure, before)
    if request.reset:
        done = reset_measure(session, measure=measure)
        outcome = AssignOutcome.RESET if done else AssignOutcome.NOT_CORRECTED
        return AssignAnswer(outcome, request.measure, _map(session, measure), before)
    return _correct(session, measure, request, before, now=now, user_id=roles.user_id)


def _map(session: Session, measure: Measure) -> MeasureMap:
    return measure_maps(session, [measure])[0]


def _correct(
    session: Session,
    measure: Measure,
    request: AssignRequest,
    before: MeasureMap,
    *,
    now: datetime,
    user_id: int | None,
) -> AssignAnswer:
    if not request.leads and not request.supports:
        return AssignAnswer(AssignOutcome.NO_NAMES, request.measure, before)
    lead_check = resolve_names(session, request.leads, create=False)
    support_check = resolve_names(session, request.supports, create=False)
    unknown = lead_check.unknown + support_check.unknown
    if unknown:
        return AssignAnswer(AssignOutcome.UNKNOWN_NAMES, request.measure, before, unknown=unknown)
    both = [d.name for d in support_check.departments if d in lead_check.departments]
    both += [n for n in support_check.created if n in lead_check.created]
    if both:
        return AssignAnswer(AssignOutcome.BOTH_ROLES, request.measure, before, both=both)
    leads = resolve_names(session, request.leads, create=True)
    supports = resolve_names(session, request.supports, create=True)
    lead_ids = [d.id for d in leads.departments if d.id is not None]
    correct_measure(
        session,
        measure=measure,
        lead_ids=lead_ids,
        support_ids=[d.id for d in supports.departments if d.id is not None],
        source=SOURCE_TELEGRAM,
        user_id=user_id,
        now=now,
    )
    return AssignAnswer(
        AssignOutcome.CORRECTED,
        request.measure,
        _map(session, measure),
        before,
        created=leads.created + supports.created,
    )


@dataclass(frozen=True)
class PlanMap:
    """The current plan's whole map, for the spreadsheet."""

    title: str
    doc_number: str
    measures: list[MeasureMap]


def current_map(session: Session) -> PlanMap | None:
    """The map of the plan being followed; None before any plan is imported."""
    current = current_plan(session)
    if current is None or current.id is None:
        return None
    title, number = _plan_header(current)
    return PlanMap(title, number, measure_maps(session, plan_measures(session, current.id)))


def import_map(
    session: Session, *, rows: list[SheetRow], now: datetime, user_id: int | None = None
) -> MapImport | None:
    """Apply the rows of an edited map sheet: all of them, or (one row bad) none."""
    current = current_plan(session)
    if current is None or current.id is None:
        return None
    result = import_map_rows(session, plan_id=current.id, rows=rows, user_id=user_id, now=now)
    if result.problems:
        session.rollback()  # rows are checked before any write; this only makes it certain
    return result
