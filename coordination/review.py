"""The office's review of the work: a report returned for 补报 (退回), a measure closed
(销号) or reopened, a deadline set by hand. Each act is applied and kept in `ReviewAction`.

A returned report no longer counts: the cycle's task is open again (a nudge and the overdue
list name it), and the department's next reply is its 补报.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from models.chats import Chat, ChatDepartment
from models.plan import Department, Measure
from models.progress import LatestProgress, ProgressUpdate
from models.review import (
    ACTION_CLOSE,
    ACTION_DEADLINE,
    ACTION_REOPEN,
    ACTION_RETURN,
    MeasureClosure,
    ReviewAction,
)
from models.schedules import Cycle, CycleTask
from models.versions import REPLY_SCOPE, bump_version
from planreader.corrections import correct_measure

NOTE_LIMIT = 500
NAME_LIMIT = 200

# The usual reasons to return a report, worded in each reader's language by messages/review.py.
REASON_DETAIL = "detail"  # 请补充具体进展和数据
REASON_PERCENT = "percent"  # 请写明完成比例
REASON_PROBLEMS = "problems"  # 请说明存在问题和下步打算
REASON_MISMATCH = "mismatch"  # 报送内容与该项措施不符
REASONS = (REASON_DETAIL, REASON_PERCENT, REASON_PROBLEMS, REASON_MISMATCH)


class Refusal(StrEnum):
    """Why a review act was not done (nothing is written then)."""

    NO_REPORT = "no_report"  # nothing to return
    ALREADY_RETURNED = "already_returned"
    NOT_LATEST = "not_latest"  # a newer report came since (a stale button)
    CLOSED = "closed"  # the measure is closed
    ALREADY_CLOSED = "already_closed"
    NOT_CLOSED = "not_closed"  # reopening a measure that is open


@dataclass(frozen=True)
class ChatRef:
    chat_id: int
    language: str | None


@dataclass(frozen=True)
class Returned:
    """A report returned: what, whose, why, and the chats to tell."""

    measure_id: int
    label: str
    title: str
    department_id: int
    department: str
    reported_at: datetime
    reason_code: str | None
    note: str
    due_at: datetime | None  # the cycle's deadline, when the report answered one
    chats: list[ChatRef]


def _clean(text: str, limit: int) -> str:
    return " ".join(text.replace("\x00", "").split())[:limit]


def department_chats(session: Session, department_id: int) -> list[ChatRef]:
    """Active chats bound to the department, with their languages."""
    rows = session.exec(
        select(Chat.id, Chat.language)
        .join(ChatDepartment, col(ChatDepartment.chat_id) == Chat.id)
        .where(ChatDepartment.department_id == department_id, col(Chat.is_active).is_(True))
        .order_by(ChatDepartment.id)  # type: ignore[arg-type]
    ).all()
    return [ChatRef(chat_id, language) for chat_id, language in rows]


def is_closed(session: Session, measure_id: int) -> bool:
    found = session.exec(
        select(MeasureClosure.id).where(MeasureClosure.measure_id == measure_id)
    ).first()
    return found is not None


def latest_report(
    session: Session, *, measure_id: int, department_id: int
) -> ProgressUpdate | None:
    """The department's newest report on the measure."""
    latest = session.exec(
        select(LatestProgress).where(
            LatestProgress.measure_id == measure_id, LatestProgress.department_id == department_id
        )
    ).first()
    return session.get(ProgressUpdate, latest.update_id) if latest is not None else None


