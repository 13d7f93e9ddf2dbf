"""Benchmark 2: one cycle fanned out to 2,000 bound chats through a rate-limited Bot API.

The Bot API simulator runs in its own process on 127.0.0.1 (as Telegram is another machine),
allowing L messages a second overall and 20 a minute per group, answering 429 past them. The
bot keeps its pace at L; an admin's /remind fires one cycle, the outbox worker sends it.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bench.figures import Figure, median, note, output_dir, scratch_dir, spread
from settings import DEFAULT_PLAN

ROOT = Path(__file__).resolve().parent.parent
CHAT_ID_BASE = -1_003_000_000_000
GROUP_PER_MINUTE = 20


# --- the simulator's process ---------------------------------------------------------------
async def _serve(limit: int, chats: int, admin_id: int) -> None:
    """Serve until stdin closes; answer `stats` with what reached the bound chats."""
    from botapi_sim.faults import RateLimits
    from botapi_sim.server import BotApiSimulator
    from botapi_sim.updates import SimChat, SimUser, private_chat

    limits = RateLimits(global_per_second=limit, group_per_minute=GROUP_PER_MINUTE)
    async with BotApiSimulator(rate_limits=limits) as sim:
        sim.add_chat(private_chat(SimUser(id=admin_id, first_name="Admin")))
        bound = set()
        for index in range(chats):
            chat_id = CHAT_ID_BASE - index
            sim.add_chat(SimChat(id=chat_id, title=f"督办群 {index}"))
            bound.add(chat_id)
        arrivals: list[float] = []
        count_delivery = sim.stats.count_delivery

        def timed(chat_id: int, content: tuple[Any, ...]) -> None:
            if chat_id in bound:
                arrivals.append(time.monotonic())
            count_delivery(chat_id, content)

        sim.stats.count_delivery = timed  # type: ignore[method-assign]
        print(json.dumps({"base_url": sim.base_url}), flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip() != "stats":
                continue
            delivered = {c: n for c, n in sim.stats.delivered.items() if c in bound}
            span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
            print(
                json.dumps(
                    {
                        "chats_reached": len(delivered),
                        "messages": sum(delivered.values()),
                        "duplicates": sum(
                            n for c, n in sim.stats.duplicates_by_chat.items() if c in bound
                        ),
                        "http_429": sim.stats.too_many_requests,
                        "rate_limited": sim.stats.rate_limited,
                        "span_s": span,
                    }
                ),
                flush=True,
            )


class SimulatorProcess:
    """The simulator in a child process, driven over its stdin and stdout."""

    def __init__(self, limit: int, chats: int, admin_id: int) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.fanout",
                "serve",
                "--limit",
                str(limit),
                "--chats",
                str(chats),
                "--admin",
                str(admin_id),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url = str(self._read()["base_url"])

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the simulator exited with {self.process.wait()}")
        return dict(json.loads(line))

    def stats(self) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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


async def fan_out(workdir: Path, *, chats: int, limit: int, profiler: Any = None) -> dict[str, Any]:
    """Bind the chats, fire one cycle with /remind and wait until every delivery is settled.

    `profiler` (pyinstrument), when given, runs from /remind until the cycle is settled.
    """
    from telegram import Update

    from assembly import build_application
    from bench.ingest import ADMIN, TOKEN
    from botapi_sim.updates import UpdateFactory, private_chat
    from models.db import Database
    from models.schedules import STATUS_SENT
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
            if profiler is not None:
                profiler.start()
            started, cpu_started = time.monotonic(), time.process_time()
            remind = factory.command(private_chat(ADMIN), ADMIN, "remind")
            await application.process_update(Update.de_json(remind, application.bot))
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
            await application.stop()
            await application.post_shutdown(application)  # type: ignore[misc]
        wire = simulator.stats()
    finally:
        simulator.close()
    return {
        **wire,
        "elapsed_s": elapsed,
        "sent": progress.get(STATUS_SENT, 0),
        "cpu_ms_per_delivery": cpu * 1000 / chats,
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
    return {**wire, "elapsed_s": elapsed, "cpu_ms_per_delivery": cpu * 1000 / chats}


def _rate(result: dict[str, Any]) -> float:
    """Messages a second at the server: arrivals after the first over the first-to-last span.

    A limiter that lets a first burst of L go at once can show a little above L on a short
    fan-out (the server's window allows it); over 2,000 messages the burst hardly counts.
    """
    if result["messages"] < 2 or not result["span_s"]:
        return 0.0
    return float((result["messages"] - 1) / result["span_s"])


def run(*, smoke: bool = False, runs: int | None = None) -> list[Figure]:
    chats, limit = (60, 30) if smoke else (2_000, 200)
    runs = runs or (1 if smoke else 3)
    results = []
    bare = []
    bursty = []
    for attempt in range(runs):
        # Side by side, alternating: the framework alone, then the bot's outbox.
        bare.append(asyncio.run(bare_fan_out(chats=chats, limit=limit)))
        bare[-1]["rate"] = _rate(bare[-1])
        bursty.append(asyncio.run(bare_fan_out(chats=chats, limit=limit, bursty=True)))
        bursty[-1]["rate"] = _rate(bursty[-1])
        with scratch_dir("fanout") as workdir:
            result = asyncio.run(fan_out(workdir, chats=chats, limit=limit))
        result["rate"] = _rate(result)
        results.append(result)
        note(
            f"fanout run {attempt + 1}/{runs}, bare PTB: {bare[-1]['messages']} messages in "
            f"{bare[-1]['span_s']:.1f} s ({bare[-1]['rate']:.0f}/s of {limit}), "
            f"{bare[-1]['http_429']} × 429, {bare[-1]['cpu_ms_per_delivery']:.2f} ms CPU each; "
            f"bursty limiter {bursty[-1]['rate']:.0f}/s, {bursty[-1]['http_429']} × 429"
        )
        note(
            f"fanout run {attempt + 1}/{runs}: {result['messages']} messages to "
            f"{result['chats_reached']}/{chats} chats in {result['span_s']:.1f} s "
            f"({result['rate']:.0f}/s of {limit}), {result['http_429']} × 429, "
            f"cycle settled in {result['elapsed_s']:.1f} s, deliveries {result['statuses']}"
        )
    rates = [r["rate"] for r in results]
    bare_rates = [r["rate"] for r in bare]
    lost = [chats - r["chats_reached"] for r in results]
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
            median([r["http_429"] for r in results]),
            "",
            f"429 answers per fan-out, runs {[r['http_429'] for r in results]}",
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
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="the rate-limited simulator, driven over stdin")
    serve.add_argument("--limit", type=int, required=True)
    serve.add_argument("--chats", type=int, required=True)
    serve.add_argument("--admin", type=int, required=True)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.limit, args.chats, args.admin))
    return 0


if __name__ == "__main__":
    sys.exit(main())
