"""The inbox on a platform that pushes events (DingTalk's Stream): every event is stored in
the inbox table before the platform is told it arrived, handled in its chat's lane (one
chat's events in order, chats side by side), and marked done after.

    inbox = EventInbox(dispatcher)
    await inbox.recover()               # at start: what a killed process left unfinished
    await platform.run(inbox)           # the inbox is the platform's event sink

The same table and rows as Telegram's updates (`coordination.inbox`); an event's row key is
a negative number made from its platform id, so it never meets a Telegram update id. A kill
between an event's effect and its done mark hands it over again at the next start: the
records' unique keys make a report recorded twice a copy, and a copy says nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from coordination import inbox as rows
from dispatch.dispatcher import Dispatcher
from models.clock import utcnow
from runtime.platform import ButtonPress, ChatEvent, IncomingMessage, MembershipChange
from runtime.platform.stored import event_from_json, event_to_json

log = logging.getLogger(__name__)

TAKE_AT_ONCE = 500
# Events in hand before the sink waits (the platform keeps the rest meanwhile).
MAX_HELD = 5_000


def event_number(event: ChatEvent) -> int:
    """The inbox key of an event: negative, from the platform's own id of it (a copy pushed
    again has the same id)."""
    if isinstance(event, IncomingMessage):
        identity = f"message:{event.message.chat}:{event.message.key}"
    elif isinstance(event, ButtonPress):
        identity = f"press:{event.sender}:{event.press_id}"
    elif event.event_id:
        identity = f"event:{event.chat}:{event.event_id}"
    else:
        identity = f"event:{event_to_json(event)}"
    digest = hashlib.sha256(identity.encode()).digest()
    return -((int.from_bytes(digest[:8], "big") >> 11) or 1)


def lane_of(event: ChatEvent) -> str:
    """Events of one chat are handled in order; a press without a chat, its presser's."""
    if isinstance(event, IncomingMessage | MembershipChange):
        return str(event.chat)
    return str(event.chat) if event.chat is not None else str(event.sender)


@dataclass
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


def nobody_gone(_name: str) -> bool:
    return False


@dataclass
class EventInbox:
    dispatcher: Dispatcher
    # Whether the process of that name is surely dead (its rows are taken at once, not after
    # the lease): the assembly's judge of names, which knows how processes are named.
    gone: Callable[[str], bool] = nobody_gone
    held: set[int] = field(default_factory=set)
    accepted: int = 0
    copies: int = 0
    _lanes: dict[str, _Lane] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _room: asyncio.Event = field(default_factory=asyncio.Event)

    # --- the sink ---------------------------------------------------------------------------

    async def __call__(self, event: ChatEvent) -> None:
        """Store the event (claimed by this process) and queue it in its lane; a copy is
        dropped. Returns once the row is committed: only then is the event acknowledged.
        Raises when the database cannot store it (the platform pushes it again where it can)."""
        update_id = event_number(event)
        if update_id in self.held:
            self.copies += 1
            return
        while len(self.held) >= MAX_HELD:
            self._room.clear()
            await self._room.wait()
        svc = self.dispatcher.services
        stored = await svc.db.run(
            rows.receive,
            update_id=update_id,
            payload=event_to_json(event),
            instance=svc.instance,
            now=utcnow(),
        )
        if not stored:
            # Pushed again: finished, held by a live process, or left by a dead one.
            taken = await svc.db.run(
                rows.take_over,
                instance=svc.instance,
                now=utcnow(),
                own=True,
                update_ids=[update_id],
            )
            if not taken or update_id in self.held:
                self.copies += 1
                return
        self.accepted += 1
        self._hand_over(update_id, event)

    def _hand_over(self, update_id: int, event: ChatEvent) -> None:
        self.held.add(update_id)
        task = asyncio.create_task(self._handle(update_id, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, update_id: int, event: ChatEvent) -> None:
        key = lane_of(event)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
        lane.users += 1
        try:
            # asyncio's locks are fair: a chat's events go in the order they arrived.
            async with lane.lock:
                await self.dispatcher(event)  # never raises: it logs what failed
                await self._settle(update_id)
        finally:
            lane.users -= 1
            if lane.users == 0:
                del self._lanes[key]
            self.held.discard(update_id)
            if len(self.held) < MAX_HELD:
                self._room.set()

    async def _settle(self, update_id: int) -> None:
        try:
            await self.dispatcher.services.db.run(rows.mark_done, [update_id])
        except Exception:
            # It stays unfinished and is handled again at the next start (at least once).
            log.warning("could not mark event %d done", update_id, exc_info=True)

    # --- start, tick and stop ---------------------------------------------------------------

    async def recover(self) -> int:
        """At start: hand over the unfinished events nobody live holds, oldest row first,
        before any new one arrives. Returns how many."""
        return await self._take(own=True)

    async def tick(self) -> None:
        """Keep this process's claims fresh, take over those not renewed in time, prune."""
        svc = self.dispatcher.services
        now = utcnow()
        held = sorted(self.held)
        for start in range(0, len(held), TAKE_AT_ONCE):
            await svc.db.run(
                rows.renew,
                instance=svc.instance,
                update_ids=held[start : start + TAKE_AT_ONCE],
                now=now,
            )
        await self._take(own=False)
        await svc.db.run(rows.prune, now=now)

    async def _take(self, *, own: bool) -> int:
        svc = self.dispatcher.services
        holders = await svc.db.run(rows.holders)
        dead = {name for name in holders if name != svc.instance and self.gone(name)}
        total = 0
        while True:
            taken = await svc.db.run(
                rows.take_over,
                instance=svc.instance,
                now=utcnow(),
                dead=dead,
                own=own,
                limit=TAKE_AT_ONCE,
            )
            for stored in taken:
                if stored.update_id in self.held:
                    continue
                try:
                    event = event_from_json(stored.payload)
                except ValueError:
                    # Not an event of this platform (a Telegram update): never handled here.
                    log.warning("inbox row %d is no stored event; left aside", stored.update_id)
                    await self._settle(stored.update_id)
                    continue
                self._hand_over(stored.update_id, event)
            total += len(taken)
            if len(taken) < TAKE_AT_ONCE:
                return total

    async def idle(self, timeout: float = 10.0) -> None:
        """Return once no event is in hand (TimeoutError after `timeout`): a test's or the
        demo's way of knowing the bot has answered."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.wait(set(self._tasks))

    async def drain(self, timeout: float = 10.0) -> None:
        """Let the events in hand finish (at a stop); what does not is handled at the next
        start."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
