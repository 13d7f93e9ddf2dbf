"""Benchmark 5: reading the bundled plan, and a synthetic plan twenty times its size.

The large plan repeats the bundled plan's sections with sections and measures renumbered
in Chinese numerals (（一） … （四百四十）), so the reader does the same work at scale.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from bench.figures import Figure, median, note, scratch_dir, spread
from settings import DEFAULT_PLAN

SECTION_HEADING = re.compile(r"^([一二三四五六七八九十百千]+)、")
MEASURE_HEADING = re.compile(r"^([（(])([一二三四五六七八九十百千]+)([）)])")


def scaled_plan_text(text: str, times: int) -> str:
    """The plan with its body (first section up to the attachment) repeated `times` times."""
    from planreader.numerals import to_chinese_numeral

    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if SECTION_HEADING.match(line))
    # The signature block after the last measure starts at the line naming the attachment.
    end = next(i for i, line in enumerate(lines) if i > first and line.startswith("附件"))
    head, body, tail = lines[:first], lines[first:end], lines[end:]
    out = list(head)
    section = measure = 0
    for _ in range(times):
        for line in body:
            if SECTION_HEADING.match(line):
                section += 1
                line = SECTION_HEADING.sub(to_chinese_numeral(section) + "、", line, count=1)
            elif bracket := MEASURE_HEADING.match(line):
                measure += 1
                numeral = to_chinese_numeral(measure)
                line = bracket.group(1) + numeral + bracket.group(3) + line[bracket.end() :]
            out.append(line)
    return "\n".join(out + tail)


def time_read(path: Path, runs: int) -> tuple[list[float], int]:
    """Milliseconds of `read_plan(path)` per run, and the measures with a clause it found.

    Only those are compared: in the large plan the guiding thought and goals of each copy
    after the first stand between measures, so they are read as measures without a clause.
    """
    from planreader.reader import read_plan

    timings = []
    found = 0
    for _ in range(runs):
        start = time.perf_counter()
        document = read_plan(path)
        timings.append((time.perf_counter() - start) * 1000)
        found = sum(1 for m in document.measures if m.clause is not None)
    return timings, found


def run(*, smoke: bool = False, runs: int | None = None) -> list[Figure]:
    runs = runs or (3 if smoke else 7)
    times = 20
    text = DEFAULT_PLAN.read_text(encoding="utf-8")
    with scratch_dir("planread") as folder:
        large = folder / f"plan-x{times}.txt"
        large.write_text(scaled_plan_text(text, times), encoding="utf-8")
        size_kib = large.stat().st_size // 1024
        time_read(DEFAULT_PLAN, 1)  # imports and caches, so the first timed run is not special
        bundled, bundled_measures = time_read(DEFAULT_PLAN, runs)
        scaled, scaled_measures = time_read(large, runs)
    if scaled_measures != bundled_measures * times:
        raise RuntimeError(
            f"the {times}x plan has {bundled_measures * times} measures but "
            f"the reader found {scaled_measures}"
        )
    note(
        f"planread: bundled {bundled_measures} measures, x{times} {scaled_measures} measures "
        f"({size_kib} KiB)"
    )
    return [
        Figure("planread.bundled_ms", median(bundled), "ms", f"median of {runs} {spread(bundled)}"),
        Figure(f"planread.x{times}_ms", median(scaled), "ms", f"median of {runs} {spread(scaled)}"),
        Figure(
            f"planread.x{times}_over_bundled",
            median(scaled) / median(bundled),
            "",
            f"{times}x the text; linear would be {times}",
        ),
        Figure(
            f"planread.x{times}_measures",
            scaled_measures,
            "measures",
            f"{bundled_measures} in the bundled plan",
        ),
    ]
