"""Benchmark 2b: one fan-out sent by two instances of the bot on one PostgreSQL.

Runs when BENCH_DATABASE_URL names a PostgreSQL database (in a schema of its own, dropped
after). Each instance has its own engine, pace and outbox worker, as two processes would;
they share the outbox and the pace through the database. The simulator allows exactly L
messages a second and 20 a minute per group: two instances pacing themselves alone would
send up to 2 L, so the 429 count is the figure that matters (target 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

from sqlmodel import func, select

from bench.fanout import SimulatorProcess, _bind_chats, _cycle_progress, _rate
from bench.figures import Figure, median, note, spread

INSTANCES = 2


@contextlib.contextmanager
def bench_schema(base_url: str) -> Iterator[str]:
    """A URL whose connections use a new, empty schema of `base_url`'s database."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from models.db import normalize_database_url

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_database_url(base_url))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(normalize_database_url(base_url)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _instance_name(number: int) -> str:
    return f"bench-{number}"


def _sent_by_instance(session: Any) -> dict[str, int]:
    from models.schedules import DELIVERY_REMINDER, STATUS_SENT, Delivery

    rows = session.exec(
        select(Delivery.claimed_by, func.count())
        .where(Delivery.kind == DELIVERY_REMINDER, Delivery.status == STATUS_SENT)
        .group_by(Delivery.claimed_by)
    ).all()
    return {str(instance): int(n) for instance, n in rows}


async def fan_out_by_instances(url: str, *, chats: int, limit: int) -> dict[str, Any]:
    """Bind the chats, start the instances, /remind on the first, wait until settled."""
    from telegram import Update

    from assembly import build_application, ensure_bundled_plan
    from bench.ingest import ADMIN, TOKEN
    from botapi_sim.updates import UpdateFactory, private_chat
    from migrations.runner import upgrade
    from models.db import Database
    from settings import load_settings

    upgrade(url)
    db = Database.from_url(url)
    ensure_bundled_plan(db)
    db.call(_bind_chats, chats=chats)
    simulator = SimulatorProcess(limit, chats, ADMIN.id)
    try:
        settings = load_settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            database_url=url,
            admin_ids=[ADMIN.id],
            telegram_api_base_url=simulator.base_url,
            rate_limit_per_second=limit,
        )
        applications = [
            build_application(
                settings, Database.from_url(url), token=TOKEN, instance=_instance_name(number)
            )
            for number in range(1, INSTANCES + 1)
        ]
        timeout = 3 * chats / limit + 60
        async with contextlib.AsyncExitStack() as stack:
            for application in applications:
                await stack.enter_async_context(application)
                await application.post_init(application)  # type: ignore[misc]
                await application.start()
            started = time.monotonic()
            first = applications[0]
            remind = UpdateFactory().command(private_chat(ADMIN), ADMIN, "remind")
            await first.process_update(Update.de_json(remind, first.bot))
            while True:
                progress = await db.run(_cycle_progress)
                settled = sum(n for s, n in progress.items() if s not in ("pending", "sending"))
                if progress and settled == chats:
                    break
                if time.monotonic() - started > timeout:
                    note(f"fanout2: gave up waiting after {timeout:.0f} s: {progress}")
                    break
                await asyncio.sleep(0.25)
            elapsed = time.monotonic() - started
            for application in applications:
                await application.stop()
                await application.post_shutdown(application)  # type: ignore[misc]
        wire = simulator.stats()
        by_instance = await db.run(_sent_by_instance)
    finally:
        simulator.close()
        db.dispose()
    return {**wire, "elapsed_s": elapsed, "statuses": progress, "by_instance": by_instance}


def run(*, smoke: bool = False, runs: int | None = None) -> list[Figure]:
    base_url = os.environ.get("BENCH_DATABASE_URL", "")
    if not base_url.startswith("postgresql"):
        note("fanout2: skipped (set BENCH_DATABASE_URL to a PostgreSQL database)")
        return []
    # Telegram's own limit: what two instances must keep together.
    # The smoke run's fan-out lasts 5 s: long enough for the second instance to join.
    chats, limit = (150, 30) if smoke else (1_000, 30)
    runs = runs or (1 if smoke else 3)
    results = []
    for attempt in range(runs):
        with bench_schema(base_url) as url:
            result = asyncio.run(fan_out_by_instances(url, chats=chats, limit=limit))
        result["rate"] = _rate(result)
        results.append(result)
        note(
            f"fanout2 run {attempt + 1}/{runs}: {result['messages']} messages to "
            f"{result['chats_reached']}/{chats} chats by {INSTANCES} instances "
            f"{sorted(result['by_instance'].values())} in {result['span_s']:.1f} s "
            f"({result['rate']:.1f}/s of {limit}), {result['http_429']} × 429"
        )
    rates = [r["rate"] for r in results]
    names = [_instance_name(number) for number in range(1, INSTANCES + 1)]
    shares = [min(r["by_instance"].get(name, 0) for name in names) / chats for r in results]
    return [
        Figure(
            "fanout.instances_http_429",
            max(r["http_429"] for r in results),
            "",
            f"{INSTANCES} instances on one PostgreSQL at the simulator's L = {limit}/s, "
            f"{chats} chats; worst of {runs}; target 0",
        ),
        Figure(
            "fanout.instances_achieved_per_s",
            median(rates),
            "messages/s",
            f"median of {runs} {spread(rates)}",
        ),
        Figure("fanout.instances_rate_over_limit", median(rates) / limit, ""),
        Figure(
            "fanout.instances_smaller_share",
            min(shares),
            "",
            "the part of the fan-out the less busy instance sent; worst run (fair: 0.5)",
        ),
        Figure(
            "fanout.instances_lost",
            max(chats - r["chats_reached"] for r in results),
            "chats",
            "worst run; target 0",
        ),
        Figure(
            "fanout.instances_duplicates",
            max(r["duplicates"] for r in results),
            "messages",
            "worst run; target 0",
        ),
    ]
