"""`bot.py run` from start to stop: checks first, then polling or the webhook, then a drain.

Nothing is created before Telegram has accepted the token; SIGTERM (or Ctrl-C) stops taking
updates, lets the ones already taken be handled, and returns normally (exit code 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlmodel import Session
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from assembly import build_application, ensure_bundled_plan, prepare_schema
from delivery.limiter import retry_after_seconds
from intake import inbox_of
from intake.instances import instance_name
from models.db import Database
from operations.database_check import check_database
from operations.intake import inbox_sink
from operations.logs import configure_logging, mask_token
from operations.polling import Poller
from operations.telegram_link import reach_telegram, reason_of
from operations.webhook_server import Health, WebhookServer
from runtime import services
from settings import SECRET_PATTERN, Settings, SettingsError

log = logging.getLogger("duban")

AnyApp = Application[Any, Any, Any, Any, Any, Any]
T = TypeVar("T")
HEALTH_DB_TIMEOUT_SECONDS = 5.0
# In webhook mode nothing polls Telegram: a revoked token is noticed by asking getMe this often.
TOKEN_CHECK_SECONDS = 300.0


@dataclass(frozen=True)
class WebhookOptions:
    """Where Telegram posts (the public URL) and where this process listens."""

    url: str
    listen: str
    port: int
    secret: str

    @property
    def path(self) -> str:
        # The public URL's path, so a reverse proxy can forward it unchanged.
        return urlsplit(self.url).path.strip("/")


def webhook_secret(token: str) -> str:
    """The secret Telegram must send with every webhook update when none is configured.

    Derived from the token, so every instance behind a load balancer agrees on it without
    another setting; it reveals nothing of the token. Forged POSTs without it get 403.
    """
    return hashlib.sha256(f"duban-webhook:{token}".encode()).hexdigest()


def webhook_options(
    settings: Settings,
    *,
    token: str,
    url: str | None = None,
    listen: str | None = None,
    port: int | None = None,
    secret: str | None = None,
) -> WebhookOptions | None:
    """Webhook mode from the command line, else from WEBHOOK_*; None means long polling."""
    url = (url or settings.webhook_url).strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError("webhook_url_bad", value=url)
    secret = secret or settings.webhook_secret or webhook_secret(token)
    if not SECRET_PATTERN.fullmatch(secret):
        raise SettingsError("secret_bad")
    port = settings.webhook_port if port is None else port
    if not 0 <= port <= 65535:
        raise SettingsError("port_bad", value=port)
    listen = listen or settings.webhook_listen
    return WebhookOptions(url=url, listen=listen, port=port, secret=secret)


def run_service(settings: Settings, *, token: str, webhook: WebhookOptions | None) -> None:
    """`bot.py run`: check the database, assemble the bot, serve until SIGTERM.

    The database is opened but nothing is created in it (no file, no tables, no plan) until
    Telegram has accepted the token: `prepare` runs inside `serve`, after that check.
    """
    configure_logging(token)
    check_database(settings.database_url)
    db = Database.from_url(settings.database_url)
    # Each process names itself in the deliveries and inbox rows it claims (several instances,
    # one database): a restarted bot sees at once that a dead pid's updates are free.
    application = build_application(settings, db, token=token, instance=instance_name())

    def prepare() -> None:
        prepare_schema(db)
        ensure_bundled_plan(db)

    asyncio.run(serve(application, settings=settings, prepare=prepare, webhook=webhook))


async def _unless_stopped(coro: Coroutine[Any, Any, T], stop: asyncio.Event) -> T | None:
    """Run `coro` unless `stop` is set first (then it is cancelled and None returned)."""
    task = asyncio.ensure_future(coro)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


async def serve(
    application: AnyApp,
    *,
    settings: Settings,
    prepare: Callable[[], None],
    webhook: WebhookOptions | None,
) -> None:
    """Check Telegram, `prepare()` the database (in a thread), run until SIGTERM, drain.

    Raises SettingsError (exit code 2) when Telegram refuses the token at start or later.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        try:
            await _unless_stopped(reach_telegram(application.bot, settings), stop)
        except BaseException:
            with contextlib.suppress(Exception):
                await application.bot.shutdown()
            _close(application)
            raise
        if stop.is_set():
            _close(application)
            return
        try:
            await asyncio.to_thread(prepare)
        except BaseException:
            _close(application)
            raise
        await _run(application, stop, settings, webhook)
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


