"""What coordinators ask for: /status, /overdue, /history, /export, /chart, /bulletin, and
page turns.

Each view is named by a short key and integer arguments, so a page button can ask for it
again (`pg|sd|c=3,d=12|2`, well within Telegram's 64 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from commands.gate import CommandArgs
from coordination.roles import Roles
from models.plan import Department, Measure
from models.schedules import Cycle
from planreader.departments import find_department, suggest_departments
from planreader.measures import find_measure, parse_measure_token
from reports.bulletin import Bulletin, build_bulletin
from reports.chart import ChartData, chart_data
from reports.cycles import current_cycle
from reports.history import History, MeasureDetail, measure_detail, update_history
from reports.ledger import Ledger, build_ledger
from reports.status import (
    DepartmentView,
    Overview,
    active_measure_count,
    cycle_overview,
    department_view,
)

VIEW_STATUS = "st"
VIEW_DEPARTMENT = "sd"
VIEW_MEASURE = "sm"
VIEW_OVERDUE = "od"
VIEW_HISTORY = "hi"
VIEWS = (VIEW_STATUS, VIEW_DEPARTMENT, VIEW_MEASURE, VIEW_OVERDUE, VIEW_HISTORY)

PAGE_PREFIX = "pg"
NO_OP = "pg|nop"  # the page counter between the arrows: pressing it does nothing
EXPORT_FORMATS = ("", "xlsx", "excel", "csv")
# Ids in a button fit a database integer; a longer number is a forgery.
MAX_ID_DIGITS = 18
SUGGESTIONS = 4  # closest department names offered when a name matches none


@dataclass(frozen=True)
class View:
    """A view as plain data, and how to ask for it again (`view` and `args`)."""

    view: str
    args: dict[str, int]
    data: Overview | DepartmentView | MeasureDetail | History
    now: datetime


class Miss(StrEnum):
    GONE = "gone"  # a page button of a view that no longer exists
    NO_MEASURE = "no_measure"
    NO_DEPARTMENT = "no_department"
    HISTORY_USAGE = "history_usage"
    HISTORY_NEEDS_MEASURE = "history_needs_measure"


@dataclass(frozen=True)
class ViewMiss:
    """Nothing to show: why, what was typed, and the closest departments as buttons."""

    miss: Miss
    token: str = ""
    # (department name, view, args): each opens `view` for that department.
    suggestions: list[tuple[str, str, dict[str, int]]] = field(default_factory=list)


ViewAnswer = View | ViewMiss


def encode_args(args: dict[str, int]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(args.items()))


def decode_args(text: str) -> dict[str, int] | None:
    """`m=3,d=5` → {"m": 3, "d": 5}; None when malformed (a forged or stale button)."""
    args: dict[str, int] = {}
    if not text:
        return args
    for part in text.split(","):
        key, sep, value = part.partition("=")
        digits = value.lstrip("-")
        if not sep or not key.isalpha() or not digits.isdecimal() or len(digits) > MAX_ID_DIGITS:
            return None
        args[key] = int(value)
    return args


def page_payload(view: str, args: dict[str, int], page: int) -> str:
    """`pg|sd|c=3,d=12|2`: everything a page button needs."""
    return f"{PAGE_PREFIX}|{view}|{encode_args(args)}|{page}"


@dataclass(frozen=True)
class PageRequest:
    view: str
    args: dict[str, int]
    page: int


def read_page_payload(payload: str) -> PageRequest | None:
    """The view and page a button asks for; None for the counter, a stale or forged button."""
    parts = payload.split("|")
    if len(parts) != 4 or parts[1] not in VIEWS:
        return None
    args = decode_args(parts[2])
    if args is None:
        return None
    page = parts[3]
    return PageRequest(
        parts[1], args, int(page) if page.isdecimal() and len(page) <= MAX_ID_DIGITS else 1
    )


def _cycle(session: Session, args: dict[str, int], now: datetime) -> Cycle | None:
    if "c" in args:
        cycle = session.get(Cycle, args["c"])
        if cycle is not None:
            return cycle
    return current_cycle(session, now=now)


def view(session: Session, *, view: str, args: dict[str, int], now: datetime) -> ViewAnswer:
    """View `view` with `args` (ids), as a command or a page button asks for it."""
    if view in (VIEW_STATUS, VIEW_OVERDUE):
        cycle = _cycle(session, args, now)
        overview = cycle_overview(session, cycle=cycle, now=now)
        kept = {"c": cycle.id} if cycle is not None and cycle.id is not None else {}
        return View(view, kept, overview, now)
    if view == VIEW_DEPARTMENT and "d" in args:
        cycle = _cycle(session, args, now)
        department = department_view(session, department_id=args["d"], cycle=cycle, now=now)
        if department is not None:
            kept = {"d": args["d"]}
            if cycle is not None and cycle.id is not None:
                kept["c"] = cycle.id
            return View(view, kept, department, now)
    if view == VIEW_MEASURE and "m" in args:
        cycle = _cycle(session, args, now)
        detail = measure_detail(session, measure_id=args["m"], cycle=cycle, now=now)
        if detail is not None:
            return View(view, {"m": args["m"]}, detail, now)
    if view == VIEW_HISTORY and "m" in args:
        history = update_history(session, measure_id=args["m"], department_id=args.get("d"))
        if history is not None:
            return View(view, dict(args), history, now)
    return ViewMiss(Miss.GONE)


def page(
    session: Session, *, roles: Roles, args: CommandArgs, now: datetime, request: PageRequest
) -> ViewAnswer:
    """A page button: the view again, to show another of its pages."""
    return view(session, view=request.view, args=request.args, now=now)


def _department_missing(
    session: Session, name: str, *, view: str = VIEW_DEPARTMENT, args: dict[str, int] | None = None
) -> ViewMiss:
    """A polite miss, with the closest names as buttons that open `view` for them."""
    return ViewMiss(
        Miss.NO_DEPARTMENT,
        name,
        [
            (d.name, view, {**(args or {}), "d": d.id})
            for d in suggest_departments(session, name, limit=SUGGESTIONS)
            if d.id is not None
        ],
    )


def is_measure_token(text: str) -> bool:
    """A pure number, numeral or label (`5`, `五`, `（五）`) names a measure, not a department."""
    return parse_measure_token(text) is not None


def status(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> ViewAnswer:
    """/status [department | measure]."""
    argument = " ".join(args.words)
    if not argument:
        return view(session, view=VIEW_STATUS, args={}, now=now)
    if is_measure_token(argument):
        measure = find_measure(session, argument)
        if measure is None or measure.id is None:
            return ViewMiss(Miss.NO_MEASURE, argument)
        return view(session, view=VIEW_MEASURE, args={"m": measure.id}, now=now)
    department = find_department(session, argument)
    if department is None or department.id is None:
        return _department_missing(session, argument)
    return view(session, view=VIEW_DEPARTMENT, args={"d": department.id}, now=now)


def overdue(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> ViewAnswer:
    """/overdue."""
    return view(session, view=VIEW_OVERDUE, args={}, now=now)


def history(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> ViewAnswer:
    """/history <measure> [department]: the measure first, or last (`/history 水利厅 5`)."""
    words = args.words
    if not words:
        return ViewMiss(Miss.HISTORY_USAGE)
    measure: Measure | None = None
    rest: list[str] = []
    for index in (0, len(words) - 1):
        if is_measure_token(words[index]):
            measure = find_measure(session, words[index])
            rest = words[:index] + words[index + 1 :]
            if measure is None:
                return ViewMiss(Miss.NO_MEASURE, words[index])
            break
    if measure is None or measure.id is None:
        return ViewMiss(Miss.HISTORY_NEEDS_MEASURE)
    wanted = {"m": measure.id}
    if rest:
        name = " ".join(rest)
        department: Department | None = find_department(session, name)
        if department is None or department.id is None:
            return _department_missing(session, name, view=VIEW_HISTORY, args=wanted)
        wanted["d"] = department.id
    return view(session, view=VIEW_HISTORY, args=wanted, now=now)


@dataclass(frozen=True)
class ExportAnswer:
    fmt: str  # "xlsx" or "csv"; "" when the format asked for is unknown
    ledger: Ledger | None
    now: datetime


def export(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> ExportAnswer:
    """/export [xlsx|csv]: the ledger, as of now."""
    fmt = " ".join(args.words).strip().lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        return ExportAnswer("", None, now)
    return ExportAnswer("csv" if fmt == "csv" else "xlsx", build_ledger(session, now=now), now)


@dataclass(frozen=True)
class ChartAnswer:
    data: ChartData
    measure_count: int  # active measures of the plan (said when no cycle has fired yet)


def chart(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> ChartAnswer:
    """/chart: reports per measure now, on-time rate per department over recent cycles."""
    data = chart_data(session, now=now)
    return ChartAnswer(data, active_measure_count(session) if data.cycle_date is None else 0)


@dataclass(frozen=True)
class BulletinAnswer:
    bulletin: Bulletin
    measure_count: int  # active measures of the plan (said when no cycle has fired yet)


def bulletin(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> BulletinAnswer:
    """/bulletin: the 通报 of the current cycle as a Word document."""
    found = build_bulletin(session, now=now)
    return BulletinAnswer(found, active_measure_count(session))
