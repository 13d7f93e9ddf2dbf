"""Recording progress: a liaison's reply becomes one `ProgressUpdate` per (measure, department).

Plain data functions (no Telegram): they find the cycle a reply belongs to, the measures the
chat may report on, write records and keep `LatestProgress` current in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from coordination.reply_reader import ReplyReading, read_percent, read_reply, read_status
from coordination.roles import chat_department_ids
from models.plan import Assignment, Department, Measure, Plan
from models.progress import (
    PROGRESS_DONE,
    PROGRESS_IN_PROGRESS,
    PROGRESS_STATUSES,
    LatestProgress,
    PendingReply,
    ProgressRevision,
    ProgressUpdate,
)
from models.schedules import SCHEDULE_REMINDER, Cycle, CycleTask, Delivery

OUTCOME_IGNORED = "ignored"  # not a chat bound to a department: say nothing
OUTCOME_RECORDED = "recorded"
OUTCOME_UPDATED = "updated"  # an edit changed existing records
OUTCOME_UNCHANGED = "unchanged"  # an edit or a correction that changes nothing
OUTCOME_DUPLICATE = "duplicate"  # the same message again (re-delivered update)
OUTCOME_ASK = "ask"  # no marker and several candidates: ask with buttons
OUTCOME_UNKNOWN = "unknown"  # only measures this chat does not have
OUTCOME_NO_MEASURES = "no_measures"  # the chat's departments have nothing to report on
OUTCOME_REFUSED = "refused"  # a button that does not belong here (other chat, stale, forged)
OUTCOME_RESOLVED = "resolved"  # a button for a question that was answered already

FILE_KINDS = ("photo", "document", "video", "voice", "audio")
_NAME_LIMIT = 200
_FILE_ID_LIMIT = 300


@dataclass(frozen=True)
class MeasureRef:
    measure_id: int
    number: int
    label: str
    title: str


@dataclass(frozen=True)
class RecordView:
    """What an acknowledgement repeats about one record."""

    update_id: int
    measure: MeasureRef
    department_name: str
    status: str
    percent: int | None
    on_time: bool | None
    in_cycle: bool


@dataclass
class ReplyOutcome:
    kind: str
    records: list[RecordView] = field(default_factory=list)
    # Labels of measures the reply named that this chat does not have.
    unknown_labels: list[str] = field(default_factory=list)
    chat_measures: list[MeasureRef] = field(default_factory=list)
    choices: list[MeasureRef] = field(default_factory=list)
    pending_id: int | None = None


@dataclass
class _Scope:
    """What one chat may report on, right now or for the cycle its reply belongs to."""

    department_ids: list[int]
    cycle: Cycle | None
    by_number: dict[int, MeasureRef] = field(default_factory=dict)
    # measure id → departments of the chat that hold it (assignment or cycle task)
    holders: dict[int, list[int]] = field(default_factory=dict)
    task_pairs: set[tuple[int, int]] = field(default_factory=set)
    # Numbers a reply without markers may mean: the cycle's tasks, else every assignment.
    choice_numbers: list[int] = field(default_factory=list)
    department_names: dict[int, str] = field(default_factory=dict)

    def measures(self) -> list[MeasureRef]:
        return [self.by_number[n] for n in sorted(self.by_number)]


def storable(text: str | None) -> str:
    """User text as every database can hold it (PostgreSQL refuses NUL characters)."""
    return (text or "").replace("\x00", "")


_MEASURE_REF_COLUMNS = (Measure.id, Measure.number, Measure.label, Measure.title)


def _ref(measure: Measure) -> MeasureRef:
    assert measure.id is not None
    return MeasureRef(measure.id, measure.number, measure.label, measure.title)


def _chat_cycle(
    session: Session,
    *,
    chat_id: int,
    department_ids: list[int],
    reply_to_message_id: int | None,
    now: datetime,
) -> Cycle | None:
    """The cycle of the bot message replied to, else the chat's latest cycle with tasks."""
    if reply_to_message_id is not None:
        delivery = session.exec(
            select(Delivery).where(
                Delivery.chat_id == chat_id, Delivery.message_id == reply_to_message_id
            )
        ).first()
        if delivery is not None:
            return session.get(Cycle, delivery.cycle_id)
    if not department_ids:
        return None
    has_tasks = exists().where(
        CycleTask.cycle_id == Cycle.id, col(CycleTask.department_id).in_(department_ids)
    )
    return session.exec(
        select(Cycle)
        .where(Cycle.kind == SCHEDULE_REMINDER, Cycle.fire_at <= now, has_tasks)
        .order_by(col(Cycle.fire_at).desc(), col(Cycle.id).desc())
        .limit(1)
    ).first()


