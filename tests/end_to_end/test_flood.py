"""Floods: one group sends the bot a hundred replies in five seconds, a stranger sends /help
over and over in a group no department owns; meanwhile a coordinator's /status elsewhere and
another department's reply are answered within 5 s.

The bot is `python bot.py run` by long polling against the Bot API simulator with Telegram's
flood control (30 messages a second, 20 a minute into one group), on a SQLite file or the
PostgreSQL of TEST_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from botapi_sim.faults import RateLimits
from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimChat, SimUser
from coordination.cycles import open_manual_cycle
from models.clock import utcnow
from models.progress import ProgressUpdate
from tests.support.bot_process import clean_env, start_bot, stop_bot
from tests.support.fault_world import (
    COORDINATORS,
    TOKEN,
    bind_chats,
    measure_labels,
    reminders_in,
)
from tests.support.harness import fresh_database, test_database_url

NOISY_REPLIES = 100
STRANGER_COMMANDS = 25
ANSWER_WITHIN = 5.0
ADMIN = SimUser(id=1001, first_name="Admin")
STRANGER = SimUser(id=777_000, first_name="路人")
UNBOUND = SimChat(id=-100_555_000, title="闲聊群", type="supergroup")


async def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str) -> float:
    """Seconds it took until `predicate()` held."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


def recorded_in(session: Session, chat_id: int) -> list[int]:
    query = select(ProgressUpdate.source_message_id).where(
        col(ProgressUpdate.chat_id) == chat_id
    )
    return list(session.exec(query).all())


@dataclass
class Flood:
    status_took: float
    report_took: float
    sent: list[int]
    recorded: set[int]
    stranger_answers: int
    too_many_requests: int
    exit_code: int
    log: str


async def flood(tmp_path: Path, *, replies: int, stranger_commands: int) -> Flood:
    """Run the bot, flood it, ask elsewhere in the thick of it; what happened."""
    url = test_database_url(tmp_path)
    db = fresh_database(url)
    from assembly import ensure_bundled_plan

    ensure_bundled_plan(db)
    noisy, quiet = bind_chats(db, 2)
    noisy_labels = db.call(measure_labels, department=noisy.department)
    (quiet_label, *_) = db.call(measure_labels, department=quiet.department)
    db.call(open_manual_cycle, now=utcnow(), created_by=1001)
    log = tmp_path / "bot.log"
    limits = RateLimits(global_per_second=30, group_per_minute=20)
    async with BotApiSimulator(token=TOKEN, rate_limits=limits) as sim:
        for item in (noisy, quiet):
            sim.add_chat(item.chat, members=[item.liaison])
        sim.add_chat(COORDINATORS, members=[ADMIN])
        sim.add_chat(UNBOUND, members=[STRANGER])
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=sim.base_url,
            DATABASE_URL=url,
            ADMIN_IDS=str(ADMIN.id),
        )
        process = await start_bot(env, tmp_path, log)
        try:
            for item in (noisy, quiet):
                await wait_until(
                    lambda item=item: bool(reminders_in(sim, item.chat.id)),
                    timeout=60,
                    what="the reminders",
                )

            def reminder_id(chat: SimChat) -> int:
                (message,) = [
                    m for m in sim.bot_messages(chat.id) if m.reply_to_message_id is None
                ]
                return message.message_id

            sent: list[int] = []
            for index in range(max(replies, stranger_commands)):
                if index >= replies:
                    sim.user_sends(UNBOUND, STRANGER, "/help")
                    await asyncio.sleep(0.05)
                    continue
                sent.append(
                    sim.user_sends(
                        noisy.chat,
                        noisy.liaison,
                        f"{noisy_labels[index % len(noisy_labels)]}第{index + 1}次报送：推进中",
                        reply_to_message_id=reminder_id(noisy.chat),
                    )
                )
                if index < stranger_commands:
                    sim.user_sends(UNBOUND, STRANGER, "/help")
                await asyncio.sleep(0.05)

            # In the thick of it: a coordinator asks for the status, another group reports.
            answered_before = len(sim.bot_messages(COORDINATORS.id))
            sim.user_sends(COORDINATORS, ADMIN, "/status")
            status_took = await wait_until(
                lambda: len(sim.bot_messages(COORDINATORS.id)) > answered_before,
                timeout=120,
                what="the answer to /status",
            )
            report = sim.user_sends(
                quiet.chat,
                quiet.liaison,
                f"{quiet_label}已完成本阶段工作",
                reply_to_message_id=reminder_id(quiet.chat),
            )
            report_took = await wait_until(
                lambda: any(m.reply_to_message_id == report for m in sim.bot_messages(quiet.chat)),
                timeout=120,
                what="the other department's acknowledgement",
            )
            # The flooding group's replies are all recorded at once, whatever its pace.
            await wait_until(
                lambda: len(set(db.call(recorded_in, chat_id=noisy.chat.id))) >= replies,
                timeout=60,
                what="the flooding group's records",
            )
            stranger_answers = len(sim.bot_messages(UNBOUND.id))
        finally:
            code = await stop_bot(process)
        too_many_requests = sim.stats.too_many_requests
    recorded = set(db.call(recorded_in, chat_id=noisy.chat.id))
    db.dispose()
    return Flood(
        status_took=status_took,
        report_took=report_took,
        sent=sent,
        recorded=recorded,
        stranger_answers=stranger_answers,
        too_many_requests=too_many_requests,
        exit_code=code,
        log=log.read_text(encoding="utf-8", errors="replace"),
    )


def check(run: Flood) -> None:
    assert run.status_took < ANSWER_WITHIN, f"/status answered after {run.status_took:.1f} s"
    assert run.report_took < ANSWER_WITHIN, f"a reply answered after {run.report_took:.1f} s"
    assert run.recorded == set(run.sent), "every reply of the flooding group recorded"
    assert run.stranger_answers == 1, "a stranger is answered once a minute in a chat"
    assert run.too_many_requests == 0, "the bot's pace never earns a 429"
    assert run.exit_code == 0
    assert "Traceback" not in run.log, run.log[-3000:]


@pytest.mark.slow
async def test_a_strangers_flood_delays_no_other_chat(tmp_path: Path) -> None:
    check(await flood(tmp_path, replies=0, stranger_commands=STRANGER_COMMANDS))


@pytest.mark.slow
async def test_a_flooding_group_and_a_stranger_delay_no_other_chat(tmp_path: Path) -> None:
    check(await flood(tmp_path, replies=NOISY_REPLIES, stranger_commands=STRANGER_COMMANDS))
