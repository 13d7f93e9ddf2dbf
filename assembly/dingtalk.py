"""The bot on DingTalk: the same services, jobs and outbox as on Telegram, events from the
Stream through the platform-free dispatcher, every message out through DingTalk's adapter.

    bot = build_dingtalk(settings, db, platform)
    await bot.run(stop)               # until `stop` is set: restore jobs, receive, send

The python-telegram-bot Application is kept only as what holds the services and runs the
job queue (schedules, the tick, the outbox worker): it is never initialised, so it never
talks to Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from dataclasses import dataclass
from typing import Any

from telegram.ext import ApplicationBuilder, Defaults

from delivery.jobs import restore_jobs, sync_jobs
from delivery.worker import OutboxWorker, outbox
from dingtalk_adapter.platform import DingTalkPlatform
from dispatch import Dispatcher, Hooks
from dispatch.inbox import EventInbox
from intake.instances import is_gone
from models.db import Database
from runtime import Services
from runtime.pace import pace_for
from settings import Settings

log = logging.getLogger(__name__)

AnyApp = Any  # telegram.ext.Application[...], as a holder of services and jobs only
# The Application needs a token to be built; it is never used (nothing calls Telegram).
UNUSED_TOKEN = "dingtalk"
INBOX_JOB = "inbox"
INBOX_TICK_SECONDS = 20.0  # renewals come well inside the inbox's lease


@dataclass
class DingTalkBot:
    application: AnyApp
    platform: DingTalkPlatform
    dispatcher: Dispatcher
    inbox: EventInbox

    @property
    def services(self) -> Services:
        return self.dispatcher.services

    async def start(self) -> None:
        """What a killed process left in the inbox handed over first, jobs rebuilt from the
        database, what is owed sent, the job queue running with the inbox's tick."""
        recovered = await self.inbox.recover()
        if recovered:
            log.info("handling %d event(s) received before a restart", recovered)
        await restore_jobs(self.application)
        outbox(self.application).start()
        job_queue = self.application.job_queue
        if job_queue is not None:
            inbox = self.inbox

            async def inbox_tick(_context: object) -> None:
                await inbox.tick()

            job_queue.run_repeating(
                inbox_tick, interval=INBOX_TICK_SECONDS, first=INBOX_TICK_SECONDS,
                name=INBOX_JOB,
            )
            await job_queue.start()

    async def stop(self) -> None:
        """The events in hand finish, then the outbox worker (its sends in hand) and the
        jobs stop."""
        await self.inbox.drain()
        await outbox(self.application).stop()
        job_queue = self.application.job_queue
        if job_queue is not None and job_queue.scheduler.running:
            await job_queue.stop()

    async def run(self, stop: asyncio.Event) -> None:
        """Receive and send until `stop` is set; then stop receiving, then the jobs."""
        await self.start()
        # Every event is stored in the inbox before DingTalk learns it arrived.
        receiver = asyncio.create_task(self.platform.run(self.inbox))
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({receiver, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await receiver
            await self.stop()
        if receiver.done() and not receiver.cancelled() and receiver.exception() is not None:
            raise receiver.exception()  # type: ignore[misc]


def build_dingtalk(
    settings: Settings,
    db: Database,
    platform: DingTalkPlatform,
    *,
    admin_keys: tuple[str, ...] = (),
    instance: str = "bot",
) -> DingTalkBot:
    """Services, jobs and the dispatcher around a DingTalk platform."""
    application = (
        ApplicationBuilder()
        .token(UNUSED_TOKEN)
        .updater(None)
        .defaults(Defaults(tzinfo=settings.tz))
        .build()
    )
    # DingTalk's pace: its calls a second (20 on the standard edition) if fewer than the
    # settings', and as on Telegram 20 messages a minute into one group.
    rate = min(settings.rate_limit_per_second, platform.capabilities.pacing.per_second)
    pace = pace_for(db, rate)
    svc = Services(settings=settings, db=db, instance=instance, platform=platform, pace=pace)
    application.bot_data["services"] = svc
    pace.clock_offset = lambda: svc.clock_offset.total_seconds()
    application.bot_data["outbox"] = OutboxWorker(application, pace)

    async def wake() -> None:
        outbox(application).wake()

    async def schedules_changed() -> None:
        await sync_jobs(application)

    dispatcher = Dispatcher(
        svc,
        platform,
        hooks=Hooks(flush=wake, schedules_changed=schedules_changed),
        admin_keys=admin_keys,
    )
    # A process of this host whose pid is gone left its events: they are taken at once.
    inbox = EventInbox(dispatcher, gone=functools.partial(is_gone, me=instance))
    return DingTalkBot(application, platform, dispatcher, inbox)
