"""`bot.py run` on DingTalk killed with SIGKILL in the middle of a fan-out, and started again.

Every group of the cycle ends with its reminder; a second copy is possible only for a
delivery that was in flight (claimed, status `sending`) when the process died — the same
guarantee as on Telegram (tests/end_to_end/test_kill_restart.py).
"""

from __future__ import annotations

import asyncio
import random
import time

import pytest
from sqlmodel import select

from assembly import ensure_bundled_plan
from coordination.addresses import number_of
from coordination.admins import set_coordinators_chat
from coordination.bindings import bind_departments
from coordination.cycles import open_manual_cycle
from dingtalk_sim.limits import RateLimits
from dingtalk_sim.server import DingTalkSimulator
from models.addresses import ADDRESS_CHAT
from models.clock import utcnow
from models.inbox import InboxUpdate
from models.progress import PendingReply, ProgressUpdate
from tests.support.bot_process import clean_env, kill_bot, start_bot, stop_bot
from tests.support.fault_world import departments_with_measures, reminder_rows
from tests.support.harness import fresh_database, test_database_url

GROUPS = 60


def inbox_rows(session) -> list[InboxUpdate]:
    return list(session.exec(select(InboxUpdate)).all())
KILLS = 4
SEED = 17


async def wait_until(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def bind_groups(db, sim: DingTalkSimulator) -> dict[str, int]:
    """GROUPS DingTalk groups, each bound to one department; cid → the core's number."""
    names = db.call(departments_with_measures)
    numbers = {}
    for index in range(GROUPS):
        name = names[index % len(names)]
        group = sim.add_group(f"{name} 督办群 {index}")
        number = db.call(number_of, platform="dingtalk", kind=ADDRESS_CHAT, key=group.cid)
        db.call(
            bind_departments, chat_id=number, text=name, title=group.title,
            chat_type="group", user_id=1001,
        )
        numbers[group.cid] = number
    coordinators = sim.add_group("督办协调组")
    number = db.call(number_of, platform="dingtalk", kind=ADDRESS_CHAT, key=coordinators.cid)
    db.call(set_coordinators_chat, chat_id=number, on=True, title="督办协调组", chat_type="group")
    return numbers


@pytest.mark.slow
async def test_sigkill_during_a_dingtalk_fan_out_loses_no_reminder(tmp_path):
    url = test_database_url(tmp_path)
    db = fresh_database(url)
    ensure_bundled_plan(db)
    rng = random.Random(SEED)
    log = tmp_path / "bot.log"
    # Ten sends a second: one fan-out takes several seconds to kill into.
    async with DingTalkSimulator(rate_limits=RateLimits(per_second=10)) as sim:
        groups = bind_groups(db, sim)
        outcome = db.call(open_manual_cycle, now=utcnow(), created_by=1001)
        assert outcome.chats == GROUPS
        env = clean_env(
            PLATFORM="dingtalk",
            DATABASE_URL=url,
            DINGTALK_CLIENT_ID=sim.client_id,
            DINGTALK_CLIENT_SECRET=sim.client_secret,
            DINGTALK_OPENAPI_ENDPOINT=sim.base_url,
            DINGTALK_OAPI_ENDPOINT=sim.base_url,
            DINGTALK_ADMIN_STAFF_IDS="0301",
            DELIVERY_LEASE_SECONDS="8",
            OUTBOX_TICK_SECONDS="1",
        )

        def copies() -> dict[str, int]:
            return {cid: len(sim.world.messages_in(cid)) for cid in groups}

        in_flight_at_kill: list[set[int]] = []
        for _ in range(KILLS):
            before = sum(copies().values())
            process = await start_bot(env, tmp_path, log)
            try:
                await wait_until(
                    lambda before=before: sum(copies().values()) > before
                    or all(copies().values()),
                    timeout=60,
                    what="the restarted bot to send",
                )
                await asyncio.sleep(rng.uniform(0.05, 0.8))
            finally:
                await kill_bot(process)
            in_flight_at_kill.append(
                {row.chat_id for row in db.call(reminder_rows) if row.status == "sending"}
            )
            if all(copies().values()):
                break
        kills = len(in_flight_at_kill)

        process = await start_bot(env, tmp_path, log)
        try:
            await wait_until(
                lambda: all(row.status == "sent" for row in db.call(reminder_rows)),
                timeout=90,
                what="every reminder to be sent after the last restart",
            )
            await sim.wait_connected(timeout=30)  # receiving, not in the middle of its start
        finally:
            code = await stop_bot(process)
        rows = db.call(reminder_rows)
        counted = copies()
    db.dispose()
    output = log.read_text(encoding="utf-8", errors="replace")
    assert code == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert all(row.status == "sent" for row in rows)
    assert [cid for cid, n in counted.items() if n == 0] == []
    for cid, n in counted.items():
        flying = sum(groups[cid] in chats for chats in in_flight_at_kill)
        assert n - 1 <= flying, (cid, n, flying)
    assert all("@我" in sim.world.messages_in(cid)[0].text for cid in groups)
    print(
        f"\nDingTalk kill and restart: {GROUPS} groups, {kills} SIGKILLs, in flight at the "
        f"kills {[len(f) for f in in_flight_at_kill]}, duplicates "
        f"{sum(n - 1 for n in counted.values())}"
    )
    assert kills >= 2, "the fan-out ended before the bot could be killed often enough"


REPORTS = 30


@pytest.mark.slow
async def test_reports_arriving_while_the_bot_is_killed_are_each_recorded_once(tmp_path):
    """Liaisons @ the robot while `bot.py run` on DingTalk is killed: DingTalk never pushes
    a robot message twice, so only the inbox keeps them; after the restart each is recorded
    once."""
    url = test_database_url(tmp_path)
    db = fresh_database(url)
    ensure_bundled_plan(db)
    log = tmp_path / "bot.log"
    async with DingTalkSimulator() as sim:
        groups = bind_groups(db, sim)
        outcome = db.call(open_manual_cycle, now=utcnow(), created_by=1001)
        assert outcome.chats == GROUPS
        env = clean_env(
            PLATFORM="dingtalk",
            DATABASE_URL=url,
            DINGTALK_CLIENT_ID=sim.client_id,
            DINGTALK_CLIENT_SECRET=sim.client_secret,
            DINGTALK_OPENAPI_ENDPOINT=sim.base_url,
            DINGTALK_OAPI_ENDPOINT=sim.base_url,
            DELIVERY_LEASE_SECONDS="8",
            OUTBOX_TICK_SECONDS="1",
        )
        liaison = sim.add_user("0101", "张联络")
        cids = list(groups)[:REPORTS]
        process = await start_bot(env, tmp_path, log)
        try:
            await sim.wait_connected(timeout=60)
            pushes = []
            for cid in cids:
                group = sim.world.groups[cid]
                pushes.append(await sim.user_says(group, liaison, "本月各项工作进展顺利，推进中"))
            # Every report was stored (acknowledged) before the kill.
            for push in pushes:
                await sim.wait_acked(push, timeout=30)
        finally:
            await kill_bot(process)
        before = db.call(lambda s: len(s.exec(select(ProgressUpdate.id)).all()))
        process = await start_bot(env, tmp_path, log)
        try:
            await wait_until(
                lambda: db.call(
                    lambda s: {r.chat_id for r in s.exec(select(ProgressUpdate)).all()}
                    | {r.chat_id for r in s.exec(select(PendingReply)).all()}
                ) >= {groups[cid] for cid in cids},
                timeout=90,
                what="every report to be recorded after the restart",
            )
            await wait_until(
                lambda: all(r.done_at is not None for r in db.call(inbox_rows)),
                timeout=60,
                what="every stored event to be done",
            )
        finally:
            code = await stop_bot(process)
        reported = db.call(
            lambda s: [r.chat_id for r in s.exec(select(ProgressUpdate)).all()]
            + [r.chat_id for r in s.exec(select(PendingReply)).all()]
        )
    db.dispose()
    output = log.read_text(encoding="utf-8", errors="replace")
    assert code == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    # One record (or one question) per report message: none lost, none doubled.
    assert sorted(reported) == sorted(groups[cid] for cid in cids)
    print(f"\nDingTalk reports across a kill: {len(cids)} sent, {before} recorded before the "
          f"kill, each recorded once after the restart")
