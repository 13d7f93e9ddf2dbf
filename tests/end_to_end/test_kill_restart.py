"""The bot killed with SIGKILL in the middle of a fan-out, and started again, several times.

Every chat of the cycle ends with its reminder; a second copy is possible only for a
delivery that was in flight (claimed, status `sending`) when the process died.
"""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from botapi_sim.faults import RateLimits
from botapi_sim.server import BotApiSimulator
from coordination.cycles import open_manual_cycle
from models.clock import utcnow
from tests.support.bot_process import clean_env, kill_bot, start_bot, stop_bot
from tests.support.fault_world import COORDINATORS, TOKEN, bind_chats, reminder_rows, reminders_in
from tests.support.harness import fresh_database, test_database_url

CHATS = 150
KILLS = 5
SEED = 36


async def wait_until(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.mark.slow
async def test_sigkill_during_a_fan_out_loses_no_reminder_and_repeats_only_those_in_flight(
    tmp_path,
):
    from assembly import ensure_bundled_plan

    url = test_database_url(tmp_path)
    db = fresh_database(url)
    ensure_bundled_plan(db)
    chats = bind_chats(db, CHATS)
    outcome = db.call(open_manual_cycle, now=utcnow(), created_by=1001)
    assert outcome.chats == CHATS
    rng = random.Random(SEED)
    log = tmp_path / "bot.log"

    async with BotApiSimulator(rate_limits=RateLimits(global_per_second=30), token=TOKEN) as sim:
        for item in chats:
            sim.add_chat(item.chat, members=[item.liaison])
        sim.add_chat(COORDINATORS)
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=sim.base_url,
            DATABASE_URL=url,
            ADMIN_IDS="1001",
            # Below the simulator's 30/s, so one fan-out takes several seconds to kill into.
            RATE_LIMIT_PER_SECOND="25",
            # A claim older than this is a dead process's: taken back at start and each tick.
            # It must outlast a live claim's wait in the rate limiter (up to 64 claimed rows
            # at 25/s, slower on a busy machine), or a live send would be taken back too.
            DELIVERY_LEASE_SECONDS="15",
            OUTBOX_TICK_SECONDS="2",
        )

        def delivered_chats() -> int:
            return sum(1 for item in chats if reminders_in(sim, item.chat.id))

        in_flight_at_kill: list[set[int]] = []
        for _ in range(KILLS):
            before = sim.stats.total_delivered
            process = await start_bot(env, tmp_path, log)
            try:
                await wait_until(
                    lambda before=before: (
                        sim.stats.total_delivered > before or delivered_chats() == CHATS
                    ),
                    timeout=60,
                    what="the restarted bot to send",
                )
                await asyncio.sleep(rng.uniform(0.05, 1.2))
            finally:
                await kill_bot(process)
            # What the dead process had claimed and not yet recorded as sent.
            in_flight_at_kill.append(
                {row.chat_id for row in db.call(reminder_rows) if row.status == "sending"}
            )
            if delivered_chats() == CHATS:
                break
        kills = len(in_flight_at_kill)

        polls = sim.stats.requests["getUpdates"]
        process = await start_bot(env, tmp_path, log)
        try:
            await wait_until(
                lambda: all(row.status == "sent" for row in db.call(reminder_rows)),
                timeout=90,
                what="every reminder to be sent after the last restart",
            )
            # Stopped once it runs normally (polling), not in the middle of its start.
            await wait_until(
                lambda: sim.stats.requests["getUpdates"] > polls, timeout=30, what="polling"
            )
        finally:
            code = await stop_bot(process)
        rows = db.call(reminder_rows)
    db.dispose()
    output = log.read_text(encoding="utf-8", errors="replace")
    assert code == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]

    copies = {item.chat.id: len(reminders_in(sim, item.chat.id)) for item in chats}
    assert all(row.status == "sent" and row.message_id for row in rows)
    missing = [chat_id for chat_id, n in copies.items() if n == 0]
    assert missing == [], f"{len(missing)} chats never got their reminder"
    duplicates = sum(n - 1 for n in copies.values())
    for chat_id, n in copies.items():
        # A copy more than once only for a delivery in flight at a kill, once per such kill.
        assert n - 1 <= sum(chat_id in flying for flying in in_flight_at_kill), chat_id
    print(
        f"\nkill and restart: {CHATS} chats, {kills} SIGKILLs survived, "
        f"in flight at the kills {[len(f) for f in in_flight_at_kill]}, "
        f"duplicates {duplicates}, deliveries {sim.stats.total_delivered}"
    )
    assert kills >= 3, "the fan-out ended before the bot could be killed often enough"