def return_report(
    session: Session,
    *,
    update_id: int,
    reason_code: str | None,
    note: str,
    user_id: int | None,
    user_name: str,
    now: datetime,
) -> Returned | Refusal:
    """Return the department's newest report on a measure for 补报.

    Every report of that department on that measure in the same cycle is returned with it
    (the cycle's task is open again); a report outside any reminder is returned alone.
    """
    report = session.get(ProgressUpdate, update_id)
    if report is None:
        return Refusal.NO_REPORT
    measure = session.get(Measure, report.measure_id)
    if measure is None or measure.id is None:
        return Refusal.NO_REPORT
    if is_closed(session, measure.id):
        return Refusal.CLOSED
    if report.returned_at is not None:
        return Refusal.ALREADY_RETURNED
    newest = latest_report(session, measure_id=measure.id, department_id=report.department_id)
    if newest is None or newest.id != report.id:
        return Refusal.NOT_LATEST
    same = [col(ProgressUpdate.id) == report.id]
    if report.cycle_id is not None:
        same = [
            col(ProgressUpdate.cycle_id) == report.cycle_id,
            col(ProgressUpdate.measure_id) == report.measure_id,
            col(ProgressUpdate.department_id) == report.department_id,
        ]
        session.execute(
            sa_update(CycleTask)
            .where(
                col(CycleTask.cycle_id) == report.cycle_id,
                col(CycleTask.measure_id) == report.measure_id,
                col(CycleTask.department_id) == report.department_id,
            )
            .values(reported_at=None, reported_on_time=None)
            .execution_options(synchronize_session=False)
        )
        # Cached reply scopes remember the task as reported: the 补报 must mark it again.
        bump_version(session, REPLY_SCOPE)
    session.execute(
        sa_update(ProgressUpdate)
        .where(*same, col(ProgressUpdate.returned_at).is_(None))
        .values(returned_at=now)
        .execution_options(synchronize_session=False)
    )
    note = _clean(note, NOTE_LIMIT)
    session.add(
        ReviewAction(
            measure_id=measure.id,
            kind=ACTION_RETURN,
            department_id=report.department_id,
            update_id=report.id,
            cycle_id=report.cycle_id,
            reason_code=reason_code,
            note=note,
            user_id=user_id,
            user_name=_clean(user_name, NAME_LIMIT),
            at=now,
        )
    )
    session.flush()
    department = session.get(Department, report.department_id)
    cycle = session.get(Cycle, report.cycle_id) if report.cycle_id is not None else None
    return Returned(
        measure_id=measure.id,
        label=measure.label,
        title=measure.title,
        department_id=report.department_id,
        department=department.name if department is not None else "",
        reported_at=report.created_at,
        reason_code=reason_code,
        note=note,
        due_at=cycle.due_at if cycle is not None else None,
        chats=department_chats(session, report.department_id),
    )


def close_measure(
    session: Session,
    *,
    measure: Measure,
    note: str,
    user_id: int | None,
    user_name: str,
    now: datetime,
) -> MeasureClosure | Refusal:
    """销号: the measure is finished for everyone; no more reminders ask for it."""
    assert measure.id is not None
    if is_closed(session, measure.id):
        return Refusal.ALREADY_CLOSED
    closure = MeasureClosure(
        measure_id=measure.id,
        closed_at=now,
        closed_by=user_id,
        closed_by_name=_clean(user_name, NAME_LIMIT),
        note=_clean(note, NOTE_LIMIT),
    )
    session.add(closure)
    session.add(
        ReviewAction(
            measure_id=measure.id,
            kind=ACTION_CLOSE,
            note=closure.note,
            user_id=user_id,
            user_name=closure.closed_by_name,
            at=now,
        )
    )
    session.flush()
    return closure


def reopen_measure(
    session: Session,
    *,
    measure: Measure,
    note: str,
    user_id: int | None,
    user_name: str,
    now: datetime,
) -> MeasureClosure | Refusal:
    """Undo a closing: the measure is followed up again from the next reminder on."""
    assert measure.id is not None
    closure = session.exec(
        select(MeasureClosure).where(MeasureClosure.measure_id == measure.id)
    ).first()
    if closure is None:
        return Refusal.NOT_CLOSED
    session.delete(closure)
    session.add(
        ReviewAction(
            measure_id=measure.id,
            kind=ACTION_REOPEN,
            note=_clean(note, NOTE_LIMIT),
            user_id=user_id,
            user_name=_clean(user_name, NAME_LIMIT),
            at=now,
        )
    )
    session.flush()
    return closure


def set_deadline(
    session: Session,
    *,
    measure: Measure,
    deadline: date | None,
    user_id: int | None,
    user_name: str,
    now: datetime,
) -> None:
    """The measure's deadline, set by hand (None clears it); kept through plan revisions."""
    assert measure.id is not None
    correct_measure(session, measure=measure, deadline=(deadline, None), user_id=user_id, now=now)
    session.add(
        ReviewAction(
            measure_id=measure.id,
            kind=ACTION_DEADLINE,
            note=deadline.isoformat() if deadline is not None else "",
            user_id=user_id,
            user_name=_clean(user_name, NAME_LIMIT),
            at=now,
        )
    )
    session.flush()
