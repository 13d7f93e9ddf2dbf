"""Benchmark 3: `/status` and `/status <department>` on 10,000 and 1,000,000 progress updates.

Times what the coordinator's handler runs between the update and the send: one session of
`commands.views.status` (lookup, `reports/status.py`), then `messages.views.view_pages`
(rendering with `messages/status.py`, paging).
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from bench.figures import Figure, note, percentile
from bench.scale_data import Scale, ensure_database
from commands.gate import CommandArgs
from commands.views import status
from coordination.roles import Roles
from messages.views import view_pages

COORDINATOR = Roles(user_id=None, chat_id=None, is_coordinator=True)

LARGE = Scale(updates=1_000_000)
SMALL = Scale(updates=10_000)
SMOKE_LARGE = Scale(plans=2, measures_per_plan=10, departments=20, updates=4_000, cycles=4)
SMOKE_SMALL = Scale(plans=2, measures_per_plan=10, departments=20, updates=400, cycles=4)


def status_pages(session: Session, *, argument: str, now: datetime, t: Any) -> list[str]:
    """/status [department]: the pages the coordinator's handler sends, as it makes them."""
    answer = status(session, roles=COORDINATOR, args=CommandArgs(text=argument), now=now)
    return view_pages(t, answer)


def busiest_departments(session: Session, *, count: int) -> list[str]:
    """The departments named in the most measures: the longest `/status <department>`."""
    from models.plan import Assignment, Department

    rows = session.exec(
        select(Department.name, func.count())
        .join(Assignment, col(Assignment.department_id) == Department.id)
        .group_by(Department.name)
        .order_by(func.count().desc(), Department.name)
        .limit(count)
    ).all()
    return [name for name, _ in rows]


def time_views(paths: dict[str, Path], *, samples: int) -> dict[str, dict[str, list[float]]]:
    """Milliseconds of each view on each database, `samples` times, after a warm-up call.

    The databases and views take turns, so all of them see the same state of the machine.
    Besides wall-clock time, the CPU time of this thread (`db.call` runs the view here) is
    kept: other load on the machine does not inflate it.
    """
    from messages.i18n import get_translator
    from models.clock import utcnow
    from models.db import Database

    t = get_translator("zh_CN", "Asia/Shanghai")
    databases = {key: Database.from_url(f"sqlite:///{path}") for key, path in paths.items()}
    try:
        views: dict[tuple[str, str], Callable[[int], Any]] = {}
        for key, db in databases.items():
            names = db.call(busiest_departments, count=5)
            for department in names:
                first = db.call(status_pages, argument=department, now=utcnow(), t=t)[0]
                if f"<b>{html.escape(department)}</b>" not in first:
                    raise RuntimeError(f"/status {department} did not show it: {first}")
            views[(key, "overview")] = partial(_call, db, "", t)
            views[(key, "department")] = partial(_call, db, names, t)
        for (key, name), view in views.items():
            pages = view(0)  # the warm-up call, not timed
            if not pages or not pages[0].strip():
                raise RuntimeError(f"/status {name} on the {key} database rendered nothing")
        timings: dict[str, dict[str, list[float]]] = {key: {} for key in databases}
        for index in range(samples):
            for (key, name), view in views.items():
                start, cpu_start = time.perf_counter(), time.thread_time()
                view(index)
                timings[key].setdefault(name, []).append((time.perf_counter() - start) * 1000)
                timings[key].setdefault(f"{name}_cpu", []).append(
                    (time.thread_time() - cpu_start) * 1000
                )
        return timings
    finally:
        for db in databases.values():
            db.dispose()


def _call(db: Any, argument: str | list[str], t: Any, index: int) -> list[str]:
    """One /status: no argument, or the index-th of several department names in turn."""
    from models.clock import utcnow

    if isinstance(argument, list):
        argument = argument[index % len(argument)]
    return list(db.call(status_pages, argument=argument, now=utcnow(), t=t))


def run(*, smoke: bool = False, runs: int | None = None) -> list[Figure]:
    large, small = (SMOKE_LARGE, SMOKE_SMALL) if smoke else (LARGE, SMALL)
    samples = (runs or 3) * (2 if smoke else 20)
    large_path = ensure_database(large)
    small_path = ensure_database(small)
    timings = time_views({"small": small_path, "large": large_path}, samples=samples)
    small_times, large_times = timings["small"], timings["large"]
    figures = []
    for view in ("overview", "department"):
        p50 = percentile(large_times[view], 50)
        p95 = percentile(large_times[view], 95)
        small_p50 = percentile(small_times[view], 50)
        note(
            f"status {view}: {large.updates} updates p50 {p50:.1f} ms p95 {p95:.1f} ms; "
            f"{small.updates} updates p50 {small_p50:.1f} ms"
        )
        label = f"{large.updates:,} vs {small.updates:,} updates"
        figures += [
            Figure(f"status.{view}_p50_ms", p50, "ms", f"{samples} samples, target ≤ 100"),
            Figure(f"status.{view}_p95_ms", p95, "ms", f"{samples} samples"),
            Figure(
                f"status.{view}_cpu_p50_ms",
                percentile(large_times[f"{view}_cpu"], 50),
                "ms",
                "CPU time of the view (its thread), p50",
            ),
            Figure(f"status.{view}_small_p50_ms", small_p50, "ms", f"{small.updates} updates"),
            Figure(f"status.{view}_ratio", p50 / small_p50, "", f"p50 {label}, target ≤ 2"),
        ]
    return figures
