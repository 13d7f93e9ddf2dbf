"""Benchmark 1: liaison replies to reminders through the real Application, against bare PTB.

Ours: `assembly.build_application` on a `RecordingRequest`, a SQLite file, the bundled plan, chats
bound with /bind and a cycle fired with /remind; every reply goes through the inbox (stored,
handled, recorded, acknowledged, marked done). Bare: one MessageHandler that only replies.

Feeds, each measured side by side (bare and ours alternating, each run in a fresh process):
- `batch`: updates arrive as getUpdates returns them, 100 at a time, from 12 chats; ours
  takes each batch into the inbox at once and handles chats in parallel (group commit);
- `one`: one update at a time, each handled before the next arrives (a quiet bot);
- `many`: batches from every department's chat (35), so more replies commit together.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from telegram import Update

from bench.figures import Figure, median, note, scratch_dir, spread
from bench.ingest_rigs import (  # ADMIN, TOKEN and the departments serve the other benchmarks
    ADMIN,
    TOKEN,
    Rig,
    _departments_with_measures,
    open_bare,
    open_ours,
)
from bench.machine import peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
# Department chats the replies come from (the departments named in the most measures).
CHAT_COUNT = 12
# The "many chats" feed: every department of the bundled plan that has measures.
MANY_CHATS = 35
# Updates per getUpdates answer (Telegram's default limit).
BATCH = 100
FEEDS = ("batch", "one", "many")
__all__ = ["ADMIN", "TOKEN", "_departments_with_measures", "feed", "open_ours", "run"]
# Clearing the recorder's call list now and then keeps the harness's own memory flat.
CLEAR_EVERY = 500


# --- the measurement ---------------------------------------------------------------------
@dataclass(frozen=True)
class FeedResult:
    updates_per_s: float  # wall clock
    cpu_ms_per_update: float  # CPU of the whole process (event loop and database threads)
    records: int = 0
    peak_rss_mb: float = 0.0  # of the process that ran it, read after the run
    replies_per_commit: float = 0.0  # ours: work items per transaction (group commit)


async def _until(done: Callable[[], bool]) -> None:
    while not done():
        await asyncio.sleep(0.001)


async def feed(rig: Rig, mode: str = "batch") -> FeedResult:
    """Feed every update as a receiver would: in getUpdates batches, or one at a time.

    Ours takes each batch through the inbox's sink (all of a batch at once, as the poller
    does) and is done when the inbox holds nothing unhandled; bare PTB gets each batch on
    its update queue, as its own updater puts them there, and is done when the queue is.
    """
    application = rig.application
    size = 1 if mode == "one" else BATCH
    gc.collect()
    before = rig.commits()
    start, cpu_start = time.perf_counter(), time.process_time()
    for first in range(0, len(rig.updates), size):
        batch = rig.updates[first : first + size]
        if rig.accept is not None:
            await asyncio.gather(*(rig.accept(data) for data in batch))
            if mode == "one":
                await _until(rig.idle)
        else:
            for data in batch:
                await application.update_queue.put(Update.de_json(data, application.bot))
            if mode == "one":
                await application.update_queue.join()
        if first % CLEAR_EVERY < size:
            rig.request.clear()
    if rig.accept is not None:
        await _until(rig.idle)
    else:
        await application.update_queue.join()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    after = rig.commits()
    transactions, works = after[0] - before[0], after[1] - before[1]
    return FeedResult(
        len(rig.updates) / elapsed,
        cpu * 1000 / len(rig.updates),
        replies_per_commit=works / transactions if transactions else 0.0,
    )


async def run_ours_once(workdir: Path, count: int, chat_count: int, mode: str) -> FeedResult:
    """The real bot's speed, and the progress records it wrote."""
    rig = await open_ours(workdir, count, chat_count)
    try:
        result = await feed(rig, mode)
        left = rig.unfinished()
        if left:
            raise RuntimeError(f"{left} updates were left unfinished in the inbox")
        return replace(result, records=rig.count_records())
    finally:
        await rig.close()


async def run_bare_once(count: int, chat_count: int, mode: str) -> FeedResult:
    rig = await open_bare(count, chat_count)
    try:
        return await feed(rig, mode)
    finally:
        await rig.close()


