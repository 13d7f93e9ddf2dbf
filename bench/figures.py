"""Figures a benchmark reports, and the statistics behind them (medians, percentiles).

Every figure is printed as one line `name value` on stdout; progress notes go to stderr.
"""

from __future__ import annotations

import contextlib
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

OUTPUT_DIR = Path(__file__).resolve().parent.parent / "bench-output"


@dataclass(frozen=True)
class Figure:
    name: str  # "ingest.ours_updates_per_s"
    value: float
    unit: str = ""
    note: str = ""  # e.g. "median of 3 runs [812.1, 830.0, 845.3]"

    def line(self) -> str:
        return f"{self.name} {format_value(self.value)}"


def format_value(value: float) -> str:
    """Integers as integers, large values to one decimal, small ones to four digits."""
    if float(value).is_integer():
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.4g}"


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def spread(values: Sequence[float]) -> str:
    """The individual runs, for the note next to a median."""
    return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"


def note(message: str) -> None:
    """Progress for the human watching; stdout stays one figure per line."""
    print(message, file=sys.stderr, flush=True)


def output_dir(*parts: str) -> Path:
    """A folder under `bench-output/` (gitignored), created on demand."""
    path = OUTPUT_DIR.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def scratch_dir(name: str) -> Iterator[Path]:
    """A fresh folder of this process under `bench-output/name/`, removed afterwards.

    Unique per process, so a benchmark run and the smoke test running at once never share
    (or delete) each other's database files.
    """
    path = Path(tempfile.mkdtemp(prefix="run-", dir=output_dir(name)))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
