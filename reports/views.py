"""The coordinators' views as pages of HTML: who may see them, what a command asks for.

Plain functions called by `handlers/coordinator.py` through `Database.run`; each view is
named by a short key and integer arguments so that a page button can render it again.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from coordination.cycle_state import current_cycle
from coordination.roles import resolve_roles
from messages.i18n import Translator
from messages.status import (
    render_department,
    render_history,
    render_measure,
    render_overdue,
    render_overview,
)
from models.plan import Department, Measure
from models.schedules import Cycle
from planreader.departments import find_department, suggest_departments
from planreader.measures import find_measure, parse_measure_token
from reports.history import measure_detail, update_history
from reports.paging import split_html
from reports.status import cycle_overview, department_view

ACCESS_OK = "ok"
ACCESS_REFUSED = "refused"  # not a coordinator or admin
ACCESS_ELSEWHERE = "elsewhere"  # a coordinator in a group that is not the coordinators' chat

VIEW_STATUS = "st"
VIEW_DEPARTMENT = "sd"
VIEW_MEASURE = "sm"
VIEW_OVERDUE = "od"
VIEW_HISTORY = "hi"
VIEWS = (VIEW_STATUS, VIEW_DEPARTMENT, VIEW_MEASURE, VIEW_OVERDUE, VIEW_HISTORY)


def coordinator_access(
    session: Session,
    *,
    user_id: int | None,
    chat_id: int,
    private: bool,
    admin_ids: Iterable[int],
) -> str:
    """May this user see the coordinators' views here? ACCESS_OK, _REFUSED or _ELSEWHERE."""
    roles = resolve_roles(session, user_id=user_id, chat_id=chat_id, admin_ids=admin_ids)
    if not roles.can_coordinate:
        return ACCESS_REFUSED
    if private or roles.in_coordinators_chat:
        return ACCESS_OK
    return ACCESS_ELSEWHERE


@dataclass(frozen=True)
class Guarded:
    """The caller's access and, when allowed, what the view returned."""

    access: str
    result: Any = None


def guarded(
    session: Session,
    *,
    user_id: int | None,
    chat_id: int,
    private: bool,
    admin_ids: Iterable[int],
    view: Callable[..., Any],
    arguments: dict[str, Any],
    anywhere: bool = False,
) -> Guarded:
    """Check access, then run `view(session, **arguments)` in the same session.

    `anywhere` lets a coordinator act outside the coordinators' chat (turning the pages of a
    view already posted there).
    """
    access = coordinator_access(
        session, user_id=user_id, chat_id=chat_id, private=private, admin_ids=admin_ids
    )
    if access == ACCESS_OK or (anywhere and access == ACCESS_ELSEWHERE):
        return Guarded(ACCESS_OK, view(session, **arguments))
    return Guarded(access)


@dataclass
class Rendered:
    """Pages of one view, and how to ask for it again (`view` and `args`)."""

    pages: list[str]
    view: str = ""
    args: dict[str, int] = field(default_factory=dict)
    # Buttons for the closest departments when a name matched nothing: (name, view, args).
    suggestions: list[tuple[str, str, dict[str, int]]] = field(default_factory=list)

    @property
    def pageable(self) -> bool:
        return bool(self.view) and len(self.pages) > 1


def encode_args(args: dict[str, int]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(args.items()))


def decode_args(text: str) -> dict[str, int] | None:
    """`m=3,d=5` → {"m": 3, "d": 5}; None when malformed (a forged or stale button)."""
    args: dict[str, int] = {}
    if not text:
        return args
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.isalpha() or not value.lstrip("-").isdecimal():
            return None
        args[key] = int(value)
    return args


def _cycle(session: Session, args: dict[str, int], now: datetime) -> Cycle | None:
    if "c" in args:
        cycle = session.get(Cycle, args["c"])
        if cycle is not None:
            return cycle
    return current_cycle(session, now=now)


def render_view(
    session: Session, *, view: str, args: dict[str, int], t: Translator, now: datetime
) -> Rendered:
    """Render view `view` with `args` (ids), as a page button asks for it."""
    if view in (VIEW_STATUS, VIEW_OVERDUE):
        cycle = _cycle(session, args, now)
        overview = cycle_overview(session, cycle=cycle, now=now)
        text = render_overview(t, overview) if view == VIEW_STATUS else render_overdue(t, overview)
        kept = {"c": cycle.id} if cycle is not None and cycle.id is not None else {}
        return Rendered(split_html(text), view, kept)
    if view == VIEW_DEPARTMENT and "d" in args:
        cycle = _cycle(session, args, now)
        dept_view = department_view(session, department_id=args["d"], cycle=cycle, now=now)
        if dept_view is not None:
            kept = {"d": args["d"]}
            if cycle is not None and cycle.id is not None:
                kept["c"] = cycle.id
            return Rendered(split_html(render_department(t, dept_view, now)), view, kept)
    if view == VIEW_MEASURE and "m" in args:
        cycle = _cycle(session, args, now)
        detail = measure_detail(session, measure_id=args["m"], cycle=cycle, now=now)
        if detail is not None:
            return Rendered(split_html(render_measure(t, detail)), view, {"m": args["m"]})
    if view == VIEW_HISTORY and "m" in args:
        history = update_history(session, measure_id=args["m"], department_id=args.get("d"))
        if history is not None:
            return Rendered(split_html(render_history(t, history)), view, dict(args))
    return Rendered([t._("This view is no longer available; please send the command again.")])


