"""The implementation signal (进展) beside the reporting signal: done, on track, behind, …

The one place that judges progress, for every view, the ledger, the chart, the 通报 and the
dashboard. It reads the latest reported status and percent; with a deadline, unfinished work
past it is "behind", and so is a percent well below the time elapsed (序时进度).
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
from reports.latest import Latest

SIGNAL_DONE = "done"  # 已完成
SIGNAL_ON_TRACK = "on_track"  # 序时推进
SIGNAL_BEHIND = "behind"  # 滞后
SIGNAL_DIFFICULT = "difficult"  # 有困难
SIGNAL_BLOCKED = "blocked"  # 受阻
SIGNAL_NONE = "none"  # 未报送: nothing (accepted) reported yet
SIGNAL_CLOSED = "closed"  # 办结: a coordinator closed the measure (销号)
# Worst first: a measure shows the worst signal of the departments that answer for it.
SIGNALS = (
    SIGNAL_BLOCKED,
    SIGNAL_DIFFICULT,
    SIGNAL_BEHIND,
    SIGNAL_ON_TRACK,
    SIGNAL_DONE,
    SIGNAL_NONE,
    SIGNAL_CLOSED,
)
# The signals that call for attention (the 通报's table of measures behind, escalation).
LAGGING = (SIGNAL_BLOCKED, SIGNAL_DIFFICULT, SIGNAL_BEHIND)
_SEVERITY = {signal: rank for rank, signal in enumerate(SIGNALS)}

# A percent this many points below the share of time elapsed is behind schedule: the pace is
# judged against reports made once a month, so a small gap is not yet a delay.
PACE_MARGIN = 10

_FROM_STATUS = {
    PROGRESS_DONE: SIGNAL_DONE,
    PROGRESS_IN_PROGRESS: SIGNAL_ON_TRACK,
    PROGRESS_AT_RISK: SIGNAL_DIFFICULT,
    PROGRESS_BLOCKED: SIGNAL_BLOCKED,
}


@dataclass(frozen=True)
class Progress:
    """How the work stands: a signal, the lowest reported percent, and 序时进度 when judged.

    `expected` is the share of the time from the plan's start to the deadline that has
    passed, in percent (None without a deadline or a start).
    """

    signal: str
    percent: int | None = None
    expected: int | None = None

    @property
    def lagging(self) -> bool:
        return self.signal in LAGGING


NO_PROGRESS = Progress(SIGNAL_NONE)
CLOSED = Progress(SIGNAL_CLOSED, 100)


@dataclass(frozen=True)
class Schedule:
    """What the judgement needs besides the report: the deadline, the plan's start, today."""

    deadline: date | None = None
    start: date | None = None
    today: date | None = None


def expected_percent(schedule: Schedule) -> int | None:
    """序时进度: the share of the time from the start to the deadline elapsed by today."""
    start, deadline, today = schedule.start, schedule.deadline, schedule.today
    if start is None or deadline is None or today is None or deadline <= start:
        return None
    if today >= deadline:
        return 100
    if today <= start:
        return 0
    return round(100 * (today - start).days / (deadline - start).days)


def past_deadline(schedule: Schedule) -> bool:
    return (
        schedule.deadline is not None
        and schedule.today is not None
        and schedule.today > schedule.deadline
    )


def report_progress(status: str, percent: int | None, schedule: Schedule = Schedule()) -> Progress:
    """The progress one report shows: its status, judged against the deadline and the pace."""
    signal = _FROM_STATUS.get(status, SIGNAL_ON_TRACK)
    expected = expected_percent(schedule)
    if signal == SIGNAL_ON_TRACK and (
        past_deadline(schedule)
        or (percent is not None and expected is not None and percent + PACE_MARGIN < expected)
    ):
        signal = SIGNAL_BEHIND
    return Progress(signal, 100 if signal == SIGNAL_DONE and percent is None else percent, expected)


def department_progress(latest: Latest | None, schedule: Schedule = Schedule()) -> Progress:
    """One department's progress on one measure, from its latest (not returned) report."""
    if latest is None or latest.returned:
        return NO_PROGRESS
    return report_progress(latest.status, latest.percent, schedule)


def measure_progress(
    latests: Iterable[Latest | None], schedule: Schedule = Schedule(), *, closed: bool = False
) -> Progress:
    """A measure's progress from the departments that answer for it.

    A closed measure is 办结 whatever was reported. Otherwise the worst reported signal wins;
    "done" needs every one of them done (a measure half of whose leads finished is still under
    way, and then judged by its schedule). Nothing reported at all is `SIGNAL_NONE`.
    """
    if closed:
        return CLOSED
    each = [department_progress(x, schedule) for x in latests]
    reported = [p for p in each if p.signal != SIGNAL_NONE]
    expected = expected_percent(schedule)
    if not reported:
        return Progress(SIGNAL_NONE, None, expected)
    worst = min(reported, key=lambda p: _SEVERITY[p.signal]).signal
    if worst == SIGNAL_DONE and len(reported) < len(each):
        worst = SIGNAL_BEHIND if past_deadline(schedule) else SIGNAL_ON_TRACK
    percents = [p.percent for p in reported if p.percent is not None]
    return Progress(worst, min(percents) if percents else None, expected)


def signal_counts(progresses: Iterable[Progress]) -> dict[str, int]:
    counts = dict.fromkeys(SIGNALS, 0)
    for progress in progresses:
        counts[progress.signal] += 1
    return counts


def severity(signal: str) -> int:
    """0 for the worst signal; for sorting."""
    return _SEVERITY.get(signal, len(SIGNALS))
