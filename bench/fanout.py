"""Benchmark 2: one cycle fanned out to 2,000 bound chats through a rate-limited Bot API,
side by side with bare PTB, at two limits, with an admin's /status timed meanwhile.

The Bot API simulator (`bench/fanout_sim.py`) allows L messages a second overall and 20 a
minute per group, answering 429 past them. The bot keeps its pace at L; an admin's /remind
fires one cycle, the outbox worker sends it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import time
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bench.fanout_sim import (
    CHAT_ID_BASE,
    GROUP_PER_MINUTE,
    PROBE_COMMAND,
    PROBE_INTERVAL_S,
    SimulatorProcess,
)
from bench.figures import Figure, median, note, output_dir, scratch_dir, spread
from settings import DEFAULT_PLAN

ROOT = Path(__file__).resolve().parent.parent
__all__ = ["SimulatorProcess", "bare_fan_out", "fan_out", "run"]


# --- the bot's side ------------------------------------------------------------------------
def _bind_chats(session: Any, *, chats: int) -> int:
    """Bind `chats` group chats to the plan's departments, round robin; returns departments."""
    from bench.ingest import _departments_with_measures
    from coordination.bindings import bind_departments

    names = [name for name, _ in _departments_with_measures(session)]
    for index in range(chats):
        result = bind_departments(
            session,
            chat_id=CHAT_ID_BASE - index,
            text=names[index % len(names)],
            title=f"督办群 {index}",
            chat_type="supergroup",
        )
        if not result.bound:
            raise RuntimeError(f"could not bind chat {index}: {result}")
    return len(names)


def _cycle_progress(session: Any) -> dict[str, int]:
    """Status → reminders of the newest cycle (one grouped count: the poll costs little)."""
    from sqlmodel import func

    from models.schedules import DELIVERY_REMINDER, Cycle, Delivery

    cycle_id = session.exec(select(Cycle.id).order_by(col(Cycle.id).desc()).limit(1)).first()
    if cycle_id is None:
        return {}
    rows = session.exec(
        select(Delivery.status, func.count())
        .where(Delivery.cycle_id == cycle_id, Delivery.kind == DELIVERY_REMINDER)
        .group_by(Delivery.status)
    ).all()
    return {status: int(n) for status, n in rows}


def bound_database(chats: int) -> Path:
    """A database with the bundled plan and `chats` bound chats, built once and cached.

    The key covers the tables and the code that fills them, so a change rebuilds it.
    """
    from assembly import ensure_bundled_plan
    from bench.scale_data import schema_fingerprint
    from models.db import Database, create_schema

    sources = [
        DEFAULT_PLAN,
        *sorted((ROOT / "planreader").glob("*.py")),
        ROOT / "coordination" / "bindings.py",
        Path(__file__),
    ]
    key = hashlib.sha256(schema_fingerprint().encode())
    for source in sources:
        key.update(source.read_bytes())
    path = output_dir("fanout") / f"bound-{chats}-{key.hexdigest()[:10]}.sqlite3"
    if path.exists():
        return path
    with scratch_dir("fanout") as folder:
        partial = folder / "bound.sqlite3"
        db = Database.from_url(f"sqlite:///{partial}")
        create_schema(db.engine)
        started = time.monotonic()
        ensure_bundled_plan(db)
        db.call(_bind_chats, chats=chats)
        db.dispose()  # checkpoints the WAL into the file
        note(
            f"fanout: plan imported and {chats} chats bound in "
            f"{time.monotonic() - started:.1f} s (cached as {path.name})"
        )
        os.replace(partial, path)
    return path


