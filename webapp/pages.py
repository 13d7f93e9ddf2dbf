"""The dashboard's pages: overview, overdue list, a department, a measure, the big screen.

Each page reads its data in one database session with the Telegram-free functions that
/status uses (`reports/`), checks what the viewer may see, and renders a template.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from coordination.dashboard_access import Viewer, kiosk_viewer
from coordination.weblinks import APP_PATH, find_kiosk
from messages.webpages import Words
from models.clock import utcnow
from reports.dashboard import OverviewPage, department_names, overview_page
from reports.dashboard_detail import department_page, measure_page, report_file
from webapp.auth import session_of, viewer_for_user
from webapp.context import (
    LANG_COOKIE,
    WebContext,
    context_of,
    error_page,
    request_locale,
    set_cookie,
)
from webapp.render import Nav, page

KIOSK_REFRESH_SECONDS = 60
LANG_COOKIE_SECONDS = 365 * 24 * 3600

Page = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refused(Exception):
    """The request may not see the page: answer with `response` instead."""

    def __init__(self, response: web.Response) -> None:
        super().__init__()
        self.response = response


async def signed_in(request: web.Request) -> tuple[Viewer, Words]:
    """The viewer behind the session cookie and their words, or `Refused` with a polite page."""
    ctx = context_of(request)
    record = await session_of(request)
    if record is None:
        raise Refused(error_page(request, 401, "signed_out_title", "signed_out"))
    viewer = await viewer_for_user(ctx, record.user_id)
    if not viewer.allowed:
        raise Refused(error_page(request, 403, "refused_title", "refused", locale=record.locale))
    return viewer, ctx.words(request_locale(request, record.locale or None))


def _id(request: web.Request, name: str) -> int:
    value = request.match_info.get(name, "")
    if not (value.isascii() and value.isdecimal()) or len(value) > 9:
        raise web.HTTPNotFound()
    return int(value)


def _remember_language(request: web.Request, response: web.Response, words: Words) -> None:
    if "lang" in request.query:
        set_cookie(
            response, LANG_COOKIE, words.locale, max_age=LANG_COOKIE_SECONDS, cross_site=True
        )


async def _nav(ctx: WebContext, viewer: Viewer, current: str, path: str) -> Nav:
    names: dict[int, str] = {}
    if not viewer.everything:
        names = await ctx.db.run(department_names, sorted(viewer.department_ids))
    return Nav(
        coordinator=viewer.everything,
        departments=sorted(names.items(), key=lambda item: item[1]),
        current=current,
        path=path,
    )


def viewer_page(current: str) -> Callable[[Callable[..., Awaitable[web.Response]]], Page]:
    """Wrap a page: sign-in check, the viewer's words and header, the language cookie."""

    def wrap(render: Callable[..., Awaitable[web.Response]]) -> Page:
        async def handler(request: web.Request) -> web.StreamResponse:
            try:
                viewer, words = await signed_in(request)
                ctx = context_of(request)
                nav = await _nav(ctx, viewer, current, request.path)
                response = await render(request, ctx, viewer, words, nav)
            except Refused as refused:
                return refused.response
            _remember_language(request, response, words)
            return response

        return handler

    return wrap


def _render(
    ctx: WebContext, name: str, words: Words, nav: Nav | None, **context: Any
) -> web.Response:
    return page(ctx.templates, name, words, nav=nav, now=ctx.now(), **context)


async def home(request: web.Request) -> web.StreamResponse:
    """The site's root: the overview once signed in, else the Mini App's launch page (a
    redirect keeps the URL fragment, where Telegram may have put the signed data)."""
    if await session_of(request) is None:
        raise web.HTTPFound(APP_PATH)
    raise web.HTTPFound("/overview")


@viewer_page("overview")
async def overview(
    request: web.Request, ctx: WebContext, viewer: Viewer, words: Words, nav: Nav
) -> web.Response:
    data: OverviewPage = await ctx.db.run(overview_page, now=ctx.now())
    if not viewer.everything:
        # A liaison's overview is the list of their own departments.
        mine = [d for d in data.departments if d.department_id in viewer.department_ids]
        return _render(ctx, "liaison_home.html", words, nav, data=data, mine=mine)
    return _render(ctx, "overview.html", words, nav, data=data)


