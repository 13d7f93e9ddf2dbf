"""Sending the outbox in the background: claim due deliveries only as fast as the pace sends
them, render a batch at once, send each at its release time, record the outcomes in batches.

One `OutboxWorker` runs per process. Commands, jobs and the tick only `wake` it, so nothing
waits for a fan-out; on PostgreSQL it also looks for work every 2 s, so it joins a fan-out
another instance opened. It claims the next batch when its reserved turns run out within
about half a second: a fan-out spreads over the live instances, and a killed one strands
little.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from coordination.membership import drop_chat, migrate_chat
from coordination.outbox import (
    backoff,
    claim_due,
    mark_failed,
    mark_retry,
    mark_sent_many,
    next_due,
    queue_due_reports,
    release_claims,
    release_stale,
    renew_claims,
)
from coordination.outbox_content import Due, claimed_contents
from delivery.telegram_platform import TelegramPlatform
from messages.i18n import get_translator
from messages.outgoing import Outgoing
from messages.reminders import render_content
from models.db import is_postgres
from models.schedules import FORBIDDEN_MARK, RATE_LIMITED_MARK
from runtime import Services, services
from runtime.pace import Pace, Turn
from runtime.platform import (
    ChatMoved,
    ChatPlatform,
    ChatRef,
    ChatUnavailable,
    DeliveryUnknown,
    MessageRejected,
    PlatformError,
    RetryLater,
)
from runtime.platform.addresses import chat_number, chat_reference, message_number

log = logging.getLogger(__name__)

AnyApp = Any  # telegram.ext.Application[...]; kept loose to spare six type parameters

# Messages in flight over HTTP at once (the pace decides when each may start).
SEND_CONCURRENCY = 32
# Without a pace (tests): this many claimed at a time.
CLAIM_BATCH = 64
# With a pace: a batch holds this many seconds of the bot's turns, and the next is claimed
# when this process's reserved turns end within that much.
BATCH_SECONDS = 0.5
MAX_BATCH = 100
MAX_MIGRATIONS = 3
# Sends are recorded together: after this many, or this long after the first.
RECORD_BATCH = 64
RECORD_DELAY = 0.01
# How long a stop waits for the sends already claimed before handing them back.
STOP_GRACE = 10.0
# Idle, a worker looks for work this often at most. On PostgreSQL other instances queue work
# too (a /remind taken by one of them): looking every 2 s lets each join a fan-out at once.
IDLE_ALONE = 60.0
IDLE_SHARED = 2.0


@dataclass(frozen=True)
class Rendered:
    """A claimed delivery, rendered for its chat: the messages to send, in order."""

    delivery_id: int
    chat_id: int
    messages: list[Outgoing]
    attempts: int = 0


def render_due(svc: Services, due: list[Due], *, answer_by_mention: bool = False) -> list[Rendered]:
    """Each delivery in its chat's language and its schedule's time zone, telling how to
    answer the way the platform lets people (a reply, or an @-mention)."""
    rendered = []
    for item in due:
        t = get_translator(
            item.locale or svc.settings.bot_locale, item.timezone or svc.settings.bot_timezone
        )
        content = render_content(t, item.content, answer_by_mention=answer_by_mention)
        messages = [m for m in content if m.text.strip() or m.file]
        rendered.append(Rendered(item.delivery_id, item.chat_id, messages, item.attempts))
    return rendered


@dataclass
class FlushReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass
class _Batch:
    """Sends recorded together once they are through."""

    sent: list[tuple[int, int | None]] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None


class OutboxWorker:
    """The process's sender of the outbox; `wake` it when something may be due."""

    def __init__(self, application: AnyApp, pace: Pace | None) -> None:
        self.application = application
        self.pace = pace
        self.report = FlushReport()
        self.in_flight: set[int] = set()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[None]] = set()
        self._records: set[asyncio.Task[None]] = set()
        self._batch = _Batch()
        # When this process's last reserved turn comes (on the pace's clock).
        self._horizon = float("-inf")
        self._http = asyncio.Semaphore(SEND_CONCURRENCY)

    @property
    def svc(self) -> Services:
        return services(self.application)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-worker")
        self._heartbeat = asyncio.create_task(self._renew_claims(), name="outbox-heartbeat")

    async def stop(self) -> None:
        """Stop claiming; let the sends already claimed finish (a while), hand back the rest."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), STOP_GRACE)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        for task in list(self._sends):
            task.cancel()
        await asyncio.gather(*self._sends, return_exceptions=True)
        self._flush_records()
        await asyncio.gather(*self._records, return_exceptions=True)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        if self.in_flight:
            # Claimed, never sent: another instance (or the restart) may take them at once.
            count = await self.svc.db.run(
                release_claims, delivery_ids=sorted(self.in_flight), instance=self.svc.instance
            )
            log.info("stopping: %d claimed deliveries handed back unsent", count)
            self.in_flight.clear()
        self._idle.set()

    def wake(self) -> None:
        """Something may be due: a cycle opened, a chat came back, a retry's time came."""
        self._idle.clear()
        self._wake.set()

    async def drain(self) -> FlushReport:
        """Wake the worker and wait until nothing due is left (or run it here when stopped)."""
        before = FlushReport(self.report.sent, self.report.retried, self.report.failed)
        if self.running:
            self.wake()
            waiter = asyncio.ensure_future(self._idle.wait())
            await asyncio.wait({waiter, self._task}, return_when=asyncio.FIRST_COMPLETED)  # type: ignore[arg-type]
            waiter.cancel()
        else:
            await self._pass()
        return FlushReport(
            self.report.sent - before.sent,
            self.report.retried - before.retried,
            self.report.failed - before.failed,
        )

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._pass()
                wait = await self._until_next_due()
            except Exception:
                log.exception("the outbox worker failed; trying again shortly")
                wait = 5.0
            if self._stopping:
                break
            if not self._wake.is_set():
                self._idle.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            self._wake.clear()

    async def _until_next_due(self) -> float:
        """Seconds until the earliest pending delivery is due (a retry's wait), capped."""
        svc = self.svc
        idle = IDLE_SHARED if is_postgres(svc.db.engine) else IDLE_ALONE
        now = svc.now()
        due_at: datetime | None = await svc.db.run(next_due, now=now)
        if due_at is None:
            return idle
        return min(idle, max(0.05, (due_at - now).total_seconds()))

    # --- one pass: claim, render, pace, send, record --------------------------------------
    async def _pass(self) -> None:
        """Send everything due now; returns when the last send is recorded."""
        svc = self.svc
        while not self._stopping:
            await self._room()
            now = svc.now()
            ids = await svc.db.run(
                claim_due, instance=svc.instance, now=now, limit=self._batch_size()
            )
            if not ids:
                # Once the sends are through, a /remind may be ready for its report.
                await self._settle()
                if await svc.db.run(queue_due_reports, now=svc.now()):
                    continue
                return
            self.in_flight.update(ids)
            try:
                due = await svc.db.run(claimed_contents, delivery_ids=ids, now=now)
                mention = not self.platform.capabilities.replies_reach_bot
                items = await asyncio.to_thread(
                    render_due, svc, due, answer_by_mention=mention
                )
            except Exception:
                log.exception("could not render deliveries %s; retrying later", ids)
                for delivery_id in ids:
                    await svc.db.run(
                        mark_retry,
                        delivery_id=delivery_id,
                        not_before=now + backoff(1),
                        error="render error",
                    )
                self.in_flight.difference_update(ids)
                continue
            # Those with nothing left to say were marked skipped.
            self.in_flight.difference_update(set(ids) - {item.delivery_id for item in items})
            await self._schedule(items)
        await self._settle()

    def _batch_size(self) -> int:
        if self.pace is None:
            return CLAIM_BATCH
        return max(1, min(MAX_BATCH, math.ceil(self.pace.limit_per_second * BATCH_SECONDS)))

    async def _room(self) -> None:
        """Claim no further ahead than this process's turns reach (about half a second)."""
        if self.pace is None:
            await self._settle()  # without a pace, one batch at a time
            return
        while self._horizon - self.pace.clock() > BATCH_SECONDS and not self._stopping:
            await asyncio.sleep(self._horizon - self.pace.clock() - BATCH_SECONDS / 2)

    async def _settle(self) -> None:
        while self._sends:
            await asyncio.gather(*list(self._sends), return_exceptions=True)
        self._flush_records()
        while self._records:
            await asyncio.gather(*list(self._records), return_exceptions=True)

    async def _schedule(self, items: list[Rendered]) -> None:
        """Reserve every message's turn in one go, then send each at its time."""
        turns: list[Turn] = []
        if self.pace is not None:
            chats = [item.chat_id for item in items for _ in item.messages]
            turns = await self.pace.reserve(chats)
            timed = [t.send_at for t in turns if t.send_at is not None]
            if timed:
                self._horizon = max(self._horizon, *timed)
        position = 0
        for item in items:
            mine = turns[position : position + len(item.messages)] if turns else []
            position += len(item.messages)
            task = asyncio.create_task(self._deliver(item, mine))
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)

    # --- one delivery ---------------------------------------------------------------------
    @property
    def platform(self) -> ChatPlatform:
        """What the outbox sends through: the assembly's platform (Telegram's by default),
        its sends marked paced when the worker waits for their turns itself."""
        platform = self.svc.platform or TelegramPlatform(self.application.bot)
        if isinstance(platform, TelegramPlatform) and self.pace is not None:
            return platform.paced()
        return platform

    async def _send(
        self,
        platform: ChatPlatform,
        chat: ChatRef,
        outgoing: Outgoing,
        turn: Turn | None,
        key: str,
    ) -> int:
        if turn is not None and self.pace is not None:
            await self.pace.release(turn)
        async with self._http:
            # The key makes a repeat harmless where the platform can (DingTalk's cards).
            sent = await platform.send(chat, outgoing, dedupe_key=key)
        return message_number(sent.messages[0])

    async def _deliver(self, item: Rendered, turns: list[Turn]) -> None:
        """Send one delivery and record the outcome; never raises."""
        platform = self.platform
        try:
            name = platform.capabilities.platform
            chat = await chat_reference(self.svc.db, item.chat_id, platform=name)
            if chat is None:
                raise MessageRejected(f"chat {item.chat_id} is none of this platform's")
            first_id: int | None = None
            for index, outgoing in enumerate(item.messages):
                turn = turns[index] if index < len(turns) else None
                key = f"delivery:{item.delivery_id}:{index}"
                message_id = await self._send(platform, chat, outgoing, turn, key)
                first_id = first_id or message_id
        except asyncio.CancelledError:
            return  # stopping: the claim is handed back unsent
        except DeliveryUnknown as exc:
            # The request went out and its answer was lost: sending again might double it.
            log.warning("delivery %s may have arrived (%s); not sent again", item.delivery_id, exc)
            self._record(item.delivery_id, None)
            return
        except Exception as exc:  # each kind is handled in _failed; none may escape
            await self._failed(item, exc)
            self.in_flight.discard(item.delivery_id)
            return
        self._record(item.delivery_id, first_id)

    def _record(self, delivery_id: int, message_id: int | None) -> None:
        self._batch.sent.append((delivery_id, message_id))
        self.report.sent += 1
        if len(self._batch.sent) >= RECORD_BATCH:
            self._flush_records()
        elif self._batch.timer is None:
            loop = asyncio.get_running_loop()
            self._batch.timer = loop.call_later(RECORD_DELAY, self._flush_records)

    def _flush_records(self) -> None:
        batch, self._batch = self._batch, _Batch()
        if batch.timer is not None:
            batch.timer.cancel()
        if batch.sent:
            task = asyncio.create_task(self._write(batch.sent))
            self._records.add(task)
            task.add_done_callback(self._records.discard)

    async def _write(self, sent: list[tuple[int, int | None]]) -> None:
        svc = self.svc
        try:
            await svc.db.run(mark_sent_many, sent=sent, now=svc.now())
        except Exception:
            # They went out; left `sending`, the lease would send them again. Try once more.
            log.exception("could not record %d sent deliveries; trying again", len(sent))
            await asyncio.sleep(1.0)
            await svc.db.run(mark_sent_many, sent=sent, now=svc.now())
        finally:
            self.in_flight.difference_update(d for d, _ in sent)

    async def _failed(self, item: Rendered, exc: BaseException) -> None:
        """Record why a delivery did not go out; retried later unless the chat is gone."""
        svc = self.svc
        db = svc.db
        try:
            if isinstance(exc, ChatMoved):
                new_id = await db.run(chat_number, exc.moved_to)
                log.info("chat %s became supergroup %s; moving it", item.chat_id, new_id)
                await db.run(migrate_chat, old_id=item.chat_id, new_id=new_id)
                svc.move_locale(item.chat_id, new_id)
                attempts = await db.run(
                    mark_retry,
                    delivery_id=item.delivery_id,
                    not_before=svc.now(),
                    error=f"migrated to {new_id}",
                )
                if attempts > MAX_MIGRATIONS:
                    await db.run(
                        mark_failed, delivery_id=item.delivery_id, error="chat keeps migrating"
                    )
                self.report.retried += 1
                self.wake()
            elif isinstance(exc, RetryLater):
                wait = exc.seconds
                # The limiter paused this chat only; the delivery waits in the database.
                await db.run(
                    mark_retry,
                    delivery_id=item.delivery_id,
                    not_before=svc.now() + timedelta(seconds=wait),
                    error=f"{RATE_LIMITED_MARK}: retry after {wait:g}s",
                    count_attempt=False,
                )
                self.report.retried += 1
            elif isinstance(exc, ChatUnavailable):
                await db.run(
                    mark_failed,
                    delivery_id=item.delivery_id,
                    error=f"{FORBIDDEN_MARK}: {exc}",
                )
                self.report.failed += 1
                # The notice to the coordinators is queued, and this pass sends it.
                await db.run(
                    drop_chat,
                    chat_id=item.chat_id,
                    now=svc.now(),
                    fallback_chat_ids=svc.settings.admin_ids,
                )
                self.wake()
            elif isinstance(exc, MessageRejected):
                # "chat not found" and malformed requests do not get better by retrying.
                log.warning("delivery %s to %s refused: %s", item.delivery_id, item.chat_id, exc)
                await db.run(mark_failed, delivery_id=item.delivery_id, error=str(exc)[:500])
                self.report.failed += 1
            else:
                if isinstance(exc, PlatformError):
                    error = f"{type(exc).__name__}: {exc}"
                else:
                    log.error(
                        "unexpected error sending delivery %s",
                        item.delivery_id,
                        exc_info=(type(exc), exc, exc.__traceback__),
                    )
                    error = f"{type(exc).__name__}: {exc}"
                await db.run(
                    mark_retry,
                    delivery_id=item.delivery_id,
                    not_before=svc.now() + backoff(item.attempts + 1),
                    error=error,
                )
                self.report.retried += 1
        except Exception:
            log.exception("could not record the outcome of delivery %s", item.delivery_id)

    # --- claims stay ours while we hold them ---------------------------------------------
    async def _renew_claims(self) -> None:
        """Renew this process's claims every third of the lease while it holds any."""
        svc = self.svc
        period = max(1.0, svc.settings.delivery_lease_seconds / 3)
        while True:
            await asyncio.sleep(period)
            if self.in_flight:
                try:
                    await svc.db.run(
                        renew_claims,
                        delivery_ids=sorted(self.in_flight),
                        instance=svc.instance,
                        now=svc.now(),
                    )
                except Exception:
                    log.exception("could not renew delivery claims")


def outbox(holder: Any) -> OutboxWorker:
    """The worker of an application (or anything with bot_data)."""
    return holder.bot_data["outbox"]  # type: ignore[no-any-return]


async def flush_outbox(application: AnyApp) -> FlushReport:
    """Send every due delivery now and wait for the outcome (tests, the tick)."""
    return await outbox(application).drain()


def wake_outbox(holder: Any) -> None:
    outbox(holder).wake()


async def release_stale_deliveries(application: AnyApp) -> int:
    svc = services(application)
    lease = timedelta(seconds=svc.settings.delivery_lease_seconds)
    return await svc.db.run(release_stale, now=svc.now(), lease=lease)
