"""Telegram's limits as release times: the bot's overall budget and each chat's, no bursts.

A message takes a slot in its chat (one every 3.15 s in a group, so at most 20 in any minute;
one a second in a private chat) and then a slot of the bot (just under its limit a second).
Slots are handed out from `next_at`, which never lags behind now: time left unused is not
saved up, so nothing is released at once after a pause. `PaceBook` keeps the pace in memory
(one process, SQLite); `reserve_shared` and friends keep it in the `sendpace` table, where
every instance on one PostgreSQL takes its slots from the same budgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

BOT_KEY = "bot"
# Telegram counts 20 messages a minute into one group and advises about one a second into
# one private chat. Spacing a group's messages 3.15 s apart leaves 20 × 0.15 = 3 s of slack
# over any minute for network jitter and late sends.
GROUP_INTERVAL = 60 / 20 * 1.05
PRIVATE_INTERVAL = 1.05
# The bot's slots are 1 / (L × HEADROOM) apart: a slot sent up to LATE seconds after its time
# still leaves every one-second window under L.
HEADROOM = 0.95
LATE = 0.02
# A chat slot this close is taken as now: the message gets a bot slot at once.
READY_WITHIN = 0.05
# A budget never used holds nothing back, whatever the clock reads (it may be negative).
NEVER = float("-inf")


def chat_key(chat_id: int | str) -> str:
    return f"chat:{chat_id}"


def chat_interval(chat_id: int | str) -> float:
    """Groups, supergroups and channels have negative ids (or an @username); people positive."""
    if isinstance(chat_id, int) and chat_id > 0:
        return PRIVATE_INTERVAL
    return GROUP_INTERVAL


def bot_interval(limit_per_second: float) -> float:
    return 1.0 / (limit_per_second * HEADROOM)


@dataclass(frozen=True)
class Slot:
    """When one message may go: its chat's slot, and its bot slot (None: take one at `chat_at`).

    Both are seconds on the pace's clock (`Reservation.now` says what now is there).
    """

    chat_at: float
    send_at: float | None


@dataclass(frozen=True)
class Reservation:
    now: float
    slots: list[Slot]


def _chat_spans(chats: Sequence[int | str]) -> dict[str, float]:
    """Key → the time the messages to that chat take (count × interval), keys sorted.

    Sorted, so that concurrent reservations lock the rows in one order (no deadlock).
    """
    spans: dict[str, float] = {}
    for chat in chats:
        key = chat_key(chat)
        spans[key] = spans.get(key, 0.0) + chat_interval(chat)
    return dict(sorted(spans.items()))


def _chat_slots(chats: Sequence[int | str], starts: dict[str, float]) -> list[float]:
    """Each message's chat slot, in order: a chat's messages one interval apart."""
    taken: dict[str, int] = {}
    slots = []
    for chat in chats:
        key = chat_key(chat)
        slots.append(starts[key] + taken.get(key, 0) * chat_interval(chat))
        taken[key] = taken.get(key, 0) + 1
    return slots


def _ready(chat_slots: list[float], now: float) -> list[int]:
    """Messages whose chat slot has come (or nearly): they get bot slots now, earliest first."""
    ready = [i for i, at in enumerate(chat_slots) if at <= now + READY_WITHIN]
    return sorted(ready, key=lambda i: chat_slots[i])


def _combine(
    chat_slots: list[float], ready: list[int], bot_start: float, interval: float
) -> list[Slot]:
    send: dict[int, float] = {}
    for rank, index in enumerate(ready):
        send[index] = max(bot_start + rank * interval, chat_slots[index])
    return [Slot(at, send.get(i)) for i, at in enumerate(chat_slots)]


class PaceBook:
    """The pace of one process, in memory: what a bot on SQLite (one process) uses."""

    def __init__(self) -> None:
        self.next_at: dict[str, float] = {}

    def _take(self, key: str, now: float, span: float) -> float:
        start = max(self.next_at.get(key, NEVER), now)
        self.next_at[key] = start + span
        return start

    def reserve(
        self, chats: Sequence[int | str], *, now: float, interval: float, chats_only: bool = False
    ) -> Reservation:
        """Slots for one message to each of `chats` (a chat may repeat), in order.

        With `chats_only`, no bot slot is taken (the caller takes one when it is ready).
        """
        starts = {key: self._take(key, now, span) for key, span in _chat_spans(chats).items()}
        chat_slots = _chat_slots(chats, starts)
        ready = [] if chats_only else _ready(chat_slots, now)
        bot_start = self._take(BOT_KEY, now, len(ready) * interval) if ready else now
        return Reservation(now, _combine(chat_slots, ready, bot_start, interval))

    def reserve_bot(self, count: int, *, now: float, interval: float) -> float:
        """`count` consecutive bot slots; returns the first."""
        return self._take(BOT_KEY, now, count * interval)

    def pause(self, key: str, *, now: float, seconds: float) -> None:
        """Nothing in this budget before now + seconds (a RetryAfter)."""
        self.next_at[key] = max(self.next_at.get(key, NEVER), now + seconds)

    def prune(self, *, now: float, older_than: float = 60.0) -> int:
        old = [k for k, at in self.next_at.items() if k != BOT_KEY and at < now - older_than]
        for key in old:
            del self.next_at[key]
        return len(old)


# --- the same, shared in the database (PostgreSQL) ----------------------------------------

_NOW = text("SELECT extract(epoch FROM clock_timestamp())::float8")
# A budget moves from max(next_at, now) by `span`; a new one starts at now. RETURNING gives
# the new next_at, so the slot taken starts at next_at - span.
_TAKE = text(
    """
    INSERT INTO sendpace (key, next_at)
    SELECT key, :now + span FROM unnest(CAST(:keys AS text[]), CAST(:spans AS float8[]))
        AS v(key, span) ORDER BY key
    ON CONFLICT (key) DO UPDATE
        SET next_at = GREATEST(sendpace.next_at, :now) + (excluded.next_at - :now)
    RETURNING key, next_at
    """
)
_PAUSE = text(
    """
    INSERT INTO sendpace (key, next_at) VALUES (:key, :until)
    ON CONFLICT (key) DO UPDATE SET next_at = GREATEST(sendpace.next_at, excluded.next_at)
    """
)
_PRUNE = text("DELETE FROM sendpace WHERE key <> :bot AND next_at < :before")


def database_now(session: Session) -> float:
    return float(session.execute(_NOW).scalar_one())


def _take_shared(session: Session, spans: dict[str, float], now: float) -> dict[str, float]:
    """Move each budget in `spans` forward; returns key → the start of the slots taken."""
    rows = session.execute(
        _TAKE, {"now": now, "keys": list(spans), "spans": list(spans.values())}
    ).all()
    return {key: float(next_at) - spans[key] for key, next_at in rows}


def reserve_shared(
    session: Session, *, chats: Sequence[int | str], interval: float, chats_only: bool = False
) -> Reservation:
    """`PaceBook.reserve` on the `sendpace` table: one transaction, rows locked in key order."""
    now = database_now(session)
    starts = _take_shared(session, _chat_spans(chats), now) if chats else {}
    chat_slots = _chat_slots(chats, starts)
    ready = [] if chats_only else _ready(chat_slots, now)
    bot_start = now
    if ready:
        bot_start = _take_shared(session, {BOT_KEY: len(ready) * interval}, now)[BOT_KEY]
    return Reservation(now, _combine(chat_slots, ready, bot_start, interval))


def reserve_bot_shared(session: Session, *, count: int, interval: float) -> tuple[float, float]:
    """`count` consecutive bot slots; returns (now, the first slot)."""
    now = database_now(session)
    return now, _take_shared(session, {BOT_KEY: count * interval}, now)[BOT_KEY]


def pause_shared(session: Session, *, key: str, seconds: float) -> None:
    now = database_now(session)
    session.execute(_PAUSE, {"key": key, "until": now + seconds})


def prune_shared(session: Session, *, older_than: float = 60.0) -> int:
    """Forget chats' budgets that lie in the past (they no longer hold anything back)."""
    now = database_now(session)
    result = session.execute(_PRUNE, {"bot": BOT_KEY, "before": now - older_than})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
