"""The pace every message of the bot keeps, as the running process waits for it.

`LocalPace` keeps the budgets in memory (one process, SQLite); `SharedPace` in the database
(`coordination.pace`), so every instance on one PostgreSQL draws from the same budgets. Both
hand out release times on the process's clock (the event loop's, moved on with the bot's
clock when the demo lets days pass); `release` waits for one. A process also never sends two
messages closer than a bot slot apart, so a stall is not followed by a burst.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coordination.pace import (
    BOT_KEY,
    LATE,
    PaceBook,
    Reservation,
    bot_interval,
    chat_key,
    pause_shared,
    prune_shared,
    reserve_bot_shared,
    reserve_shared,
)
from models.db import Database, is_postgres

log = logging.getLogger(__name__)

# A RetryAfter for this many chats within a second means the bot as a whole is too fast.
CROWD = 3
CROWD_WINDOW = 1.0


@dataclass(frozen=True)
class Turn:
    """One message's release: its chat's slot and its bot slot (None: take one at `chat_at`),
    in seconds of the event loop's clock."""

    chat_id: int | str
    chat_at: float
    send_at: float | None


class Pace:
    """The budgets of the bot and its chats; subclasses say where they are kept."""

    shared = False

    def __init__(self, limit_per_second: float) -> None:
        self.limit_per_second = limit_per_second
        # Seconds the bot's clock is ahead of the wall clock (the demo's simulated days).
        self.clock_offset: Callable[[], float] = lambda: 0.0
        self.interval = bot_interval(limit_per_second)
        self._last_release = float("-inf")
        self._retry_afters: list[tuple[float, int | str]] = []
        self.released = 0
        self.re_reserved = 0
        self.waiting = 0  # messages waiting for their turn right now

    # --- where the budgets are kept ----------------------------------------------------
    async def _reserve(self, chats: Sequence[int | str], chats_only: bool) -> Reservation:
        raise NotImplementedError

    async def _reserve_bot(self, count: int) -> tuple[float, float]:
        """(now, first slot) on the pace's clock."""
        raise NotImplementedError

    async def _pause(self, key: str, seconds: float) -> None:
        raise NotImplementedError

    async def prune(self) -> int:
        """Forget chats' budgets that no longer hold anything back."""
        raise NotImplementedError

    def clock(self) -> float:
        """Now, on the clock the turns are given in."""
        return asyncio.get_running_loop().time() + self.clock_offset()

    async def _sleep_until(self, at: float) -> None:
        delay = at - self.clock()
        if delay > 0:
            await asyncio.sleep(delay)

    # --- the same for every kind --------------------------------------------------------
    async def reserve(self, chats: Sequence[int | str], *, chats_only: bool = False) -> list[Turn]:
        """Turns for one message to each of `chats` (in order; a chat may repeat)."""
        before = self.clock()
        reservation = await self._reserve(chats, chats_only)
        offset = (before + self.clock()) / 2 - reservation.now
        return [
            Turn(
                chat,
                slot.chat_at + offset,
                None if slot.send_at is None else slot.send_at + offset,
            )
            for chat, slot in zip(chats, reservation.slots, strict=True)
        ]

    async def reserve_bot(self) -> float:
        """One bot slot, on the loop's clock."""
        before = self.clock()
        now, first = await self._reserve_bot(1)
        return first + (before + self.clock()) / 2 - now

    async def release(self, turn: Turn) -> None:
        """Wait until the message of `turn` may go."""
        self.waiting += 1
        try:
            await self._release(turn)
        finally:
            self.waiting -= 1

    async def _release(self, turn: Turn) -> None:
        await self._sleep_until(turn.chat_at)
        send_at = turn.send_at if turn.send_at is not None else await self.reserve_bot()
        await self._sleep_until(send_at)
        if self.shared and self.clock() - send_at > LATE:
            # Sent this late, its slot would crowd the next second's slots of the other
            # instances: take a fresh one (once).
            self.re_reserved += 1
            await self._sleep_until(await self.reserve_bot())
        now = self.clock()
        at = max(now, self._last_release + self.interval)
        self._last_release = at
        self.released += 1
        await self._sleep_until(at)

    async def wait_turn(self, chat_id: int | str | None) -> None:
        """Reserve and wait for one message to `chat_id` (None: only the bot's budget)."""
        self.waiting += 1
        try:
            if chat_id is None:
                turn = Turn("", float("-inf"), await self.reserve_bot())
            else:
                (turn,) = await self.reserve([chat_id])
        finally:
            self.waiting -= 1
        await self.release(turn)

    async def pause_chat(self, chat_id: int | str, seconds: float) -> None:
        """Telegram asked to wait: nothing into this chat for `seconds`.

        When several chats are refused within a second, the bot as a whole was too fast:
        its budget waits too (the shortest of the waits).
        """
        await self._pause(chat_key(chat_id), seconds)
        now = time.monotonic()
        self._retry_afters = [
            (at, chat) for at, chat in self._retry_afters if at > now - CROWD_WINDOW
        ] + [(now, chat_id)]
        if len({chat for _at, chat in self._retry_afters}) >= CROWD:
            log.warning("Telegram refused %d chats within a second; the bot pauses", CROWD)
            self._retry_afters.clear()
            await self._pause(BOT_KEY, seconds)


class LocalPace(Pace):
    """The budgets in this process's memory, on the loop's clock: one process (SQLite)."""

    def __init__(self, limit_per_second: float) -> None:
        super().__init__(limit_per_second)
        self.book = PaceBook()

    async def _reserve(self, chats: Sequence[int | str], chats_only: bool) -> Reservation:
        return self.book.reserve(
            chats, now=self.clock(), interval=self.interval, chats_only=chats_only
        )

    async def _reserve_bot(self, count: int) -> tuple[float, float]:
        now = self.clock()
        return now, self.book.reserve_bot(count, now=now, interval=self.interval)

    async def _pause(self, key: str, seconds: float) -> None:
        self.book.pause(key, now=self.clock(), seconds=seconds)

    async def prune(self) -> int:
        return self.book.prune(now=self.clock())


class SharedPace(Pace):
    """The budgets in the database's `sendpace` table, on the database's clock."""

    shared = True

    def __init__(self, limit_per_second: float, db: Database) -> None:
        super().__init__(limit_per_second)
        self.db = db

    async def _reserve(self, chats: Sequence[int | str], chats_only: bool) -> Reservation:
        return await self.db.run(
            reserve_shared, chats=list(chats), interval=self.interval, chats_only=chats_only
        )

    async def _reserve_bot(self, count: int) -> tuple[float, float]:
        return await self.db.run(reserve_bot_shared, count=count, interval=self.interval)

    async def _pause(self, key: str, seconds: float) -> None:
        await self.db.run(pause_shared, key=key, seconds=seconds)

    async def prune(self) -> int:
        return await self.db.run(prune_shared)


def pace_for(db: Database, limit_per_second: float) -> Pace:
    """Shared on PostgreSQL (several instances may send), in memory on SQLite (one process)."""
    if is_postgres(db.engine):
        return SharedPace(limit_per_second, db)
    return LocalPace(limit_per_second)
