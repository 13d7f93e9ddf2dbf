"""A liaison's message becomes progress records: a reply to the bot, its later edits, and
`/report <measure> <text>`; a reply that names no measure when several fit is kept
(`PendingReply`) until a button says which.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session, col, select

from coordination.replies.outcome import (
    IncomingReply,
    MeasureRef,
    Outcome,
    RecordView,
    ReplyOutcome,
)
from coordination.replies.scope import ChatScope, ScopeCache, measure_refs
from coordination.replies.write import (
    FILE_ID_LIMIT,
    NAME_LIMIT,
    record_view,
    revise,
    storable,
    write_measure,
)
from coordination.reply_reader import ReplyReading, read_reply
from coordination.reply_status import read_percent, read_status
from coordination.roles import chat_department_ids
from models.plan import Measure, Plan
from models.progress import PendingReply, ProgressUpdate


def unknown_labels(session: Session, numbers: Iterable[int]) -> list[str]:
    """How the plan writes the measures a reply named (（九）), or (n) when it has none."""
    wanted = list(numbers)
    if not wanted:
        return []
    labels: dict[int, str] = {}
    rows = session.execute(
        select(Measure.number, Measure.label)
        .join(Plan, col(Plan.id) == Measure.plan_id)
        .where(col(Measure.number).in_(set(wanted)), col(Plan.is_active))
        .order_by(col(Plan.id).desc())
    ).all()
    for number, label in rows:
        labels.setdefault(number, label)  # the newest active plan's label
    return [labels.get(number, f"({number})") for number in wanted]


def _waiting(session: Session, *, chat_id: int, message_id: int) -> bool:
    """Whether the message waits for a button (or was recorded through one) already."""
    waiting = select(PendingReply.id).where(
        PendingReply.chat_id == chat_id, PendingReply.source_message_id == message_id
    )
    return session.exec(waiting).first() is not None


def _written(views: list[RecordView | None]) -> tuple[list[RecordView], bool]:
    """The records made, and whether every one was made before (the message is a copy)."""
    records = [view for view in views if view is not None]
    return records, bool(views) and not records


def _ask(session: Session, scope: ChatScope, source: IncomingReply) -> ReplyOutcome:
    """Keep the reply until a button says which of the candidate measures it is about."""
    choices = [scope.by_number[n] for n in scope.choice_numbers]
    pairs = [
        f"{ref.measure_id}:{department_id}"
        for ref in choices
        for department_id in scope.holders.get(ref.measure_id, ())
    ]
    pending = PendingReply(
        chat_id=source.chat_id,
        user_id=source.user_id,
        user_name=storable(source.user_name)[:NAME_LIMIT],
        source_message_id=source.message_id,
        reply_to_message_id=source.reply_to_message_id,
        cycle_id=scope.cycle.id if scope.cycle is not None else None,
        text=source.text,
        file_id=source.file_id[:FILE_ID_LIMIT] if source.file_id else None,
        file_kind=source.file_kind,
        candidates=",".join(pairs),
        sent_at=source.sent_at,
    )
    session.add(pending)
    session.flush()
    return ReplyOutcome(
        Outcome.ASK, choices=choices, pending_id=pending.id, chat_measures=scope.measures()
    )


def _record_reading(
    session: Session, scope: ChatScope, source: IncomingReply, reading: ReplyReading
) -> ReplyOutcome:
    """Records for a reading, or the question / the polite refusal it calls for."""
    written: list[RecordView | None] = []
    for part in reading.parts:
        written += write_measure(
            session,
            scope,
            source,
            scope.by_number[part.measure],
            text=part.text,
            status=part.status,
            percent=part.percent,
        )
    records, copy = _written(written)
    if copy:
        return ReplyOutcome(Outcome.DUPLICATE)
    unknown = unknown_labels(session, reading.unknown)
    if records:
        return ReplyOutcome(
            Outcome.RECORDED,
            records=records,
            unknown_labels=unknown,
            chat_measures=scope.measures(),
        )
    if reading.needs_choice:
        if _waiting(session, chat_id=source.chat_id, message_id=source.message_id):
            return ReplyOutcome(Outcome.DUPLICATE)
        return _ask(session, scope, source)
    if unknown:
        return ReplyOutcome(Outcome.UNKNOWN, unknown_labels=unknown, chat_measures=scope.measures())
    return ReplyOutcome(Outcome.NO_MEASURES, chat_measures=scope.measures())


def record_reply(
    session: Session, *, reply: IncomingReply, now: datetime, scopes: ScopeCache | None = None
) -> ReplyOutcome:
    """Record a reply to the bot in a department's chat: one record per measure it names.

    Unbound chats are ignored; a message recorded (or waiting for a button) already is a
    duplicate and changes nothing (the records' unique constraint says so).
    """
    scope = ChatScope.of_chat(
        session,
        chat_id=reply.chat_id,
        reply_to_message_id=reply.reply_to_message_id,
        now=now,
        cache=scopes,
    )
    if not scope.department_ids:
        return ReplyOutcome(Outcome.IGNORED)
    if reply.empty:
        return ReplyOutcome(Outcome.EMPTY, chat_measures=scope.measures())
    reply = replace(reply, text=storable(reply.text))
    if not scope.by_number:
        return ReplyOutcome(Outcome.NO_MEASURES)
    reading = read_reply(reply.text, scope.by_number)
    if not reading.marked and not reading.parts and len(scope.choice_numbers) == 1:
        # Supports outside a lead-only cycle widen the markers, not the unmarked case.
        reading = read_reply(reply.text, scope.choice_numbers)
    return _record_reading(session, scope, reply, reading)


def record_report(
    session: Session,
    *,
    reply: IncomingReply,
    numbers: list[int],
    now: datetime,
    scopes: ScopeCache | None = None,
) -> ReplyOutcome:
    """`/report <measure> <text>`: a record without a reminder, for the measures named."""
    scope = ChatScope.of_chat(
        session, chat_id=reply.chat_id, reply_to_message_id=None, now=now, cache=scopes
    )
    if not scope.department_ids:
        return ReplyOutcome(Outcome.IGNORED)
    known = [n for n in numbers if n in scope.by_number]
    unknown = unknown_labels(session, [n for n in numbers if n not in scope.by_number])
    if not known:
        return ReplyOutcome(Outcome.UNKNOWN, unknown_labels=unknown, chat_measures=scope.measures())
    text = storable(reply.text)
    # /report answers no bot message and carries no file.
    source = replace(reply, text=text, reply_to_message_id=None, file_id=None, file_kind=None)
    status, percent = read_status(text), read_percent(text)
    written: list[RecordView | None] = []
    for number in known:
        written += write_measure(
            session,
            scope,
            source,
            scope.by_number[number],
            text=text.strip(),
            status=status,
            percent=percent,
        )
    records, copy = _written(written)
    if copy:
        return ReplyOutcome(Outcome.DUPLICATE)
    return ReplyOutcome(
        Outcome.RECORDED, records=records, unknown_labels=unknown, chat_measures=scope.measures()
    )


def record_edit(
    session: Session, *, reply: IncomingReply, now: datetime, scopes: ScopeCache | None = None
) -> ReplyOutcome:
    """An edited reply: its records change (earlier versions kept in ProgressRevision).

    A reply that recorded nothing (it named only other chats' measures) is read afresh; one
    waiting for a button keeps the new text for the press.
    """
    reply = replace(reply, text=storable(reply.text))
    if not chat_department_ids(session, chat_id=reply.chat_id):
        return ReplyOutcome(Outcome.IGNORED)
    if reply.empty:
        # Emptied by an edit: the earlier text stays recorded.
        return ReplyOutcome(Outcome.EMPTY)
    existing = list(
        session.exec(
            select(ProgressUpdate)
            .where(
                ProgressUpdate.chat_id == reply.chat_id,
                ProgressUpdate.source_message_id == reply.message_id,
            )
            .order_by(col(ProgressUpdate.id))
        ).all()
    )
    if not existing:
        return _edit_unrecorded(session, reply=reply, now=now, scopes=scopes)
    refs = measure_refs(session, {u.measure_id for u in existing})
    scope = ChatScope.of_edit(
        session,
        chat_id=reply.chat_id,
        reply_to_message_id=reply.reply_to_message_id,
        now=now,
        existing=existing,
        refs=refs,
        cache=scopes,
    )
    edited_at = reply.edited_at or reply.sent_at
    reading = read_reply(reply.text, scope.by_number)
    records: list[RecordView] = []
    changed = False

    def change(update: ProgressUpdate, text: str, status: str | None, percent: int | None) -> bool:
        return revise(
            session,
            update,
            text=text,
            status=status,
            percent=percent,
            file_id=reply.file_id,
            file_kind=reply.file_kind,
            edited_at=edited_at,
            now=now,
        )

    if reading.marked:
        for part in reading.parts:
            ref = scope.by_number[part.measure]
            mine = [u for u in existing if u.measure_id == ref.measure_id]
            if not mine:
                added, _ = _written(
                    write_measure(
                        session,
                        scope,
                        reply,
                        ref,
                        text=part.text,
                        status=part.status,
                        percent=part.percent,
                    )
                )
                records += added
                changed |= bool(added)
                continue
            for update in mine:
                changed |= change(update, part.text, part.status, part.percent)
                records.append(record_view(scope, update, ref))
    else:
        # No markers any more: the new text belongs to the measure(s) recorded before.
        status, percent = read_status(reply.text), read_percent(reply.text)
        for update in existing:
            changed |= change(update, reply.text.strip(), status, percent)
            records.append(record_view(scope, update, refs[update.measure_id]))
    unknown = unknown_labels(session, reading.unknown)
    if not changed and not unknown:
        return ReplyOutcome(Outcome.UNCHANGED)
    return ReplyOutcome(
        Outcome.UPDATED, records=records, unknown_labels=unknown, chat_measures=scope.measures()
    )


def _edit_unrecorded(
    session: Session, *, reply: IncomingReply, now: datetime, scopes: ScopeCache | None
) -> ReplyOutcome:
    """An edit of a message that made no record: it waits for a button, or is read afresh."""
    pending = session.exec(
        select(PendingReply).where(
            PendingReply.chat_id == reply.chat_id,
            PendingReply.source_message_id == reply.message_id,
        )
    ).first()
    if pending is not None:
        if pending.text != reply.text:
            pending.text = reply.text
            session.add(pending)
        return ReplyOutcome(Outcome.UNCHANGED)
    if reply.reply_to_message_id is None:
        return ReplyOutcome(Outcome.IGNORED)
    return record_reply(session, reply=reply, now=now, scopes=scopes)


def chat_measures(
    session: Session, *, chat_id: int, now: datetime, scopes: ScopeCache | None = None
) -> list[MeasureRef]:
    """The measures a chat's departments report on (for polite refusals and /report)."""
    scope = ChatScope.of_chat(
        session, chat_id=chat_id, reply_to_message_id=None, now=now, cache=scopes
    )
    return scope.measures()
