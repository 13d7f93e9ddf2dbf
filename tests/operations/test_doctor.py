"""`python bot.py check`: a deployment set up right passes; each ✗ is made to fail on purpose.

The doctor reads the same environment and `.env` as `bot.py run`, talks to the Bot API
simulator in place of Telegram, and reads a real SQLite file set up by the bot's own functions.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram import Bot

from assembly import ensure_bundled_plan, open_database
from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimUser, private_chat
from coordination.admins import set_coordinators_chat
from coordination.bindings import bind_departments
from coordination.schedule_spec import parse_schedule_args
from coordination.schedules import add_schedule, set_paused
from messages.doctor import FAIL, FINDINGS, WARN, Finding, render_findings
from messages.i18n import get_translator
from models.db import Database
from operations import doctor, doctor_state
from operations.doctor import diagnose
from operations.webhook_server import Health, WebhookServer
from settings import load_settings
from tests.support.cli_process import SECRET_PART, TOKEN, operator_env, run_cli

ADMIN_ID = 1001
ADMIN = SimUser(id=ADMIN_ID, first_name="Admin")
VARIABLES = (
    "TELEGRAM_BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "BOT_TIMEZONE", "BOT_LOCALE",
    "TELEGRAM_API_BASE_URL", "TELEGRAM_PROXY_URL", "WEBHOOK_URL", "WEBHOOK_PORT",
    "WEBHOOK_LISTEN", "WEBHOOK_SECRET", "OPERATOR_CHAT_ID",
)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def set_up(database: Path, *, bind: bool = True, coordinators: bool = True,
           schedule: bool = True) -> None:
    """A deployment as the guide leaves it: plan, a bound group, coordinators, a schedule."""
    db = open_database(load_settings(_env_file=None, database_url=f"sqlite:///{database}"))
    try:
        ensure_bundled_plan(db)
        if bind:
            db.call(bind_departments, chat_id=-100_001, text="省水利厅", title="水利厅督办群",
                    chat_type="supergroup", user_id=ADMIN_ID)
        if coordinators:
            db.call(set_coordinators_chat, chat_id=-100_900, on=True, title="督办协调组",
                    chat_type="supergroup")
        if schedule:
            spec = parse_schedule_args("monthly 25 09:00", default_timezone="Asia/Shanghai")
            db.call(add_schedule, spec=spec, created_by=ADMIN_ID)
    finally:
        db.dispose()


@dataclass
class Deployment:
    folder: Path
    database: Path
    sim: BotApiSimulator
    monkeypatch: pytest.MonkeyPatch

    def env(self, **values: str) -> None:
        for name, value in values.items():
            self.monkeypatch.setenv(name, value)

    async def findings(self, webhook: str | None = None) -> list[Finding]:
        return await diagnose(webhook_url=webhook)

    async def failures(self, webhook: str | None = None) -> list[str]:
        t = get_translator("en")
        found = await self.findings(webhook)
        return [render_findings(t, [f]).splitlines()[0] for f in found if f.status == FAIL]

    async def warnings(self) -> list[str]:
        t = get_translator("en")
        found = await self.findings()
        return [render_findings(t, [f]).splitlines()[0] for f in found if f.status == WARN]


@pytest.fixture
async def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Deployment]:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "duban.sqlite3"
    set_up(database)
    async with BotApiSimulator(token=TOKEN, privacy_mode=True) as sim:
        item = Deployment(tmp_path, database, sim, monkeypatch)
        item.env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=sim.base_url,
            DATABASE_URL=f"sqlite:///{database}",
            ADMIN_IDS=str(ADMIN_ID),
            BOT_LOCALE="en",
        )
        yield item


# --- a deployment set up right ------------------------------------------------------------


async def test_a_deployment_set_up_by_the_guide_has_nothing_to_fix(deployment: Deployment) -> None:
    outcome = await run_cli(["check"], deployment.folder, operator_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=deployment.sim.base_url,
        DATABASE_URL=f"sqlite:///{deployment.database}",
        ADMIN_IDS=str(ADMIN_ID),
    ))
    assert outcome.code == 0, outcome.output
    lines = outcome.stdout.splitlines()
    accepted = "✓ Telegram accepts the token 123456789:…saw0: the bot is @duban_test_bot (督办助手)."  # noqa: E501
    assert accepted in lines
    assert "✓ Long polling: no webhook is set at Telegram." in lines
    assert "✓ Coordinators' chat: 督办协调组." in lines
    assert "✓ 1 group(s) bound to 1 department(s)." in lines
    schedule = "✓ Schedule #1 (monthly 25 09:00): next reminder "
    assert any(line.startswith(schedule) for line in lines)
    assert any(line.startswith("⚠ ") and "have no group" in line for line in lines)
    assert "Nothing to fix." in lines
    assert not any(line.startswith("✗") for line in lines)
    assert SECRET_PART not in outcome.output


async def test_the_check_passes_on_the_demos_database(tmp_path: Path) -> None:
    demo = await run_cli(["demo", "--lang", "en", "--out", str(tmp_path / "demo")], tmp_path,
                         operator_env(), timeout=300)
    assert demo.code == 0, demo.output
    async with BotApiSimulator(token=TOKEN) as sim:
        outcome = await run_cli(["check"], tmp_path, operator_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=sim.base_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'demo' / 'demo.sqlite3'}",
            ADMIN_IDS="1001",
        ))
    assert outcome.code == 0, outcome.output
    assert "Nothing to fix." in outcome.stdout


# --- each ✗, made to fail on purpose ------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"BOT_LOCALE": "fr"}, "✗ BOT_LOCALE: unsupported language fr; use zh_CN or en."),
        ({"TELEGRAM_BOT_TOKEN": ""}, "✗ TELEGRAM_BOT_TOKEN is not set."),
        ({"TELEGRAM_BOT_TOKEN": "12345:short"}, "✗ TELEGRAM_BOT_TOKEN is malformed"),
        (
            {"TELEGRAM_BOT_TOKEN": "555555555:" + "Q" * 35},
            "✗ Telegram rejected the token 555555555:…QQQQ",
        ),
        ({"ADMIN_IDS": ""}, "✗ No admin: send /whoami to the bot"),
        ({"TELEGRAM_PROXY_URL": "ftp://proxy:21"}, "✗ TELEGRAM_PROXY_URL: ftp://proxy:21 is not"),
    ],
)
async def test_a_setting_or_token_problem_is_a_cross(
    deployment: Deployment, variables: dict[str, str], expected: str
) -> None:
    deployment.env(**variables)
    failures = await deployment.failures()
    assert any(line.startswith(expected) for line in failures), failures


async def test_telegram_unreachable_is_a_cross(deployment: Deployment) -> None:
    deployment.env(TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{closed_port()}/bot")
    failures = await deployment.failures()
    assert any(line.startswith("✗ Cannot reach Telegram at http://127.0.0.1:") for line in failures)


async def test_a_socks_proxy_without_socksio_is_a_cross(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doctor, "socks_installed", lambda: False)
    deployment.env(TELEGRAM_PROXY_URL="socks5://127.0.0.1:1080")
    assert "✗ A SOCKS proxy needs the socksio package" in (await deployment.failures())[0]


async def test_a_bot_that_may_not_join_groups_is_a_cross(deployment: Deployment) -> None:
    deployment.sim.world.can_join_groups = False
    assert (await deployment.failures()) == [
        "✗ The bot cannot be added to groups: in @BotFather send /setjoingroups, choose the "
        "bot, Enable."
    ]


async def test_a_missing_database_file_is_a_cross(deployment: Deployment) -> None:
    deployment.env(DATABASE_URL=f"sqlite:///{deployment.folder / 'other.sqlite3'}")
    failures = await deployment.failures()
    assert failures[0].startswith("✗ The database file ") and "does not exist yet" in failures[0]
    assert not (deployment.folder / "other.sqlite3").exists(), "the check creates nothing"


async def test_a_database_without_schema_is_a_cross(deployment: Deployment) -> None:
    (deployment.folder / "empty.sqlite3").write_bytes(b"")
    deployment.env(DATABASE_URL=f"sqlite:///{deployment.folder / 'empty.sqlite3'}")
    assert "has no schema: run `python bot.py db upgrade`" in (await deployment.failures())[0]


async def test_a_database_from_a_newer_release_is_a_cross(deployment: Deployment) -> None:
    with sqlite3.connect(deployment.database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    assert "newer than this version of the bot" in (await deployment.failures())[0]


async def test_an_unreachable_postgresql_is_a_cross(deployment: Deployment) -> None:
    deployment.env(DATABASE_URL=f"postgresql://bot:pw@127.0.0.1:{closed_port()}/duban")
    failures = await deployment.failures()
    assert failures[0].startswith("✗ Cannot use the database postgresql+psycopg://bot:***@")


async def test_a_database_without_a_plan_is_a_cross(deployment: Deployment) -> None:
    with sqlite3.connect(deployment.database) as connection:
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("UPDATE plan SET is_active = 0")
    assert (await deployment.failures())[0].startswith("✗ No plan in the database")


@pytest.mark.parametrize(
    ("missing", "expected"),
    [
        ("coordinators", "✗ No coordinators' chat: add the bot to the coordinators' group"),
        ("bind", "✗ No group is bound to a department"),
        ("schedule", "✗ No reminder schedule: send /schedule add monthly 25 09:00"),
    ],
)
async def test_a_step_of_the_set_up_left_out_is_a_cross(
    deployment: Deployment, missing: str, expected: str
) -> None:
    database = deployment.folder / f"without-{missing}.sqlite3"
    set_up(database, **{missing: False})
    deployment.env(DATABASE_URL=f"sqlite:///{database}")
    assert [line for line in await deployment.failures()] == [expected + _rest(expected)]


def _rest(start: str) -> str:
    """The rest of the sentence, read from the catalog's English text."""
    for text in FINDINGS.values():
        if text.startswith(start.removeprefix("✗ ")):
            return text[len(start) - 2 :]
    raise AssertionError(start)