async def fan_out(
    workdir: Path,
    *,
    chats: int,
    limit: int,
    profiler: Any = None,
    probe: str | None = None,
) -> dict[str, Any]:
    """Bind the chats, fire one cycle with /remind and wait until every delivery is settled.

    `profiler` (pyinstrument), when given, runs from /remind until the cycle is settled. With
    `probe` (a command such as "/status"), the bot long-polls the simulator as `bot.py run`
    does, and the admin sends that command every PROBE_INTERVAL_S while the fan-out runs.
    """
    from telegram import Update

    from assembly import build_application
    from bench.ingest import ADMIN, TOKEN
    from botapi_sim.updates import UpdateFactory, private_chat
    from models.db import Database
    from models.schedules import STATUS_SENT
    from operations.intake import inbox_sink
    from operations.polling import Poller
    from settings import load_settings

    path = workdir / "bot.sqlite3"
    shutil.copyfile(bound_database(chats), path)
    url = f"sqlite:///{path}"
    db = Database.from_url(url)
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
        application = build_application(settings, db, token=TOKEN, instance="bench-fanout")
        factory = UpdateFactory()
        # The simulator may hold a 429 for seconds; a fan-out gets three times its ideal span.
        timeout = 3 * chats / limit + 60
        async with application:
            await application.post_init(application)  # type: ignore[misc]
            await application.start()
            stop_polling = asyncio.Event()
            polling = None
            if probe is not None:
                poller = Poller(application.bot, inbox_sink(application), long_poll_seconds=1)
                polling = asyncio.create_task(poller.run(stop_polling))
            if profiler is not None:
                profiler.start()
            started, cpu_started = time.monotonic(), time.process_time()
            remind = factory.command(private_chat(ADMIN), ADMIN, "remind")
            await application.process_update(Update.de_json(remind, application.bot))
            if probe is not None:
                simulator.probe(probe, PROBE_INTERVAL_S)
            while True:
                progress = await db.run(_cycle_progress)
                settled = sum(n for s, n in progress.items() if s not in ("pending", "sending"))
                if progress and settled == chats:
                    break
                if time.monotonic() - started > timeout:
                    note(f"fanout: gave up waiting after {timeout:.0f} s: {progress}")
                    break
                await asyncio.sleep(0.25)  # a light poll: its queries count in the CPU figure
            elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
            if profiler is not None:
                profiler.stop()
            wire = simulator.stats()  # stops the probes before the bot stops
            stop_polling.set()
            if polling is not None:
                await polling
            await application.stop()
            await application.post_shutdown(application)  # type: ignore[misc]
    finally:
        simulator.close()
    return {
        **wire,
        "elapsed_s": elapsed,
        "sent": progress.get(STATUS_SENT, 0),
        "cpu_ms_per_delivery": cpu * 1000 / chats,
        "cpu_share": cpu / elapsed,
        "statuses": progress,
    }


# About the length of a reminder to a department with a few measures.
BARE_TEXT = "请各单位对照以下措施报送本月进展：（五）建设安全高效水利工程（牵头）。" * 8


async def bare_fan_out(*, chats: int, limit: int, bursty: bool = False) -> dict[str, Any]:
    """python-telegram-bot alone: one message to each chat through the same simulator, as many
    in flight as the outbox allows; the ceiling of the framework.

    The limiter is the bot's (bot.py: a bucket of one message refilled every 1/L s); with
    `bursty`, the usual `AIORateLimiter(overall_max_rate=L, overall_time_period=1)`, whose
    bucket lets L go at once after a pause and trips a sliding-window server.
    """
    from telegram.ext import AIORateLimiter, ApplicationBuilder

    from bench.ingest import ADMIN, TOKEN
    from delivery.worker import SEND_CONCURRENCY

    simulator = SimulatorProcess(limit, chats, ADMIN.id)
    try:
        limiter = AIORateLimiter(
            overall_max_rate=limit if bursty else 1,
            overall_time_period=1 if bursty else 1 / limit,
            group_max_rate=GROUP_PER_MINUTE,
            group_time_period=60,
            max_retries=3,
        )
        application = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(simulator.base_url)
            .rate_limiter(limiter)
            .build()
        )
        semaphore = asyncio.Semaphore(SEND_CONCURRENCY)

        async def send(chat_id: int) -> None:
            async with semaphore:
                await application.bot.send_message(chat_id, BARE_TEXT)

        async with application:
            started, cpu_started = time.monotonic(), time.process_time()
            await asyncio.gather(*(send(CHAT_ID_BASE - index) for index in range(chats)))
            elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
        wire = simulator.stats()
    finally:
        simulator.close()
    return {
        **wire,
        "elapsed_s": elapsed,
        "cpu_ms_per_delivery": cpu * 1000 / chats,
        "cpu_share": cpu / elapsed,
    }


def _rate(result: dict[str, Any]) -> float:
    """Messages a second at the server: arrivals after the first over the first-to-last span.

    A limiter that lets a first burst of L go at once can show a little above L on a short
    fan-out (the server's window allows it); over 2,000 messages the burst hardly counts.
    """
    if result["messages"] < 2 or not result["span_s"]:
        return 0.0
    return float((result["messages"] - 1) / result["span_s"])


