"""Benchmark 6: the web dashboard's pages at 1,000,000 updates, beside the chat's /status.

Each sample is a real HTTP request to the dashboard on 127.0.0.1 (session cookie, roles,
the page's data from `reports/`, Jinja rendering), taking turns with the chat's /status
on the same database, so the ratio compares both on the same machine state.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.figures import Figure, note, percentile
from bench.scale_data import ensure_database
from bench.status_scale import LARGE, SMOKE_LARGE, busiest_departments, status_pages

BENCH_USER = 424242  # a coordinator the benchmark adds to the cached database


def _prepare(session: Any, *, now: Any) -> tuple[str, list[int]]:
    """A coordinator with a browser session, and the busiest departments' ids."""
    from sqlmodel import select

    from coordination.weblinks import open_session
    from models.chats import ROLE_COORDINATOR, UserRole
    from models.plan import Department
    from models.web import SESSION_LOGIN_LINK

    if not session.exec(select(UserRole).where(UserRole.user_id == BENCH_USER)).first():
        session.add(UserRole(user_id=BENCH_USER, role=ROLE_COORDINATOR))
    token, _ = open_session(
        session, user_id=BENCH_USER, kind=SESSION_LOGIN_LINK, locale="zh_CN", now=now
    )
    names = busiest_departments(session, count=5)
    ids = [
        session.exec(select(Department.id).where(Department.name == name)).one()
        for name in names
    ]
    return token, ids


async def _measure(path: Path, samples: int) -> dict[str, list[float]]:
    from messages.i18n import get_translator
    from models.clock import utcnow
    from models.db import Database, create_schema
    from settings import load_settings
    from webapp.context import WebContext
    from webapp.server import WebServer

    db = Database.from_url(f"sqlite:///{path}")
    create_schema(db.engine)  # a database cached before the dashboard's tables existed
    token, departments = db.call(_prepare, now=utcnow())
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite:///{path}",
        webapp_url="http://127.0.0.1",
        webapp_requests_per_minute=1_000_000,
    )
    server = WebServer(WebContext(settings=settings, db=db, bot_token="bench", now=utcnow))
    port = await server.start("127.0.0.1", 0)
    base = f"http://127.0.0.1:{port}"
    t = get_translator("zh_CN", "Asia/Shanghai")
    times: dict[str, list[float]] = {}

    def record(name: str, started: float, cpu: float) -> None:
        times.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        times.setdefault(name + "_cpu", []).append((time.process_time() - cpu) * 1000)

    try:
        async with aiohttp.ClientSession(headers={"Cookie": f"duban_session={token}"}) as http:

            async def get(page: str) -> None:
                async with http.get(base + page) as response:
                    body = await response.text()
                    if response.status != 200 or "<table" not in body:
                        raise RuntimeError(f"{page}: {response.status} {body[:300]}")

            await get("/overview")  # warm-up, not timed
            for index in range(samples):
                started, cpu = time.perf_counter(), time.process_time()
                await get("/overview")
                record("overview", started, cpu)
                started, cpu = time.perf_counter(), time.process_time()
                await get(f"/department/{departments[index % len(departments)]}")
                record("department", started, cpu)
                # The chat's /status on the same database, in the same worker pool.
                started, cpu = time.perf_counter(), time.process_time()
                await db.run(status_pages, argument="", now=utcnow(), t=t)
                record("status", started, cpu)
    finally:
        await server.stop()
        db.dispose()
    return times


def run(*, smoke: bool = False, runs: int | None = None) -> list[Figure]:
    scale = SMOKE_LARGE if smoke else LARGE
    samples = (runs or 3) * (2 if smoke else 20)
    times = asyncio.run(_measure(ensure_database(scale), samples))
    overview, status = percentile(times["overview"], 50), percentile(times["status"], 50)
    overview_cpu = percentile(times["overview_cpu"], 50)
    status_cpu = percentile(times["status_cpu"], 50)
    note(
        f"webapp overview: {scale.updates} updates p50 {overview:.1f} ms "
        f"(chat /status {status:.1f} ms)"
    )
    label = f"{samples} HTTP requests, {scale.updates:,} updates"
    return [
        Figure("webapp.overview_p50_ms", overview, "ms", f"{label}, target < 300"),
        Figure("webapp.overview_p95_ms", percentile(times["overview"], 95), "ms", label),
        Figure("webapp.overview_cpu_p50_ms", overview_cpu, "ms", "process CPU per request"),
        Figure("webapp.department_p50_ms", percentile(times["department"], 50), "ms", label),
        Figure("webapp.overview_over_status", overview / status, "", "wall p50, same run"),
        Figure(
            "webapp.overview_over_status_cpu", overview_cpu / status_cpu, "", "CPU p50, same run"
        ),
    ]
