"""The Markdown table of BENCHMARKS.md from a `python -m bench --json PATH` run.

python -m bench --json bench-output/figures.json
python -m bench.table bench-output/figures.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence

from bench.figures import format_value

# figure → (target as written in the issue, whether a value meets it)
TARGETS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "ingest.ratio": ("≥ 0.5", lambda v: v >= 0.5),
    "ingest.cpu_ratio": ("≥ 0.5", lambda v: v >= 0.5),
    "fanout.rate_over_limit": ("≥ 0.9", lambda v: v >= 0.9),
    "fanout.over_bare": ("≥ 0.9", lambda v: v >= 0.9),
    "fanout.http_429": ("0", lambda v: v == 0),
    "fanout.lost": ("0", lambda v: v == 0),
    "fanout.duplicates": ("0", lambda v: v == 0),
    "fanout.command_latency_ms": ("< 1000", lambda v: v < 1000),
    "fanout.command_latency_max_ms": ("< 1000", lambda v: v < 1000),
    "fanout.low_rate_over_limit": ("≥ 0.9", lambda v: v >= 0.9),
    "fanout.low_over_bare": ("≥ 0.9", lambda v: v >= 0.9),
    "fanout.low_bare_cpu_share": ("< 0.5", lambda v: v < 0.5),
    "fanout.low_http_429": ("0", lambda v: v == 0),
    "fanout.low_lost": ("0", lambda v: v == 0),
    "fanout.low_duplicates": ("0", lambda v: v == 0),
    "status.overview_p50_ms": ("≤ 100", lambda v: v <= 100),
    "status.department_p50_ms": ("≤ 100", lambda v: v <= 100),
    "status.overview_ratio": ("≤ 2", lambda v: v <= 2),
    "status.department_ratio": ("≤ 2", lambda v: v <= 2),
    "webapp.overview_p50_ms": ("≤ 300", lambda v: v <= 300),
    "memory.ours_after_ingest_mb": ("≤ 150", lambda v: v <= 150),
    "memory.ours_status_large_db_mb": ("≤ 150", lambda v: v <= 150),
}


def render(data: dict[str, object]) -> str:
    lines = ["| figure | value | unit | target | how measured |", "|---|---:|---|---|---|"]
    for figure in data["figures"]:  # type: ignore[attr-defined]
        name, value = figure["name"], float(figure["value"])
        target = ""
        if name in TARGETS:
            text, met = TARGETS[name]
            target = f"{text} {'✅' if met(value) else '❌'}"
        note = str(figure["note"]).replace("|", "\\|")
        lines.append(f"| `{name}` | {format_value(value)} | {figure['unit']} | {target} | {note} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m bench.table FIGURES.json", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as fh:
        data = json.load(fh)
    print(render(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
