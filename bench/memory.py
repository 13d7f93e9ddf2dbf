"""Benchmark 4: peak resident memory of the bot process, each case in a fresh subprocess.

Cases: after benchmark 1's 10,000 replies (and bare PTB after the same), and the bot with the
1,000,000-update database open answering /status and /status <department>.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.figures import Figure, median, note, scratch_dir, spread

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB.

    Linux's `ru_maxrss` survives exec, so a child started from a big parent would report the
    parent's size; the high-water mark of this process's own memory (VmHWM) does not.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _status_probe(path: Path, rounds: int) -> None:
    """The real bot on the big database, answering coordinators' /status views."""
    from telegram import Update

    from bench.ingest import ADMIN, TOKEN
    from bench.status_scale import busiest_departments
    from bot import build_application
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
    if len(answers) < 2 * rounds:
        raise RuntimeError(f"/status answered {len(answers)} times out of {2 * rounds}")


def probe(kind: str, count: int, smoke: bool) -> dict[str, Any]:
    """Run one case in this process and return its peak memory."""
    if kind in ("ingest", "bare"):
        from bench import ingest

        if kind == "bare":
            asyncio.run(ingest.run_bare_once(count, ingest.CHAT_COUNT))
        else:
            with scratch_dir("memory") as workdir:
                asyncio.run(ingest.run_ours_once(workdir, count, ingest.CHAT_COUNT))
    elif kind == "status":
        from bench.scale_data import ensure_database
        from bench.status_scale import LARGE, SMOKE_LARGE

        asyncio.run(_status_probe(ensure_database(SMOKE_LARGE if smoke else LARGE), 10))
    else:
        raise ValueError(kind)
    return {"kind": kind, "peak_rss_mb": peak_rss_mb()}


def measure(kinds: list[str], count: int, smoke: bool) -> dict[str, float]:
    """Peak RSS (MiB) of each case, each in a fresh subprocess; the cases run side by side
    (memory does not depend on speed, and the smoke run stays short)."""
    children = {}
    for kind in kinds:
        command = [sys.executable, "-m", "bench.memory", kind, "--count", str(count)]
        if smoke:
            command.append("--smoke")
        children[kind] = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    peaks = {}
    for kind, child in children.items():
        try:
            stdout, stderr = child.communicate(timeout=1800)
        except subprocess.TimeoutExpired:
            child.kill()
            stdout, stderr = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"memory probe {kind} failed:\n{stderr[-3000:]}")
        peaks[kind] = float(json.loads(stdout.strip().splitlines()[-1])["peak_rss_mb"])
    return peaks


def run(*, smoke: bool = False, runs: int | None = None) -> list[Figure]:
    count = 200 if smoke else 10_000
    runs = runs or (1 if smoke else 3)
    results: dict[str, list[float]] = {"ingest": [], "bare": [], "status": []}
    for attempt in range(runs):
        for kind, peak in measure(list(results), count, smoke).items():
            results[kind].append(peak)
        note(
            f"memory run {attempt + 1}/{runs}: "
            + ", ".join(f"{k} {v[-1]:.1f} MiB" for k, v in results.items())
        )
    return [
        Figure(
            "memory.ours_after_ingest_mb",
            median(results["ingest"]),
            "MiB",
            f"peak RSS after {count} replies, median of {runs} {spread(results['ingest'])}; "
            "target ≤ 150",
        ),
        Figure(
            "memory.bare_after_ingest_mb",
            median(results["bare"]),
            "MiB",
            f"bare PTB after {count} replies, median of {runs} {spread(results['bare'])}",
        ),
        Figure(
            "memory.ours_status_large_db_mb",
            median(results["status"]),
            "MiB",
            f"peak RSS answering /status on the big database, median of {runs} "
            f"{spread(results['status'])}; target ≤ 150",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory", description="one memory case, in this process"
    )
    parser.add_argument("kind", choices=["ingest", "bare", "status"])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(probe(args.kind, args.count, args.smoke)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