@viewer_page("overdue")
async def overdue(
    request: web.Request, ctx: WebContext, viewer: Viewer, words: Words, nav: Nav
) -> web.Response:
    data: OverviewPage = await ctx.db.run(overview_page, now=ctx.now())
    rows = [
        (measure, task)
        for measure, task in data.overview.overdue()
        if viewer.sees_department(task.department_id)
    ]
    rows.sort(key=lambda item: (item[1].department, item[0].number))
    # The units no chat reaches are the coordinators' business (a liaison's unit is reached).
    unbound = data.overview.unbound() if viewer.everything else []
    return _render(ctx, "overdue.html", words, nav, data=data, rows=rows, unbound=unbound)


@viewer_page("department")
async def department(
    request: web.Request, ctx: WebContext, viewer: Viewer, words: Words, nav: Nav
) -> web.Response:
    department_id = _id(request, "department_id")
    if not viewer.sees_department(department_id):
        raise Refused(
            error_page(request, 403, "refused_title", "department_refused", locale=words.locale)
        )
    data = await ctx.db.run(department_page, department_id=department_id, now=ctx.now())
    if data is None:
        raise web.HTTPNotFound()
    return _render(ctx, "department.html", words, nav, data=data)


@viewer_page("measure")
async def measure(
    request: web.Request, ctx: WebContext, viewer: Viewer, words: Words, nav: Nav
) -> web.Response:
    measure_id = _id(request, "measure_id")
    data = await ctx.db.run(
        measure_page,
        measure_id=measure_id,
        now=ctx.now(),
        department_ids=None if viewer.everything else viewer.department_ids,
    )
    if data is None:
        raise web.HTTPNotFound()
    if not viewer.everything and not data.detail.departments and not data.timeline:
        raise Refused(
            error_page(request, 403, "refused_title", "department_refused", locale=words.locale)
        )
    return _render(ctx, "measure.html", words, nav, data=data, viewer=viewer)


async def kiosk(request: web.Request) -> web.StreamResponse:
    """The big screen: read-only, no session, refreshes itself; refused once revoked."""
    ctx = context_of(request)
    token = request.match_info.get("token", "")
    found = await ctx.db.run(find_kiosk, token=token, now=utcnow())
    if found is None:
        return error_page(request, 403, "kiosk_refused_title", "kiosk_refused")
    viewer = kiosk_viewer(found)
    words = ctx.words(request_locale(request, found.locale or None))
    data: OverviewPage = await ctx.db.run(overview_page, now=ctx.now())
    overdue_rows = sorted(
        data.overview.overdue(), key=lambda item: (item[1].department, item[0].number)
    )
    response = _render(
        ctx,
        "kiosk.html",
        words,
        None,
        data=data,
        rows=overdue_rows,
        label=found.label,
        refresh=KIOSK_REFRESH_SECONDS,
        viewer=viewer,
    )
    return response


# Photos are shown; anything else is saved, never rendered by the browser as a page.
FILE_TYPES = {"photo": "image/jpeg"}


@viewer_page("measure")
async def report_file_download(
    request: web.Request, ctx: WebContext, viewer: Viewer, words: Words, nav: Nav
) -> web.Response:
    """GET /report/{id}/file: the photo or document a liaison sent, fetched through the bot."""
    found = await ctx.db.run(report_file, update_id=_id(request, "update_id"))
    if found is None or ctx.fetch_file is None:
        raise web.HTTPNotFound()
    if not viewer.sees_department(found.department_id):
        raise Refused(
            error_page(request, 403, "refused_title", "department_refused", locale=words.locale)
        )
    fetched = await ctx.fetch_file(found.file_id)
    if fetched is None:
        raise Refused(
            error_page(request, 502, "file_failed_title", "file_failed", locale=words.locale)
        )
    name, data = fetched
    name = name or f"report-{found.kind}"
    content_type = FILE_TYPES.get(found.kind, "application/octet-stream")
    disposition = "inline" if found.kind in FILE_TYPES else "attachment"
    return web.Response(
        body=data,
        content_type=content_type,
        headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/overview", overview)
    app.router.add_get("/overdue", overdue)
    app.router.add_get(r"/department/{department_id}", department)
    app.router.add_get(r"/measure/{measure_id}", measure)
    app.router.add_get(r"/kiosk/{token}", kiosk)
    app.router.add_get(r"/report/{update_id}/file", report_file_download)
