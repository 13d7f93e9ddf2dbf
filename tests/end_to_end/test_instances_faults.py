"""Two webhook instances on one PostgreSQL while things go wrong: one is killed with SIGKILL
during a fan-out while a group floods the bot with replies, and an admin asks for /status in
the thick of it.

The survivor finishes the fan-out (the dead one's claims after their lease), takes over the
updates the dead one had stored and not handled, records every reply once and acknowledges
each at most once; /status is answered within 5 s; and the two together never earn a 429
from a simulator set to exactly one bot's limits (L a second, 20 a minute into a group).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

import pytest
from sqlmodel import Session, col, func, select

from botapi_sim.faults import RateLimits
from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimUser, private_chat
from delivery.worker import BATCH_SECONDS
from models.db import Database
from models.inbox import InboxUpdate
from models.progress import ProgressUpdate
from tests.support.balancer import RoundRobin, free_port
from tests.support.bot_process import clean_env, kill_bot, start_bot, stop_bot
from tests.support.fault_world import (
    COORDINATORS,
    TOKEN,
    bind_chats,
    measure_labels,
    reminders_in,
)

ADMIN = SimUser(id=1001, first_name="Admin")
CHATS = 100
LIMIT = 10
# A group's answers leave one every 3.15 s: a dozen replies keep the run near a minute.
REPLIES = 12
ANSWER_WITHIN = 5.0


async def wait_until(
    predicate: Callable[[], bool | Awaitable[bool]], *, timeout: float, what: str
) -> float:
    """Seconds it took until `predicate()` held (awaited when it is a coroutine).

    The simulator shares this event loop: what asks the database does so from a thread, or
    requests that queued meanwhile would reach the simulator as a burst.
    """
    start = time.monotonic()
    while True:
        held = predicate()
        if not isinstance(held, bool):
            held = await held
        if held:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def recorded_messages(session: Session, chat_id: int) -> list[int]:
    query = select(ProgressUpdate.source_message_id).where(col(ProgressUpdate.chat_id) == chat_id)
    return list(session.exec(query).all())


def unfinished(session: Session) -> int:
    query = select(func.count()).select_from(InboxUpdate).where(col(InboxUpdate.done_at).is_(None))
    return int(session.exec(query).one())


@pytest.mark.postgres
@pytest.mark.slow
async def test_one_of_two_instances_killed_during_a_fan_out_and_a_flood(tmp_path, pg_schema_url):
    from assembly import ensure_bundled_plan
    from migrations.runner import upgrade

    url = pg_schema_url
    upgrade(url)
    db = Database.from_url(url)
    ensure_bundled_plan(db)
    chats = bind_chats(db, CHATS)
    noisy = chats[0]
    labels = db.call(measure_labels, department=noisy.department)
    limits = RateLimits(global_per_second=LIMIT, group_per_minute=20)
    ports = [free_port(), free_port()]
    sent: list[int] = []
    async with (
        BotApiSimulator(token=TOKEN, rate_limits=limits) as sim,
        RoundRobin(ports) as balancer,
    ):
        for item in chats:
            sim.add_chat(item.chat, members=[item.liaison])
        sim.add_chat(COORDINATORS, members=[ADMIN])
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=sim.base_url,
            DATABASE_URL=url,
            ADMIN_IDS=str(ADMIN.id),
            RATE_LIMIT_PER_SECOND=str(LIMIT),
            # The dead instance's claimed reminders are taken back after this.
            DELIVERY_LEASE_SECONDS="10",
            OUTBOX_TICK_SECONDS="2",
        )
        public = f"http://127.0.0.1:{balancer.port}/duban/hook"
        logs = [tmp_path / f"bot{n}.log" for n in (1, 2)]
        victim, survivor = await asyncio.gather(
            *(
                start_bot(env, tmp_path, log, "--webhook", public, "--port", str(port))
                for log, port in zip(logs, ports, strict=True)
            )
        )

        async def recorded() -> list[int]:
            return await db.run(recorded_messages, chat_id=noisy.chat.id)

        async def recorded_at_least(count: int) -> bool:
            return len(await recorded()) >= count

        async def inbox_done() -> bool:
            return await db.run(unfinished) == 0

        def reminded() -> int:
            return sum(1 for item in chats if reminders_in(sim, item.chat.id))

        def acknowledgements() -> dict[int, int]:
            counts = dict.fromkeys(sent, 0)
            for message in sim.bot_messages(noisy.chat.id):
                if message.reply_to_message_id in counts:
                    counts[message.reply_to_message_id] += 1
            return counts

        try:
            await wait_until(lambda: sim.queue.webhook is not None, timeout=60, what="webhook")
            sim.user_sends(COORDINATORS, ADMIN, "/remind")
            await wait_until(
                lambda: bool(reminders_in(sim, noisy.chat.id)), timeout=60, what="the reminder"
            )
            (reminder,) = [
                m for m in sim.bot_messages(noisy.chat.id) if m.reply_to_message_id is None
            ]
            for index in range(REPLIES // 2):
                label = labels[index % len(labels)]
                sent.append(
                    sim.user_sends(
                        noisy.chat,
                        noisy.liaison,
                        f"{label}第{index + 1}次报送：推进中",
                        reply_to_message_id=reminder.message_id,
                    )
                )
                await asyncio.sleep(0.1)
            # In the thick of it: the admin asks elsewhere, and is answered at once.
            sim.user_sends(private_chat(ADMIN), ADMIN, "/status")
            status_took = await wait_until(
                lambda: bool(sim.bot_messages(private_chat(ADMIN))),
                timeout=60,
                what="the answer to /status",
            )
            await wait_until(lambda: recorded_at_least(2), timeout=60, what="records")
            await kill_bot(victim)
            reminded_at_kill = reminded()
            recorded_before_kill = set(await recorded())
            for index in range(REPLIES // 2, REPLIES):
                label = labels[index % len(labels)]
                sent.append(
                    sim.user_sends(
                        noisy.chat,
                        noisy.liaison,
                        f"{label}第{index + 1}次报送：推进中",
                        reply_to_message_id=reminder.message_id,
                    )
                )
                await asyncio.sleep(0.1)
            await wait_until(
                lambda: recorded_at_least(REPLIES), timeout=120, what="every reply"
            )
            await wait_until(
                lambda: all(
                    n >= 1 for k, n in acknowledgements().items() if k not in recorded_before_kill
                ),
                timeout=120,
                what="the acknowledgements",
            )
            await wait_until(lambda: reminded() == CHATS, timeout=120, what="the fan-out")
            await wait_until(inbox_done, timeout=60, what="the inbox to be done")
            await sim.wait_quiet(quiet=1.0, timeout=60)
        finally:
            await kill_bot(victim)
            code = await stop_bot(survivor)
        refused = sim.stats.too_many_requests
        wire = sim.stats.as_dict()
        copies = {item.chat.id: len(reminders_in(sim, item.chat.id)) for item in chats}
        acks = acknowledgements()
        records = await recorded()
    db.dispose()
    survivor_log = logs[1].read_text(encoding="utf-8", errors="replace")
    assert code == 0
    assert "Traceback" not in survivor_log, survivor_log[-3000:]
    assert reminded_at_kill < CHATS, "the kill came after the fan-out"
    assert sorted(records) == sorted(sent), "every reply recorded, and once"
    assert max(acks.values()) <= 1, {k: n for k, n in acks.items() if n > 1}
    # Only a reply the dead instance had recorded can lack its acknowledgement.
    assert {k for k, n in acks.items() if n == 0} <= recorded_before_kill
    assert min(copies.values()) == 1, "every group has its reminder"
    # A second copy only where the dead instance was sending at the kill.
    assert sum(copies.values()) - CHATS <= 3 * math.ceil(LIMIT * BATCH_SECONDS), copies
    assert status_took < ANSWER_WITHIN, f"/status answered after {status_took:.1f} s"
    assert refused == 0, f"{refused} × 429 from two instances at one bot's limits: {wire}"
    print(
        f"\nkilled one of two instances: {reminded_at_kill}/{CHATS} groups reminded at the "
        f"kill, {len(recorded_before_kill)}/{REPLIES} replies recorded; after: every reply "
        f"recorded once, {sum(acks.values())} acknowledgements, "
        f"{sum(copies.values()) - CHATS} second reminders, /status in {status_took:.2f} s, "
        f"429s {refused}"
    )
