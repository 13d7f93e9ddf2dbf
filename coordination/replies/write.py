"""Writing progress records: one `ProgressUpdate` per (measure, department), `LatestProgress`
kept current in the same transaction, and a cycle's task marked by its first report.

A few SQLAlchemy Core statements per record, built once per database dialect: the insert
lets the unique constraint recognise a message recorded before (nothing is returned), and
one upsert keeps the latest progress without ever letting an older message replace a newer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, event, exists, literal_column, or_, select
from sqlalchemy import update as sa_update
from sqlalchemy.sql import Executable
from sqlmodel import Session

from coordination.replies.outcome import IncomingReply, MeasureRef, RecordView
from coordination.replies.scope import ChatScope
from models.db import dialect_insert
from models.prepared import Prepared
from models.progress import PROGRESS_IN_PROGRESS, LatestProgress, ProgressRevision, ProgressUpdate
from models.schedules import CycleTask
from reports.progress_signal import Progress, Schedule, report_progress

NAME_LIMIT = 200
FILE_ID_LIMIT = 300

PROGRESS: Table = ProgressUpdate.__table__  # type: ignore[attr-defined]
LATEST: Table = LatestProgress.__table__  # type: ignore[attr-defined]
TASK: Table = CycleTask.__table__  # type: ignore[attr-defined]
# What LatestProgress repeats of the update it points at.
LATEST_FIELDS = (
    "update_id", "status", "percent", "text", "user_name", "updated_at", "cycle_id", "on_time",
)


def storable(text: str | None) -> str:
    """User text as every database can hold it (PostgreSQL refuses NUL characters)."""
    return (text or "").replace("\x00", "")


def _insert_progress(session: Session) -> Executable:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: no id back means recorded before."""
    return (
        dialect_insert(session, PROGRESS)
        .on_conflict_do_nothing(
            index_elements=[
                PROGRESS.c.chat_id,
                PROGRESS.c.source_message_id,
                PROGRESS.c.measure_id,
                PROGRESS.c.department_id,
            ]
        )
        .returning(PROGRESS.c.id)
    )


def _upsert_latest(session: Session) -> Executable:
    """Point LatestProgress of (measure, department) at an update unless a newer message
    (by the time it was sent, then by id) is there already."""
    insert = dialect_insert(session, LATEST)
    held = PROGRESS.alias("held_update")
    proposed = PROGRESS.alias("proposed_update")
    # The row in conflict and the row proposed, as the statement around the subquery names
    # them (SQLAlchemy would otherwise add both tables to the subquery's FROM). Only columns,
    # no parameter: the statement serves many rows at once.
    held_id = literal_column(f"{LATEST.name}.update_id")
    proposed_id = literal_column("excluded.update_id")
    newer = exists(
        select(held.c.id).where(
            held.c.id == held_id,
            proposed.c.id == proposed_id,
            held.c.id != proposed.c.id,
            or_(
                held.c.created_at > proposed.c.created_at,
                and_(held.c.created_at == proposed.c.created_at, held.c.id > proposed.c.id),
            ),
        )
    )
    return insert.on_conflict_do_update(
        index_elements=[LATEST.c.measure_id, LATEST.c.department_id],
        set_={name: insert.excluded[name] for name in LATEST_FIELDS},
        where=~newer,
    )


# The first report of a cycle's task fixes when, and whether on time, it was reported.
_MARK_TASK = (
    sa_update(TASK)
    .where(
        TASK.c.cycle_id == bindparam("task_cycle"),
        TASK.c.measure_id == bindparam("task_measure"),
        TASK.c.department_id == bindparam("task_department"),
        TASK.c.reported_at.is_(None),
    )
    .values(
        reported_at=bindparam("first_reported_at"), reported_on_time=bindparam("first_on_time")
    )
)

_STATEMENTS: dict[str, tuple[Executable, Executable]] = {}
# Every column of a new record, as `write` gives them.
RECORD_KEYS = (
    "measure_id", "department_id", "cycle_id", "chat_id", "user_id", "user_name", "text",
    "status", "percent", "source_message_id", "reply_to_message_id", "file_id", "file_kind",
    "created_at", "edited_at", "on_time",
)
# The one statement every reply runs: straight on the driver (see models/prepared.py).
_INSERT_RECORD = Prepared(_insert_progress, RECORD_KEYS)


def _statements(session: Session) -> tuple[Executable, Executable]:
    """The insert and the upsert for this session's database, built on first use."""
    dialect = session.get_bind().dialect.name
    if dialect not in _STATEMENTS:
        _STATEMENTS[dialect] = (_insert_progress(session), _upsert_latest(session))
    return _STATEMENTS[dialect]


def _mark_task(
    session: Session,
    *,
    cycle_id: int,
    measure_id: int,
    department_id: int,
    reported_at: datetime,
    on_time: bool | None,
) -> bool:
    """Mark the task by its first report; False when it was marked before."""
    result = session.connection().execute(
        _MARK_TASK,
        {
            "task_cycle": cycle_id,
            "task_measure": measure_id,
            "task_department": department_id,
            "first_reported_at": reported_at,
            "first_on_time": on_time,
        },
    )
    return bool(result.rowcount)


