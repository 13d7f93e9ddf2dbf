"""Every way `bot.py run` can fail to start: one sentence, exit code 2, no token, nothing made.

Each case is a setting an operator can get wrong, or a service that is not there; the bot
runs as a child process in an empty folder, against the Bot API simulator on 127.0.0.1.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from botapi_sim.server import BotApiSimulator
from tests.support.cli_process import SECRET_PART, TOKEN, operator_env, run_cli


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator(token=TOKEN) as server:
        yield server


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def made_nothing(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir() if p.suffix != ".log") == [], (
        "nothing is created before the checks pass"
    )


async def start(tmp_path: Path, **env: str) -> str:
    outcome = await run_cli(["run"], tmp_path, operator_env(**env))
    line = outcome.assert_clean_failure()
    made_nothing(tmp_path)
    return line


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN[:-10]}, "TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_TIMEZONE": "Asia/Beijing"}, "unknown time zone"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ADMIN_IDS": "@wang"}, "ADMIN_IDS: @wang is not"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "RATE_LIMIT_PER_SECOND": "fast"}, "must be a number"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "OPERATOR_CHAT_ID": "ops"}, "must be a whole number"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_PROXY_URL": "ftp://proxy:21"}, "proxy address"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_PROXY_URL": "socks5://proxy"}, "proxy address"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "bot.example.org/tg"}, "WEBHOOK_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": "a b"}, "webhook secret"),
    ],
)
async def test_a_setting_that_cannot_be_used_is_named(
    tmp_path: Path, variables: dict[str, str], expected: str
) -> None:
    assert expected in await start(tmp_path, **variables)


@pytest.mark.parametrize("locale", ["fr", "de_DE", "klingon"])
async def test_an_unsupported_bot_locale_is_refused_not_replaced_by_chinese(
    tmp_path: Path, locale: str
) -> None:
    line = await start(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, BOT_LOCALE=locale, LANG="en_US.UTF-8")
    assert f"BOT_LOCALE: unsupported language {locale}; use zh_CN or en." in line


async def test_the_message_is_chinese_when_the_operator_reads_chinese(tmp_path: Path) -> None:
    env = operator_env(LANG="C.UTF-8")
    del env["BOT_LOCALE"]
    outcome = await run_cli(["run"], tmp_path, env)
    line = outcome.assert_clean_failure()
    assert "未设置 TELEGRAM_BOT_TOKEN" in line


async def test_a_password_in_a_proxy_address_is_not_repeated(tmp_path: Path) -> None:
    line = await start(
        tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_PROXY_URL="gopher://wang:hunter22@proxy:8"
    )
    assert "hunter22" not in line and "wang:***@proxy" in line


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("foo", "DATABASE_URL: foo is not a database address"),
        ("mysql://bot:pw@db/duban", "mysql databases are not supported"),
        ("sqlite:///", "names no file"),
        ("sqlite://", "in-memory SQLite database"),
        ("sqlite:////no/such/dir/x.db", "the folder /no/such/dir does not exist"),
        ("postgresql://bot:secret-pw@127.0.0.1:{port}/duban", "Cannot use the database"),
    ],
)
async def test_a_database_that_cannot_be_used_is_explained(
    tmp_path: Path, url: str, expected: str
) -> None:
    url = url.format(port=closed_port())
    line = await start(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=url)
    assert expected in line
    assert "secret-pw" not in line
    assert not Path("/no/such/dir").exists(), "no folder is made for the database"


async def test_a_folder_given_as_the_database_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    outcome = await run_cli(
        ["run"], tmp_path, operator_env(TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL="sqlite:///data")
    )
    assert "DATABASE_URL: data is not a file." in outcome.assert_clean_failure()


async def test_a_token_telegram_rejects_is_masked_and_nothing_is_created(
    tmp_path: Path, sim: BotApiSimulator
) -> None:
    other = "987654321:" + "Z" * 35
    line = await start(tmp_path, TELEGRAM_BOT_TOKEN=other, TELEGRAM_API_BASE_URL=sim.base_url)
    assert "Telegram rejected the token 987654321:…ZZZZ (401 Unauthorized)" in line
    assert "Z" * 10 not in line
    assert sim.peers, "Telegram was asked"


async def test_telegram_unreachable_is_tried_again_with_back_off_then_given_up(
    tmp_path: Path,
) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/bot"
    outcome = await run_cli(
        ["run"],
        tmp_path,
        operator_env(
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=base_url, STARTUP_WAIT_SECONDS="5"
        ),
    )
    line = outcome.assert_clean_failure()
    assert line.startswith(f"Cannot reach Telegram at {base_url.removesuffix('/bot')} after")
    assert "TELEGRAM_PROXY_URL" in line
    retries = [x for x in outcome.stderr.splitlines() if "Telegram not reachable yet" in x]
    assert [x.split("trying again in ")[1] for x in retries] == ["1 s", "2 s"], "back-off"
    made_nothing(tmp_path)


async def test_unreachable_through_a_proxy_names_the_proxy_without_its_password(
    tmp_path: Path,
) -> None:
    proxy = f"http://wang:hunter22@127.0.0.1:{closed_port()}"
    line = await start(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_PROXY_URL=proxy,
        STARTUP_WAIT_SECONDS="0",
    )
    assert "through the proxy http://wang:***@127.0.0.1:" in line
    assert "hunter22" not in line


async def test_a_webhook_port_in_use_is_said_in_one_sentence(
    tmp_path: Path, sim: BotApiSimulator
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = operator_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=sim.base_url)
        url = f"http://127.0.0.1:{port}/hook"
        outcome = await run_cli(["run", "--webhook", url, "--port", str(port)], tmp_path, env)
    line = outcome.assert_clean_failure()
    assert f"Cannot listen on 127.0.0.1:{port}" in line


async def test_a_webhook_address_telegram_refuses_is_said_in_one_sentence(
    tmp_path: Path, sim: BotApiSimulator
) -> None:
    """The simulator, like Telegram for a private address, answers setWebhook with 400."""
    env = operator_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=sim.base_url)
    port = closed_port()
    args = ["run", "--webhook", "https://10.0.0.1/hook", "--port", str(port)]
    outcome = await run_cli(args, tmp_path, env)
    line = outcome.assert_clean_failure()
    assert "Telegram refused the webhook https://10.0.0.1/hook" in line


async def test_the_token_never_appears_in_any_start_up_output(tmp_path: Path) -> None:
    """A network error whose text would carry the URL (and so the token) is redacted."""
    base_url = f"http://127.0.0.1:{closed_port()}/bot"
    outcome = await run_cli(
        ["run"],
        tmp_path,
        operator_env(
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=base_url, STARTUP_WAIT_SECONDS="1"
        ),
        fresh=True,  # a new interpreter: nothing printed while importing carries it either
    )
    outcome.assert_clean_failure()
    assert SECRET_PART not in outcome.output