def _close(application: AnyApp) -> None:
    services(application).db.dispose()


async def _run(
    application: AnyApp, stop: asyncio.Event, settings: Settings, webhook: WebhookOptions | None
) -> None:
    try:
        async with application:
            if application.post_init is not None:
                await application.post_init(application)
            await application.start()
            username = application.bot.username
            mode = f"webhook {webhook.url}" if webhook else "long polling"
            log.info("the bot @%s runs (%s)", username, mode)
            try:
                if webhook is None:
                    await Poller(
                        application.bot, inbox_sink(application), allowed_updates=Update.ALL_TYPES
                    ).run(stop)
                else:
                    await _serve_webhook(application, stop, webhook)
            finally:
                pending = len(inbox_of(application).held)
                log.info("stopping: handling the %d update(s) already received", pending)
                await application.stop()
                # As run_polling does: the dashboard stops with the bot, before the database.
                if application.post_stop is not None:
                    await application.post_stop(application)
    finally:
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        else:
            _close(application)
    log.info("stopped")


async def _serve_webhook(application: AnyApp, stop: asyncio.Event, webhook: WebhookOptions) -> None:
    db = services(application).db

    async def health() -> Health:
        try:
            await asyncio.wait_for(db.run(_ping), HEALTH_DB_TIMEOUT_SECONDS)
        except Exception as error:
            return Health(False, {"database": f"{type(error).__name__}: {error}"[:300]})
        held = len(inbox_of(application).held)
        return Health(True, {"database": "ok", "queued_updates": held})

    server = WebhookServer(
        path=webhook.path,
        secret=webhook.secret,
        sink=inbox_sink(application),
        health=health,
        listen=webhook.listen,
        port=webhook.port,
    )
    await server.start()
    try:
        await _set_webhook(application, stop, webhook)
        watch = asyncio.ensure_future(watch_token(application.bot, stop))
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({watch, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            if not watch.done():
                watch.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watch
        if watch.done() and not watch.cancelled():
            watch.result()  # a revoked token: SettingsError
    finally:
        await server.stop()


async def watch_token(
    bot: Any, stop: asyncio.Event, *, every: float = TOKEN_CHECK_SECONDS
) -> None:
    """Until `stop`: ask getMe every `every` seconds; a 401 raises SettingsError."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if stop.is_set():
            return
        try:
            await bot.get_me()
        except InvalidToken:
            raise SettingsError("token_revoked", token=mask_token(bot.token)) from None
        except TelegramError as error:
            # The network comes and goes; Telegram retries its deliveries meanwhile.
            log.info("getMe failed (%s); the token is checked again later", error)


async def _set_webhook(application: AnyApp, stop: asyncio.Event, webhook: WebhookOptions) -> None:
    """Tell Telegram where to post, trying again with back-off while the network fails."""
    bot = application.bot
    delay = 1.0
    while not stop.is_set():
        try:
            await bot.set_webhook(
                url=webhook.url,
                secret_token=webhook.secret,
                allowed_updates=Update.ALL_TYPES,
            )
            return
        except InvalidToken:
            raise SettingsError("token_revoked", token=mask_token(bot.token)) from None
        except BadRequest as error:
            raise SettingsError("webhook_refused", url=webhook.url, reason=str(error)) from None
        except RetryAfter as error:
            wait = retry_after_seconds(error)
            log.warning("setWebhook: %s; trying again in %.0f s", error, wait)
        except (NetworkError, TelegramError) as error:
            wait, delay = delay, min(30.0, delay * 2)
            reason = reason_of(error, bot.token)
            log.warning("setWebhook failed (%s); trying again in %.0f s", reason, wait)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)


def _ping(session: Session) -> None:
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
