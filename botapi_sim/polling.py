"""The bot's queue of pending updates, served by long polling or pushed to a local webhook.

`getUpdates` follows Telegram: `offset` confirms earlier updates, `timeout` waits for new ones,
a second poller ends the first with 409 Conflict, and a set webhook forbids polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from botapi_sim.errors import ApiError

# Telegram leaves these out unless they are asked for by name.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class UpdateQueue:
    """Pending updates of one bot, in update_id order, until the bot confirms them."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._pending: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._current_poll: asyncio.Event | None = None
        self._closing = asyncio.Event()
        self._on_change = on_change
        self.allowed_updates: list[str] | None = None
        self.webhook: Webhook | None = None
        self._pusher: asyncio.Task[None] | None = None
        # Called with each update the bot's webhook answered 2xx, right then (a test can kill
        # the bot at that very moment).
        self.on_webhook_answered: Callable[[dict[str, Any]], None] | None = None
        self.enqueued = 0
        self.fetched_up_to = 0  # highest update_id handed to the bot

    # --- the simulated world puts updates here ------------------------------------------
    def put(self, update: dict[str, Any]) -> None:
        self._pending.append(update)
        self.enqueued += 1
        self._wake()

    def _wake(self) -> None:
        arrived, self._arrived = self._arrived, asyncio.Event()
        arrived.set()
        self._on_change()

    @property
    def pending(self) -> int:
        """Updates not yet confirmed by the bot (polling: a later offset; webhook: HTTP 200)."""
        return len(self._pending)

    def drop_pending(self) -> None:
        self._pending.clear()
        self._on_change()

    def _allowed(self, update: dict[str, Any], allowed: list[str] | None) -> bool:
        kind = update_type(update)
        if allowed:
            return kind in allowed
        return kind not in OPT_IN_UPDATES

    # --- getUpdates ---------------------------------------------------------------------
    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        before = len(self._pending)
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        else:
            # A negative offset keeps only the last -offset updates and forgets the rest.
            self._pending = self._pending[offset:]
        if len(self._pending) != before:
            self._on_change()

    def _take(self, limit: int) -> list[dict[str, Any]]:
        kept = [u for u in self._pending if self._allowed(u, self.allowed_updates)]
        if len(kept) != len(self._pending):
            self._pending = kept
            self._on_change()
        batch = kept[:limit]
        if batch:
            self.fetched_up_to = max(self.fetched_up_to, batch[-1]["update_id"])
            self._on_change()
        return batch

    async def get_updates(
        self,
        *,
        offset: int | None = None,
        limit: int = 100,
        timeout: float = 0,
        allowed_updates: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if allowed_updates is not None:
            self.allowed_updates = list(allowed_updates)
        limit = min(max(limit or 100, 1), 100)
        if self._current_poll is not None:
            # Telegram ends the older long poll when another one comes in.
            self._current_poll.set()
        terminated = asyncio.Event()
        self._current_poll = terminated
        try:
            self._confirm(offset)
            deadline = time.monotonic() + max(0.0, float(timeout or 0))
            while True:
                batch = self._take(limit)
                if batch:
                    return batch
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closing.is_set():
                    return []
                arrived = self._arrived
                waiters = [
                    asyncio.ensure_future(arrived.wait()),
                    asyncio.ensure_future(terminated.wait()),
                    asyncio.ensure_future(self._closing.wait()),
                ]
                try:
                    await asyncio.wait(
                        waiters, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    for waiter in waiters:
                        waiter.cancel()
                if terminated.is_set():
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
        finally:
            if self._current_poll is terminated:
                self._current_poll = None

    # --- webhook ------------------------------------------------------------------------
    def set_webhook(self, webhook: Webhook) -> None:
        host = urlsplit(webhook.url).hostname
        if host not in LOOPBACK_HOSTS:
            # Telegram needs a public HTTPS address; the simulator never leaves this machine.
            raise ApiError(
                400, "Bad Request: bad webhook: the simulator delivers only to 127.0.0.1"
            )
        self.webhook = webhook
        if webhook.allowed_updates is not None:
            self.allowed_updates = list(webhook.allowed_updates)
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.create_task(self._push_loop(), name="botapi-sim-webhook")
        self._wake()

    async def delete_webhook(self) -> None:
        self.webhook = None
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None

    async def _push_loop(self) -> None:
        async with aiohttp.ClientSession() as session:
            while self.webhook is not None and not self._closing.is_set():
                webhook = self.webhook
                batch = self._take(1)
                if not batch:
                    arrived = self._arrived
                    await arrived.wait()
                    continue
                update = batch[0]
                headers = {}
                if webhook.secret_token:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
                try:
                    async with session.post(
                        webhook.url,
                        json=update,
                        headers=headers,
                        timeout=aiohttp.ClientTimeout(total=10),
                    ) as response:
                        ok = 200 <= response.status < 300
                        error = f"Wrong response from the webhook: {response.status}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    ok, error = False, f"Connection failed: {exc.__class__.__name__}"
                if ok:
                    self._confirm(update["update_id"] + 1)
                    if self.on_webhook_answered is not None:
                        self.on_webhook_answered(update)
                else:
                    webhook.last_error_date = int(time.time())
                    webhook.last_error_message = error
                    await asyncio.sleep(0.2)

    def webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending,
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = self.webhook.allowed_updates
            if self.webhook.last_error_date is not None:
                info["last_error_date"] = self.webhook.last_error_date
                info["last_error_message"] = self.webhook.last_error_message
        return info

    async def close(self) -> None:
        self._closing.set()
        self._wake()
        await self.delete_webhook()
