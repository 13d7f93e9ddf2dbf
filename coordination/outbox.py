"""The delivery outbox in the database: claim what is due, record the outcome, count it.

A row is claimed (status `sending`) in its own committed transaction before the message
goes out, so two processes never send the same row; a row left in `sending` by a killed
process returns to `pending` after a short lease (a second copy is possible only then).
What each claimed row says is `coordination.outbox_content`'s business.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, func, select

from coordination.admins import coordinators_chat_ids
from models.chats import Chat
from models.db import is_postgres
from models.schedules import (
    CYCLE_NOTICE,
    DELIVERY_NOTICE,
    DELIVERY_REMINDER,
    DELIVERY_REPORT,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SENDING,
    STATUS_SENT,
    STATUS_SKIPPED,
    Cycle,
    Delivery,
)
from reports.deliveries import delivery_tally

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
FIRST_BACKOFF = timedelta(seconds=15)
NOTICE_PREFIX = "lost:"


def backoff(attempts: int) -> timedelta:
    """15 s, 30 s, 1 min, … capped at an hour: the wait after the n-th network failure."""
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def release_stale(session: Session, *, now: datetime, lease: timedelta = DEFAULT_LEASE) -> int:
    """Return deliveries stuck in `sending` longer than `lease` to `pending`."""
    result = session.execute(
        update(Delivery)
        .where(col(Delivery.status) == STATUS_SENDING, col(Delivery.claimed_at) < now - lease)
        .values(status=STATUS_PENDING, claimed_by=None, claimed_at=None)
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        log.warning("%d deliveries were left in flight (killed process?); retrying them", count)
    return count


def renew_claims(session: Session, *, delivery_ids: list[int], instance: str, now: datetime) -> int:
    """A live process keeps its claims fresh, so a long wait is never taken for a crash."""
    if not delivery_ids:
        return 0
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id).in_(delivery_ids),
            col(Delivery.status) == STATUS_SENDING,
            col(Delivery.claimed_by) == instance[:100],
        )
        .values(claimed_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim_due(session: Session, *, instance: str, now: datetime, limit: int = 32) -> list[int]:
    """Claim up to `limit` due deliveries for this process in one statement; their ids.

    PostgreSQL skips rows another process holds rather than waiting for them; SQLite has
    one writer at a time, so its statement is the claim.
    """
    inactive = select(Chat.id).where(col(Chat.is_active).is_(False))
    due = (
        select(Delivery.id)
        .where(
            col(Delivery.status) == STATUS_PENDING,
            col(Delivery.not_before) <= now,
            col(Delivery.chat_id).not_in(inactive),
        )
        .order_by(col(Delivery.not_before), col(Delivery.id))
        .limit(limit)
    )
    if is_postgres(session.get_bind()):  # type: ignore[arg-type]
        # In a CTE, so the locking subquery runs once: inside `IN (…)` PostgreSQL may run it
        # again for each row and claim past the limit.
        locked = due.with_for_update(skip_locked=True, of=Delivery).cte("due")  # type: ignore[arg-type]
        claimed = select(locked.c.id)
    else:
        claimed = due  # type: ignore[assignment]
    claim = (
        update(Delivery)
        .where(col(Delivery.id).in_(claimed), col(Delivery.status) == STATUS_PENDING)
        .values(status=STATUS_SENDING, claimed_by=instance[:100], claimed_at=now)
        .returning(col(Delivery.id))
    )
    return sorted(int(i) for i in session.execute(claim).scalars())


def release_claims(session: Session, *, delivery_ids: list[int], instance: str) -> int:
    """A stopping process hands back what it claimed and did not send: pending again, now."""
    if not delivery_ids:
        return 0
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id).in_(delivery_ids),
            col(Delivery.status) == STATUS_SENDING,
            col(Delivery.claimed_by) == instance[:100],
        )
        .values(status=STATUS_PENDING, claimed_by=None, claimed_at=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def next_due(session: Session, *, now: datetime) -> datetime | None:
    """When the earliest pending delivery of an active chat becomes due (None: none pending)."""
    inactive = select(Chat.id).where(col(Chat.is_active).is_(False))
    return session.exec(
        select(func.min(Delivery.not_before)).where(
            col(Delivery.status) == STATUS_PENDING, col(Delivery.chat_id).not_in(inactive)
        )
    ).one()


def _set(session: Session, delivery_id: int, **values: object) -> None:
    session.execute(update(Delivery).where(col(Delivery.id) == delivery_id).values(**values))


def mark_sent(session: Session, *, delivery_id: int, message_id: int | None, now: datetime) -> None:
    mark_sent_many(session, sent=[(delivery_id, message_id)], now=now)


def mark_sent_many(
    session: Session, *, sent: Sequence[tuple[int, int | None]], now: datetime
) -> None:
    """Record several sends in one statement: (delivery id, Telegram's message id)."""
    if not sent:
        return
    table = Delivery.__table__  # type: ignore[attr-defined]
    session.connection().execute(
        table.update()
        .where(table.c.id == bindparam("delivery_id"))
        .values(
            status=STATUS_SENT,
            message_id=bindparam("message_id"),
            sent_at=now,
            last_error=None,
        ),
        [{"delivery_id": d, "message_id": m} for d, m in sent],
    )


def mark_skipped(session: Session, *, delivery_id: int, reason: str) -> None:
    mark_skipped_many(session, delivery_ids=[delivery_id], reason=reason)


def mark_skipped_many(session: Session, *, delivery_ids: Sequence[int], reason: str) -> None:
    if delivery_ids:
        session.execute(
            update(Delivery)
            .where(col(Delivery.id).in_(list(delivery_ids)))
            .values(status=STATUS_SKIPPED, last_error=reason[:500])
        )


def mark_failed(session: Session, *, delivery_id: int, error: str) -> None:
    _set(session, delivery_id, status=STATUS_FAILED, last_error=error[:500])


def mark_retry(
    session: Session,
    *,
    delivery_id: int,
    not_before: datetime,
    error: str,
    count_attempt: bool = True,
) -> int:
    """Back to pending, not before `not_before`; returns the attempts so far."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        return 0
    if count_attempt:
        delivery.attempts += 1
    delivery.status = STATUS_PENDING
    delivery.not_before = not_before
    delivery.claimed_by = None
    delivery.claimed_at = None
    delivery.last_error = error[:500]
    session.add(delivery)
    return delivery.attempts


def delivery_counts(session: Session, *, cycle_id: int) -> dict[str, int]:
    """status → number of deliveries of a cycle (for answers and tests)."""
    counts: dict[str, int] = {}
    for status in session.exec(select(Delivery.status).where(Delivery.cycle_id == cycle_id)):
        counts[status] = counts.get(status, 0) + 1
    return counts


# --- /remind's report, once its fan-out has settled ------------------------------------


def queue_due_reports(session: Session, *, now: datetime) -> int:
    """A report to /remind's chat for each cycle whose reminders are no longer being sent.

    What still waits (a rate limit, a retry after an error) is said in the report; the
    report itself is an outbox row like any other. Returns how many were queued.
    """
    waiting = select(Cycle).where(
        col(Cycle.report_chat_id).is_not(None), col(Cycle.report_queued).is_(False)
    )
    if is_postgres(session.get_bind()):  # type: ignore[arg-type]
        # Another instance queueing the same report holds the row: leave it to that one.
        waiting = waiting.with_for_update(skip_locked=True)
    cycles = session.exec(waiting).all()
    queued = 0
    for cycle in cycles:
        assert cycle.id is not None and cycle.report_chat_id is not None
        tally = delivery_tally(session, cycle_id=cycle.id, now=now, kind=DELIVERY_REMINDER)
        if not tally.settled:
            continue
        cycle.report_queued = True
        session.add(cycle)
        if tally.total == 0:
            continue  # /remind already said that no chat was asked
        session.add(
            Delivery(
                cycle_id=cycle.id,
                chat_id=cycle.report_chat_id,
                kind=DELIVERY_REPORT,
                not_before=now,
            )
        )
        queued += 1
    session.flush()
    return queued


# --- the notice that a chat dropped the bot --------------------------------------------


def notice_key(chat_id: int, now: datetime) -> str:
    """The key of a notice's cycle names the chat it is about: 'lost:-100123:2026-…'."""
    return f"{NOTICE_PREFIX}{chat_id}:{now.isoformat()}"


def lost_chat_id(cycle: Cycle) -> int | None:
    """The chat a notice's cycle is about (see `notice_key`); None for any other cycle."""
    if cycle.kind != CYCLE_NOTICE or not cycle.key.startswith(NOTICE_PREFIX):
        return None
    chat, _, _when = cycle.key.removeprefix(NOTICE_PREFIX).partition(":")
    return int(chat) if chat.lstrip("-").isdecimal() else None


def queue_chat_lost(
    session: Session, *, chat_id: int, now: datetime, fallback_chat_ids: Iterable[int] = ()
) -> int:
    """One notice to each coordinators' chat (else each admin) that `chat_id` dropped the bot.

    The notices are outbox rows like reminders: retried after network errors and flood
    control, never sent twice. Returns how many were queued.
    """
    targets = coordinators_chat_ids(session) or [c for c in fallback_chat_ids if c != chat_id]
    if not targets:
        return 0
    cycle = Cycle(key=notice_key(chat_id, now), kind=CYCLE_NOTICE, fire_at=now, due_at=now)
    session.add(cycle)
    session.flush()
    assert cycle.id is not None
    for target in targets:
        session.add(
            Delivery(cycle_id=cycle.id, chat_id=target, kind=DELIVERY_NOTICE, not_before=now)
        )
    session.flush()
    return len(targets)
