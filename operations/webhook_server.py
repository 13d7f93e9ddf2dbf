"""The webhook server of our own (aiohttp): Telegram's POSTs, and /healthz for the supervisor.

A POST needs Telegram's secret header (403 without it); its update goes to the sink, and only
when the sink has returned does Telegram get its 200 (see `operations.intake`). GET /healthz
answers 200 while the bot works and 503 while it stops or cannot reach its database.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from operations.intake import MalformedUpdate, UpdateSink, check_update
from settings import SettingsError

log = logging.getLogger("duban.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
# Telegram's updates are small; a file is never posted, only its id.
MAX_BODY_BYTES = 1024 * 1024


@dataclass
class Health:
    """What /healthz reports: `ok` decides 200 or 503; `details` are shown as JSON."""

    ok: bool
    details: dict[str, Any] = field(default_factory=dict)


HealthCheck = Callable[[], Awaitable[Health]]


class WebhookServer:
    """Listens on `listen:port`; updates are POSTed to `path`, health is at /healthz."""

    def __init__(
        self,
        *,
        path: str,
        secret: str,
        sink: UpdateSink,
        health: HealthCheck,
        listen: str = "127.0.0.1",
        port: int = 8443,
    ) -> None:
        self.path = "/" + path.strip("/")
        self.secret = secret
        self.sink = sink
        self.health = health
        self.listen = listen
        self.port = port
        self.stopping = False
        self.accepted = 0
        self._started = time.monotonic()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_get(HEALTH_PATH, self._healthz)
        if self.path != HEALTH_PATH:
            app.router.add_post(self.path, self._update)
        # Access logs would write a line per update; errors are logged where they happen.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            self._runner = None
            raise SettingsError(
                "port_taken", address=f"{self.listen}:{self.port}", reason=error.strerror or error
            ) from None
        if self.port == 0:
            self.port = int(self._runner.addresses[0][1])
        log.info("webhook server listening on %s:%d%s", self.listen, self.port, self.path)

    async def stop(self) -> None:
        """Stop accepting; POSTs in progress finish (their updates reach the sink)."""
        self.stopping = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("refused a webhook POST without the right secret from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        if self.stopping:
            # Telegram tries again later; another instance or the restarted bot will take it.
            return web.Response(status=503, text="stopping")
        try:
            data = check_update(json.loads(await request.read()))
        except (ValueError, UnicodeDecodeError, MalformedUpdate):
            return web.Response(status=400, text="not a Telegram update")
        try:
            await self.sink(data)
        except Exception:
            log.exception("could not accept update %s; Telegram sends it again", data["update_id"])
            return web.Response(status=500, text="not accepted")
        self.accepted += 1
        return web.Response(status=200)

    async def _healthz(self, _request: web.Request) -> web.Response:
        if self.stopping:
            return web.json_response({"status": "stopping"}, status=503)
        try:
            health = await self.health()
        except Exception as error:
            health = Health(False, {"error": f"{type(error).__name__}: {error}"})
        body = {
            "status": "ok" if health.ok else "unavailable",
            "mode": "webhook",
            "updates_accepted": self.accepted,
            "uptime_seconds": round(time.monotonic() - self._started),
            **health.details,
        }
        return web.json_response(body, status=200 if health.ok else 503)