def _scope(
    session: Session, *, chat_id: int, reply_to_message_id: int | None, now: datetime
) -> _Scope:
    department_ids = chat_department_ids(session, chat_id=chat_id)
    cycle = _chat_cycle(
        session,
        chat_id=chat_id,
        department_ids=department_ids,
        reply_to_message_id=reply_to_message_id,
        now=now,
    )
    scope = _Scope(department_ids=department_ids, cycle=cycle)
    if not department_ids:
        return scope
    for department in session.exec(
        select(Department).where(col(Department.id).in_(department_ids))
    ):
        assert department.id is not None
        scope.department_names[department.id] = department.name

    task_numbers: list[int] = []
    if cycle is not None:
        # Column rows, not entities: a measure's body text is long and not needed here.
        rows = session.execute(
            select(CycleTask.department_id, *_MEASURE_REF_COLUMNS)
            .join(Measure, col(Measure.id) == CycleTask.measure_id)
            .where(CycleTask.cycle_id == cycle.id, col(CycleTask.department_id).in_(department_ids))
            .order_by(col(Measure.number), col(CycleTask.id))
        ).all()
        for department_id, *measure_columns in rows:
            ref = MeasureRef(*measure_columns)
            scope.by_number.setdefault(ref.number, ref)
            if scope.by_number[ref.number].measure_id != ref.measure_id:
                continue
            scope.task_pairs.add((ref.measure_id, department_id))
            holders = scope.holders.setdefault(ref.measure_id, [])
            if department_id not in holders:
                holders.append(department_id)
            if ref.number not in task_numbers:
                task_numbers.append(ref.number)

    # Assignments: a supporting department may report on its measure outside a lead-only
    # cycle too; the record is then not counted for the cycle.
    assigned = session.execute(
        select(Assignment.department_id, *_MEASURE_REF_COLUMNS)
        .join(Measure, col(Measure.id) == Assignment.measure_id)
        .join(Plan, col(Plan.id) == Measure.plan_id)
        .where(
            col(Assignment.department_id).in_(department_ids),
            col(Measure.is_active),
            col(Plan.is_active),
        )
        .order_by(col(Measure.number), col(Plan.id).desc(), col(Assignment.id))
    ).all()
    for department_id, *measure_columns in assigned:
        ref = MeasureRef(*measure_columns)
        scope.by_number.setdefault(ref.number, ref)
        if scope.by_number[ref.number].measure_id != ref.measure_id:
            continue  # the same number in an older plan
        holders = scope.holders.setdefault(ref.measure_id, [])
        if department_id not in holders:
            holders.append(department_id)
    # Records and acknowledgements follow the order the departments were bound in.
    order = {department_id: index for index, department_id in enumerate(department_ids)}
    for holders in scope.holders.values():
        holders.sort(key=lambda d: order.get(d, len(order)))
    scope.choice_numbers = task_numbers or sorted(scope.by_number)
    return scope


# --- writing records ----------------------------------------------------------------------


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


def _refresh_latest(session: Session, update: ProgressUpdate) -> None:
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


def _view(scope: _Scope, update: ProgressUpdate, measure: MeasureRef) -> RecordView:
    assert update.id is not None
    return RecordView(
        update_id=update.id,
        measure=measure,
        department_name=scope.department_names.get(update.department_id, ""),
        status=update.status,
        percent=update.percent,
        on_time=update.on_time,
        in_cycle=update.cycle_id is not None,
    )


@dataclass(frozen=True)
class _Source:
    """Who sent the message and when: the same for every record it makes."""

    chat_id: int
    user_id: int | None
    user_name: str
    message_id: int
    reply_to_message_id: int | None
    sent_at: datetime
    file_id: str | None
    file_kind: str | None


