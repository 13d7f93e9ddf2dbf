"""The webhook server of our own: the secret, the sink before the 200, /healthz.

In-process against the server with sinks of the test's making (the seam a durable inbox will
use), and `bot.py run --webhook` as a child process that the Bot API simulator posts to.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import Bot

from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimUser, UpdateFactory, private_chat
from operations.service import watch_token
from operations.webhook_server import SECRET_HEADER, Health, WebhookServer
from settings import SettingsError
from tests.support.cli_process import TOKEN, finish, operator_env, start_cli
from tests.support.harness import fresh_database, test_database_url

ADMIN = SimUser(id=1001, first_name="Admin", language_code="en")
SECRET = "s3cret-Token_1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def healthy() -> Health:
    return Health(True, {"database": "ok"})


async def serving(sink: Any, health: Any = healthy) -> WebhookServer:
    server = WebhookServer(path="/tg/hook", secret=SECRET, sink=sink, health=health, port=0)
    await server.start()
    return server


def url(server: WebhookServer, path: str = "/tg/hook") -> str:
    return f"http://127.0.0.1:{server.port}{path}"


async def test_telegram_gets_its_200_only_after_the_sink_has_taken_the_update() -> None:
    taken: list[dict[str, Any]] = []
    release = asyncio.Event()

    async def slow_sink(update: dict[str, Any]) -> None:
        await release.wait()
        taken.append(update)

    server = await serving(slow_sink)
    update = UpdateFactory().command(private_chat(ADMIN), ADMIN, "start")
    try:
        async with aiohttp.ClientSession() as http:
            post = asyncio.ensure_future(
                http.post(url(server), json=update, headers={SECRET_HEADER: SECRET})
            )
            await asyncio.sleep(0.3)
            assert not post.done(), "no answer while the sink has not returned"
            release.set()
            response = await asyncio.wait_for(post, 5)
            assert response.status == 200
    finally:
        await server.stop()
    assert taken == [update]


async def test_forged_and_malformed_posts_are_refused_and_never_reach_the_sink() -> None:
    taken: list[dict[str, Any]] = []

    async def sink(update: dict[str, Any]) -> None:
        taken.append(update)

    server = await serving(sink)
    update = UpdateFactory().command(private_chat(ADMIN), ADMIN, "start")
    try:
        async with aiohttp.ClientSession() as http:
            assert (await http.post(url(server), json=update)).status == 403
            wrong = {SECRET_HEADER: "guess"}
            assert (await http.post(url(server), json=update, headers=wrong)).status == 403
            right = {SECRET_HEADER: SECRET}
            for body in (b"{not json", b"[1, 2]", b'{"update_id": "7"}', b"\xff\xfe"):
                response = await http.post(url(server), data=body, headers=right)
                assert response.status == 400, body
            assert (await http.get(url(server))).status == 405
            elsewhere = await http.post(url(server, "/other"), json=update, headers=right)
            assert elsewhere.status == 404
    finally:
        await server.stop()
    assert taken == []


async def test_an_update_the_sink_refuses_is_posted_again_by_telegram_until_taken() -> None:
    """The simulator retries a 500 as Telegram does: nothing is lost at the seam."""
    attempts: list[int] = []

    async def flaky_sink(update: dict[str, Any]) -> None:
        attempts.append(update["update_id"])
        if len(attempts) < 3:
            raise OSError("inbox not writable yet")

    server = await serving(flaky_sink)
    try:
        async with BotApiSimulator(token=TOKEN) as sim:
            sim.add_chat(private_chat(ADMIN))
            async with Bot(TOKEN, base_url=sim.base_url) as bot:
                await bot.set_webhook(url(server), secret_token=SECRET)
            sim.user_sends(private_chat(ADMIN), ADMIN, "/start")
            await sim.wait_for(lambda: sim.pending_updates == 0 and len(attempts) >= 3, 10)
            info = sim.queue.webhook_info()
    finally:
        await server.stop()
    assert len(set(attempts)) == 1 and len(attempts) == 3
    assert info["last_error_message"] == "Wrong response from the webhook: 500"


async def test_healthz_says_ok_or_503_with_what_is_wrong() -> None:
    state = {"ok": True}

    async def health() -> Health:
        if state["ok"]:
            return Health(True, {"database": "ok"})
        return Health(False, {"database": "OperationalError: disk I/O error"})

    async def sink(update: dict[str, Any]) -> None:
        return None

    server = await serving(sink, health)
    try:
        async with aiohttp.ClientSession() as http:
            good = await http.get(url(server, "/healthz"))
            assert good.status == 200
            body = await good.json()
            assert body["status"] == "ok" and body["database"] == "ok"
            assert body["mode"] == "webhook"
            state["ok"] = False
            bad = await http.get(url(server, "/healthz"))
            assert bad.status == 503
            assert (await bad.json())["database"].startswith("OperationalError")
    finally:
        await server.stop()


async def test_bot_py_run_in_webhook_mode_answers_updates_telegram_posts(tmp_path: Path) -> None:
    port = free_port()
    database_url = test_database_url(tmp_path)  # SQLite, or PostgreSQL with TEST_DATABASE_URL
    fresh_database(database_url).dispose()
    async with BotApiSimulator(token=TOKEN) as sim:
        sim.add_chat(private_chat(ADMIN))
        env = operator_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=sim.base_url,
            DATABASE_URL=database_url,
            ADMIN_IDS=str(ADMIN.id),
            # As the environment file of the service would set it (no command-line option).
            WEBHOOK_URL=f"http://127.0.0.1:{port}/duban/hook",
            WEBHOOK_PORT=str(port),
        )
        running = await start_cli(["run"], tmp_path, env)
        try:
            await sim.wait_for(lambda: sim.queue.webhook is not None, timeout=60)
            secret = sim.queue.webhook.secret_token
            assert secret and TOKEN.split(":")[1] not in secret
            sim.user_sends(private_chat(ADMIN), ADMIN, "/start")
            await sim.wait_bot_messages(private_chat(ADMIN), 1, timeout=30)
            async with aiohttp.ClientSession() as http:
                health = await http.get(f"http://127.0.0.1:{port}/healthz")
                assert health.status == 200
                body = await health.json()
            assert body["status"] == "ok" and body["database"] == "ok"
            assert body["updates_accepted"] == 1
        finally:
            outcome = await finish(running)
    assert outcome.code == 0, outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert "webhook server listening on 127.0.0.1:" in outcome.stderr
    assert "Your role here: admin." in sim.bot_texts(private_chat(ADMIN))[0]


async def test_the_public_path_may_be_the_root() -> None:
    """A reverse proxy may forward https://bot.example.org/ as is; /healthz stays health."""

    async def sink(update: dict[str, Any]) -> None:
        return None

    server = WebhookServer(path="/", secret=SECRET, sink=sink, health=healthy, port=0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            update = UpdateFactory().command(private_chat(ADMIN), ADMIN, "start")
            headers = {SECRET_HEADER: SECRET}
            response = await http.post(url(server, "/"), json=update, headers=headers)
            assert response.status == 200
            assert (await http.get(url(server, "/healthz"))).status == 200
    finally:
        await server.stop()


async def test_in_webhook_mode_a_revoked_token_is_noticed_and_stops_the_bot() -> None:
    """Nothing polls in webhook mode: getMe now and then finds the 401."""
    async with BotApiSimulator(token=TOKEN) as sim:
        async with Bot(TOKEN, base_url=sim.base_url) as bot:
            stop = asyncio.Event()
            watch = asyncio.ensure_future(watch_token(bot, stop, every=0.05))
            await asyncio.sleep(0.3)
            assert not watch.done(), "a good token is left alone"
            sim.token = "123456789:" + "R" * 35
            with pytest.raises(SettingsError) as revoked:
                await asyncio.wait_for(watch, 5)
            assert str(revoked.value).startswith("Telegram no longer accepts the token 123456789:…")
            assert TOKEN.split(":")[1] not in str(revoked.value)