def _side_by_side(
    *, chats: int, limit: int, runs: int, bursty: bool, probe: str | None, label: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Ours and bare PTB alternating, `runs` times: (ours, bare, bare with the bursty limiter)."""
    results: list[dict[str, Any]] = []
    bare: list[dict[str, Any]] = []
    bursts: list[dict[str, Any]] = []
    for attempt in range(runs):
        # Side by side, alternating: the framework alone, then the bot's outbox.
        bare.append(asyncio.run(bare_fan_out(chats=chats, limit=limit)))
        bare[-1]["rate"] = _rate(bare[-1])
        if bursty:
            bursts.append(asyncio.run(bare_fan_out(chats=chats, limit=limit, bursty=True)))
            bursts[-1]["rate"] = _rate(bursts[-1])
        with scratch_dir("fanout") as workdir:
            result = asyncio.run(fan_out(workdir, chats=chats, limit=limit, probe=probe))
        result["rate"] = _rate(result)
        results.append(result)
        b = bare[-1]
        note(
            f"{label} run {attempt + 1}/{runs}, bare PTB: {b['messages']} messages in "
            f"{b['span_s']:.1f} s ({b['rate']:.0f}/s of {limit}), {b['http_429']} × 429, "
            f"{b['cpu_ms_per_delivery']:.2f} ms CPU each, CPU share {b['cpu_share']:.2f}"
            + (
                f"; bursty limiter {bursts[-1]['rate']:.0f}/s, {bursts[-1]['http_429']} × 429"
                if bursty
                else ""
            )
        )
        latencies = ", ".join(f"{v:.0f}" for v in result["command_latencies_ms"])
        note(
            f"{label} run {attempt + 1}/{runs}: {result['messages']} messages to "
            f"{result['chats_reached']}/{chats} chats in {result['span_s']:.1f} s "
            f"({result['rate']:.0f}/s of {limit}), {result['http_429']} × 429, "
            f"{result['cpu_ms_per_delivery']:.2f} ms CPU each, CPU share "
            f"{result['cpu_share']:.2f}, cycle settled in {result['elapsed_s']:.1f} s, "
            f"deliveries {result['statuses']}"
            + (f"; {probe} answered in [{latencies}] ms" if probe else "")
        )
    return results, bare, bursts


def _comparison(
    prefix: str, results: list[dict[str, Any]], bare: list[dict[str, Any]]
) -> list[Figure]:
    """Ours over bare: the rate (wall), CPU per delivery (CPU ratio), and each one's CPU share."""
    rates = [r["rate"] for r in results]
    bare_rates = [r["rate"] for r in bare]
    ours_cpu = median([r["cpu_ms_per_delivery"] for r in results])
    bare_cpu = median([r["cpu_ms_per_delivery"] for r in bare])
    return [
        Figure(
            f"{prefix}over_bare",
            median(rates) / median(bare_rates),
            "",
            "wall: our rate at the server / bare PTB's, same limiter and simulator; target ≥ 0.9",
        ),
        Figure(
            f"{prefix}cpu_ratio",
            bare_cpu / ours_cpu,
            "",
            "CPU: bare PTB's CPU per message / ours per delivery",
        ),
        Figure(
            f"{prefix}cpu_share",
            median([r["cpu_share"] for r in results]),
            "cores",
            "the bot's process CPU seconds / wall seconds from /remind until settled (1 = a "
            f"core), median of {len(results)} {spread([r['cpu_share'] for r in results])}",
        ),
        Figure(
            f"{prefix}bare_cpu_share",
            median([r["cpu_share"] for r in bare]),
            "cores",
            "bare PTB's process CPU / wall during its fan-out "
            f"{spread([r['cpu_share'] for r in bare])}",
        ),
    ]


def run(*, smoke: bool = False, runs: int | None = None) -> list[Figure]:
    chats, limit = (60, 30) if smoke else (2_000, 200)
    # The second limit: low enough that bare PTB uses under half a core; fewer chats.
    low_chats, low_limit = (40, 20) if smoke else (500, 50)
    runs = runs or (1 if smoke else 3)
    results, bare, bursty = _side_by_side(
        chats=chats, limit=limit, runs=runs, bursty=True, probe=PROBE_COMMAND, label="fanout"
    )
    low, low_bare, _ = _side_by_side(
        chats=low_chats, limit=low_limit, runs=runs, bursty=False, probe=None, label="fanout low"
    )
    rates = [r["rate"] for r in results]
    bare_rates = [r["rate"] for r in bare]
    low_rates = [r["rate"] for r in low]
    low_bare_rates = [r["rate"] for r in low_bare]
    lost = [chats - r["chats_reached"] for r in results]
    low_lost = [low_chats - r["chats_reached"] for r in low]
    latencies = [v for r in results for v in r["command_latencies_ms"]]
    if not latencies:
        raise RuntimeError(f"no {PROBE_COMMAND} was answered during the fan-outs")
    return [
        Figure(
            "fanout.limit_per_s",
            limit,
            "messages/s",
            f"simulator and AIORateLimiter; {chats} chats, {GROUP_PER_MINUTE}/min per group",
        ),
        Figure(
            "fanout.achieved_per_s",
            median(rates),
            "messages/s",
            f"reminders after the first / first-to-last span at the server, median of {runs} "
            f"{spread(rates)}",
        ),
        Figure("fanout.rate_over_limit", median(rates) / limit, "", "target ≥ 0.9"),
        Figure(
            "fanout.bare_achieved_per_s",
            median(bare_rates),
            "messages/s",
            f"bare PTB, the bot's limiter, same simulator and concurrency, median of {runs} "
            f"{spread(bare_rates)}",
        ),
        *_comparison("fanout.", results, bare),
        Figure(
            "fanout.bare_http_429",
            median([r["http_429"] for r in bare]),
            "",
            f"429 answers to bare PTB per fan-out, runs {[r['http_429'] for r in bare]}",
        ),
        Figure(
            "fanout.bare_bursty_achieved_per_s",
            median([r["rate"] for r in bursty]),
            "messages/s",
            "bare PTB with AIORateLimiter(overall_max_rate=L, overall_time_period=1), "
            f"429s {[r['http_429'] for r in bursty]}",
        ),
        Figure(
            "fanout.bare_cpu_ms_per_delivery",
            median([r["cpu_ms_per_delivery"] for r in bare]),
            "ms",
            "CPU of the bare process per message",
        ),
        Figure(
            "fanout.cycle_s",
            median([r["elapsed_s"] for r in results]),
            "s",
            "from /remind until every delivery is settled",
        ),
        Figure(
            "fanout.cpu_ms_per_delivery",
            median([r["cpu_ms_per_delivery"] for r in results]),
            "ms",
            "CPU of the bot's process per delivery, from /remind until settled",
        ),
        Figure(
            "fanout.http_429",
            max(r["http_429"] for r in results),
            "",
            f"429 answers per fan-out, worst run; runs {[r['http_429'] for r in results]}",
        ),
        Figure(
            "fanout.lost",
            max(lost),
            "chats",
            "bound chats the reminder never reached; worst run; target 0",
        ),
        Figure(
            "fanout.duplicates",
            max(r["duplicates"] for r in results),
            "messages",
            "a second identical reminder in one chat; worst run",
        ),
        Figure(
            "fanout.command_latency_ms",
            median(latencies),
            "ms",
            f"an admin's {PROBE_COMMAND} every {PROBE_INTERVAL_S:.0f} s during the fan-outs, "
            "offered to the simulator as an update (long polling) until the simulator received "
            f"the answer's first message; median of {len(latencies)}; target < 1000",
        ),
        Figure(
            "fanout.command_latency_max_ms",
            max(latencies),
            "ms",
            f"the slowest of the {len(latencies)}; target < 1000",
        ),
        Figure(
            "fanout.low_limit_per_s",
            low_limit,
            "messages/s",
            f"the second limit, {low_chats} chats, where bare PTB has headroom",
        ),
        Figure(
            "fanout.low_achieved_per_s",
            median(low_rates),
            "messages/s",
            f"median of {runs} {spread(low_rates)}",
        ),
        Figure("fanout.low_rate_over_limit", median(low_rates) / low_limit, "", "target ≥ 0.9"),
        Figure(
            "fanout.low_bare_achieved_per_s",
            median(low_bare_rates),
            "messages/s",
            f"bare PTB, same limiter, median of {runs} {spread(low_bare_rates)}",
        ),
        *_comparison("fanout.low_", low, low_bare),
        Figure(
            "fanout.low_http_429",
            max(r["http_429"] for r in low),
            "",
            f"worst run; runs {[r['http_429'] for r in low]}",
        ),
        Figure("fanout.low_lost", max(low_lost), "chats", "worst run; target 0"),
        Figure(
            "fanout.low_duplicates",
            max(r["duplicates"] for r in low),
            "messages",
            "worst run",
        ),
    ]