def _write(
    session: Session,
    scope: _Scope,
    source: _Source,
    measure: MeasureRef,
    department_id: int,
    *,
    text: str,
    status: str | None,
    percent: int | None,
) -> RecordView:
    in_cycle = scope.cycle is not None and (measure.measure_id, department_id) in scope.task_pairs
    cycle = scope.cycle if in_cycle else None
    update = ProgressUpdate(
        measure_id=measure.measure_id,
        department_id=department_id,
        cycle_id=cycle.id if cycle is not None else None,
        chat_id=source.chat_id,
        user_id=source.user_id,
        user_name=storable(source.user_name)[:_NAME_LIMIT],
        text=text,
        status=status or PROGRESS_IN_PROGRESS,
        percent=percent,
        source_message_id=source.message_id,
        reply_to_message_id=source.reply_to_message_id,
        file_id=source.file_id[:_FILE_ID_LIMIT] if source.file_id else None,
        file_kind=source.file_kind,
        created_at=source.sent_at,
        on_time=(source.sent_at <= cycle.due_at) if cycle is not None else None,
    )
    session.add(update)
    session.flush()  # the id, and the unique constraint checked before LatestProgress
    _refresh_latest(session, update)
    if cycle is not None:
        mark_task_reported(session, update)
    return _view(scope, update, measure)


