"""A whole cycle through a Telegram that misbehaves: nothing lost, nothing sent twice.

The real Application (`bot.build_application`, the paced limiter on, long polling) talks over
HTTP to the Bot API simulator, which injects 429s, 5xx, answers slower than the client waits,
403 for a chat that removed the bot and "upgraded to a supergroup" for another.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlmodel import select
from telegram import Update
from telegram.request import HTTPXRequest

from botapi_sim.faults import Fault, FaultPlan, RateLimits
from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimUser, private_chat
from models.chats import Chat
from models.plan import Department
from models.progress import ProgressUpdate
from models.schedules import STATUS_FAILED, STATUS_SENT
from tests.support.fault_world import (
    COORDINATORS,
    LABEL,
    TOKEN,
    bind_chats,
    progress_count,
    reminder_rows,
    reminder_statuses,
    reminders_in,
)
from tests.support.harness import fresh_database, test_database_url

ADMIN = SimUser(id=1001, first_name="Admin", username="admin_wang")
CHATS = 30
MIGRATED_TO = -100_555_000_777


class SparedChats(FaultPlan):
    """Random faults everywhere but in the coordinators' and the admin's chats.

    The notice that a chat was lost is an outbox row, retried like a reminder; the chats that
    receive it are kept reliable so that it arrives within this test's few ticks, and the
    department chats get all the faults.
    """

    spared: frozenset[int] = frozenset()

    def draw(self, method: str, chat_id: int | None) -> Fault | None:
        if chat_id in self.spared:
            return None
        return super().draw(method, chat_id)


async def wait_until(predicate, *, timeout: float, step=None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        if step is not None:
            step()
        await asyncio.sleep(0.25)


@pytest.mark.slow
async def test_a_full_cycle_through_faults_serves_every_chat_once_and_records_every_reply(
    tmp_path, monkeypatch
):
    from assembly import build_application, ensure_bundled_plan
    from settings import load_settings

    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    url = test_database_url(tmp_path)
    db = fresh_database(url)
    ensure_bundled_plan(db)
    chats = bind_chats(db, CHATS)
    kicked, migrated = chats[3], chats[7]
    faults = SparedChats(
        retry_after_rate=0.12,
        server_error_rate=0.15,
        slow_rate=0.12,
        slow_seconds=1.5,
        kicked_chats={kicked.chat.id},
        migrated_chats={migrated.chat.id: MIGRATED_TO},
        seed=20261129,
    )
    faults.spared = frozenset({COORDINATORS.id, ADMIN.id})

    async with BotApiSimulator(
        faults=faults, rate_limits=RateLimits(global_per_second=30), token=TOKEN
    ) as sim:
        for item in chats:
            sim.add_chat(item.chat, members=[item.liaison])
        sim.add_chat(COORDINATORS, members=[ADMIN])
        settings = load_settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            database_url=url,
            admin_ids=[ADMIN.id],
            telegram_api_base_url=sim.base_url,
            outbox_tick_seconds=0.3,
        )
        application = build_application(
            settings,
            db,
            token=TOKEN,
            # The client gives up after 0.8 s; the simulator's slow answers take 1.5 s.
            request=HTTPXRequest(connection_pool_size=64, read_timeout=0.8, pool_timeout=5),
            updates_request=HTTPXRequest(read_timeout=3),
            rate_limit=True,
        )
        application.post_shutdown = None  # the test reads the database afterwards
        svc = application.bot_data["services"]

        def time_passes() -> None:
            # Retries back off 15 s, 30 s, … on the bot's clock: let a minute pass each step,
            # but only while nothing is in flight, or the two-minute lease on a claimed
            # delivery would run out under a send that is merely slow.
            if "sending" not in db.call(reminder_statuses):
                svc.clock_offset += timedelta(minutes=1)

        await application.initialize()
        await application.post_init(application)  # type: ignore[misc]
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        try:
            # The admin starts a cycle from a private chat.
            sim.user_sends(private_chat(ADMIN), ADMIN, "/remind")
            await wait_until(
                lambda: (
                    reminder_rows_total(db) == CHATS
                    and not ({"pending", "sending"} & set(db.call(reminder_statuses)))
                ),
                timeout=60,
                step=time_passes,
            )
            reminders = {item.chat.id: reminders_in(sim, item.chat.id) for item in chats}
            reminders[MIGRATED_TO] = reminders_in(sim, MIGRATED_TO)

            # Every liaison answers the reminder with the first measure it names.
            replied = 0
            for item in chats:
                if item is kicked:
                    continue
                where = MIGRATED_TO if item is migrated else item.chat.id
                message = next(m for m in sim.bot_messages(where) if m.reply_to_message_id is None)
                label = LABEL.search(message.text)
                assert label is not None
                sim.user_sends(
                    where,
                    item.liaison,
                    f"{label.group(1)}已完成，<b>进度</b> 100% & 验收</a>",
                    reply_to_message_id=message.message_id,
                )
                replied += 1
            await wait_until(lambda: db.call(progress_count) >= replied, timeout=60)
            await sim.wait_consumed(timeout=30)
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()

    rows = {row.chat_id: row for row in db.call(reminder_rows)}
    with db.session() as session:
        recorded = {
            (u.chat_id, session.get(Department, u.department_id).name)  # type: ignore[union-attr]
            for u in session.exec(select(ProgressUpdate)).all()
        }
        kicked_chat = session.get(Chat, kicked.chat.id)
    db.dispose()

    # The kicked chat: one refused attempt, marked inactive, coordinators told once.
    assert rows[kicked.chat.id].status == STATUS_FAILED
    assert kicked_chat is not None and not kicked_chat.is_active
    notices = sim.bot_texts(COORDINATORS)
    assert len(notices) == 1 and kicked.department in notices[0]
    assert reminders[kicked.chat.id] == []

    # The migrated chat is served at its new id, never at the old one.
    assert MIGRATED_TO in rows and migrated.chat.id not in rows
    assert rows[MIGRATED_TO].status == STATUS_SENT
    assert reminders[migrated.chat.id] == []

    # Everyone else exactly once, except copies of a message whose answer came too late.
    served = [item.chat.id for item in chats if item is not kicked and item is not migrated]
    served.append(MIGRATED_TO)
    assert all(rows[chat_id].status == STATUS_SENT for chat_id in served)
    assert all(len(reminders[chat_id]) >= 1 for chat_id in served)
    duplicates = sum(len(reminders[chat_id]) - 1 for chat_id in served)
    slow = sim.stats.faults.get("slow", 0)
    assert all(len(set(reminders[chat_id])) == 1 for chat_id in served)
    assert duplicates <= slow

    # Every reply is recorded for the department of the chat it was sent in.
    expected = {(item.chat.id, item.department) for item in chats if item is not kicked}
    expected = {(MIGRATED_TO if c == migrated.chat.id else c, d) for c, d in expected}
    assert recorded == expected

    # The simulator rejects malformed HTML: none of the bot's messages was refused.
    assert not sim.stats.rejected, sim.stats.rejected
    injected = dict(sim.stats.faults)
    assert {"retry_after", "server_error", "slow", "forbidden", "migrated"} <= set(injected)
    print(
        f"\nfaults cycle: {CHATS} chats, faults injected {injected} "
        f"(total {sum(injected.values())}), 429 answered {sim.stats.too_many_requests}, "
        f"reminder duplicates {duplicates} (slow answers {slow}), "
        f"replies recorded {len(recorded)}, deliveries {sim.stats.total_delivered}"
    )


def reminder_rows_total(db) -> int:
    return len(db.call(reminder_rows))
