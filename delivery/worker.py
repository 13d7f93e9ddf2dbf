"""Sending the outbox: claim due deliveries, render what they say, send them concurrently,
record each outcome.

The outbox (`coordination.outbox`) says what each delivery holds as plain records; they are
rendered here, beside the sender, in the chat's language. The Application's AIORateLimiter
paces the sends (about 30 a second overall, 20 a minute into one group); a bounded semaphore
keeps enough of them queued to use that rate.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application
from telegram.warnings import PTBDeprecationWarning

from coordination.membership import FORBIDDEN_MARK, drop_chat, migrate_chat
from coordination.outbox import (
    Due,
    backoff,
    claim_due,
    claimed_contents,
    mark_failed,
    mark_retry,
    mark_sent,
    release_stale,
    renew_claims,
)
from delivery import bot_api
from messages.i18n import get_translator
from messages.outgoing import Outgoing
from messages.reminders import render_content
from runtime import Services, services

log = logging.getLogger(__name__)

SEND_CONCURRENCY = 32
CLAIM_BATCH = 32
MAX_MIGRATIONS = 3


@dataclass(frozen=True)
class Rendered:
    """A claimed delivery, rendered for its chat: the messages to send, in order."""

    delivery_id: int
    chat_id: int
    messages: list[Outgoing]
    attempts: int = 0


def render_due(svc: Services, due: list[Due]) -> list[Rendered]:
    """Each delivery in its chat's language and its schedule's time zone."""
    rendered = []
    for item in due:
        t = get_translator(
            item.locale or svc.settings.bot_locale, item.timezone or svc.settings.bot_timezone
        )
        messages = [m for m in render_content(t, item.content) if m.text.strip() or m.file]
        rendered.append(Rendered(item.delivery_id, item.chat_id, messages, item.attempts))
    return rendered


@dataclass
class FlushReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, without PTB's int/timedelta deprecation warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def flush_outbox(application: Application[Any, Any, Any, Any, Any, Any]) -> FlushReport:
    """Send every due delivery; returns what happened (retries stay in the outbox)."""
    report = FlushReport()
    semaphore = asyncio.Semaphore(SEND_CONCURRENCY)
    running: set[asyncio.Task[None]] = set()

    in_flight: set[int] = set()
    heartbeat = asyncio.create_task(_renew_while_sending(application, in_flight))

    def done(task: asyncio.Task[None]) -> None:
        running.discard(task)
        semaphore.release()

    try:
        return await _flush(application, report, semaphore, running, in_flight, done)
    finally:
        heartbeat.cancel()


async def _renew_while_sending(
    application: Application[Any, Any, Any, Any, Any, Any], in_flight: set[int]
) -> None:
    """Renew this process's claims every third of the lease while it is still sending."""
    svc = services(application)
    period = max(1.0, svc.settings.delivery_lease_seconds / 3)
    while True:
        await asyncio.sleep(period)
        if in_flight:
            try:
                await svc.db.run(
                    renew_claims,
                    delivery_ids=sorted(in_flight),
                    instance=svc.instance,
                    now=svc.now(),
                )
            except Exception:
                log.exception("could not renew delivery claims")


