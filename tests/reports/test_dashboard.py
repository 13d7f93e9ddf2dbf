"""What the web dashboard shows, as plain data: the same cycle as /status, both signals,
trends over past cycles that agree with the ledger, and a liaison's narrowed measure page.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from messages.i18n import get_translator
from messages.status import render_overview
from models.progress import (
    PROGRESS_AT_RISK,
    PROGRESS_BLOCKED,
    PROGRESS_DONE,
    PROGRESS_IN_PROGRESS,
)
from reports.cycles import OUTCOME_LATE, OUTCOME_ON_TIME, cycle_outcomes, recent_cycles
from reports.dashboard import overview_page
from reports.dashboard_detail import department_page, measure_page
from reports.progress_signal import (
    SIGNAL_BEHIND,
    SIGNAL_BLOCKED,
    SIGNAL_DIFFICULT,
    SIGNAL_DONE,
    SIGNAL_NONE,
    SIGNAL_ON_TRACK,
    Schedule,
    department_progress,
    measure_progress,
)
from reports.status import TASK_LATE, TASK_ON_TIME, TASK_OVERDUE, Latest
from tests.support.coordinator_data import CULTURE, DEV, NOW, TRANSPORT, WATER, build_sample
from tests.support.harness import fresh_database, test_database_url


@pytest.fixture
def sample_db(tmp_path: Path):
    db = fresh_database(test_database_url(tmp_path))
    sample = db.call(build_sample)
    try:
        yield db, sample
    finally:
        db.dispose()


def latest(status: str, percent: int | None = None) -> Latest:
    return Latest(status, percent, "", "", NOW, None, None)


def test_the_overview_counts_what_the_chat_status_counts(sample_db) -> None:
    db, _sample = sample_db
    page = db.call(overview_page, now=NOW)
    text = render_overview(get_translator("zh_CN"), page.overview)
    counts = page.overview.reporting_counts()
    assert f"🟢 按时报送 {counts[TASK_ON_TIME]} · 🟡 逾期报送 {counts[TASK_LATE]}" in text
    tasks = page.overview.task_counts()
    reported = f"按时 {tasks[TASK_ON_TIME]}，逾期报送 {tasks[TASK_LATE]}"
    assert f"{reported}，逾期未报 {tasks[TASK_OVERDUE]}" in text
    progress = page.progress_counts()
    assert f"⛔ 受阻 {progress[SIGNAL_BLOCKED]} · ⚠️ 有困难 {progress[SIGNAL_DIFFICULT]}" in text
    # The sample's own figures (see tests/coordinator_data.py).
    assert (counts[TASK_ON_TIME], counts[TASK_LATE], counts[TASK_OVERDUE]) == (3, 1, 2)
    assert "按时率 <b>57%</b>" in text and round(page.overview.on_time_rate(), 2) == 0.57


def test_each_measure_has_both_signals(sample_db) -> None:
    db, _sample = sample_db
    page = db.call(overview_page, now=NOW)
    by_number = {row.state.number: row for row in page.rows}
    # (三): the lead reported done on time; (五) at risk; (七) blocked; (八) never reported.
    assert (by_number[3].state.reporting, by_number[3].progress.signal) == (
        TASK_ON_TIME,
        SIGNAL_DONE,
    )
    assert by_number[5].progress.signal == SIGNAL_DIFFICULT and by_number[5].progress.percent == 45
    # (七) reported on time that it is blocked: punctual, and blocked.
    assert (by_number[7].state.reporting, by_number[7].progress.signal) == (
        TASK_ON_TIME,
        SIGNAL_BLOCKED,
    )
    # (八) is overdue for its missing report; its progress is the latest it ever reported.
    assert by_number[8].state.reporting == TASK_OVERDUE
    assert by_number[8].progress.signal == SIGNAL_ON_TRACK
    counts = page.progress_counts()
    assert sum(counts.values()) == len(page.rows) == 6


def test_the_trend_of_past_cycles_agrees_with_the_ledgers_outcomes(sample_db) -> None:
    db, sample = sample_db
    page = db.call(overview_page, now=NOW)
    assert [entry.cycle_id for entry in page.trend] == sample.cycles  # oldest first

    def ledger(session):
        return cycle_outcomes(session, cycles=recent_cycles(session, now=NOW), now=NOW)

    outcomes = {o.cycle.id: o for o in db.call(ledger)}
    for entry in page.trend[:-1]:  # the current one is /status's own
        outcome = outcomes[entry.cycle_id]
        assert entry.counts["on_time"] == outcome.count(OUTCOME_ON_TIME, responsible_only=True)
        assert entry.counts["late"] == outcome.count(OUTCOME_LATE, responsible_only=True)
    # September: every lead on time; October: one late, the others missing.
    september, october, current = page.trend
    assert september.on_time_rate == 1.0
    assert october.counts["late"] == 1 and october.counts["overdue"] > 0
    assert current.counts == page.overview.task_counts()


def test_a_department_page_has_its_record_and_its_reports(sample_db) -> None:
    db, sample = sample_db
    page = db.call(department_page, department_id=sample.departments[TRANSPORT], now=NOW)
    assert page is not None
    assert [row.task for row in page.view.rows] == [TASK_LATE]  # (四), late this cycle
    assert [entry.counts for entry in page.record] == [
        {"on_time": 1, "late": 0, "overdue": 0, "pending": 0},
        {"on_time": 0, "late": 1, "overdue": 0, "pending": 0},
        {"on_time": 0, "late": 1, "overdue": 0, "pending": 0},
    ]
    assert round(page.on_time_rate, 2) == 0.33
    assert page.recent[0].text == "雄忻高铁可研报告已批复。"
    assert page.total_reports == 3


def test_a_measure_page_lists_every_report_and_a_liaison_sees_only_their_own(sample_db) -> None:
    db, sample = sample_db
    everything = db.call(measure_page, measure_id=sample.measures[3], now=NOW)
    assert everything is not None
    assert {d.name for d in everything.detail.departments} >= {DEV, "省通信管理局", "省工信厅"}
    assert everything.total_reports == 4 and everything.progress.signal == SIGNAL_DONE
    narrowed = db.call(
        measure_page,
        measure_id=sample.measures[3],
        now=NOW,
        department_ids={sample.departments[DEV]},
    )
    assert [d.name for d in narrowed.detail.departments] == [DEV]
    assert {e.department for e in narrowed.timeline} == {DEV}
    assert narrowed.total_reports == 3


def test_unknown_pages_are_none(sample_db) -> None:
    db, _sample = sample_db
    assert db.call(measure_page, measure_id=99_999, now=NOW) is None
    assert db.call(department_page, department_id=99_999, now=NOW) is None


@pytest.mark.parametrize(
    ("status", "signal"),
    [(PROGRESS_DONE, SIGNAL_DONE), (PROGRESS_IN_PROGRESS, SIGNAL_ON_TRACK),
     (PROGRESS_AT_RISK, SIGNAL_DIFFICULT), (PROGRESS_BLOCKED, SIGNAL_BLOCKED)],
)
def test_the_progress_signal_follows_the_reported_status(status, signal) -> None:
    assert department_progress(latest(status, 60)).signal == signal


def test_past_its_deadline_unfinished_work_is_behind() -> None:
    late = Schedule(deadline=date(2026, 6, 30), today=date(2026, 7, 1))
    behind = department_progress(latest(PROGRESS_IN_PROGRESS, 60), late)
    assert behind.signal == SIGNAL_BEHIND
    done = department_progress(latest(PROGRESS_DONE), late)
    assert done.signal == SIGNAL_DONE and done.percent == 100


def test_a_measure_is_as_far_as_its_worst_department_and_done_only_when_all_are() -> None:
    assert measure_progress([]).signal == SIGNAL_NONE
    assert measure_progress([None, None]).signal == SIGNAL_NONE
    both = measure_progress([latest(PROGRESS_DONE, 100), latest(PROGRESS_AT_RISK, 40)])
    assert (both.signal, both.percent) == (SIGNAL_DIFFICULT, 40)
    half = measure_progress([latest(PROGRESS_DONE, 100), None])
    assert half.signal == SIGNAL_ON_TRACK
    assert measure_progress([latest(PROGRESS_DONE), latest(PROGRESS_DONE)]).signal == SIGNAL_DONE


def test_the_culture_department_reported_blocked_and_it_shows_on_its_page(sample_db) -> None:
    db, sample = sample_db
    page = db.call(department_page, department_id=sample.departments[CULTURE], now=NOW)
    measure_id = sample.measures[7]
    assert page.progress[measure_id].signal == SIGNAL_BLOCKED
    water = db.call(department_page, department_id=sample.departments[WATER], now=NOW)
    assert re.fullmatch(r"征地受阻.*", water.recent[0].text)
