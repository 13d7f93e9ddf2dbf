"""Long polling with getUpdates: every update goes to the sink before its offset is confirmed.

Errors are retried with back-off and logged as one line each (a 502 or a 409 is a blip, not
a page for the operator); a 401 means the token was revoked, which stops the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from telegram import Bot
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError, TimedOut

from delivery.limiter import retry_after_seconds
from operations.intake import UpdateSink
from operations.logs import mask_token
from settings import SettingsError

log = logging.getLogger("duban.polling")

LONG_POLL_SECONDS = 10
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0


class Poller:
    """Fetches updates until `stop` is set; `run` raises SettingsError when the token dies."""

    def __init__(
        self,
        bot: Bot,
        sink: UpdateSink,
        *,
        allowed_updates: Sequence[str] | None = None,
        long_poll_seconds: int = LONG_POLL_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
    ) -> None:
        self.bot = bot
        self.sink = sink
        self.allowed_updates = list(allowed_updates) if allowed_updates is not None else None
        self.long_poll_seconds = long_poll_seconds
        self.max_backoff = max_backoff
        self.offset = 0
        self.failures = 0  # consecutive failed calls; 0 once a call succeeds

    async def run(self, stop: asyncio.Event) -> None:
        """Delete any webhook, then poll until `stop`; the last fetched offset is confirmed."""
        await self._until_done(stop, "deleteWebhook", self.bot.delete_webhook)
        refused = 0
        while not stop.is_set():
            updates = await self._until_done(stop, "getUpdates", self._fetch)
            for update in updates or ():
                # The sink first: the offset confirms only what it has accepted.
                try:
                    await self.sink(update.to_dict())
                except Exception:
                    refused += 1
                    wait = min(self.max_backoff, FIRST_BACKOFF_SECONDS * 2 ** (refused - 1))
                    log.exception(
                        "could not accept update %d; it is fetched again in %.1f s",
                        update.update_id,
                        wait,
                    )
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), wait)
                    break
                refused = 0
                self.offset = update.update_id + 1
        await self._confirm()

    async def _fetch(self) -> tuple[object, ...]:
        return await self.bot.get_updates(
            offset=self.offset or None,
            timeout=self.long_poll_seconds,
            allowed_updates=self.allowed_updates,
        )

    async def _until_done(self, stop: asyncio.Event, method: str, call: object) -> object:
        """`call()` until it succeeds or `stop` is set (then None), backing off on errors."""
        delay = FIRST_BACKOFF_SECONDS
        while not stop.is_set():
            task = asyncio.ensure_future(call())  # type: ignore[operator]
            stopped = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopped.cancel()
            if not task.done():
                # Stopping mid-poll: the updates of an unfinished answer are fetched again later.
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, TelegramError):
                    await task
                return None
            try:
                result = task.result()
            except InvalidToken:
                raise SettingsError("token_revoked", token=mask_token(self.bot.token)) from None
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                self._failed(method, error, wait)
            except TimedOut as error:
                # A long poll that timed out on the way is no fault: ask again at once.
                wait = 0.0 if self.failures == 0 else delay
                self._failed(method, error, wait)
            except TelegramError as error:
                wait = delay
                delay = min(self.max_backoff, delay * 2)
                self._failed(method, error, wait)
            else:
                if self.failures:
                    log.info("%s works again after %d failed attempt(s)", method, self.failures)
                self.failures = 0
                return result
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
        return None

    def _failed(self, method: str, error: TelegramError, wait: float) -> None:
        self.failures += 1
        reason = " ".join(str(error).split())
        if isinstance(error, Conflict):
            reason += " (is another copy of the bot running with this token?)"
        level = logging.WARNING if self.failures < 10 else logging.ERROR
        log.log(
            level,
            "%s failed (%s: %s); attempt %d, trying again in %.1f s",
            method,
            type(error).__name__,
            reason,
            self.failures,
            wait,
        )

    async def _confirm(self) -> None:
        """Tell Telegram the updates handed to the sink arrived (no long poll)."""
        if not self.offset:
            return
        try:
            await self.bot.get_updates(offset=self.offset, timeout=0, limit=1)
        except TelegramError as error:
            log.warning("could not confirm the last updates (%s); they may come again", error)