async def _flush(
    application: Application[Any, Any, Any, Any, Any, Any],
    report: FlushReport,
    semaphore: asyncio.Semaphore,
    running: set[asyncio.Task[None]],
    in_flight: set[int],
    done: Any,
) -> FlushReport:
    svc = services(application)
    while True:
        claimed_any = False
        while True:
            now = svc.now()
            ids = await svc.db.run(claim_due, instance=svc.instance, now=now, limit=CLAIM_BATCH)
            if not ids:
                break
            claimed_any = True
            due: list[Due] = []
            try:
                due = await svc.db.run(claimed_contents, delivery_ids=ids, now=now)
                items = await asyncio.to_thread(render_due, svc, due)
            except Exception:
                # Those with nothing to say were marked skipped already; the rest wait.
                failed = [d.delivery_id for d in due] or ids
                log.exception("could not render deliveries %s; retrying later", failed)
                for delivery_id in failed:
                    await svc.db.run(
                        mark_retry,
                        delivery_id=delivery_id,
                        not_before=now + backoff(1),
                        error="render error",
                    )
                continue
            in_flight.update(ids)
            for item in items:
                await semaphore.acquire()
                task = asyncio.create_task(_deliver(application, item, report))
                running.add(task)
                task.add_done_callback(done)
                task.add_done_callback(lambda _t, i=item.delivery_id: in_flight.discard(i))
        if running:
            await asyncio.gather(*list(running))
        if not claimed_any:
            return report


async def _deliver(
    application: Application[Any, Any, Any, Any, Any, Any], item: Rendered, report: FlushReport
) -> None:
    """Send one delivery and record the outcome; never raises."""
    svc = services(application)
    db = svc.db
    try:
        first_id: int | None = None
        for outgoing in item.messages:
            message = await bot_api.send(application.bot, item.chat_id, outgoing)
            first_id = first_id or message.message_id
        await db.run(mark_sent, delivery_id=item.delivery_id, message_id=first_id, now=svc.now())
        report.sent += 1
        return
    except ChatMigrated as exc:
        new_id = int(exc.new_chat_id)
        log.info("chat %s became supergroup %s; moving it", item.chat_id, new_id)
        await db.run(migrate_chat, old_id=item.chat_id, new_id=new_id)
        services(application).move_locale(item.chat_id, new_id)
        attempts = await db.run(
            mark_retry,
            delivery_id=item.delivery_id,
            not_before=svc.now(),
            error=f"migrated to {new_id}",
        )
        if attempts > MAX_MIGRATIONS:
            await db.run(mark_failed, delivery_id=item.delivery_id, error="chat keeps migrating")
        report.retried += 1
    except RetryAfter as exc:
        wait = retry_after_seconds(exc)
        await db.run(
            mark_retry,
            delivery_id=item.delivery_id,
            not_before=svc.now() + timedelta(seconds=wait),
            error=f"flood control: retry after {wait:g}s",
            count_attempt=False,
        )
        report.retried += 1
    except Forbidden as exc:
        await db.run(
            mark_failed, delivery_id=item.delivery_id, error=f"{FORBIDDEN_MARK}: {exc.message}"
        )
        report.failed += 1
        # The notice to the coordinators is queued, and this flush sends it.
        await db.run(
            drop_chat,
            chat_id=item.chat_id,
            now=svc.now(),
            fallback_chat_ids=svc.settings.admin_ids,
        )
    except BadRequest as exc:
        # "chat not found" and malformed requests do not get better by retrying.
        log.warning("delivery %s to %s refused: %s", item.delivery_id, item.chat_id, exc.message)
        await db.run(mark_failed, delivery_id=item.delivery_id, error=exc.message)
        report.failed += 1
    except (NetworkError, TelegramError) as exc:
        await _retry_later(application, item, f"{type(exc).__name__}: {exc.message}")
        report.retried += 1
    except Exception as exc:
        log.exception("unexpected error sending delivery %s", item.delivery_id)
        await _retry_later(application, item, f"{type(exc).__name__}: {exc}")
        report.retried += 1


async def _retry_later(
    application: Application[Any, Any, Any, Any, Any, Any], item: Rendered, error: str
) -> None:
    svc = services(application)
    await svc.db.run(
        mark_retry,
        delivery_id=item.delivery_id,
        not_before=svc.now() + backoff(item.attempts + 1),
        error=error,
    )


async def release_stale_deliveries(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> int:
    svc = services(application)
    lease = timedelta(seconds=svc.settings.delivery_lease_seconds)
    return await svc.db.run(release_stale, now=svc.now(), lease=lease)
