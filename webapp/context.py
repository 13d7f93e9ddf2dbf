"""What every request of the dashboard shares: settings, database, clock, templates, caches.

Also the reader's language for a request, and the page shown instead of an error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from jinja2 import Environment

from messages.i18n import get_translator, normalize_locale
from messages.webpages import Words
from models.clock import utcnow
from models.db import Database
from runtime.chat_members import MembershipCache
from settings import Settings
from webapp.ratelimit import RateLimiter
from webapp.render import page, template_environment

# A file a liaison sent, by its file id: (name, bytes), or None when the platform will not
# hand it over (`delivery.bot_api.download` for Telegram).
FetchFile = Callable[[str], Awaitable[tuple[str, bytes] | None]]

SESSION_COOKIE = "duban_session"
LANG_COOKIE = "duban_lang"


@dataclass
class WebContext:
    """What every request of the dashboard needs."""

    settings: Settings
    db: Database
    bot_token: str
    # The bot's clock (the demo moves it); Telegram's signatures are checked on the real one.
    now: Callable[[], datetime] = utcnow
    membership: MembershipCache | None = None
    # Fetches the files liaisons sent with their reports (None: no downloads).
    fetch_file: FetchFile | None = None
    templates: Environment = field(default_factory=template_environment)
    limiter: RateLimiter | None = None
    # user id → (viewer, monotonic expiry); roles are re-read after a minute.
    viewers: dict[int, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.limiter is None:
            self.limiter = RateLimiter(self.settings.webapp_requests_per_minute)

    def words(self, locale: str | None) -> Words:
        return Words(get_translator(locale or self.settings.bot_locale, self.settings.bot_timezone))


CONTEXT = web.AppKey("duban_web", WebContext)


def context_of(request: web.Request) -> WebContext:
    return request.app[CONTEXT]


def request_locale(request: web.Request, fallback: str | None) -> str:
    """`?lang=`, else the language cookie, else `fallback`, else the browser's first language."""
    chosen = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen:
        return normalize_locale(chosen, context_of(request).settings.bot_locale)
    if fallback:
        return fallback
    accepted = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0]
    return normalize_locale(accepted, context_of(request).settings.bot_locale)


def error_page(
    request: web.Request, status: int, title: str, text: str, *, locale: str | None = None
) -> web.Response:
    """A page saying what went wrong, in the reader's language (`locale` when known)."""
    ctx = context_of(request)
    words = ctx.words(request_locale(request, locale))
    return page(
        ctx.templates,
        "message.html",
        words,
        status=status,
        title=getattr(words, title),
        text=getattr(words, text),
        nav=None,
        now=ctx.now(),
        link=None,
    )


def set_cookie(
    response: web.StreamResponse,
    name: str,
    value: str,
    *,
    max_age: int,
    cross_site: bool,
) -> None:
    """An HttpOnly, Secure cookie. `cross_site` ones (SameSite=None, Partitioned) also reach
    the server from Telegram Web's frame; the others are SameSite=Lax.

    Written by hand: the standard library's cookies know no Partitioned before Python 3.14.
    """
    same_site = "None; Partitioned" if cross_site else "Lax"
    response.headers.add(
        "Set-Cookie",
        f"{name}={value}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite={same_site}",
    )
