"""The Application: settings, defaults, the pace and its limiter, every area's handlers, the
outbox worker, the jobs, and the web dashboard beside them when WEBAPP_URL is set.

`build_application` is the only place handlers are registered, in an order that matters.
"""

from __future__ import annotations

import functools
from typing import Any

from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from delivery import bot_api
from delivery.jobs import restore_jobs
from delivery.limiter import PacedRateLimiter
from delivery.telegram_platform import TelegramPlatform
from delivery.worker import OutboxWorker, outbox
from handlers import (
    admin,
    common,
    coordinator,
    dashboard,
    errors,
    liaison,
    membership,
    plan_map,
    review,
    schedules,
)
from intake import AnswerLanes, ChatOrderedProcessor, Inbox, answers_of, inbox_of
from intake.inbox import TICK_JOB, TICK_SECONDS, inbox_tick
from models.db import Database
from runtime import Services, services
from runtime.chat_members import MembershipCache
from runtime.pace import pace_for
from settings import Settings
from webapp.server import start_with, stop_with

AnyApp = Application[Any, Any, Any, Any, Any, Any]
# At stop, queued acknowledgements get this long (a service manager waits 90 s by default).
ANSWERS_AT_STOP_SECONDS = 10.0


class BotApplication(Application[Any, Any, Any, Any, Any, Any]):
    """The Application with the outbox worker running while it runs.

    However the bot is run (long polling, the webhook, a test), `stop` first lets the worker
    finish the sends it claimed and hand back the rest, then handles the updates received.
    """

    async def start(self) -> None:
        await super().start()
        outbox(self).start()

    async def stop(self) -> None:
        await outbox(self).stop()
        await super().stop()


def file_base_url(api_base_url: str) -> str:
    """Telegram serves files under /file/bot<token> beside /bot<token>."""
    if api_base_url.rstrip("/").endswith("/bot"):
        return api_base_url.rstrip("/")[: -len("/bot")] + "/file/bot"
    return api_base_url.rstrip("/") + "/file/bot"


def build_application(
    settings: Settings,
    db: Database,
    *,
    token: str,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limit: bool = True,
    instance: str = "bot",
) -> AnyApp:
    """Assemble the Application: settings, defaults, pace, handlers, worker, jobs, errors."""
    builder = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .token(token)
        .base_url(settings.telegram_api_base_url)
        # Files (a liaison's photo or document) come from the same server as the API.
        .base_file_url(file_base_url(settings.telegram_api_base_url))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        # Chats in parallel, each chat's updates in order: a slow answer in one group (its
        # own rate limit, a chart being drawn) never holds up another chat.
        .concurrent_updates(ChatOrderedProcessor())
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    elif settings.telegram_proxy_url:
        # Every call (getUpdates and file downloads too) goes through the proxy.
        proxy = settings.telegram_proxy_url
        builder = builder.proxy(proxy).get_updates_proxy(proxy)
    # Telegram allows about 30 messages a second overall and 20 a minute into one group. Every
    # message waits for its turn in both (no bursts, not even after a pause); on PostgreSQL
    # the turns are shared by every instance of the bot. A RetryAfter stops only its chat.
    pace = pace_for(db, settings.rate_limit_per_second) if rate_limit else None
    if pace is not None:
        builder = builder.rate_limiter(PacedRateLimiter(pace))
    application = builder.build()
    svc = Services(
        settings=settings,
        db=db,
        instance=instance,
        # The dashboard's liaisons are the members of their departments' groups: asked of
        # Telegram, shared by /dashboard and the web pages.
        membership=MembershipCache(functools.partial(bot_api.is_member, application.bot)),
        platform=TelegramPlatform(application.bot),
        pace=pace,
    )
    application.bot_data["services"] = svc
    if pace is not None:
        # Telegram's windows pass with the bot's clock (the demo lets days pass in seconds).
        pace.clock_offset = lambda: svc.clock_offset.total_seconds()
    application.bot_data["outbox"] = OutboxWorker(application, pace)
    # Receivers hand each update to `inbox_of(application).accept_update` (the sink).
    Inbox().attach(application)
    AnswerLanes().attach(application)

    # Order matters: membership and migration updates first (group -1) so a chat that moved
    # or dropped the bot is up to date before any command in the same batch is handled.
    membership.register(application)
    common.register(application)
    admin.register(application)
    schedules.register(application)
    coordinator.register(application)
    dashboard.register(application)
    plan_map.register(application)
    review.register(application)
    # Liaison replies last: it catches plain replies that no command handler took.
    liaison.register(application)
    errors.register(application)
    return application


async def _post_init(application: AnyApp) -> None:
    """Command menus per language and scope, the jobs rebuilt from the database, and the
    web dashboard beside the bot when WEBAPP_URL is set, and the updates a killed process
    left unfinished queued before any new one arrives."""
    await common.set_command_menus(application)
    await restore_jobs(application)
    if services(application).settings.webapp_url:
        await dashboard.set_menu_button(application)
        await start_with(application)
    await inbox_of(application).recover()
    job_queue = application.job_queue
    assert job_queue is not None
    job_queue.run_repeating(inbox_tick, interval=TICK_SECONDS, first=TICK_SECONDS, name=TICK_JOB)


async def _post_stop(application: AnyApp) -> None:
    """The acknowledgements still queued go out (for a while); the dashboard stops with the
    bot (before the database closes)."""
    await answers_of(application).drain(ANSWERS_AT_STOP_SECONDS)
    await stop_with(application)


async def _post_shutdown(application: AnyApp) -> None:
    services(application).db.dispose()
