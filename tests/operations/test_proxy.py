"""TELEGRAM_PROXY_URL: every request to Telegram goes through the proxy, HTTP or SOCKS5.

A proxy started by the test forwards to the Bot API simulator and notes each connection it
opens onward; every connection the simulator saw must be one of them (getMe, deleteWebhook,
the command menus, getUpdates, sendMessage, getFile and the file download itself).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from assembly import build_application
from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimUser, private_chat
from settings import load_settings
from tests.support.cli_process import TOKEN, finish, operator_env, run_cli, start_cli
from tests.support.harness import fresh_database
from tests.support.local_proxy import LocalProxy

ADMIN = SimUser(id=1001, first_name="Admin", language_code="en")


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator(token=TOKEN) as server:
        server.add_chat(private_chat(ADMIN))
        yield server


@pytest.mark.parametrize(
    ("kind", "credentials"),
    [("http", None), ("http", ("wang", "pass-1")), ("socks5", None), ("socks5", ("li", "pw2"))],
)
async def test_the_running_bot_reaches_telegram_only_through_the_proxy(
    tmp_path: Path, sim: BotApiSimulator, kind: str, credentials: tuple[str, str] | None
) -> None:
    async with LocalProxy(kind, credentials) as proxy:
        env = operator_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=sim.base_url,
            TELEGRAM_PROXY_URL=proxy.url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
            ADMIN_IDS=str(ADMIN.id),
        )
        running = await start_cli(["run"], tmp_path, env)
        try:
            await sim.wait_for(lambda: sim.stats.requests["getUpdates"] >= 1, timeout=60)
            sim.user_sends(private_chat(ADMIN), ADMIN, "/whoami")
            await sim.wait_bot_messages(private_chat(ADMIN), 1, timeout=60)
        finally:
            outcome = await finish(running)
    assert outcome.code == 0, outcome.stderr
    assert f"user id <code>{ADMIN.id}</code>" in sim.bot_messages(private_chat(ADMIN))[0].html
    for method in ("getMe", "deleteWebhook", "setMyCommands", "getUpdates", "sendMessage"):
        assert sim.stats.requests[method] >= 1, method
    assert sim.peers, "the simulator was reached"
    assert sim.peers <= proxy.upstream_ends, "no request went around the proxy"
    assert proxy.refused == 0
    if credentials:
        assert credentials[1] not in outcome.stderr


async def test_file_downloads_go_through_the_proxy_too(
    tmp_path: Path, sim: BotApiSimulator
) -> None:
    chat = private_chat(ADMIN)
    sim.user_sends(chat, ADMIN, photo=b"\x89PNG\r\n\x1a\n" + b"0" * 64, caption="（五）进度")
    file_id = next(iter(sim.world.files))
    async with LocalProxy("socks5") as proxy:
        settings = load_settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            telegram_api_base_url=sim.base_url,
            telegram_proxy_url=proxy.url,
            database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        )
        db = fresh_database(settings.database_url)
        try:
            application = build_application(settings, db, token=TOKEN)
            async with application:
                telegram_file = await application.bot.get_file(file_id)
                data = await telegram_file.download_as_bytearray()
        finally:
            db.dispose()
    assert bytes(data) == sim.file(file_id).data
    assert sim.stats.requests["getFile"] == 1
    assert sim.peers and sim.peers <= proxy.upstream_ends


async def test_a_proxy_that_refuses_the_password_stops_the_start_in_one_sentence(
    tmp_path: Path, sim: BotApiSimulator
) -> None:
    async with LocalProxy("http", ("wang", "right")) as proxy:
        wrong = proxy.url.replace(":right@", ":wrong@")
        outcome = await run_cli(
            ["run"],
            tmp_path,
            operator_env(
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE_URL=sim.base_url,
                TELEGRAM_PROXY_URL=wrong,
                STARTUP_WAIT_SECONDS="0",
            ),
        )
    line = outcome.assert_clean_failure()
    assert "through the proxy http://wang:***@127.0.0.1:" in line
    assert "wrong" not in outcome.output
    assert not sim.peers, "nothing reached Telegram"
