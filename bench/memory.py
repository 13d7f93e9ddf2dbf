"""Benchmark 4: peak resident memory of the bot process, each case in a fresh process.

Cases: the bot after benchmark 1's 10,000 replies (and bare PTB after the same; the runs of
benchmark 1 are reused when it ran just before), and the bot with the 1,000,000-update
database open answering /status and /status <department> through the Application.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.figures import Figure, median, note, spread
from bench.machine import peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
STATUS_ROUNDS = 10


async def _status_probe(path: Path, rounds: int) -> None:
    """The real bot on the big database, answering coordinators' /status views."""
    from telegram import Update

    from assembly import build_application
    from bench.ingest import ADMIN, TOKEN
    from bench.status_scale import busiest_departments
    from botapi_sim.recording import RecordingRequest
    from botapi_sim.updates import UpdateFactory, private_chat
    from models.db import Database
    from settings import load_settings

    url = f"sqlite:///{path}"
    db = Database.from_url(url)
    settings = load_settings(
        _env_file=None, telegram_bot_token=TOKEN, database_url=url, admin_ids=[ADMIN.id]
    )
    request = RecordingRequest()
    application = build_application(
        settings, db, token=TOKEN, request=request, rate_limit=False, instance="bench-memory"
    )
    factory = UpdateFactory()
    chat = private_chat(ADMIN)
    names = db.call(busiest_departments, count=5)
    async with application:
        for index in range(rounds):
            for args in ("", names[index % len(names)]):
                update = factory.command(chat, ADMIN, "status", args)
                await application.process_update(Update.de_json(update, application.bot))
        answers = [c.text for c in request.calls if c.method == "sendMessage"]
    db.dispose()
    if len(answers) < 2 * rounds or not all(answers):
        raise RuntimeError(f"/status answered {len(answers)} times out of {2 * rounds}")


def measure_status(smoke: bool, runs: int) -> list[float]:
    """Peak RSS (MiB) of `runs` fresh processes answering /status on the big database."""
    from bench.scale_data import ensure_database
    from bench.status_scale import LARGE, SMOKE_LARGE

    ensure_database(SMOKE_LARGE if smoke else LARGE)  # generated here, not in the probes
    command = [sys.executable, "-m", "bench.memory", "status"] + (["--smoke"] if smoke else [])
    peaks = []
    for _ in range(runs):
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"memory probe failed:\n{done.stderr[-3000:]}")
        peaks.append(float(json.loads(done.stdout.strip().splitlines()[-1])["peak_rss_mb"]))
    return peaks


def run(*, smoke: bool = False, runs: int | None = None) -> list[Figure]:
    from bench import ingest

    count = 200 if smoke else 10_000
    runs = runs or (1 if smoke else 3)
    if ingest.LAST_RUNS.get("count") == count:
        ours, bare = ingest.LAST_RUNS["ours"], ingest.LAST_RUNS["bare"]
        source = "benchmark 1's runs"
    else:
        ours = [ingest.run_case("ours", count) for _ in range(runs)]
        bare = [ingest.run_case("bare", count) for _ in range(runs)]
        source = "fresh runs of benchmark 1"
    ours_peaks = [r.peak_rss_mb for r in ours]
    bare_peaks = [r.peak_rss_mb for r in bare]
    status_peaks = measure_status(smoke, runs)
    note(
        f"memory: ours {spread(ours_peaks)}, bare {spread(bare_peaks)} ({source}); "
        f"/status on the big database {spread(status_peaks)} MiB"
    )
    return [
        Figure(
            "memory.ours_after_ingest_mb",
            median(ours_peaks),
            "MiB",
            f"peak RSS of the bot's process after {count} replies ({source}), median of "
            f"{len(ours_peaks)} {spread(ours_peaks)}; target ≤ 150",
        ),
        Figure(
            "memory.bare_after_ingest_mb",
            median(bare_peaks),
            "MiB",
            f"bare PTB after {count} replies, median of {len(bare_peaks)} {spread(bare_peaks)}",
        ),
        Figure(
            "memory.ours_status_large_db_mb",
            median(status_peaks),
            "MiB",
            f"peak RSS answering /status and /status <department> {STATUS_ROUNDS} times each "
            f"on the big database, median of {runs} {spread(status_peaks)}; target ≤ 150",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory", description="the /status memory case, in this process"
    )
    parser.add_argument("kind", choices=["status"])
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    from bench.scale_data import ensure_database
    from bench.status_scale import LARGE, SMOKE_LARGE

    path = ensure_database(SMOKE_LARGE if args.smoke else LARGE)
    asyncio.run(_status_probe(path, STATUS_ROUNDS))
    print(json.dumps({"kind": args.kind, "peak_rss_mb": peak_rss_mb()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
