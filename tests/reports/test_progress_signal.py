"""The one judgement of progress (进展): the reported status, the deadline, and the percent
against the time elapsed (序时进度); a returned report counts as none, a closed measure is 办结."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from models.progress import PROGRESS_AT_RISK, PROGRESS_BLOCKED, PROGRESS_DONE, PROGRESS_IN_PROGRESS
from reports.latest import Latest
from reports.progress_signal import (
    PACE_MARGIN,
    SIGNAL_BEHIND,
    SIGNAL_BLOCKED,
    SIGNAL_CLOSED,
    SIGNAL_DIFFICULT,
    SIGNAL_DONE,
    SIGNAL_NONE,
    SIGNAL_ON_TRACK,
    Schedule,
    department_progress,
    expected_percent,
    measure_progress,
)

START = date(2025, 1, 1)
DEADLINE = date(2026, 12, 31)  # 729 days
HALFWAY = date(2025, 12, 31)  # 364 days in: 50% of the time elapsed


def latest(status: str, percent: int | None = None, *, returned: bool = False) -> Latest:
    return Latest(status, percent, "", "", datetime(2025, 12, 1), None, None, 1, returned)


def on(today: date) -> Schedule:
    return Schedule(deadline=DEADLINE, start=START, today=today)


def test_the_time_elapsed_runs_from_the_plans_date_to_the_deadline() -> None:
    assert expected_percent(on(START)) == 0
    assert expected_percent(on(HALFWAY)) == 50
    assert expected_percent(on(DEADLINE)) == 100
    assert expected_percent(on(date(2027, 3, 1))) == 100
    # Without a deadline or a start there is nothing to measure the pace against.
    assert expected_percent(Schedule(start=START, today=HALFWAY)) is None
    assert expected_percent(Schedule(deadline=DEADLINE, today=HALFWAY)) is None


@pytest.mark.parametrize(
    ("percent", "signal"),
    [
        (60, SIGNAL_ON_TRACK),  # ahead of the time elapsed
        (50, SIGNAL_ON_TRACK),
        (50 - PACE_MARGIN, SIGNAL_ON_TRACK),  # a small gap is not yet a delay
        (50 - PACE_MARGIN - 1, SIGNAL_BEHIND),
        (10, SIGNAL_BEHIND),
        (None, SIGNAL_ON_TRACK),  # no percent: only the deadline can tell
    ],
)
def test_an_unfinished_measure_is_behind_when_its_percent_lags_the_time_elapsed(
    percent, signal
) -> None:
    judged = department_progress(latest(PROGRESS_IN_PROGRESS, percent), on(HALFWAY))
    assert judged.signal == signal
    assert judged.expected == 50 and judged.percent == percent


def test_past_its_deadline_unfinished_work_is_behind_whatever_its_percent() -> None:
    late = on(date(2027, 1, 1))
    assert department_progress(latest(PROGRESS_IN_PROGRESS, 99), late).signal == SIGNAL_BEHIND
    done = department_progress(latest(PROGRESS_DONE), late)
    assert (done.signal, done.percent) == (SIGNAL_DONE, 100)
    # Trouble stays trouble: at risk and blocked are worse than behind, and are said so.
    assert department_progress(latest(PROGRESS_AT_RISK, 10), late).signal == SIGNAL_DIFFICULT
    assert department_progress(latest(PROGRESS_BLOCKED), late).signal == SIGNAL_BLOCKED


def test_a_returned_report_counts_as_no_report() -> None:
    assert department_progress(latest(PROGRESS_DONE, returned=True)).signal == SIGNAL_NONE


def test_a_measure_is_its_worst_unit_done_only_when_all_are_and_closed_over_all() -> None:
    schedule = on(HALFWAY)
    assert measure_progress([], schedule).signal == SIGNAL_NONE
    mixed = measure_progress(
        [latest(PROGRESS_DONE, 100), latest(PROGRESS_IN_PROGRESS, 20)], schedule
    )
    assert (mixed.signal, mixed.percent) == (SIGNAL_BEHIND, 20)
    half = measure_progress([latest(PROGRESS_DONE, 100), None], schedule)
    assert half.signal == SIGNAL_ON_TRACK  # one unit has not reported yet
    past = measure_progress([latest(PROGRESS_DONE, 100), None], on(date(2027, 1, 2)))
    assert past.signal == SIGNAL_BEHIND  # and the deadline has passed
    closed = measure_progress([latest(PROGRESS_BLOCKED)], schedule, closed=True)
    assert closed.signal == SIGNAL_CLOSED
