"""The dashboard's aiohttp server: routes, safety headers, per-client limits, start and stop.

The assembly starts it beside the bot when WEBAPP_URL is set (`start_with`/`stop_with` in the
application's lifecycle); tests and the demo build one with `WebServer` directly.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from delivery import bot_api
from runtime import services
from settings import Settings, SettingsError
from webapp import auth, pages
from webapp.context import CONTEXT, SESSION_COOKIE, WebContext, context_of, error_page
from webapp.render import STATIC_DIR

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        # Telegram Web shows Mini Apps in a frame of its own pages; nobody else may frame them.
        "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org",
    ]
)
SAFETY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # A kiosk link carries its token in the path: no page may pass it on as a Referer.
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def client_key(request: web.Request) -> str:
    """Whose allowance a request uses: its session, its kiosk link, or its address."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return "s:" + session[:16]
    if request.path.startswith("/kiosk/"):
        return "k:" + request.path[7:23]
    return "a:" + client_address(request)


def client_address(request: web.Request) -> str:
    """The peer; behind a reverse proxy on this machine, the address it forwarded."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        local = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    if local and forwarded:
        return forwarded.split(",")[-1].strip() or peer
    return peer


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def limits_and_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Per-client limits, and a page in the reader's language instead of any traceback."""
    ctx = context_of(request)
    if not request.path.startswith("/static/"):
        assert ctx.limiter is not None
        wait = ctx.limiter.take(client_key(request))
        if wait > 0:
            response = error_page(request, 429, "too_many_title", "too_many")
            response.headers["Retry-After"] = str(max(1, round(wait)))
            return response
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status in (404, 405):
            return error_page(request, exc.status, "not_found_title", "not_found")
        raise
    except Exception:
        log.exception("the dashboard failed on %s", request.path)
        return error_page(request, 500, "error_title", "error")


async def _safety_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SAFETY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers["Cache-Control"] = "public, max-age=86400"


def build_web_app(ctx: WebContext) -> web.Application:
    app = web.Application(middlewares=[limits_and_errors], client_max_size=MAX_BODY_BYTES)
    app[CONTEXT] = ctx
    app.on_response_prepare.append(_safety_headers)
    auth.add_routes(app)
    pages.add_routes(app)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False)
    return app


class WebServer:
    """The dashboard on a host and port (port 0: any free one, see `port`)."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        self.runner = web.AppRunner(build_web_app(self.ctx), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        return self.port

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


RUNNING = "webapp_server"


def web_context(application: Any) -> WebContext:
    """What the dashboard of a bot shares with it: settings, database, clock, who is in which
    chat, and its Bot to check Telegram's signatures and fetch files."""
    svc = services(application)
    return WebContext(
        settings=svc.settings,
        db=svc.db,
        bot_token=application.bot.token,
        now=svc.now,
        membership=svc.membership,
        fetch_file=functools.partial(bot_api.download, application.bot),
    )


async def start_with(application: Any) -> WebServer:
    """Start the dashboard for a running bot, on WEBAPP_HOST:WEBAPP_PORT."""
    settings: Settings = services(application).settings
    server = WebServer(web_context(application))
    try:
        port = await server.start(settings.webapp_host, settings.webapp_port)
    except OSError as exc:
        await server.stop()
        raise SettingsError(
            "dashboard_port_taken",
            address=f"{settings.webapp_host}:{settings.webapp_port}",
            reason=exc.strerror or str(exc),
        ) from None
    application.bot_data[RUNNING] = server
    log.info(
        "dashboard on http://%s:%s, public at %s", settings.webapp_host, port, settings.webapp_url
    )
    return server


async def stop_with(application: Any) -> None:
    server: WebServer | None = application.bot_data.pop(RUNNING, None)
    if server is not None:
        await server.stop()
