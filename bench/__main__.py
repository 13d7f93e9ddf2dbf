"""Run the benchmarks: `python -m bench` (all), `python -m bench --smoke` (small, for CI).

Prints one line per figure (`ingest.ours_updates_per_s 1234.5`) on stdout; progress goes to
stderr. `python -m bench ingest status` runs only those; `--json PATH` keeps the notes too.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict

from bench.figures import Figure, note
from bench.machine import describe

# Module of each benchmark, in the order they run (memory reuses the status database).
BENCHMARKS = {
    "planread": "bench.planread",
    "ingest": "bench.ingest",
    "fanout": "bench.fanout",
    # Two instances on one PostgreSQL; only with BENCH_DATABASE_URL (else no figures).
    "fanout2": "bench.fanout_instances",
    "status": "bench.status_scale",
    "webapp": "bench.webapp_pages",
    "memory": "bench.memory",
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default all): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, under a minute")
    parser.add_argument("--runs", type=int, default=None, help="repetitions for the medians")
    parser.add_argument("--json", metavar="PATH", help="also write the figures with notes here")
    parser.add_argument(
        "--profile",
        metavar="NAME",
        choices=("ingest", "fanout", "status"),
        help="profile one benchmark (ingest, fanout or status) with pyinstrument instead; "
        "text profiles go to bench-output/profile/",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.profile:
        from bench.profiling import profile

        profile(args.profile, smoke=args.smoke)
        return 0
    names = args.names or list(BENCHMARKS)
    machine = describe()
    note("machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()))
    figures: list[Figure] = []
    failed: list[str] = []
    started = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(BENCHMARKS[name])
            results: list[Figure] = module.run(smoke=args.smoke, runs=args.runs)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        for figure in results:
            print(figure.line(), flush=True)
        figures.extend(results)
        note(f"{name}: {time.perf_counter() - t0:.1f} s")
    note(f"all: {time.perf_counter() - started:.1f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "machine": machine,
                    "load_average_after": describe()["load_average"],
                    "smoke": args.smoke,
                    "figures": [asdict(f) for f in figures],
                },
                fh,
                ensure_ascii=False,
                indent=1,
            )
    if failed:
        note(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