async def test_a_paused_schedule_alone_is_no_schedule(deployment: Deployment) -> None:
    db = Database.from_url(f"sqlite:///{deployment.database}")
    db.call(set_paused, schedule_id=1, paused=True)
    db.dispose()
    assert any(line.startswith("✗ No reminder schedule") for line in await deployment.failures())
    assert any("Schedule #1 (monthly 25 09:00) is paused" in w for w in await deployment.warnings())


async def test_holiday_data_missing_for_this_year_is_a_cross_and_next_year_a_warning(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doctor_state, "holiday_covered", lambda year: False)
    failures = await deployment.failures()
    assert len(failures) == 1 and "No holiday data for" in failures[0]
    assert "pip install -U chinese-calendar" in failures[0]
    assert any("(the State Council publishes it around November)" in w
               for w in await deployment.warnings())


async def test_no_cjk_font_is_a_warning_not_a_cross(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doctor, "find_cjk_font", lambda: None)
    assert await deployment.failures() == []
    assert any("fonts-wqy-microhei" in w for w in await deployment.warnings())


# --- webhook mode -------------------------------------------------------------------------


async def test_a_webhook_nobody_answers_is_a_cross(deployment: Deployment) -> None:
    port = closed_port()
    deployment.env(WEBHOOK_PORT=str(port))
    failures = await deployment.failures(f"https://bot.example.org:{port}/tg")
    assert failures[0] == (
        f"✗ Nothing answers at http://127.0.0.1:{port}/healthz: start the bot (systemctl start "
        "duban-bot) and check WEBHOOK_LISTEN and WEBHOOK_PORT."
    )
    assert failures[1].startswith("✗ Telegram does not post to https://bot.example.org")


