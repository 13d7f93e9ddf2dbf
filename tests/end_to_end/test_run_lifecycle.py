"""`bot.py run` on the way: polling errors ridden out, a revoked token, SIGTERM drains.

The bot is a child process polling the Bot API simulator on 127.0.0.1; the simulator answers
getUpdates with the errors a real Telegram (or a proxy in front of it) gives.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from botapi_sim.faults import FaultPlan
from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimUser, private_chat
from tests.support.cli_process import SECRET_PART, TOKEN, finish, operator_env, start_cli
from tests.support.harness import fresh_database, test_database_url

ADMIN = SimUser(id=1001, first_name="Admin", language_code="en")
OPERATOR = SimUser(id=4242, first_name="Operator", language_code="en")


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator(token=TOKEN) as server:
        server.add_chat(private_chat(ADMIN))
        server.add_chat(private_chat(OPERATOR))
        yield server


def env_for(sim: BotApiSimulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The bot's environment; its database is SQLite, or PostgreSQL with TEST_DATABASE_URL."""
    url = test_database_url(tmp_path)
    fresh_database(url).dispose()
    return operator_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=sim.base_url,
        DATABASE_URL=url,
        ADMIN_IDS=str(ADMIN.id),
        OPERATOR_CHAT_ID=str(OPERATOR.id),
        **extra,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def polling(sim: BotApiSimulator) -> None:
    await sim.wait_for(lambda: sim.stats.requests["getUpdates"] >= 1, timeout=60)


async def test_getupdates_errors_are_retried_with_back_off_and_logged_one_line_each(
    tmp_path: Path, sim: BotApiSimulator
) -> None:
    running = await start_cli(["run"], tmp_path, env_for(sim, tmp_path))
    try:
        await polling(sim)
        # The three getUpdates after the one in flight fail; the next brings the command.
        sim.answer_next("getUpdates", 502, "Bad Gateway")
        sim.answer_next("getUpdates", 500, "Internal Server Error")
        sim.answer_next(
            "getUpdates",
            409,
            "Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running",
        )
        sim.user_sends(private_chat(ADMIN), ADMIN, "/start")
        await sim.wait_bot_messages(private_chat(ADMIN), 1, timeout=60)
        await sim.wait_for(lambda: sim.scripted_left("getUpdates") == 0, timeout=60)
        sim.user_sends(private_chat(ADMIN), ADMIN, "/help")
        await sim.wait_bot_messages(private_chat(ADMIN), 2, timeout=60)
    finally:
        outcome = await finish(running)
    assert outcome.code == 0, outcome.stderr
    log = outcome.stderr
    failures = [line for line in log.splitlines() if "getUpdates failed" in line]
    assert len(failures) == 3, log
    assert "Bad Gateway" in failures[0] and "Internal Server Error" in failures[1]
    assert "another copy of the bot" in failures[2]
    waits = [float(re.search(r"trying again in ([\d.]+) s", f).group(1)) for f in failures]
    assert waits == [1.0, 2.0, 4.0], "each failure waits longer"
    assert "works again after 3 failed attempt(s)" in log
    assert "Traceback" not in log and SECRET_PART not in log
    assert sim.bot_texts(private_chat(OPERATOR)) == [], "a blip does not page the operator"


async def test_a_token_revoked_while_running_stops_the_bot_with_exit_code_2(
    tmp_path: Path, sim: BotApiSimulator
) -> None:
    running = await start_cli(["run"], tmp_path, env_for(sim, tmp_path))
    try:
        await polling(sim)
        sim.token = "123456789:" + "N" * 35  # revoked in @BotFather: the old one gets 401
        await asyncio.wait_for(running.process.wait(), 60)
    finally:
        outcome = await finish(running)
    assert outcome.code == 2, outcome.stderr
    last = outcome.stderr.strip().splitlines()[-1]
    assert last.startswith("Telegram no longer accepts the token 123456789:…saw0"), last
    assert "Traceback" not in outcome.stderr and SECRET_PART not in outcome.stderr
    assert "Event loop is closed" not in outcome.stderr


async def test_sigterm_lets_the_updates_already_fetched_be_answered_then_exits_0(
    tmp_path: Path, sim: BotApiSimulator
) -> None:
    """The dashboard runs beside the bot (WEBAPP_URL) and stops with it."""
    port = free_port()
    env = env_for(
        sim, tmp_path, WEBAPP_URL="https://duban.example.invalid/", WEBAPP_PORT=str(port)
    )
    running = await start_cli(["run"], tmp_path, env)
    chat = private_chat(ADMIN)
    try:
        await polling(sim)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/static/app.css") as page:
                assert page.status == 200, "the dashboard is served while the bot runs"
        # Every answer takes 0.3 s to come back: twelve commands take seconds to handle.
        sim.faults = FaultPlan(slow_rate=1.0, slow_seconds=0.3)
        for _ in range(12):
            sim.user_sends(chat, ADMIN, "/start")
        await sim.wait_bot_messages(chat, 1, timeout=60)
        assert len(sim.bot_messages(chat)) < 12, "SIGTERM comes while most are still queued"
    finally:
        outcome = await finish(running)
    assert outcome.code == 0, outcome.stderr
    assert len(sim.bot_messages(chat)) == 12, "every command fetched before SIGTERM is answered"
    assert sim.pending_updates == 0, "and confirmed to Telegram, so none comes twice"
    assert "Traceback" not in outcome.stderr
    assert "Event loop is closed" not in outcome.stderr
    assert "stopped" in outcome.stderr.strip().splitlines()[-1]
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass  # the dashboard's port is closed
