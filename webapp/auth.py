"""Who is looking: Telegram's signed Mini App data or a one-time login link become a session.

The launch pages hand `initData` (or the link's token, from the URL fragment) to a POST
here; the answer sets an HttpOnly session cookie. Roles are worked out again on every page.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from sqlmodel import Session

from coordination.chats import chat_language
from coordination.dashboard_access import Viewer
from coordination.weblinks import (
    APP_PATH,
    LOGIN_PATH,
    find_session,
    open_session,
    redeem_login_link,
)
from messages.i18n import normalize_locale
from models.clock import utcnow
from models.web import SESSION_LOGIN_LINK, SESSION_MINI_APP, WebSession
from runtime.chat_members import resolve_viewer
from webapp.context import (
    SESSION_COOKIE,
    WebContext,
    context_of,
    request_locale,
    set_cookie,
)
from webapp.initdata import REASON_STALE, InitDataError, validate
from webapp.render import page

VIEWER_TTL_SECONDS = 60.0


async def viewer_for_user(ctx: WebContext, user_id: int) -> Viewer:
    """`resolve_viewer`, kept for a minute (a page and its neighbours ask it once)."""
    cached = ctx.viewers.get(user_id)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]  # type: ignore[no-any-return]
    viewer = await resolve_viewer(
        ctx.db, user_id=user_id, admin_ids=ctx.settings.admin_ids, membership=ctx.membership
    )
    if len(ctx.viewers) > 10_000:
        ctx.viewers.clear()
    ctx.viewers[user_id] = (viewer, time.monotonic() + VIEWER_TTL_SECONDS)
    return viewer


async def session_of(request: web.Request) -> WebSession | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    ctx = context_of(request)
    return await ctx.db.run(find_session, token=token, now=utcnow())


def _set_cookie(response: web.Response, token: str, record: WebSession) -> None:
    lifetime = int((record.expires_at - record.created_at).total_seconds())
    # Telegram Web shows the Mini App in a frame of another site: only a cross-site cookie
    # reaches the server there (the app only reads, so there is no forged request to fear).
    set_cookie(
        response, SESSION_COOKIE, token, max_age=lifetime,
        cross_site=record.kind == SESSION_MINI_APP,
    )


def _refusal(request: web.Request, title: str, text: str, status: int) -> web.Response:
    words = context_of(request).words(request_locale(request, None))
    return web.json_response(
        {"ok": False, "title": getattr(words, title), "text": getattr(words, text)}, status=status
    )


def _session_locale(session: Session, *, user_id: int, fallback: str) -> str:
    """The language the user chose for their private chat with the bot, else Telegram's."""
    return chat_language(session, chat_id=user_id) or fallback


def _open(
    session: Session, *, user_id: int, kind: str, locale: str, now: datetime
) -> tuple[str, WebSession]:
    locale = _session_locale(session, user_id=user_id, fallback=locale)
    return open_session(session, user_id=user_id, kind=kind, locale=locale, now=now)


async def telegram_sign_in(request: web.Request) -> web.Response:
    """POST /auth/telegram: the Mini App's `initData`, checked, becomes a session."""
    ctx = context_of(request)
    form = await request.post()
    raw = form.get("init_data", "")
    try:
        data = validate(
            raw if isinstance(raw, str) else "",
            ctx.bot_token,
            now=utcnow(),
            max_age_seconds=ctx.settings.webapp_initdata_max_age,
        )
    except InitDataError as exc:
        text = "initdata_stale" if exc.reason == REASON_STALE else "initdata_forged"
        return _refusal(request, "refused_title", text, 403)
    viewer = await viewer_for_user(ctx, data.user_id)
    if not viewer.allowed:
        return _refusal(request, "refused_title", "refused", 403)
    locale = normalize_locale(data.language_code, ctx.settings.bot_locale)
    token, record = await ctx.db.run(
        _open, user_id=data.user_id, kind=SESSION_MINI_APP, locale=locale, now=utcnow()
    )
    response = web.json_response({"ok": True, "next": "/"})
    _set_cookie(response, token, record)
    return response


async def link_sign_in(request: web.Request) -> web.Response:
    """POST /auth/login: a one-time login link's token, used up, becomes a session."""
    ctx = context_of(request)
    form = await request.post()
    token = form.get("token", "")
    link = await ctx.db.run(
        redeem_login_link, token=token if isinstance(token, str) else "", now=utcnow()
    )
    if link is None:
        return _refusal(request, "login_failed_title", "login_failed", 403)
    session_token, record = await ctx.db.run(
        _open,
        user_id=link.user_id,
        kind=SESSION_LOGIN_LINK,
        locale=link.locale or ctx.settings.bot_locale,
        now=utcnow(),
    )
    response = web.json_response({"ok": True, "next": "/"})
    _set_cookie(response, session_token, record)
    return response


def launch_page(mode: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    """GET /app and GET /login: a page whose script signs in and moves on to the overview."""

    async def handler(request: web.Request) -> web.Response:
        ctx = context_of(request)
        words = ctx.words(request_locale(request, None))
        return page(ctx.templates, "launch.html", words, mode=mode, nav=None, now=ctx.now())

    return handler


def add_routes(app: web.Application) -> None:
    app.router.add_get(APP_PATH, launch_page("telegram"))
    app.router.add_get(LOGIN_PATH, launch_page("login"))
    app.router.add_post("/auth/telegram", telegram_sign_in)
    app.router.add_post("/auth/login", link_sign_in)
