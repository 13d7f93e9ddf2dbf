"""Replies arriving while the bot is killed with SIGKILL: after the restart every reply is
recorded, once, and acknowledged at most once.

The bot is `python bot.py run` against the Bot API simulator (Telegram's 30 messages a
second): by long polling (a SQLite file, or the PostgreSQL of TEST_DATABASE_URL), killed in
the middle of a reminder fan-out to many groups while a liaison floods one of them with
replies; and by webhook, killed right after it answered one of the simulator's POSTs with 200.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from botapi_sim.faults import RateLimits
from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimUser, private_chat
from coordination.cycles import open_manual_cycle
from models.clock import utcnow
from models.inbox import InboxUpdate
from models.progress import ProgressUpdate
from tests.support.bot_process import clean_env, kill_bot, start_bot, stop_bot
from tests.support.fault_world import (
    COORDINATORS,
    TOKEN,
    bind_chats,
    measure_labels,
    reminders_in,
)
from tests.support.harness import fresh_database, test_database_url

REPLIES = 40
SEED = 11
# Groups the reminder fans out to; at RATE_LIMIT_PER_SECOND=10 the fan-out lasts about ten
# seconds, so the kill lands in it.
FAN_OUT_CHATS = 100
ADMIN = SimUser(id=1001, first_name="Admin")


async def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def recorded_messages(session: Session) -> list[int]:
    return list(session.exec(select(ProgressUpdate.source_message_id)).all())


def unfinished(session: Session) -> int:
    query = select(func.count()).select_from(InboxUpdate).where(col(InboxUpdate.done_at).is_(None))
    return int(session.exec(query).one())


class Scene:
    """One department group with its reminder sent, and a liaison about to flood it."""

    def __init__(
        self, tmp_path: Path, sim: BotApiSimulator, *, chats: int = 1, open_cycle: bool = True
    ) -> None:
        self.tmp_path = tmp_path
        self.sim = sim
        self.url = test_database_url(tmp_path)
        self.db = fresh_database(self.url)
        from assembly import ensure_bundled_plan

        ensure_bundled_plan(self.db)
        self.chats = bind_chats(self.db, chats)
        # The first group bound is the first the cycle reminds, and the one that floods.
        self.group = self.chats[0]
        if open_cycle:
            self.db.call(open_manual_cycle, now=utcnow(), created_by=1001)
        for item in self.chats:
            sim.add_chat(item.chat, members=[item.liaison])
        sim.add_chat(COORDINATORS)
        self.labels = self.db.call(measure_labels, department=self.group.department)
        self.log = tmp_path / "bot.log"
        self.sent: list[int] = []
        self.env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=sim.base_url,
            DATABASE_URL=self.url,
            ADMIN_IDS="1001",
            RATE_LIMIT_PER_SECOND="10",
            # A dead process's claimed reminders are taken back after this (and at each tick).
            DELIVERY_LEASE_SECONDS="15",
            OUTBOX_TICK_SECONDS="2",
        )

    def reminded_chats(self) -> int:
        return sum(1 for item in self.chats if reminders_in(self.sim, item.chat.id))

    async def reminder(self) -> int:
        await wait_until(
            lambda: bool(reminders_in(self.sim, self.group.chat.id)),
            timeout=60,
            what="the reminder",
        )
        (message,) = [
            m for m in self.sim.bot_messages(self.group.chat.id) if m.reply_to_message_id is None
        ]
        return message.message_id

    async def flood(self, reminder_id: int, count: int, *, pause: float = 0.02) -> None:
        for index in range(count):
            label = self.labels[index % len(self.labels)]
            self.sent.append(
                self.sim.user_sends(
                    self.group.chat,
                    self.group.liaison,
                    f"{label}推进中，第{len(self.sent) + 1}次报送",
                    reply_to_message_id=reminder_id,
                )
            )
            await asyncio.sleep(pause)

    def recorded(self) -> list[int]:
        return self.db.call(recorded_messages)

    def acknowledgements(self) -> dict[int, int]:
        """Liaison message id → how many answers of the bot quote it."""
        counts = dict.fromkeys(self.sent, 0)
        for message in self.sim.bot_messages(self.group.chat.id):
            if message.reply_to_message_id in counts:
                counts[message.reply_to_message_id] += 1
        return counts

    def answered_all_but(self, recorded_before_kill: set[int]) -> bool:
        """Every reply the killed process had not recorded is acknowledged."""
        acks = self.acknowledgements()
        return all(n > 0 for k, n in acks.items() if k not in recorded_before_kill)

    def check(self, recorded_before_kill: set[int]) -> None:
        recorded = self.recorded()
        assert sorted(recorded) == sorted(self.sent), "every reply recorded, and once"
        acks = self.acknowledgements()
        assert max(acks.values()) <= 1, {k: n for k, n in acks.items() if n > 1}
        # Only a reply the killed process had recorded can lack its acknowledgement (it was
        # queued, or on its way out, when the process died); every later one is answered.
        missing = {k for k, n in acks.items() if n == 0}
        assert missing <= recorded_before_kill, sorted(missing - recorded_before_kill)
        assert self.db.call(unfinished) == 0
        assert self.reminded_chats() == len(self.chats), "every group has its reminder"
        output = self.log.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in output, output[-3000:]


@pytest.mark.slow
async def test_replies_survive_a_sigkill_during_a_fan_out(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    # Telegram's overall limit; into one group no limit here (the flood test's subject), so
    # the acknowledgements of a single group do not stretch the run to minutes.
    limits = RateLimits(global_per_second=30, group_per_minute=None)
    async with BotApiSimulator(token=TOKEN, rate_limits=limits) as sim:
        scene = Scene(tmp_path, sim, chats=FAN_OUT_CHATS, open_cycle=False)
        process = await start_bot(scene.env, tmp_path, scene.log)
        try:
            # The admin starts the cycle while the bot runs: the fan-out goes on beside the
            # replies (the admin's own chat waits for it, no other chat does).
            sim.user_sends(private_chat(ADMIN), ADMIN, "/remind")
            reminder = await scene.reminder()
            flooding = asyncio.create_task(scene.flood(reminder, REPLIES, pause=0.05))
            # Killed mid-way: some replies handled, some stored and not yet, some not yet sent.
            await wait_until(
                lambda: len(scene.recorded()) >= rng.randint(5, 15), timeout=60, what="records"
            )
        finally:
            await kill_bot(process)
        reminded_at_kill = scene.reminded_chats()
        recorded_before_kill = set(scene.recorded())
        await flooding
        assert len(recorded_before_kill) < REPLIES, "the kill came too late to prove anything"
        assert reminded_at_kill < FAN_OUT_CHATS, "the kill came after the fan-out"
        process = await start_bot(scene.env, tmp_path, scene.log)
        try:
            await wait_until(
                lambda: len(scene.recorded()) >= REPLIES, timeout=180, what="every reply"
            )
            # At the group's pace (one message every 3 s) the answers take a while.
            await wait_until(
                lambda: scene.answered_all_but(recorded_before_kill),
                timeout=300,
                what="the acknowledgements",
            )
            await wait_until(
                lambda: scene.reminded_chats() == FAN_OUT_CHATS, timeout=180, what="the fan-out"
            )
            await sim.wait_quiet(quiet=1.0, timeout=60)
        finally:
            code = await stop_bot(process)
        scene.db.dispose()
    assert code == 0
    assert sim.stats.too_many_requests == 0
    scene.check(recorded_before_kill)


@pytest.mark.slow
async def test_an_update_answered_with_200_survives_a_sigkill_right_after(tmp_path: Path) -> None:
    port = free_port()
    webhook = ["--webhook", f"http://127.0.0.1:{port}/duban/hook", "--port", str(port)]
    async with BotApiSimulator(token=TOKEN) as sim:
        scene = Scene(tmp_path, sim)
        process = await start_bot(scene.env, tmp_path, scene.log, *webhook)
        killed: list[int] = []

        def kill_after_the_fifth_reply(update: dict) -> None:
            message = update.get("message") or {}
            if killed or message.get("message_id") not in scene.sent[4:5]:
                return
            killed.append(update["update_id"])
            process.kill()  # SIGKILL, right after the 200 reached Telegram

        sim.queue.on_webhook_answered = kill_after_the_fifth_reply
        try:
            reminder = await scene.reminder()
            await scene.flood(reminder, 10, pause=0.2)
            await wait_until(lambda: bool(killed), timeout=60, what="the kill")
            await process.wait()
        finally:
            await kill_bot(process)
        recorded_before_kill = set(scene.recorded())
        sim.queue.on_webhook_answered = None
        process = await start_bot(scene.env, tmp_path, scene.log, *webhook)
        try:
            await wait_until(lambda: len(scene.recorded()) >= 10, timeout=120, what="every reply")
            await wait_until(
                lambda: scene.answered_all_but(recorded_before_kill),
                timeout=120,
                what="the acknowledgements",
            )
            await sim.wait_quiet(quiet=1.0, timeout=60)
        finally:
            code = await stop_bot(process)
        scene.db.dispose()
    assert code == 0
    scene.check(recorded_before_kill)
