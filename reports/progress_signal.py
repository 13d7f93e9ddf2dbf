"""The implementation signal (进展) beside the reporting signal: done, on track, behind, …

The one place that judges progress. Today it reads the latest reported status and percent;
a measure's deadline, when one is known, turns unfinished work past it into "behind".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from models.progress import (
    PROGRESS_AT_RISK,
    PROGRESS_BLOCKED,
    PROGRESS_DONE,
    PROGRESS_IN_PROGRESS,
)
from reports.status import Latest

SIGNAL_DONE = "done"  # 已完成
SIGNAL_ON_TRACK = "on_track"  # 序时推进
SIGNAL_BEHIND = "behind"  # 滞后
SIGNAL_DIFFICULT = "difficult"  # 有困难
SIGNAL_BLOCKED = "blocked"  # 受阻
SIGNAL_NONE = "none"  # nothing reported yet
# Worst first: a measure shows the worst signal of the departments that answer for it.
SIGNALS = (
    SIGNAL_BLOCKED,
    SIGNAL_DIFFICULT,
    SIGNAL_BEHIND,
    SIGNAL_ON_TRACK,
    SIGNAL_DONE,
    SIGNAL_NONE,
)
_SEVERITY = {signal: rank for rank, signal in enumerate(SIGNALS)}

_FROM_STATUS = {
    PROGRESS_DONE: SIGNAL_DONE,
    PROGRESS_IN_PROGRESS: SIGNAL_ON_TRACK,
    PROGRESS_AT_RISK: SIGNAL_DIFFICULT,
    PROGRESS_BLOCKED: SIGNAL_BLOCKED,
}


@dataclass(frozen=True)
class Progress:
    """How the work stands: a signal and, when reported, the lowest percent."""

    signal: str
    percent: int | None = None


NO_PROGRESS = Progress(SIGNAL_NONE)


def department_progress(
    latest: Latest | None, *, deadline: date | None = None, today: date | None = None
) -> Progress:
    """One department's progress on one measure, from its latest report."""
    if latest is None:
        return NO_PROGRESS
    signal = _FROM_STATUS.get(latest.status, SIGNAL_ON_TRACK)
    if (
        signal == SIGNAL_ON_TRACK
        and deadline is not None
        and today is not None
        and today > deadline
    ):
        signal = SIGNAL_BEHIND
    percent = 100 if signal == SIGNAL_DONE and latest.percent is None else latest.percent
    return Progress(signal, percent)


def measure_progress(
    latests: Iterable[Latest | None], *, deadline: date | None = None, today: date | None = None
) -> Progress:
    """A measure's progress from the departments that answer for it.

    The worst reported signal wins; "done" needs every one of them done (a measure half of
    whose leads finished is still under way). Nothing reported at all is `SIGNAL_NONE`.
    """
    each = [department_progress(x, deadline=deadline, today=today) for x in latests]
    reported = [p for p in each if p.signal != SIGNAL_NONE]
    if not reported:
        return NO_PROGRESS
    worst = min(reported, key=lambda p: _SEVERITY[p.signal]).signal
    if worst == SIGNAL_DONE and len(reported) < len(each):
        worst = SIGNAL_ON_TRACK
    percents = [p.percent for p in reported if p.percent is not None]
    return Progress(worst, min(percents) if percents else None)


def signal_counts(progresses: Iterable[Progress]) -> dict[str, int]:
    counts = dict.fromkeys(SIGNALS, 0)
    for progress in progresses:
        counts[progress.signal] += 1
    return counts
