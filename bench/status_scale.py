"""Benchmark 3: `/status` and `/status <department>` on 10,000 and 1,000,000 progress updates.

Times what the coordinator's handler runs in its database worker between the update and the
send: one session, `reports.views.status_command` (lookup, `reports/status.py`, rendering
with `messages/status.py`, paging).
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from bench.figures import Figure, note, percentile
from bench.scale_data import Scale, ensure_database

LARGE = Scale(updates=1_000_000)
SMALL = Scale(updates=10_000)
SMOKE_LARGE = Scale(plans=2, measures_per_plan=10, departments=20, updates=4_000, cycles=4)
SMOKE_SMALL = Scale(plans=2, measures_per_plan=10, departments=20, updates=400, cycles=4)


def status_pages(session: Session, *, argument: str, now: datetime, t: Any) -> list[str]:
    """/status [department]: the pages the coordinator's handler sends, as it makes them."""
    from reports.views import status_command

    return list(status_command(session, argument=argument, t=t, now=now).pages)


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


def time_views(path: Path, *, samples: int) -> dict[str, list[float]]:
    """Milliseconds of each view, `samples` times, after a warm-up call of each."""
    from messages.i18n import get_translator
    from models.clock import utcnow
    from models.db import Database

    db = Database.from_url(f"sqlite:///{path}")
    t = get_translator("zh_CN", "Asia/Shanghai")
    try:
        names = db.call(busiest_departments, count=5)
        views: dict[str, Callable[[int], Any]] = {
            "overview": lambda i: db.call(status_pages, argument="", now=utcnow(), t=t),
            "department": lambda i: db.call(
                status_pages, argument=names[i % len(names)], now=utcnow(), t=t
            ),
        }
        timings: dict[str, list[float]] = {name: [] for name in views}
        for name, view in views.items():
            pages = view(0)
            if not pages or not pages[0].strip():
                raise RuntimeError(f"/status {name} rendered nothing")
        for department in names:
            first = db.call(status_pages, argument=department, now=utcnow(), t=t)[0]
            if f"<b>{html.escape(department)}</b>" not in first:
                raise RuntimeError(f"/status {department} did not show the department: {first}")
        for index in range(samples):
            # Interleaved, so both views see the same state of the machine.
            for name, view in views.items():
                start = time.perf_counter()
                view(index)
                timings[name].append((time.perf_counter() - start) * 1000)
        return timings
    finally:
        db.dispose()


def run(*, smoke: bool = False, runs: int | None = None) -> list[Figure]:
    large, small = (SMOKE_LARGE, SMOKE_SMALL) if smoke else (LARGE, SMALL)
    samples = (runs or 1) * (5 if smoke else 40)
    large_path = ensure_database(large)
    small_path = ensure_database(small)
    small_times = time_views(small_path, samples=samples)
    large_times = time_views(large_path, samples=samples)
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
            Figure(f"status.{view}_small_p50_ms", small_p50, "ms", f"{small.updates} updates"),
            Figure(f"status.{view}_ratio", p50 / small_p50, "", f"p50 {label}, target ≤ 2"),
        ]
    return figures
