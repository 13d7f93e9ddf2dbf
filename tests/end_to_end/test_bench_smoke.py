"""The benchmarks keep working: the smoke run finishes and prints every figure with a number.

No timing is asserted here; the figures themselves are for BENCHMARKS.md.
"""

from __future__ import annotations

import math
import subprocess
import sys

from tests.support.paths import ROOT

EXPECTED_FIGURES = [
    "planread.bundled_ms",
    "planread.x20_ms",
    "planread.x20_over_bundled",
    "planread.x20_measures",
    "ingest.ours_updates_per_s",
    "ingest.bare_updates_per_s",
    "ingest.ratio",
    "ingest.ours_cpu_ms_per_update",
    "ingest.bare_cpu_ms_per_update",
    "ingest.cpu_ratio",
    "ingest.records_per_reply",
    "fanout.limit_per_s",
    "fanout.achieved_per_s",
    "fanout.rate_over_limit",
    "fanout.bare_achieved_per_s",
    "fanout.bare_http_429",
    "fanout.bare_bursty_achieved_per_s",
    "fanout.bare_cpu_ms_per_delivery",
    "fanout.cycle_s",
    "fanout.cpu_ms_per_delivery",
    "fanout.http_429",
    "fanout.lost",
    "fanout.duplicates",
    "fanout.over_bare",
    "fanout.cpu_ratio",
    "fanout.cpu_share",
    "fanout.bare_cpu_share",
    "fanout.command_latency_ms",
    "fanout.command_latency_max_ms",
    "fanout.low_limit_per_s",
    "fanout.low_achieved_per_s",
    "fanout.low_rate_over_limit",
    "fanout.low_bare_achieved_per_s",
    "fanout.low_over_bare",
    "fanout.low_cpu_ratio",
    "fanout.low_cpu_share",
    "fanout.low_bare_cpu_share",
    "fanout.low_http_429",
    "fanout.low_lost",
    "fanout.low_duplicates",
    "status.overview_p50_ms",
    "status.overview_p95_ms",
    "status.overview_cpu_p50_ms",
    "status.overview_small_p50_ms",
    "status.overview_ratio",
    "status.department_p50_ms",
    "status.department_p95_ms",
    "status.department_cpu_p50_ms",
    "status.department_small_p50_ms",
    "status.department_ratio",
    "webapp.overview_p50_ms",
    "webapp.overview_p95_ms",
    "webapp.overview_cpu_p50_ms",
    "webapp.department_p50_ms",
    "webapp.overview_over_status",
    "webapp.overview_over_status_cpu",
    "memory.ours_after_ingest_mb",
    "memory.bare_after_ingest_mb",
    "memory.ours_status_large_db_mb",
]


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_smoke_run_prints_every_figure_with_a_number() -> None:
    done = run_bench("--smoke")
    assert done.returncode == 0, done.stderr[-4000:]
    figures: dict[str, float] = {}
    for line in done.stdout.splitlines():
        name, _, value = line.partition(" ")
        assert name and value, f"not a figure line: {line!r}"
        figures[name] = float(value)
    missing = [name for name in EXPECTED_FIGURES if name not in figures]
    assert not missing, f"figures missing from the smoke run: {missing}\n{done.stderr[-2000:]}"
    assert all(math.isfinite(figures[name]) for name in EXPECTED_FIGURES)
    # Every reply of the smoke run became at least one progress record, nothing was lost.
    assert figures["ingest.records_per_reply"] >= 1
    assert figures["fanout.lost"] == 0
    assert figures["planread.x20_measures"] > 0


def test_an_unknown_benchmark_is_refused_with_the_known_names() -> None:
    done = run_bench("ingestion")
    assert done.returncode == 2
    assert "unknown benchmark ingestion" in done.stderr
    assert "ingest" in done.stderr and "status" in done.stderr