def mark_task_reported(session: Session, update: ProgressUpdate) -> None:
    """The first report of a cycle's task fixes when, and whether on time, it was reported."""
    assert update.cycle_id is not None
    _mark_task(
        session,
        cycle_id=update.cycle_id,
        measure_id=update.measure_id,
        department_id=update.department_id,
        reported_at=update.created_at,
        on_time=update.on_time,
    )


_PENDING_LATEST = "latest_progress_rows"


def upsert_latest(session: Session, update_id: int, row: dict[str, Any]) -> None:
    """Point LatestProgress of the row's (measure, department) at `update_id` if it is the
    newest message there.

    Written just before the transaction commits, with one statement for every record of
    the transaction (many replies share one under group commit); nothing in between reads
    LatestProgress. Of two records of one pair, the newer message goes in.
    """
    latest = _latest_row(update_id, row)
    pending = session.info.setdefault(_PENDING_LATEST, {})
    key = (latest["measure_id"], latest["department_id"])
    kept = pending.get(key)
    if kept is None or (kept["sent_at"], kept["update_id"]) <= (latest["sent_at"], update_id):
        pending[key] = latest


@event.listens_for(Session, "before_commit")
def _write_latest(session: Session) -> None:
    pending = session.info.pop(_PENDING_LATEST, None)
    if pending:
        _, upsert = _statements(session)
        rows = [{k: v for k, v in row.items() if k != "sent_at"} for row in pending.values()]
        session.connection().execute(upsert, rows)


def refresh_latest(session: Session, update: ProgressUpdate) -> None:
    """Point LatestProgress of the update's (measure, department) at it if it is the newest."""
    assert update.id is not None
    upsert_latest(session, update.id, _row_of(update))


def _row_of(update: ProgressUpdate) -> dict[str, Any]:
    return {
        "measure_id": update.measure_id,
        "department_id": update.department_id,
        "status": update.status,
        "percent": update.percent,
        "text": update.text,
        "user_name": update.user_name,
        "created_at": update.created_at,
        "edited_at": update.edited_at,
        "cycle_id": update.cycle_id,
        "on_time": update.on_time,
    }


def _latest_row(update_id: int, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "measure_id": row["measure_id"],
        "department_id": row["department_id"],
        "update_id": update_id,
        "status": row["status"],
        "percent": row["percent"],
        "text": row["text"],
        "user_name": row["user_name"],
        "updated_at": row["edited_at"] or row["created_at"],
        "cycle_id": row["cycle_id"],
        "on_time": row["on_time"],
        "sent_at": row["created_at"],
    }


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
) -> RecordView | None:
    """One record of `source` for one measure and department of the chat; None when that
    message was recorded for them before (a copy of an update)."""
    cycle = scope.cycle if scope.in_cycle(measure.measure_id, department_id) else None
    on_time = (source.sent_at <= cycle.due_at) if cycle is not None else None
    row = {
        "measure_id": measure.measure_id,
        "department_id": department_id,
        "cycle_id": cycle.id if cycle is not None else None,
        "chat_id": source.chat_id,
        "user_id": source.user_id,
        "user_name": storable(source.user_name)[:NAME_LIMIT],
        "text": text,
        "status": status or PROGRESS_IN_PROGRESS,
        "percent": percent,
        "source_message_id": source.message_id,
        "reply_to_message_id": source.reply_to_message_id,
        "file_id": source.file_id[:FILE_ID_LIMIT] if source.file_id else None,
        "file_kind": source.file_kind,
        "created_at": source.sent_at,
        "edited_at": None,
        "on_time": on_time,
    }
    inserted = _INSERT_RECORD.first(session, row)
    if inserted is None:
        return None
    update_id = int(inserted[0])
    upsert_latest(session, update_id, row)
    pair = (measure.measure_id, department_id)
    if cycle is not None and pair not in scope.reported:
        marked = _mark_task(
            session,
            cycle_id=cycle.id,
            measure_id=measure.measure_id,
            department_id=department_id,
            reported_at=source.sent_at,
            on_time=on_time,
        )
        if not marked:
            # Reported in a committed transaction before this one: never marked again. (A
            # mark made now is not remembered: this transaction might still roll back.)
            scope.reported.add(pair)
    return RecordView(
        update_id=update_id,
        measure=measure,
        department_name=scope.department_names.get(department_id, ""),
        status=row["status"],
        percent=percent,
        on_time=on_time,
        in_cycle=cycle is not None,
        progress=judged_report(row["status"], percent, measure, source.sent_at),
    )


def judged_report(
    status: str, percent: int | None, measure: MeasureRef, sent_at: datetime
) -> Progress:
    """The progress a report shows, judged as /status judges it on the day it was sent."""
    schedule = Schedule(measure.deadline, measure.start, sent_at.date())
    return report_progress(status, percent, schedule)


def judged(update: ProgressUpdate, measure: MeasureRef) -> Progress:
    """The progress a stored record shows (see `judged_report`)."""
    return judged_report(update.status, update.percent, measure, update.created_at)


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


def write_measure(
    session: Session,
    scope: ChatScope,
    source: IncomingReply,
    measure: MeasureRef,
    *,
    text: str,
    status: str | None,
    percent: int | None,
) -> list[RecordView | None]:
    """One record per department of the chat that holds the measure (None: recorded before).

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
