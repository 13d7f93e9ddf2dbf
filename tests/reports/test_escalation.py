"""What the digest names for attention: a measure at risk or blocked two cycles in a row, a
department missing reports at two deadlines in a row — and nothing that happened only once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from coordination.outbox_content import Digest
from coordination.review import close_measure
from messages.digest import render_digest
from messages.i18n import get_translator
from models.db import Database, create_schema
from models.plan import Measure
from models.progress import PROGRESS_AT_RISK, PROGRESS_BLOCKED
from models.schedules import Cycle
from reports.bulletin import build_bulletin
from reports.escalation import escalations
from reports.progress_signal import SIGNAL_BLOCKED
from tests.support.coordinator_data import (
    CULTURE,
    LAND,
    NASTY,
    NOW,
    WATER,
    add_update,
    build_sample,
)

ZH = get_translator("zh_CN")


@pytest.fixture
def db(tmp_path):
    database = Database.from_url(f"sqlite:///{tmp_path / 'escalation.sqlite3'}")
    create_schema(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def sample(db):
    sample = db.call(build_sample)

    def october_troubles(session):
        october = session.get(Cycle, sample.cycles[1])
        # (七) was blocked in October already; (五) was only in progress then.
        add_update(
            session,
            measure_id=sample.measures[7],
            department_id=sample.departments[CULTURE],
            cycle=october,
            at=october.fire_at + timedelta(days=1),
            text="资金未到位。",
            status=PROGRESS_BLOCKED,
            message_id=70001,
        )

    db.call(october_troubles)
    return sample


def test_a_measure_blocked_two_cycles_in_a_row_is_named_once_only_troubled_is_not(db, sample):
    found = db.call(escalations, now=NOW)
    assert [(m.label, m.signals) for m in found.measures] == [
        ("（七）", (SIGNAL_BLOCKED, SIGNAL_BLOCKED))
    ]
    assert found.measures[0].departments == [CULTURE]


def test_departments_missing_two_deadlines_in_a_row_are_named(db, sample):
    found = db.call(escalations, now=NOW)
    # (六)'s 省自然资源厅 and (八)'s unit were silent in October and now; 省能源局 and the
    # culture office reported this time, so once is not twice.
    assert {d.name for d in found.departments} == {LAND, NASTY}
    land = next(d for d in found.departments if d.name == LAND)
    assert land.missed == (1, 1)


def test_at_risk_then_blocked_is_still_two_cycles_of_trouble(db, sample):
    def october(session):
        cycle = session.get(Cycle, sample.cycles[1])
        add_update(
            session,
            measure_id=sample.measures[5],
            department_id=sample.departments[WATER],
            cycle=cycle,
            at=cycle.fire_at + timedelta(days=2),
            text="征地有困难。",
            status=PROGRESS_AT_RISK,
            message_id=70002,
        )

    db.call(october)
    assert {m.label for m in db.call(escalations, now=NOW).measures} == {"（五）", "（七）"}


def test_a_closed_measure_is_not_escalated(db, sample):
    def close(session):
        seven = session.exec(select(Measure).where(Measure.id == sample.measures[7])).one()
        close_measure(session, measure=seven, note="", user_id=1, user_name="协调员", now=NOW)

    db.call(close)
    assert db.call(escalations, now=NOW).measures == []


def test_the_digest_names_them_for_the_coordinators_and_the_leaders(db, sample):
    bulletin = db.call(build_bulletin, now=NOW)
    coordinators = "\n".join(m.text for m in render_digest(ZH, Digest(bulletin, NOW)))
    assert "<b>⚠️ 需要关注</b>" in coordinators
    assert "（七）传承弘扬太行精神：连续两轮⛔ 受阻 → ⛔ 受阻（省文化和旅游厅）" in coordinators
    assert f"{LAND}：连续两轮逾期未报" in coordinators
    leaders = render_digest(ZH, Digest(bulletin, NOW, for_leaders=True))
    text = "\n".join(m.text for m in leaders)
    # The leaders get the figures and what needs attention, not every measure's line.
    assert "需要关注" in text and "按时率" in text and "牵头：" not in text
    assert leaders[-1].file is not None and leaders[-1].file.name.endswith(".docx")