def _measure_not_found(t: Translator, token: str) -> Rendered:
    return Rendered(
        [
            t._("The plan has no measure {label}. /status lists the measures of the cycle.").format(
                label=html.escape(token.strip())
            )
        ]
    )


def _department_not_found(
    session: Session,
    t: Translator,
    name: str,
    *,
    view: str = VIEW_DEPARTMENT,
    args: dict[str, int] | None = None,
) -> Rendered:
    """A polite miss, with the closest names as buttons that open `view` for them."""
    suggestions = suggest_departments(session, name, limit=4)
    if not suggestions:
        return Rendered(
            [
                t._(
                    "No department is called “{name}”. Check the name, or send /status for the "
                    "whole cycle."
                ).format(name=html.escape(name))
            ]
        )
    lines = [t._("No department is called “{name}”. Did you mean:").format(name=html.escape(name))]
    lines += [f"• {html.escape(d.name)}" for d in suggestions]
    return Rendered(
        ["\n".join(lines)],
        suggestions=[
            (d.name, view, {**(args or {}), "d": d.id}) for d in suggestions if d.id is not None
        ],
    )


def is_measure_token(text: str) -> bool:
    """A pure number, numeral or label (`5`, `五`, `（五）`) names a measure, not a department."""
    return parse_measure_token(text) is not None


def status_command(session: Session, *, argument: str, t: Translator, now: datetime) -> Rendered:
    """/status [department | measure]."""
    argument = argument.strip()
    if not argument:
        return render_view(session, view=VIEW_STATUS, args={}, t=t, now=now)
    if is_measure_token(argument):
        measure = find_measure(session, argument)
        if measure is None or measure.id is None:
            return _measure_not_found(t, argument)
        return render_view(session, view=VIEW_MEASURE, args={"m": measure.id}, t=t, now=now)
    department = find_department(session, argument)
    if department is None or department.id is None:
        return _department_not_found(session, t, argument)
    return render_view(session, view=VIEW_DEPARTMENT, args={"d": department.id}, t=t, now=now)


def overdue_command(session: Session, *, t: Translator, now: datetime) -> Rendered:
    """/overdue."""
    return render_view(session, view=VIEW_OVERDUE, args={}, t=t, now=now)


def history_command(session: Session, *, argument: str, t: Translator, now: datetime) -> Rendered:
    """/history <measure> [department]: the measure first, or last (`/history 水利厅 5`)."""
    words = argument.split()
    if not words:
        return Rendered(
            [
                t._(
                    "Usage: /history &lt;measure&gt; [department], "
                    "for example /history 5 or /history （五） 省水利厅"
                )
            ]
        )
    measure: Measure | None = None
    rest: list[str] = []
    for index in (0, len(words) - 1):
        if is_measure_token(words[index]):
            measure = find_measure(session, words[index])
            rest = words[:index] + words[index + 1 :]
            if measure is None:
                return _measure_not_found(t, words[index])
            break
    if measure is None or measure.id is None:
        return Rendered(
            [t._("Please name a measure by its number, for example /history 5 or /history （五）.")]
        )
    args = {"m": measure.id}
    if rest:
        name = " ".join(rest)
        department: Department | None = find_department(session, name)
        if department is None or department.id is None:
            return _department_not_found(session, t, name, view=VIEW_HISTORY, args=args)
        args["d"] = department.id
    return render_view(session, view=VIEW_HISTORY, args=args, t=t, now=now)


@dataclass
class FileAnswer:
    """A document or a photo to send, or `text` pages when there is nothing to draw."""

    content: bytes = b""
    filename: str = ""
    caption: str = ""
    pages: list[str] = field(default_factory=list)


def export_command(session: Session, *, fmt: str, t: Translator, now: datetime) -> FileAnswer:
    """/export [xlsx|csv]: the ledger as a file named with today's date."""
    from reports.ledger import build_ledger, ledger_csv, ledger_filename, ledger_xlsx

    fmt = fmt.strip().lower().lstrip(".")
    if fmt not in ("", "xlsx", "excel", "csv"):
        return FileAnswer(
            pages=[t._("Usage: /export for an Excel workbook, /export csv for a CSV file.")]
        )
    ledger = build_ledger(session, now=now)
    caption = t._("Ledger as of {date}: {rows} rows").format(
        date=t.datetime(now, "short"), rows=len(ledger.rows)
    )
    if fmt == "csv":
        return FileAnswer(ledger_csv(t, ledger), ledger_filename(t, now, "csv"), caption)
    return FileAnswer(ledger_xlsx(t, ledger), ledger_filename(t, now, "xlsx"), caption)


def chart_command(
    session: Session, *, t: Translator, now: datetime, font: str | bool | None = True
) -> FileAnswer:
    """/chart: the PNG, with a caption; the codes of departments when no CJK font exists."""
    from messages.status import render_no_cycle
    from reports.chart import chart_data, render_chart
    from reports.status import active_measure_count

    data = chart_data(session, now=now)
    if data.cycle_date is None:
        return FileAnswer(pages=[render_no_cycle(t, active_measure_count(session))])
    chart = render_chart(t, data, font=font)
    caption = t._(
        "Reports per measure in the current cycle, and on-time rate per department "
        "over the recent cycles"
    )
    pages: list[str] = []
    if chart.codes:
        lines = [t._("Department codes in the chart:")]
        lines += [f"{code} = {html.escape(name)}" for code, name in chart.codes]
        pages = split_html("\n".join(lines))
    return FileAnswer(chart.png, "chart.png", caption, pages)
