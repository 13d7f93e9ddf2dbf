"""`python bot.py run` as an operator starts it: bad settings, the token kept out of logs, webhooks.

Everything runs on 127.0.0.1: a tiny Bot API stub (aiohttp) stands in for Telegram through
TELEGRAM_API_BASE_URL. Subprocesses get a clean environment and a temporary working
directory, so no .env of the developer is read; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram.error import NetworkError

from botapi_sim.recording import bot_user
from botapi_sim.updates import SimUser, UpdateFactory, private_chat
from tests.support.cli_process import run_cli
from tests.support.paths import ROOT

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
SECRET_PART = TOKEN.split(":", 1)[1]
ADMIN = SimUser(id=1001, first_name="Admin", username="admin_wang")


@dataclass
class BotApiStub:
    """Answers Bot API calls like Telegram and records them; `failing` methods answer 500."""

    token: str = TOKEN
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    port: int = 0
    _runner: web.AppRunner | None = None
    _message_ids: Iterator[int] = field(default_factory=lambda: iter(range(500, 10**6)))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [p for m, p in self.calls if m == "sendMessage" and int(p["chat_id"]) == chat_id]

    async def wait_for(self, predicate: Any, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the stub saw {self.methods()}")
            await asyncio.sleep(0.05)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params: dict[str, Any] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:
            params = {k: _decode(v) for k, v in (await request.post()).items()}
        self.calls.append((method, params))
        if method in self.failing:
            # An upstream proxy that echoes the request path, token and all.
            description = f"Internal Server Error at {request.path}"
            return web.json_response(
                {"ok": False, "error_code": 500, "description": description}, status=500
            )
        if method == "getUpdates":
            await asyncio.sleep(0.2)
            return web.json_response({"ok": True, "result": []})
        return web.json_response({"ok": True, "result": self._answer(method, params)})

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return bot_user()
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": bot_user(),
                "text": params.get("text", ""),
            }
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    server = BotApiStub()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def _clean_env(**extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "PYENV_VERSION")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


async def _bot(args: list[str], cwd: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bot.py"),
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _stop(process: asyncio.subprocess.Process, timeout: float = 30.0) -> tuple[int, str]:
    """SIGTERM, as a service manager stops the bot; returns the exit code and stderr."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        _, stderr = await process.communicate()
        raise AssertionError(
            "the bot did not stop within 30 s of SIGTERM:\n" + stderr.decode()
        ) from None
    return int(process.returncode or 0), stderr.decode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- bad settings ----------------------------------------------------------------------


async def _run_and_wait(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    outcome = await run_cli(["run"], cwd, env, timeout=60)
    return outcome.code, outcome.stderr


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "  "}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_BOT_TOKEN": "12345:tooshort"}, "TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ADMIN_IDS": "1001,wang"}, "ADMIN_IDS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_TIMEZONE": "Asia/Beijing"}, "BOT_TIMEZONE"),
    ],
)
async def test_bad_settings_stop_the_start_with_a_message_and_exit_code_2(
    tmp_path: Path, variables: dict[str, str], expected: str
) -> None:
    code, stderr = await _run_and_wait(_clean_env(BOT_LOCALE="en", **variables), tmp_path)
    assert code == 2
    assert expected in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "duban.sqlite3").exists(), "nothing is written before settings are ok"


async def test_a_token_in_the_env_file_of_the_working_directory_is_read(tmp_path: Path) -> None:
    """The same malformed-token message proves the .env file was read, not the shell."""
    # BOT_LOCALE in .env chooses the language of the message, too.
    (tmp_path / ".env").write_text(
        "TELEGRAM_BOT_TOKEN=from-dotenv\nBOT_LOCALE=en\n", encoding="utf-8"
    )
    code, stderr = await _run_and_wait(_clean_env(), tmp_path)
    assert code == 2
    assert "TELEGRAM_BOT_TOKEN is malformed" in stderr


# --- the token never reaches the log ---------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "apscheduler")}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


