"""Reports attributed by (chat, open cycle, sender) where replies do not reach the bot: the
cycle of the latest reminder the chat saw, and a report recorded exactly like a reply to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from assembly import ensure_bundled_plan
from coordination import replies
from coordination.replies.attribution import attribute_report
from models.clock import utcnow
from models.db import Database
from models.progress import ProgressUpdate
from models.schedules import DELIVERY_NUDGE, STATUS_PENDING, STATUS_SENT, Delivery
from tests.support import harness
from tests.support.liaison_data import bind, make_cycle

WATER = -100_001  # 省水利厅: leads （五）, supports （十七）
DEV = -100_002  # 省发展改革委
SENDER = 1_000_000_000_000_007  # a DingTalk person's number


@pytest.fixture
def db(tmp_path):
    database = harness.fresh_database(harness.test_database_url(tmp_path))
    ensure_bundled_plan(database)
    database.call(lambda s: (bind(s, WATER, "省水利厅"), bind(s, DEV, "省发展改革委")))
    yield database
    database.dispose()


def attribute(db: Database, chat_id: int, *, now=None):
    return db.call(attribute_report, chat_id=chat_id, sender_id=SENDER, now=now or utcnow())


def test_a_report_belongs_to_the_latest_reminder_the_chat_was_sent(db):
    older = db.call(make_cycle, deliveries={WATER: 11}, fire_at=utcnow() - timedelta(days=8))
    newer = db.call(make_cycle, deliveries={WATER: 12, DEV: 22})
    found = attribute(db, WATER)
    assert (found.chat_id, found.sender_id) == (WATER, SENDER)
    assert (found.cycle_id, found.reminder_message_id) == (newer, 12)
    assert older != newer


def test_a_cycle_whose_reminder_has_not_reached_the_chat_yet_is_not_its_open_cycle(db):
    seen = db.call(make_cycle, deliveries={WATER: 11}, fire_at=utcnow() - timedelta(days=8))
    fanning_out = db.call(make_cycle, deliveries={WATER: 12})

    def still_pending(session: Session) -> None:
        delivery = session.exec(select(Delivery).where(Delivery.cycle_id == fanning_out)).one()
        delivery.status, delivery.message_id = STATUS_PENDING, None
        session.add(delivery)

    db.call(still_pending)
    assert attribute(db, WATER).cycle_id == seen


def test_a_nudge_keeps_the_report_on_the_reminder_it_follows(db):
    cycle = db.call(make_cycle, deliveries={WATER: 11})

    def nudge(session: Session) -> None:
        session.add(
            Delivery(
                cycle_id=cycle, chat_id=WATER, kind=DELIVERY_NUDGE, status=STATUS_SENT,
                message_id=13, sent_at=utcnow(),
            )
        )

    db.call(nudge)
    assert attribute(db, WATER).reminder_message_id == 11


def test_a_cycle_planned_for_later_is_not_open_yet(db):
    now = utcnow()
    current = db.call(make_cycle, deliveries={WATER: 11}, fire_at=now - timedelta(days=1))
    db.call(make_cycle, deliveries={WATER: 12}, fire_at=now + timedelta(hours=2))
    assert attribute(db, WATER, now=now).cycle_id == current


def test_before_any_reminder_the_latest_cycle_asking_the_chat_is_its_cycle(db):
    cycle = db.call(make_cycle, deliveries={WATER: 11})

    def never_sent(session: Session) -> None:
        for delivery in session.exec(select(Delivery)).all():
            session.delete(delivery)

    db.call(never_sent)
    found = attribute(db, WATER)
    assert (found.cycle_id, found.reminder_message_id) == (cycle, None)
    assert attribute(db, -999).cycle_id is None  # a chat bound to nothing


def test_several_measures_in_one_attributed_report_are_recorded_for_its_cycle(db):
    db.call(make_cycle, deliveries={WATER: 11}, fire_at=utcnow() - timedelta(days=8))
    cycle = db.call(make_cycle, deliveries={WATER: 12})
    found = attribute(db, WATER)
    report = replies.IncomingReply(
        chat_id=WATER,
        user_id=found.sender_id,
        user_name="王 联络",
        text="（五）已完成主体工程；（十七）推进中，完成60%",
        message_id=7_001,
        sent_at=utcnow(),
        reply_to_message_id=found.reminder_message_id,
    )
    outcome = db.call(replies.record_reply, reply=report, now=utcnow())
    assert outcome.kind == replies.Outcome.RECORDED
    assert [r.measure.label for r in outcome.records] == ["（五）", "（十七）"]
    rows = db.call(lambda s: s.exec(select(ProgressUpdate)).all())
    assert {(r.cycle_id, r.user_id) for r in rows} == {(cycle, SENDER)}