def _write_measure(
    session: Session,
    scope: _Scope,
    source: _Source,
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
    holders = scope.holders.get(measure.measure_id, [])
    asked = [d for d in holders if (measure.measure_id, d) in scope.task_pairs]
    return [
        _write(
            session,
            scope,
            source,
            measure,
            department_id,
            text=text,
            status=status,
            percent=percent,
        )
        for department_id in (asked or holders)
    ]


def _unknown_labels(session: Session, numbers: Iterable[int]) -> list[str]:
    """How the plan writes the measures a reply named (（九）), or (n) when it has none."""
    labels: list[str] = []
    for number in numbers:
        measure = session.exec(
            select(Measure)
            .join(Plan, col(Plan.id) == Measure.plan_id)
            .where(Measure.number == number, col(Plan.is_active))
            .order_by(col(Plan.id).desc())
        ).first()
        labels.append(measure.label if measure is not None else f"({number})")
    return labels


def _already_seen(session: Session, *, chat_id: int, message_id: int) -> bool:
    if (
        session.exec(
            select(ProgressUpdate.id).where(
                ProgressUpdate.chat_id == chat_id, ProgressUpdate.source_message_id == message_id
            )
        ).first()
        is not None
    ):
        return True
    return (
        session.exec(
            select(PendingReply.id).where(
                PendingReply.chat_id == chat_id, PendingReply.source_message_id == message_id
            )
        ).first()
        is not None
    )


def _record_reading(
    session: Session, scope: _Scope, source: _Source, reading: ReplyReading, text: str
) -> ReplyOutcome:
    """Records for a reading, or the question / the polite refusal it calls for."""
    records: list[RecordView] = []
    for part in reading.parts:
        records += _write_measure(
            session,
            scope,
            source,
            scope.by_number[part.measure],
            text=part.text,
            status=part.status,
            percent=part.percent,
        )
    unknown = _unknown_labels(session, reading.unknown)
    if records:
        return ReplyOutcome(
            OUTCOME_RECORDED,
            records=records,
            unknown_labels=unknown,
            chat_measures=scope.measures(),
        )
    if reading.needs_choice:
        choices = [scope.by_number[n] for n in scope.choice_numbers]
        pairs = [
            f"{ref.measure_id}:{department_id}"
            for ref in choices
            for department_id in scope.holders.get(ref.measure_id, [])
        ]
        pending = PendingReply(
            chat_id=source.chat_id,
            user_id=source.user_id,
            user_name=storable(source.user_name)[:_NAME_LIMIT],
            source_message_id=source.message_id,
            reply_to_message_id=source.reply_to_message_id,
            cycle_id=scope.cycle.id if scope.cycle is not None else None,
            text=text,
            file_id=source.file_id[:_FILE_ID_LIMIT] if source.file_id else None,
            file_kind=source.file_kind,
            candidates=",".join(pairs),
            sent_at=source.sent_at,
        )
        session.add(pending)
        session.flush()
        return ReplyOutcome(
            OUTCOME_ASK, choices=choices, pending_id=pending.id, chat_measures=scope.measures()
        )
    if unknown:
        return ReplyOutcome(OUTCOME_UNKNOWN, unknown_labels=unknown, chat_measures=scope.measures())
    return ReplyOutcome(OUTCOME_NO_MEASURES, chat_measures=scope.measures())


def record_reply(
    session: Session,
    *,
    chat_id: int,
    user_id: int | None,
    user_name: str,
    text: str,
    message_id: int,
    reply_to_message_id: int | None,
    sent_at: datetime,
    file_id: str | None = None,
    file_kind: str | None = None,
    now: datetime,
) -> ReplyOutcome:
    """Record a reply to the bot in a department's chat (see the module docstring).

    Unbound chats are ignored; a message recorded (or waiting for a button) already is a
    duplicate and changes nothing.
    """
    scope = _scope(session, chat_id=chat_id, reply_to_message_id=reply_to_message_id, now=now)
    if not scope.department_ids:
        return ReplyOutcome(OUTCOME_IGNORED)
    if _already_seen(session, chat_id=chat_id, message_id=message_id):
        return ReplyOutcome(OUTCOME_DUPLICATE)
    source = _Source(
        chat_id, user_id, user_name, message_id, reply_to_message_id, sent_at, file_id, file_kind
    )
    text = storable(text)
    if not scope.by_number:
        return ReplyOutcome(OUTCOME_NO_MEASURES)
    reading = read_reply(text, scope.by_number)
    if not reading.marked and not reading.parts and len(scope.choice_numbers) == 1:
        # Supports outside a lead-only cycle widen the markers, not the unmarked case.
        reading = read_reply(text, scope.choice_numbers)
    return _record_reading(session, scope, source, reading, text)


def record_report(
    session: Session,
    *,
    chat_id: int,
    user_id: int | None,
    user_name: str,
    numbers: list[int],
    text: str,
    message_id: int,
    sent_at: datetime,
    now: datetime,
) -> ReplyOutcome:
    """`/report <measure> <text>`: a record without a reminder, for the measures named."""
    scope = _scope(session, chat_id=chat_id, reply_to_message_id=None, now=now)
    if not scope.department_ids:
        return ReplyOutcome(OUTCOME_IGNORED)
    if _already_seen(session, chat_id=chat_id, message_id=message_id):
        return ReplyOutcome(OUTCOME_DUPLICATE)
    known = [n for n in numbers if n in scope.by_number]
    unknown = _unknown_labels(session, [n for n in numbers if n not in scope.by_number])
    if not known:
        return ReplyOutcome(OUTCOME_UNKNOWN, unknown_labels=unknown, chat_measures=scope.measures())
    text = storable(text)
    source = _Source(chat_id, user_id, user_name, message_id, None, sent_at, None, None)
    status, percent = read_status(text), read_percent(text)
    records: list[RecordView] = []
    for number in known:
        records += _write_measure(
            session,
            scope,
            source,
            scope.by_number[number],
            text=text.strip(),
            status=status,
            percent=percent,
        )
    return ReplyOutcome(
        OUTCOME_RECORDED, records=records, unknown_labels=unknown, chat_measures=scope.measures()
    )


# --- edits, corrections and button presses -----------------------------------------------


def _revise(
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
    new_file = file_id[:_FILE_ID_LIMIT] if file_id else update.file_id
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
    _refresh_latest(session, update)
    return True


def record_edit(
    session: Session,
    *,
    chat_id: int,
    user_id: int | None,
    user_name: str,
    text: str,
    message_id: int,
    reply_to_message_id: int | None,
    sent_at: datetime,
    edited_at: datetime,
    file_id: str | None = None,
    file_kind: str | None = None,
    now: datetime,
) -> ReplyOutcome:
    """An edited reply: its records change (earlier versions kept in ProgressRevision).

    A reply that recorded nothing (it named only other chats' measures) is read afresh; one
    waiting for a button keeps the new text for the press.
    """
    text = storable(text)
    if not chat_department_ids(session, chat_id=chat_id):
        return ReplyOutcome(OUTCOME_IGNORED)
    existing = list(
        session.exec(
            select(ProgressUpdate)
            .where(
                ProgressUpdate.chat_id == chat_id, ProgressUpdate.source_message_id == message_id
            )
            .order_by(col(ProgressUpdate.id))
        ).all()
    )
    if not existing:
        pending = session.exec(
            select(PendingReply).where(
                PendingReply.chat_id == chat_id, PendingReply.source_message_id == message_id
            )
        ).first()
        if pending is not None:
            if pending.text == text:
                return ReplyOutcome(OUTCOME_UNCHANGED)
            pending.text = text
            session.add(pending)
            return ReplyOutcome(OUTCOME_UNCHANGED)
        if reply_to_message_id is None:
            return ReplyOutcome(OUTCOME_IGNORED)
        return record_reply(
            session,
            chat_id=chat_id,
            user_id=user_id,
            user_name=user_name,
            text=text,
            message_id=message_id,
            reply_to_message_id=reply_to_message_id,
            sent_at=sent_at,
            file_id=file_id,
            file_kind=file_kind,
            now=now,
        )

    scope = _scope(session, chat_id=chat_id, reply_to_message_id=reply_to_message_id, now=now)

    # The cycle the records were made for stays theirs.
    if existing[0].cycle_id is not None:
        scope.cycle = session.get(Cycle, existing[0].cycle_id)
    refs = {
        u.measure_id: _ref(m)
        for u in existing
        if (m := session.get(Measure, u.measure_id)) is not None
    }
    for ref in refs.values():
        scope.by_number.setdefault(ref.number, ref)
        holders = scope.holders.setdefault(ref.measure_id, [])
        for update in existing:
            if update.measure_id == ref.measure_id and update.department_id not in holders:
                holders.append(update.department_id)
    reading = read_reply(text, scope.by_number)
    source = _Source(
        chat_id, user_id, user_name, message_id, reply_to_message_id, sent_at, file_id, file_kind
    )
    records: list[RecordView] = []
    changed = False
    if reading.marked:
        for part in reading.parts:
            ref = scope.by_number[part.measure]
            mine = [u for u in existing if u.measure_id == ref.measure_id]
            if not mine:
                records += _write_measure(
                    session,
                    scope,
                    source,
                    ref,
                    text=part.text,
                    status=part.status,
                    percent=part.percent,
                )
                changed = True
                continue
            for update in mine:
                changed |= _revise(
                    session,
                    update,
                    text=part.text,
                    status=part.status,
                    percent=part.percent,
                    file_id=file_id,
                    file_kind=file_kind,
                    edited_at=edited_at,
                    now=now,
                )
                records.append(_view(scope, update, ref))
    else:
        # No markers any more: the new text belongs to the measure(s) recorded before.
        for update in existing:
            changed |= _revise(
                session,
                update,
                text=text.strip(),
                status=read_status(text),
                percent=read_percent(text),
                file_id=file_id,
                file_kind=file_kind,
                edited_at=edited_at,
                now=now,
            )
            records.append(_view(scope, update, refs[update.measure_id]))
    unknown = _unknown_labels(session, reading.unknown)
    if not changed and not unknown:
        return ReplyOutcome(OUTCOME_UNCHANGED)
    return ReplyOutcome(
        OUTCOME_UPDATED, records=records, unknown_labels=unknown, chat_measures=scope.measures()
    )


def _pending_pairs(pending: PendingReply) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    for item in pending.candidates.split(","):
        measure, _, department = item.partition(":")
        if measure.isdigit() and department.isdigit():
            pairs.append((int(measure), int(department)))
    return pairs


def set_prompt_message(
    session: Session, *, pending_id: int, chat_id: int, prompt_message_id: int
) -> None:
    """Remember which bot message asks about the pending reply (buttons are checked on it)."""
    pending = session.get(PendingReply, pending_id)
    if pending is not None and pending.chat_id == chat_id:
        pending.prompt_message_id = prompt_message_id
        session.add(pending)


def resolve_pending(
    session: Session,
    *,
    chat_id: int,
    pending_id: int,
    measure_id: int | None,
    prompt_message_id: int | None,
    now: datetime,
) -> ReplyOutcome:
    """A button press on the question: record for one measure (or all, `measure_id` None).

    Everything is checked against the stored row, never taken from the button: the chat it
    was asked in, the message that asked, that it is still open, and that the measure is one
    it offered to a department still bound to this chat.
    """
    pending = session.get(PendingReply, pending_id)
    if pending is None or pending.chat_id != chat_id:
        return ReplyOutcome(OUTCOME_REFUSED)
    if pending.prompt_message_id is not None and prompt_message_id != pending.prompt_message_id:
        return ReplyOutcome(OUTCOME_REFUSED)
    if pending.resolved:
        return ReplyOutcome(OUTCOME_RESOLVED)
    scope = _scope(
        session, chat_id=chat_id, reply_to_message_id=pending.reply_to_message_id, now=now
    )
    if pending.cycle_id is not None:
        scope.cycle = session.get(Cycle, pending.cycle_id)
    bound = set(scope.department_ids)
    pairs = [(m, d) for m, d in _pending_pairs(pending) if d in bound]
    if measure_id is not None:
        pairs = [(m, d) for m, d in pairs if m == measure_id]
    if not pairs:
        return ReplyOutcome(OUTCOME_REFUSED)
    source = _Source(
        chat_id,
        pending.user_id,
        pending.user_name,
        pending.source_message_id,
        pending.reply_to_message_id,
        pending.sent_at,
        pending.file_id,
        pending.file_kind,
    )
    status, percent = read_status(pending.text), read_percent(pending.text)
    records: list[RecordView] = []
    for m_id, department_id in pairs:
        measure = session.get(Measure, m_id)
        if measure is None:
            continue
        if scope.cycle is not None and pending.cycle_id is not None:
            # The question offered the cycle's tasks: the answer counts for that cycle.
            scope.task_pairs.add((m_id, department_id))
        scope.department_names.setdefault(department_id, "")
        records.append(
            _write(
                session,
                scope,
                source,
                _ref(measure),
                department_id,
                text=pending.text.strip(),
                status=status,
                percent=percent,
            )
        )
    pending.resolved = True
    session.add(pending)
    return ReplyOutcome(OUTCOME_RECORDED, records=records, chat_measures=scope.measures())


def correct_status(
    session: Session, *, chat_id: int, update_id: int, status: str, now: datetime
) -> ReplyOutcome:
    """A status button on an acknowledgement: set the status of that reply's measure.

    The record must belong to this chat and to a department the chat is still bound to.
    """
    if status not in PROGRESS_STATUSES:
        return ReplyOutcome(OUTCOME_REFUSED)
    base = session.get(ProgressUpdate, update_id)
    if base is None or base.chat_id != chat_id:
        return ReplyOutcome(OUTCOME_REFUSED)
    bound = set(chat_department_ids(session, chat_id=chat_id))
    updates = [
        u
        for u in session.exec(
            select(ProgressUpdate)
            .where(
                ProgressUpdate.chat_id == chat_id,
                ProgressUpdate.source_message_id == base.source_message_id,
                ProgressUpdate.measure_id == base.measure_id,
            )
            .order_by(col(ProgressUpdate.id))
        ).all()
        if u.department_id in bound
    ]
    if not updates:
        return ReplyOutcome(OUTCOME_REFUSED)
    scope = _scope(session, chat_id=chat_id, reply_to_message_id=None, now=now)
    measure = session.get(Measure, base.measure_id)
    assert measure is not None
    ref = _ref(measure)
    changed = False
    for update in updates:
        # A corrected status keeps the percent only when it still fits the new status.
        percent = (
            100 if status == PROGRESS_DONE and update.percent is not None else (update.percent)
        )
        changed |= _revise(
            session,
            update,
            text=update.text,
            status=status,
            percent=percent,
            file_id=None,
            file_kind=None,
            edited_at=update.edited_at or now,
            now=now,
        )
    return ReplyOutcome(
        OUTCOME_UPDATED if changed else OUTCOME_UNCHANGED,
        records=[_view(scope, u, ref) for u in updates],
    )


def ack_records_of_update(session: Session, *, chat_id: int, update_id: int) -> list[RecordView]:
    """Every record the message behind `update_id` made, for redrawing its acknowledgement."""
    base = session.get(ProgressUpdate, update_id)
    if base is None or base.chat_id != chat_id:
        return []
    names = {
        d.id: d.name
        for d in session.exec(
            select(Department).where(
                col(Department.id).in_(chat_department_ids(session, chat_id=chat_id))
            )
        )
    }
    views: list[RecordView] = []
    for update in session.exec(
        select(ProgressUpdate)
        .where(
            ProgressUpdate.chat_id == chat_id,
            ProgressUpdate.source_message_id == base.source_message_id,
        )
        .order_by(col(ProgressUpdate.id))
    ):
        measure = session.get(Measure, update.measure_id)
        if measure is not None and update.department_id in names:
            scope = _Scope(department_ids=[], cycle=None, department_names=names)
            views.append(_view(scope, update, _ref(measure)))
    return views


def chat_measures(session: Session, *, chat_id: int, now: datetime) -> list[MeasureRef]:
    """The measures a chat's departments report on (for polite refusals and /report)."""
    return _scope(session, chat_id=chat_id, reply_to_message_id=None, now=now).measures()
