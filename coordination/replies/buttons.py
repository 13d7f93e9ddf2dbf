"""The buttons under the bot's answers to liaisons: which measure a reply was about (the
question), and a corrected status (under an acknowledgement).

Payloads (≤ 64 bytes): `lr:<pending id>:<measure id|a>` and `ls:<update id>:<status code>`.
The ids only point at rows: chat, message and binding are checked on every press.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from coordination.replies.outcome import IncomingReply, Outcome, RecordView, ReplyOutcome
from coordination.replies.scope import ChatScope, measure_refs
from coordination.replies.write import judged, record_view, revise, write
from coordination.reply_status import read_percent, read_status
from coordination.roles import chat_department_ids
from models.plan import Department
from models.progress import (
    PROGRESS_AT_RISK,
    PROGRESS_BLOCKED,
    PROGRESS_DONE,
    PROGRESS_IN_PROGRESS,
    PROGRESS_STATUSES,
    PendingReply,
    ProgressUpdate,
)

CHOICE_PREFIX = "lr"
STATUS_PREFIX = "ls"
ALL = "a"
# One letter per status, in the order the buttons show them.
STATUS_CODES = {
    "d": PROGRESS_DONE,
    "i": PROGRESS_IN_PROGRESS,
    "r": PROGRESS_AT_RISK,
    "b": PROGRESS_BLOCKED,
}
CODE_OF_STATUS = {status: code for code, status in STATUS_CODES.items()}
PENDING: Table = PendingReply.__table__  # type: ignore[attr-defined]
_CHOICE = re.compile(r"^lr:(\d{1,12}):(\d{1,12}|a)$")
_STATUS = re.compile(r"^ls:(\d{1,12}):([dirb])$")


def choice_payload(pending_id: int, measure_id: int | None) -> str:
    """The button for one measure of the question (None: all of them)."""
    return f"{CHOICE_PREFIX}:{pending_id}:{ALL if measure_id is None else measure_id}"


def status_payload(update_id: int, status: str) -> str:
    return f"{STATUS_PREFIX}:{update_id}:{CODE_OF_STATUS[status]}"


@dataclass(frozen=True)
class Choice:
    pending_id: int
    measure_id: int | None  # None: all the measures offered


@dataclass(frozen=True)
class StatusChoice:
    update_id: int
    status: str


def read_choice(payload: str) -> Choice | None:
    match = _CHOICE.match(payload)
    if match is None:
        return None
    measure = match.group(2)
    return Choice(int(match.group(1)), None if measure == ALL else int(measure))


def read_status_choice(payload: str) -> StatusChoice | None:
    match = _STATUS.match(payload)
    if match is None:
        return None
    return StatusChoice(int(match.group(1)), STATUS_CODES[match.group(2)])


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
    choice: Choice,
    prompt_message_id: int | None,
    now: datetime,
) -> ReplyOutcome:
    """A button press on the question: record for one measure (or all).

    Everything is checked against the stored row, never taken from the button: the chat it
    was asked in, the message that asked, that it is still open, and that the measure is one
    it offered to a department still bound to this chat.
    """
    pending = session.get(PendingReply, choice.pending_id)
    if pending is None or pending.chat_id != chat_id:
        return ReplyOutcome(Outcome.REFUSED)
    if pending.prompt_message_id is not None and prompt_message_id != pending.prompt_message_id:
        return ReplyOutcome(Outcome.REFUSED)
    if pending.resolved:
        return ReplyOutcome(Outcome.RESOLVED)
    bound = set(chat_department_ids(session, chat_id=chat_id))
    pairs = [(m, d) for m, d in _pending_pairs(pending) if d in bound]
    if choice.measure_id is not None:
        pairs = [(m, d) for m, d in pairs if m == choice.measure_id]
    if not pairs:
        return ReplyOutcome(Outcome.REFUSED)
    # The press that turns the question from open to resolved is the one that records: two
    # presses at once (two people, two instances) record the reply once.
    claimed = session.connection().execute(
        sa_update(PENDING)
        .where(PENDING.c.id == pending.id, PENDING.c.resolved.is_(False))
        .values(resolved=True)
    )
    if claimed.rowcount != 1:
        return ReplyOutcome(Outcome.RESOLVED)
    scope = ChatScope.of_pending(session, pending=pending, pairs=pairs, now=now)
    source = IncomingReply(
        chat_id=chat_id,
        user_id=pending.user_id,
        user_name=pending.user_name,
        text=pending.text,
        message_id=pending.source_message_id,
        sent_at=pending.sent_at,
        reply_to_message_id=pending.reply_to_message_id,
        file_id=pending.file_id,
        file_kind=pending.file_kind,
    )
    status, percent = read_status(pending.text), read_percent(pending.text)
    refs = measure_refs(session, {m for m, _ in pairs})
    written = [
        write(
            session,
            scope,
            source,
            refs[measure_id],
            department_id,
            text=pending.text.strip(),
            status=status,
            percent=percent,
        )
        for measure_id, department_id in pairs
        if measure_id in refs
    ]
    records = [view for view in written if view is not None]
    return ReplyOutcome(Outcome.RECORDED, records=records, chat_measures=scope.measures())


def correct_status(
    session: Session, *, chat_id: int, choice: StatusChoice, now: datetime
) -> ReplyOutcome:
    """A status button on an acknowledgement: set the status of that reply's measure.

    The record must belong to this chat and to a department the chat is still bound to.
    """
    if choice.status not in PROGRESS_STATUSES:
        return ReplyOutcome(Outcome.REFUSED)
    base = session.get(ProgressUpdate, choice.update_id)
    if base is None or base.chat_id != chat_id:
        return ReplyOutcome(Outcome.REFUSED)
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
        return ReplyOutcome(Outcome.REFUSED)
    scope = ChatScope.of_chat(session, chat_id=chat_id, reply_to_message_id=None, now=now)
    ref = measure_refs(session, [base.measure_id])[base.measure_id]
    changed = False
    for update in updates:
        # A corrected status keeps the percent only when it still fits the new status.
        percent = (
            100
            if choice.status == PROGRESS_DONE and update.percent is not None
            else (update.percent)
        )
        changed |= revise(
            session,
            update,
            text=update.text,
            status=choice.status,
            percent=percent,
            file_id=None,
            file_kind=None,
            edited_at=update.edited_at or now,
            now=now,
        )
    return ReplyOutcome(
        Outcome.UPDATED if changed else Outcome.UNCHANGED,
        records=[record_view(scope, u, ref) for u in updates],
    )


def ack_records_of_update(session: Session, *, chat_id: int, update_id: int) -> list[RecordView]:
    """Every record the message behind `update_id` made, for redrawing its acknowledgement."""
    base = session.get(ProgressUpdate, update_id)
    if base is None or base.chat_id != chat_id:
        return []
    bound = chat_department_ids(session, chat_id=chat_id)
    names = dict(
        session.execute(
            select(Department.id, Department.name).where(col(Department.id).in_(bound))
        ).all()
    )
    updates = session.exec(
        select(ProgressUpdate)
        .where(
            ProgressUpdate.chat_id == chat_id,
            ProgressUpdate.source_message_id == base.source_message_id,
        )
        .order_by(col(ProgressUpdate.id))
    ).all()
    refs = measure_refs(session, {u.measure_id for u in updates})
    views: list[RecordView] = []
    for update in updates:
        if update.measure_id in refs and update.department_id in names:
            assert update.id is not None
            views.append(
                RecordView(
                    update_id=update.id,
                    measure=refs[update.measure_id],
                    department_name=names[update.department_id],
                    status=update.status,
                    percent=update.percent,
                    on_time=update.on_time,
                    in_cycle=update.cycle_id is not None,
                    progress=judged(update, refs[update.measure_id]),
                )
            )
    return views
