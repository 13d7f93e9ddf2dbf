"""Writing progress records: one `ProgressUpdate` per (measure, department), `LatestProgress`
kept current in the same transaction, and a cycle's task marked by its first report.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from coordination.replies.outcome import IncomingReply, MeasureRef, RecordView
from coordination.replies.scope import ChatScope
from models.progress import PROGRESS_IN_PROGRESS, LatestProgress, ProgressRevision, ProgressUpdate
from models.schedules import CycleTask
from reports.progress_signal import Progress, Schedule, report_progress

NAME_LIMIT = 200
FILE_ID_LIMIT = 300


def storable(text: str | None) -> str:
    """User text as every database can hold it (PostgreSQL refuses NUL characters)."""
    return (text or "").replace("\x00", "")


def mark_task_reported(session: Session, update: ProgressUpdate) -> None:
    """The first report of a cycle's task fixes when, and whether on time, it was reported."""
    session.execute(
        sa_update(CycleTask)
        .where(
            col(CycleTask.cycle_id) == update.cycle_id,
            col(CycleTask.measure_id) == update.measure_id,
            col(CycleTask.department_id) == update.department_id,
            col(CycleTask.reported_at).is_(None),
        )
        .values(reported_at=update.created_at, reported_on_time=update.on_time)
        # No CycleTask objects of this session need refreshing: skip the ORM's evaluation.
        .execution_options(synchronize_session=False)
    )


def refresh_latest(session: Session, update: ProgressUpdate) -> None:
    """Point LatestProgress of the update's (measure, department) at it if it is the newest."""
    assert update.id is not None
    latest = session.exec(
        select(LatestProgress).where(
            LatestProgress.measure_id == update.measure_id,
            LatestProgress.department_id == update.department_id,
        )
    ).first()
    if latest is None:
        latest = LatestProgress(
            measure_id=update.measure_id,
            department_id=update.department_id,
            update_id=update.id,
            status=update.status,
        )
    elif latest.update_id != update.id:
        current = session.get(ProgressUpdate, latest.update_id)
        if current is not None and (current.created_at, current.id or 0) > (
            update.created_at,
            update.id,
        ):
            return  # an older message edited or delivered late: the newer one stays latest
    latest.update_id = update.id
    latest.status = update.status
    latest.percent = update.percent
    latest.text = update.text
    latest.user_name = update.user_name
    latest.updated_at = update.edited_at or update.created_at
    latest.cycle_id = update.cycle_id
    latest.on_time = update.on_time
    session.add(latest)


def judged(update: ProgressUpdate, measure: MeasureRef) -> Progress:
    """The progress a record shows, judged as /status judges it on the day it was sent."""
    schedule = Schedule(measure.deadline, measure.start, update.created_at.date())
    return report_progress(update.status, update.percent, schedule)


def record_view(scope: ChatScope, update: ProgressUpdate, measure: MeasureRef) -> RecordView:
    assert update.id is not None
    return RecordView(
        update_id=update.id,
        measure=measure,
        department_name=scope.department_names.get(update.department_id, ""),
        status=update.status,
        percent=update.percent,
        on_time=update.on_time,
        in_cycle=update.cycle_id is not None,
        progress=judged(update, measure),
    )


def write(
    session: Session,
    scope: ChatScope,
    source: IncomingReply,
    measure: MeasureRef,
    department_id: int,
    *,
    text: str,
    status: str | None,
    percent: int | None,
) -> RecordView:
    """One record of `source` for one measure and department of the chat."""
    cycle = scope.cycle if scope.in_cycle(measure.measure_id, department_id) else None
    update = ProgressUpdate(
        measure_id=measure.measure_id,
        department_id=department_id,
        cycle_id=cycle.id if cycle is not None else None,
        chat_id=source.chat_id,
        user_id=source.user_id,
        user_name=storable(source.user_name)[:NAME_LIMIT],
        text=text,
        status=status or PROGRESS_IN_PROGRESS,
        percent=percent,
        source_message_id=source.message_id,
        reply_to_message_id=source.reply_to_message_id,
        file_id=source.file_id[:FILE_ID_LIMIT] if source.file_id else None,
        file_kind=source.file_kind,
        created_at=source.sent_at,
        on_time=(source.sent_at <= cycle.due_at) if cycle is not None else None,
    )
    session.add(update)
    session.flush()  # the id, and the unique constraint checked before LatestProgress
    refresh_latest(session, update)
    if cycle is not None:
        mark_task_reported(session, update)
    return record_view(scope, update, measure)


def write_measure(
    session: Session,
    scope: ChatScope,
    source: IncomingReply,
    measure: MeasureRef,
    *,
    text: str,
    status: str | None,
    percent: int | None,
) -> list[RecordView]:
    """One record per department of the chat that holds the measure.

    When the cycle asked some of the chat's departments for this measure, the reply is theirs
    alone: in a chat of a lead and its supporter, a lead-only reminder answered with （六） is
    the lead's report, not also an unrequested one from the supporter.
    """
    holders = scope.holders.get(measure.measure_id, ())
    asked = [d for d in holders if (measure.measure_id, d) in scope.task_pairs]
    return [
        write(session, scope, source, measure, d, text=text, status=status, percent=percent)
        for d in (asked or holders)
    ]


def revise(
    session: Session,
    update: ProgressUpdate,
    *,
    text: str,
    status: str | None,
    percent: int | None,
    file_id: str | None,
    file_kind: str | None,
    edited_at: datetime,
    now: datetime,
) -> bool:
    """Change a record, keeping its earlier version; False when nothing would change."""
    new_status = status or update.status
    new_percent = percent if percent is not None else (update.percent if status is None else None)
    new_file = file_id[:FILE_ID_LIMIT] if file_id else update.file_id
    if (text, new_status, new_percent, new_file) == (
        update.text,
        update.status,
        update.percent,
        update.file_id,
    ):
        return False
    session.add(
        ProgressRevision(
            update_id=update.id or 0,
            text=update.text,
            status=update.status,
            percent=update.percent,
            recorded_at=now,
        )
    )
    update.text = text
    update.status = new_status
    update.percent = new_percent
    update.file_id = new_file
    update.file_kind = file_kind or update.file_kind
    update.edited_at = edited_at
    session.add(update)
    session.flush()
    refresh_latest(session, update)
    return True