def run_case(kind: str, count: int, mode: str = "batch") -> FeedResult:
    """One run of `kind` ("ours" or "bare") in a fresh process, so runs never share a heap
    and the process's peak memory is that of benchmark 1 alone (read by benchmark 4)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest", kind, "--count", str(count), "--feed", mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ingest {kind} run failed:\n{done.stderr[-3000:]}")
    return FeedResult(**json.loads(done.stdout.strip().splitlines()[-1]))


# Runs of the last `run()` in this process: benchmark 4 reads their peak memory.
LAST_RUNS: dict[str, Any] = {}


def _paired(count: int, runs: int, mode: str) -> tuple[list[FeedResult], list[FeedResult]]:
    """Bare and ours alternating, so drift in the machine's speed hits both alike."""
    ours: list[FeedResult] = []
    bare: list[FeedResult] = []
    for attempt in range(runs):
        bare.append(run_case("bare", count, mode))
        ours.append(run_case("ours", count, mode))
        note(
            f"ingest [{mode}] run {attempt + 1}/{runs}: bare {bare[-1].updates_per_s:.0f}/s "
            f"({bare[-1].cpu_ms_per_update:.2f} ms CPU each), ours {ours[-1].updates_per_s:.0f}/s "
            f"({ours[-1].cpu_ms_per_update:.2f} ms CPU each, "
            f"{ours[-1].replies_per_commit:.1f} per commit), "
            f"{ours[-1].records} records from {count} replies; "
            f"peak memory bare {bare[-1].peak_rss_mb:.1f} MiB, ours {ours[-1].peak_rss_mb:.1f} MiB"
        )
        if ours[-1].records < count:
            raise RuntimeError(
                f"the bot recorded {ours[-1].records} progress updates from {count} replies: "
                "the benchmark would measure replies that were dropped"
            )
    return ours, bare


def _ratios(prefix: str, ours: list[FeedResult], bare: list[FeedResult], what: str) -> list[Figure]:
    """Wall and CPU ratios of one feed (bare / ours: 1 is as cheap as bare PTB)."""
    wall = median([o.updates_per_s for o in ours]) / median([b.updates_per_s for b in bare])
    cpu = median([b.cpu_ms_per_update for b in bare]) / median([o.cpu_ms_per_update for o in ours])
    paired = [b.cpu_ms_per_update / o.cpu_ms_per_update for o, b in zip(ours, bare, strict=True)]
    return [
        Figure(f"{prefix}ratio", wall, "", f"{what}: ours / bare updates per second"),
        Figure(
            f"{prefix}cpu_ratio",
            cpu,
            "",
            f"{what}: bare CPU / ours CPU per update, each pair {spread(paired)}",
        ),
    ]


def run(*, smoke: bool = False, runs: int | None = None) -> list[Figure]:
    count = 200 if smoke else 10_000
    runs = runs or (1 if smoke else 3)
    ours, bare = _paired(count, runs, "batch")
    LAST_RUNS.update(count=count, ours=ours, bare=bare)
    ours_rates = [r.updates_per_s for r in ours]
    bare_rates = [r.updates_per_s for r in bare]
    ours_cpu = [r.cpu_ms_per_update for r in ours]
    bare_cpu = [r.cpu_ms_per_update for r in bare]
    records = [r.records for r in ours]
    figures = [
        Figure(
            "ingest.ours_updates_per_s",
            median(ours_rates),
            "updates/s",
            f"median of {runs} {spread(ours_rates)}",
        ),
        Figure(
            "ingest.bare_updates_per_s",
            median(bare_rates),
            "updates/s",
            f"median of {runs} {spread(bare_rates)}",
        ),
        Figure(
            "ingest.ours_cpu_ms_per_update",
            median(ours_cpu),
            "ms",
            f"process CPU per update, inbox included, median of {runs} {spread(ours_cpu)}",
        ),
        Figure(
            "ingest.bare_cpu_ms_per_update",
            median(bare_cpu),
            "ms",
            f"process CPU per update, median of {runs} {spread(bare_cpu)}",
        ),
        *_ratios("ingest.", ours, bare, "getUpdates batches of 100 from 12 chats; target ≥ 0.5"),
        Figure(
            "ingest.records_per_reply",
            median(records) / count,
            "",
            "progress records written per reply (a reply may name two measures)",
        ),
        Figure(
            "ingest.replies_per_commit",
            median([r.replies_per_commit for r in ours]),
            "",
            "inbox rows, replies and done marks per transaction (group commit)",
        ),
    ]
    one_count = count // 5
    ours_one, bare_one = _paired(one_count, runs, "one")
    figures += _ratios("ingest.one_at_a_time_", ours_one, bare_one, "one update at a time")
    ours_many, bare_many = _paired(count, runs, "many")
    figures += _ratios("ingest.many_chats_", ours_many, bare_many, f"{MANY_CHATS} chats at once")
    figures.append(
        Figure(
            "ingest.many_chats_replies_per_commit",
            median([r.replies_per_commit for r in ours_many]),
            "",
            f"work items per transaction with {MANY_CHATS} chats replying at once",
        )
    )
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest", description="one ingestion run, in this process"
    )
    parser.add_argument("kind", choices=["ours", "bare"])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--feed", choices=FEEDS, default="batch")
    args = parser.parse_args(argv)
    chats = MANY_CHATS if args.feed == "many" else CHAT_COUNT
    if args.kind == "bare":
        result = asyncio.run(run_bare_once(args.count, chats, args.feed))
    else:
        with scratch_dir("ingest") as workdir:
            result = asyncio.run(run_ours_once(workdir, args.count, chats, args.feed))
    print(json.dumps(asdict(replace(result, peak_rss_mb=peak_rss_mb()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