async def test_the_token_is_redacted_from_request_logs_and_tracebacks(
    tmp_path: Path,
    stub: BotApiStub,
    capfd: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    """An operator turns on debug logging: httpx logs URLs, an error logs a traceback."""
    from assembly import build_application
    from operations.logs import configure_logging
    from settings import load_settings
    from tests.support.harness import fresh_database

    configure_logging(TOKEN, level=logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # request URLs carry the token
    settings = load_settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        telegram_api_base_url=stub.base_url,
    )
    db = fresh_database(settings.database_url)
    try:
        application = build_application(settings, db, token=TOKEN, rate_limit=False)
        async with application:  # getMe through the real HTTPXRequest
            await application.bot.send_message(ADMIN.id, "hello")
            # The error handler logs a network error whose text carries the request URL.
            try:
                raise NetworkError(f"cannot reach {stub.base_url}{TOKEN}/sendMessage")
            except NetworkError as error:
                await application.process_error(update=None, error=error)
    finally:
        db.dispose()
    logged = capfd.readouterr().err
    assert "getMe" in logged and "sendMessage" in logged, "the requests were logged"
    error_lines = [line for line in logged.splitlines() if "cannot reach" in line]
    assert len(error_lines) == 1, "the error was logged, traceback and all, on one line"
    assert "NetworkError: cannot reach" in error_lines[0] and "(at " in error_lines[0]
    assert "Traceback" not in logged
    assert TOKEN not in logged
    assert SECRET_PART not in logged
    assert "<token>" in logged


async def test_polling_errors_are_logged_without_the_token(
    tmp_path: Path, stub: BotApiStub
) -> None:
    """`python bot.py run` against a server whose errors repeat the URL, token included."""
    stub.failing.add("getUpdates")
    env = _clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=stub.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
    )
    process = await _bot(["run"], tmp_path, env)
    try:
        await stub.wait_for(lambda: stub.methods().count("getUpdates") >= 2)
    finally:
        code, stderr = await _stop(process)
    assert code == 0, stderr
    assert "Internal Server Error at /bot<token>/getUpdates" in stderr
    assert SECRET_PART not in stderr


# --- webhook mode ----------------------------------------------------------------------


async def test_webhook_mode_answers_an_update_posted_with_the_secret(
    tmp_path: Path, stub: BotApiStub
) -> None:
    port = _free_port()
    public_url = "https://bot.example.invalid/duban/hook"
    env = _clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=stub.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        ADMIN_IDS=str(ADMIN.id),
    )
    args = ["run", "--webhook", public_url, "--listen", "127.0.0.1", "--port", str(port)]
    process = await _bot([*args, "--secret", "s3cret-Token_1"], tmp_path, env)
    try:
        await stub.wait_for(lambda: "setWebhook" in stub.methods())
        webhook = dict(stub.calls)["setWebhook"]
        assert webhook["url"] == public_url
        assert webhook["secret_token"] == "s3cret-Token_1"

        update = UpdateFactory().command(private_chat(ADMIN), ADMIN, "status")
        async with aiohttp.ClientSession() as http:
            local = f"http://127.0.0.1:{port}/duban/hook"
            forged = await http.post(local, json=update)
            assert forged.status == 403, "an update without the secret is refused"
            accepted = await http.post(
                local, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
            )
            assert accepted.status == 200
        await stub.wait_for(lambda: bool(stub.sent_to(ADMIN.id)), timeout=30)
    finally:
        code, stderr = await _stop(process)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    answers = stub.sent_to(ADMIN.id)
    assert len(answers) == 1, "the forged update got no answer"
    text = answers[0]["text"]
    assert text and "抱歉" not in text and "Sorry" not in text, "a real answer, no apology"


async def test_webhook_without_a_secret_option_still_requires_one(
    tmp_path: Path, stub: BotApiStub
) -> None:
    """Behind a load balancer every instance derives the same secret from the token."""
    port = _free_port()
    env = _clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=stub.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
    )
    args = ["run", "--webhook", "https://bot.example.invalid/", "--port", str(port)]
    process = await _bot(args, tmp_path, env)
    try:
        await stub.wait_for(lambda: "setWebhook" in stub.methods())
        secret = dict(stub.calls)["setWebhook"].get("secret_token")
        assert secret and SECRET_PART not in secret
        update = UpdateFactory().command(private_chat(ADMIN), ADMIN, "status")
        async with aiohttp.ClientSession() as http:
            local = f"http://127.0.0.1:{port}/"
            assert (await http.post(local, json=update)).status == 403
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            assert (await http.post(local, json=update, headers=headers)).status == 200
    finally:
        code, stderr = await _stop(process)
    assert code == 0, stderr


# --- first start -----------------------------------------------------------------------


async def test_first_start_migrates_the_file_and_imports_the_plan_once(
    tmp_path: Path, stub: BotApiStub
) -> None:
    from sqlmodel import func, select

    from migrations.runner import current_revision, head_revision
    from models import Measure, Plan
    from models.db import Database

    env = _clean_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=stub.base_url)
    for _ in range(2):
        process = await _bot(["run"], tmp_path, env)  # DATABASE_URL unset: the default file
        try:
            # Polling starts after the start-up work: migration, plan import, menus, jobs.
            await stub.wait_for(lambda: "getUpdates" in stub.methods())
        finally:
            code, stderr = await _stop(process)
        assert code == 0, stderr
        stub.calls.clear()

    db = Database.from_url(f"sqlite:///{tmp_path / 'duban.sqlite3'}")
    try:
        assert current_revision(db.engine) == head_revision()
        assert db.call(lambda s: s.exec(select(func.count()).select_from(Plan)).one()) == 1
        assert db.call(lambda s: s.exec(select(func.count()).select_from(Measure)).one()) > 0
    finally:
        db.dispose()