async def test_a_webhook_telegram_cannot_deliver_to_is_a_cross(deployment: Deployment) -> None:
    """The bot listens, but with another secret than Telegram sends: every POST gets 403."""

    async def sink(update: dict) -> None:
        return None

    async def healthy() -> Health:
        return Health(True)

    server = WebhookServer(path="/tg", secret="not-the-one", sink=sink, health=healthy, port=0)
    await server.start()
    try:
        url = f"http://127.0.0.1:{server.port}/tg"
        deployment.env(WEBHOOK_PORT=str(server.port), WEBHOOK_SECRET="the-real-one")
        async with Bot(TOKEN, base_url=deployment.sim.base_url) as bot:
            await bot.set_webhook(url, secret_token="the-real-one")
        deployment.sim.add_chat(private_chat(ADMIN))
        deployment.sim.user_sends(private_chat(ADMIN), ADMIN, "/start")
        await deployment.sim.wait_for(
            lambda: deployment.sim.queue.webhook_info().get("last_error_message"), timeout=10
        )
        failures = await deployment.failures(url)
    finally:
        await server.stop()
    assert len(failures) == 1, failures
    assert failures[0].startswith(f"✗ Telegram could not deliver to {url} 1 min ago: Wrong "
                                  "response from the webhook: 403.")


async def test_a_webhook_that_works_passes(deployment: Deployment) -> None:
    async def sink(update: dict) -> None:
        return None

    async def healthy() -> Health:
        return Health(True)

    server = WebhookServer(path="/tg", secret="s3cret", sink=sink, health=healthy, port=0)
    await server.start()
    try:
        url = f"http://127.0.0.1:{server.port}/tg"
        deployment.env(WEBHOOK_PORT=str(server.port), WEBHOOK_SECRET="s3cret")
        async with Bot(TOKEN, base_url=deployment.sim.base_url) as bot:
            await bot.set_webhook(url, secret_token="s3cret")
        findings = await deployment.findings(url)
    finally:
        await server.stop()
    t = get_translator("en")
    text = render_findings(t, findings)
    assert f"✓ The webhook server answers at http://127.0.0.1:{server.port}/healthz." in text
    assert f"✓ Telegram posts to {url}; 0 update(s) waiting." in text
    assert "✗" not in text


async def test_the_check_exits_1_with_a_cross_and_says_how_many(deployment: Deployment) -> None:
    outcome = await run_cli(["check"], deployment.folder, operator_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=deployment.sim.base_url,
        DATABASE_URL=f"sqlite:///{deployment.database}",
    ))
    assert outcome.code == 1
    assert "1 thing to fix (✗), then run the check again." in outcome.stdout
    assert "Traceback" not in outcome.output
