"""The inbox's rules: store what arrives once, claim it for one process, settle it, prune it.

An update is claimed by the process that stored it. A process that dies leaves its claims:
the restarted process takes them over at once when it knows the old one is dead (same host,
pid gone), any live process takes them over when the claim was not renewed for a lease.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, bindparam, delete, or_, select, update
from sqlalchemy.sql import Executable
from sqlmodel import Session

from models.clock import utcnow
from models.db import dialect_insert
from models.inbox import InboxUpdate

log = logging.getLogger(__name__)

# A live process renews its claims far more often than this.
DEFAULT_LEASE = timedelta(minutes=2)
# Telegram offers an unconfirmed update again for up to a day: keep done rows longer.
KEEP_DONE = timedelta(days=2)
INSTANCE_LIMIT = 100


@dataclass(frozen=True)
class Stored:
    """An unfinished update this process now holds."""

    update_id: int
    payload: str


def _table() -> Table:
    return InboxUpdate.__table__  # type: ignore[attr-defined, no-any-return]


_RECEIVE: dict[str, Executable] = {}


def _receive_statement(session: Session) -> Executable:
    """INSERT … ON CONFLICT DO NOTHING RETURNING, built once per database dialect."""
    dialect = session.get_bind().dialect.name
    if dialect not in _RECEIVE:
        table = _table()
        _RECEIVE[dialect] = (
            dialect_insert(session, table)
            .on_conflict_do_nothing(index_elements=[table.c.update_id])
            .returning(table.c.update_id)
        )
    return _RECEIVE[dialect]


@dataclass(frozen=True)
class Arrival:
    """An update as it arrived, to be stored claimed by `instance`."""

    update_id: int
    payload: str
    instance: str
    received_at: datetime


def receive_many(session: Session, arrivals: list[Arrival]) -> list[bool]:
    """Store the updates that arrived together with one statement; for each, whether it is
    new (False: stored before, or earlier in the same list)."""
    rows = [
        {
            "update_id": a.update_id,
            "payload": a.payload,
            "received_at": a.received_at,
            "claimed_by": a.instance[:INSTANCE_LIMIT],
            "claimed_at": a.received_at,
        }
        for a in arrivals
    ]
    # Several rows, one INSERT … RETURNING: SQLAlchemy sends them as one multi-row VALUES.
    stored = set(session.connection().execute(_receive_statement(session), rows).scalars())
    fresh: list[bool] = []
    for arrival in arrivals:
        fresh.append(arrival.update_id in stored)
        stored.discard(arrival.update_id)  # a copy later in the same list is not new
    return fresh


def receive(
    session: Session, *, update_id: int, payload: str, instance: str, now: datetime
) -> bool:
    """Store an update claimed by `instance`; False when it was stored before (a copy)."""
    row = {
        "update_id": update_id,
        "payload": payload,
        "received_at": now,
        "claimed_by": instance[:INSTANCE_LIMIT],
        "claimed_at": now,
    }
    return session.connection().execute(_receive_statement(session), row).first() is not None


def _claimable(
    table: Table, *, instance: str, stale: datetime, dead: Collection[str], own: bool
) -> ColumnElement[bool]:
    """Unfinished, and held by nobody, by a dead process or by a claim not renewed in time.

    `own`: this process's name counts as dead (a restarted process that kept its name); else
    what this process holds is never taken from it.
    """
    me = instance[:INSTANCE_LIMIT]
    holders = [table.c.claimed_by.is_(None), table.c.claimed_at < stale]
    if dead:
        holders.append(table.c.claimed_by.in_([name[:INSTANCE_LIMIT] for name in dead]))
    if own:
        holders.append(table.c.claimed_by == me)
        return and_(table.c.done_at.is_(None), or_(*holders))
    return and_(
        table.c.done_at.is_(None), table.c.claimed_by.is_distinct_from(me), or_(*holders)
    )


def take_over(
    session: Session,
    *,
    instance: str,
    now: datetime,
    dead: Collection[str] = (),
    own: bool = False,
    lease: timedelta = DEFAULT_LEASE,
    update_ids: Collection[int] | None = None,
    limit: int = 500,
) -> list[Stored]:
    """Claim unfinished updates nobody live is handling (all, or those of `update_ids`),
    oldest first."""
    table = _table()
    condition = _claimable(table, instance=instance, stale=now - lease, dead=dead, own=own)
    wanted = select(table.c.update_id).where(condition)
    if update_ids is not None:
        wanted = wanted.where(table.c.update_id.in_(list(update_ids)))
    wanted = wanted.order_by(table.c.update_id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Two processes starting together must not both take a row: the other one skips it.
        wanted = wanted.with_for_update(skip_locked=True)
    connection = session.connection()
    ids = list(connection.execute(wanted).scalars())
    if not ids:
        return []
    # The same condition again: on SQLite the update is the claim.
    claimed = connection.execute(
        update(table)
        .where(table.c.update_id.in_(ids), condition)
        .values(claimed_by=instance[:INSTANCE_LIMIT], claimed_at=now)
        .returning(table.c.update_id, table.c.payload)
    ).all()
    stored = sorted((Stored(int(row[0]), row[1]) for row in claimed), key=lambda s: s.update_id)
    if stored and update_ids is None:
        log.info("took over %d unfinished update(s) received earlier", len(stored))
    return stored


def holders(session: Session) -> list[str]:
    """The processes that hold unfinished updates."""
    table = _table()
    rows = session.connection().execute(
        select(table.c.claimed_by)
        .where(table.c.done_at.is_(None), table.c.claimed_by.is_not(None))
        .distinct()
    )
    return [name for name in rows.scalars() if name]


# By primary key alone: with `done_at IS NULL` added, SQLite's planner may walk the done_at
# index over every unfinished row instead (marking a row done twice only moves its time).
_DONE = (
    update(_table())
    .where(_table().c.update_id.in_(bindparam("ids", expanding=True)))
    .values(done_at=bindparam("now"))
)


def mark_done(session: Session, update_ids: list[int]) -> None:
    """The updates are finished: their effect commits in this same transaction.

    Inbox times are the wall clock's (Telegram's retention), never the bot's shifted one.
    """
    if update_ids:
        session.connection().execute(_DONE, {"ids": update_ids, "now": utcnow()})


def renew(
    session: Session, *, instance: str, update_ids: Collection[int], now: datetime
) -> int:
    """A live process keeps its claims fresh, so nobody takes them for a dead one's."""
    if not update_ids:
        return 0
    table = _table()
    result = session.connection().execute(
        update(table)
        .where(
            table.c.update_id.in_(list(update_ids)),
            table.c.claimed_by == instance[:INSTANCE_LIMIT],
        )
        .values(claimed_at=now)
    )
    return int(result.rowcount or 0)


def prune(session: Session, *, now: datetime, keep: timedelta = KEEP_DONE) -> int:
    """Forget updates finished more than `keep` ago (Telegram will not send them again)."""
    table = _table()
    result = session.connection().execute(delete(table).where(table.c.done_at < now - keep))
    return int(result.rowcount or 0)
