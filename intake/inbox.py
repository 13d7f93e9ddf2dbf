"""The inbox on the Telegram side: the sink that stores an update before it is confirmed,
the hand-over to the processor, the done mark after it, and the rows of a dead process.

    inbox = Inbox()                       # built with the application (assembly)
    await inbox.accept_update(json)       # by the poller or the webhook server; returns
                                          # once the update is committed to the inbox

What is durable when: an update is in the database before Telegram learns it arrived; its
effect (a record, a change) commits together with its done mark (`Services.writes`); an
update that only read something is marked done after it was answered. So after a crash, an
unfinished update is handled again at the next start: a change never twice, an answer to
something that only read at least once, an acknowledgement of a record at most once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from coordination import inbox as rows
from intake.instances import is_gone
from intake.processor import ChatOrderedProcessor
from models.clock import utcnow
from runtime import services

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
TICK_JOB = "inbox"
TICK_SECONDS = 20.0  # renewals come well inside the lease
# Updates held in memory before the sink waits (Telegram keeps the rest meanwhile).
MAX_HELD = 5_000
TAKE_AT_ONCE = 500


class MalformedUpdate(ValueError):
    """The body is not a Telegram update (no integer update_id): refused, never retried."""


def check_update(data: object) -> dict[str, Any]:
    """`data` as an update's JSON, or MalformedUpdate."""
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        raise MalformedUpdate("an update is a JSON object with an integer update_id")
    return data


class Inbox:
    """Stores what arrives, hands it to the application, marks it done once handled."""

    def __init__(self) -> None:
        self.application: AnyApp | None = None
        # Updates of this process not yet done: renewed by the tick, never taken twice.
        self.held: set[int] = set()
        self._room = asyncio.Event()
        self.accepted = 0
        self.copies = 0

    def attach(self, application: AnyApp) -> None:
        self.application = application
        application.bot_data["inbox"] = self
        processor = application.update_processor
        if isinstance(processor, ChatOrderedProcessor):
            processor.after = self._handled

    # --- the sink ------------------------------------------------------------------------

    async def accept_update(self, data: dict[str, Any]) -> None:
        """Store the update (claimed by this process) and queue it; a copy is dropped.

        Returns only once the row is committed: the receiver confirms the update after that.
        Raises when the database cannot store it (the receiver tries again later).
        """
        update_id: int = check_update(data)["update_id"]
        if update_id in self.held:
            self.copies += 1
            return
        while len(self.held) >= MAX_HELD:
            self._room.clear()
            await self._room.wait()
        svc = services(self._app)
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        # The updates arriving together are stored with one statement, in one transaction.
        arrival = rows.Arrival(update_id, payload, svc.instance, utcnow())
        stored = await svc.writes.run_merged(rows.receive_many, arrival)
        if update_id in self.held:
            self.copies += 1  # a copy that came in beside it (or the tick took it meanwhile)
            return
        if not stored:
            # Sent again: finished, held by a live process, or left by a dead one (taken now).
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
        await self._hand_over(update_id, data)

    async def _hand_over(self, update_id: int, data: dict[str, Any]) -> None:
        app = self._app
        try:
            update = Update.de_json(data, app.bot)
        except Exception:
            # Telegram sent what this library cannot read: keep the row, never retry it.
            log.exception("update %d cannot be read; it is left aside", update_id)
            await services(app).writes.settle(update_id)
            return
        self.held.add(update_id)
        services(app).writes.watch(update_id)
        app.update_queue.put_nowait(update)

    async def _handled(self, update: object) -> None:
        """After the handlers: done, unless the update's own transaction said so already."""
        if not isinstance(update, Update):
            return
        update_id = update.update_id
        writes = services(self._app).writes
        try:
            if not writes.settled(update_id):
                await writes.settle(update_id)
        except Exception:
            # It stays unfinished and is handled again at the next start (at least once).
            log.warning("could not mark update %d done", update_id, exc_info=True)
        finally:
            self.held.discard(update_id)
            if len(self.held) < MAX_HELD:
                self._room.set()

    # --- start and tick --------------------------------------------------------------------

    async def recover(self) -> int:
        """At start: queue the unfinished updates nobody live holds, oldest first, before any
        new one arrives. Returns how many."""
        return await self._take(own=True)

    async def tick(self) -> None:
        """Keep this process's claims fresh, take over a dead process's, prune old rows."""
        svc = services(self._app)
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
        pruned = await svc.db.run(rows.prune, now=now)
        if pruned:
            log.info("pruned %d handled update(s) from the inbox", pruned)

    async def _take(self, *, own: bool) -> int:
        svc = services(self._app)
        holders = await svc.db.run(rows.holders)
        gone = {name for name in holders if is_gone(name, me=svc.instance)}
        if not own:
            gone.discard(svc.instance)
        total = 0
        while True:
            taken = await svc.db.run(
                rows.take_over,
                instance=svc.instance,
                now=utcnow(),
                dead=gone,
                own=own,
                limit=TAKE_AT_ONCE,
            )
            for stored in taken:
                if stored.update_id not in self.held:
                    await self._hand_over(stored.update_id, json.loads(stored.payload))
            total += len(taken)
            if len(taken) < TAKE_AT_ONCE:
                return total

    @property
    def _app(self) -> AnyApp:
        assert self.application is not None, "Inbox.attach(application) first"
        return self.application


def inbox_of(application: AnyApp) -> Inbox:
    return application.bot_data["inbox"]  # type: ignore[no-any-return]


async def inbox_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The inbox's periodic job: see `Inbox.tick`."""
    await inbox_of(context.application).tick()
