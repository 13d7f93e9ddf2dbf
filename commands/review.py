"""The office's review, for coordinators: /return a report for 补报 (or its button under a
measure's view), /close a finished measure (销号), /reopen it.

Bad input — an unknown measure, a closed one, nothing to return — gets one short answer and
writes nothing. Button payloads: `rv:<update id>` asks for a reason, `rv:<update id>:<code>`
returns the report with that reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from commands.gate import CommandArgs
from coordination.review import (
    REASONS,
    Refusal,
    Returned,
    close_measure,
    is_closed,
    latest_report,
    reopen_measure,
    return_report,
)
from coordination.roles import Roles
from models.plan import Assignment, Department, Measure
from models.progress import LatestProgress, ProgressUpdate
from models.review import MeasureClosure
from planreader.departments import find_department
from planreader.measures import find_measure

RETURN_PREFIX = "rv"
_RETURN = re.compile(r"^rv:(\d{1,12})(?::([a-z]{1,12}))?$")
# A measure at the start of the arguments: （五）, (5), 第五项, 五, 5 — glued to the text or not.
_LEADING_MEASURE = re.compile(
    r"^\s*(?P<token>[（(【\[]\s*[0-9一二三四五六七八九十百零〇两]+\s*[）)】\]]"
    r"|第?\s*[0-9一二三四五六七八九十百零〇两]+\s*(?:项|条)?(?=\s|$|[，,：:]))"
)


class Miss(StrEnum):
    """Why a review command did nothing (nothing is written then)."""

    USAGE = "usage"
    NO_MEASURE = "no_measure"
    NO_DEPARTMENT = "no_department"
    WHICH_DEPARTMENT = "which_department"  # several departments reported: name one
    NEEDS_REASON = "needs_reason"
    NO_REPORT = Refusal.NO_REPORT.value
    ALREADY_RETURNED = Refusal.ALREADY_RETURNED.value
    NOT_LATEST = Refusal.NOT_LATEST.value
    CLOSED = Refusal.CLOSED.value
    ALREADY_CLOSED = Refusal.ALREADY_CLOSED.value
    NOT_CLOSED = Refusal.NOT_CLOSED.value


@dataclass(frozen=True)
class ReviewMiss:
    command: str  # return, close, reopen
    miss: Miss
    token: str = ""  # what was typed, for "no such measure"
    label: str = ""  # the measure's label, when known
    department: str = ""
    choices: list[str] = field(default_factory=list)  # departments to choose from
    closed_at: datetime | None = None
    closed_by: str = ""


@dataclass(frozen=True)
class ReturnDone:
    returned: Returned


@dataclass(frozen=True)
class ReasonPrompt:
    """A 退回 button was pressed: which report, and the usual reasons as buttons."""

    update_id: int
    label: str
    title: str
    department: str
    reported_at: datetime
    reasons: tuple[str, ...] = REASONS


@dataclass(frozen=True)
class ClosingDone:
    label: str
    title: str
    reopened: bool
    at: datetime
    by: str
    note: str


ReturnAnswer = ReturnDone | ReasonPrompt | ReviewMiss
ClosingAnswer = ClosingDone | ReviewMiss


def return_payload(update_id: int, reason: str | None = None) -> str:
    return f"{RETURN_PREFIX}:{update_id}" + (f":{reason}" if reason else "")


@dataclass(frozen=True)
class ReturnPress:
    update_id: int
    reason: str | None  # None: the button that asks for a reason


def read_return_payload(payload: str) -> ReturnPress | None:
    match = _RETURN.match(payload)
    if match is None or (match.group(2) is not None and match.group(2) not in REASONS):
        return None
    return ReturnPress(int(match.group(1)), match.group(2))


def split_measure(text: str) -> tuple[str, str]:
    """(the measure as typed, the rest) from '（五） 省水利厅 理由' or '5 理由'; ('', text)."""
    match = _LEADING_MEASURE.match(text)
    if match is None:
        first, _, rest = text.strip().partition(" ")
        return first, rest.strip()
    return match.group("token").strip(), text[match.end() :].strip(" \t\n，,：:")


def _measure(session: Session, token: str) -> Measure | None:
    return find_measure(session, token) if token else None


def _reported_departments(session: Session, measure_id: int) -> list[tuple[int, str]]:
    """Departments whose newest report on the measure stands (not returned), in plan order."""
    order = {
        d: i
        for i, d in enumerate(
            session.exec(
                select(Assignment.department_id)
                .where(Assignment.measure_id == measure_id)
                .order_by(Assignment.position, Assignment.id)
            )
        )
    }
    rows = session.exec(
        select(LatestProgress.department_id, Department.name)
        .join(Department, col(Department.id) == LatestProgress.department_id)
        .join(ProgressUpdate, col(ProgressUpdate.id) == LatestProgress.update_id)
        .where(LatestProgress.measure_id == measure_id, col(ProgressUpdate.returned_at).is_(None))
    ).all()
    return sorted(rows, key=lambda row: (order.get(row[0], len(order)), row[1]))


def _refused(command: str, refusal: Refusal, label: str, department: str = "") -> ReviewMiss:
    return ReviewMiss(command, Miss(refusal.value), label=label, department=department)


def return_(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> ReturnAnswer:
    """/return <measure> [department] <reason>: send a report back for 补报."""
    token, rest = split_measure(args.text)
    if not token:
        return ReviewMiss("return", Miss.USAGE)
    measure = _measure(session, token)
    if measure is None or measure.id is None:
        return ReviewMiss("return", Miss.NO_MEASURE, token=token)
    if is_closed(session, measure.id):
        return ReviewMiss("return", Miss.CLOSED, label=measure.label)
    reported = _reported_departments(session, measure.id)
    words = rest.split()
    department: Department | None = None
    reason = rest
    for size in (2, 1):  # a name may be typed with a space: 省 水利厅
        if len(words) >= size:
            department = find_department(session, " ".join(words[:size]))
            if department is not None:
                reason = " ".join(words[size:])
                break
    if department is None:
        if not reported:
            return ReviewMiss("return", Miss.NO_REPORT, label=measure.label)
        if len(reported) > 1:
            return ReviewMiss(
                "return",
                Miss.WHICH_DEPARTMENT,
                label=measure.label,
                choices=[name for _d, name in reported],
            )
        department_id, name = reported[0]
    else:
        assert department.id is not None
        department_id, name = department.id, department.name
    if not reason.strip():
        return ReviewMiss("return", Miss.NEEDS_REASON, label=measure.label, department=name)
    report = latest_report(session, measure_id=measure.id, department_id=department_id)
    if report is None or report.id is None:
        return ReviewMiss("return", Miss.NO_REPORT, label=measure.label, department=name)
    done = return_report(
        session,
        update_id=report.id,
        reason_code=None,
        note=reason,
        user_id=roles.user_id,
        user_name=args.user_name,
        now=now,
    )
    if isinstance(done, Refusal):
        return _refused("return", done, measure.label, name)
    return ReturnDone(done)


def return_button(
    session: Session, *, roles: Roles, args: CommandArgs, now: datetime, press: ReturnPress
) -> ReturnAnswer:
    """A 退回 button: ask for the reason, or (with a reason) return the report."""
    report = session.get(ProgressUpdate, press.update_id)
    measure = session.get(Measure, report.measure_id) if report is not None else None
    if report is None or report.id is None or measure is None or measure.id is None:
        return ReviewMiss("return", Miss.NO_REPORT)
    department = session.get(Department, report.department_id)
    name = department.name if department is not None else ""
    if press.reason is None:
        if is_closed(session, measure.id):
            return ReviewMiss("return", Miss.CLOSED, label=measure.label)
        if report.returned_at is not None:
            return ReviewMiss("return", Miss.ALREADY_RETURNED, label=measure.label, department=name)
        return ReasonPrompt(report.id, measure.label, measure.title, name, report.created_at)
    done = return_report(
        session,
        update_id=report.id,
        reason_code=press.reason,
        note="",
        user_id=roles.user_id,
        user_name=args.user_name,
        now=now,
    )
    if isinstance(done, Refusal):
        return _refused("return", done, measure.label, name)
    return ReturnDone(done)


def _closing(
    session: Session, *, command: str, roles: Roles, args: CommandArgs, now: datetime
) -> ClosingAnswer:
    token, note = split_measure(args.text)
    if not token:
        return ReviewMiss(command, Miss.USAGE)
    measure = _measure(session, token)
    if measure is None or measure.id is None:
        return ReviewMiss(command, Miss.NO_MEASURE, token=token)
    act = close_measure if command == "close" else reopen_measure
    done = act(
        session,
        measure=measure,
        note=note,
        user_id=roles.user_id,
        user_name=args.user_name,
        now=now,
    )
    if isinstance(done, Refusal):
        closure = session.exec(
            select(MeasureClosure).where(MeasureClosure.measure_id == measure.id)
        ).first()
        return ReviewMiss(
            command,
            Miss(done.value),
            label=measure.label,
            closed_at=closure.closed_at if closure else None,
            closed_by=closure.closed_by_name if closure else "",
        )
    return ClosingDone(
        measure.label,
        measure.title,
        reopened=command == "reopen",
        at=now,
        by=args.user_name,
        note=" ".join(note.split())[:500],
    )


def close(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> ClosingAnswer:
    """/close <measure> [note]: 销号 — the measure is finished, reminders stop."""
    return _closing(session, command="close", roles=roles, args=args, now=now)


def reopen(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> ClosingAnswer:
    """/reopen <measure> [note]: undo a 销号."""
    return _closing(session, command="reopen", roles=roles, args=args, now=now)
