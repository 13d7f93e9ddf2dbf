"""DingTalk settings and the start-up check: every problem one sentence for the operator, the
secret never shown, exit code 2 — and a working app says so."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile

import pytest

from dingtalk_adapter.settings import DingTalkSettings, load_dingtalk_settings, mask_secret
from dingtalk_sim.server import DingTalkSimulator
from messages.i18n import get_translator
from messages.problems import render_problems
from settings import SettingsError, load_settings
from tests.support.paths import ROOT

SECRET = "Abc_0123456789defghijklmnopqrstuvwxyzXYZ"


def settings(**values: str) -> DingTalkSettings:
    return load_dingtalk_settings(_env_file=None, **values)


def test_a_missing_client_id_says_where_to_find_it() -> None:
    with pytest.raises(SettingsError) as problem:
        settings(dingtalk_client_secret=SECRET).credentials()
    sentence = str(problem.value)
    assert sentence.startswith("DINGTALK_CLIENT_ID is not set")
    assert "凭证与基础信息" in sentence and "\n" not in sentence


def test_a_missing_secret_is_named() -> None:
    with pytest.raises(SettingsError, match=r"^DINGTALK_CLIENT_SECRET is not set"):
        settings(dingtalk_client_id="dingabc123").credentials()


def test_a_malformed_secret_is_shown_masked() -> None:
    broken = SECRET[:20] + " " + SECRET[20:]
    with pytest.raises(SettingsError) as problem:
        settings(dingtalk_client_id="dingabc123", dingtalk_client_secret=broken).credentials()
    assert SECRET[:20] not in str(problem.value) and SECRET[20:] not in str(problem.value)
    assert "Abc…" in str(problem.value)


def test_the_robot_code_defaults_to_the_client_id() -> None:
    found = settings(dingtalk_client_id="dingabc123", dingtalk_client_secret=SECRET).credentials()
    assert found.robot_code == "dingabc123"
    assert SECRET not in repr(found)


def test_endpoints_must_be_web_addresses() -> None:
    with pytest.raises(SettingsError, match=r"^DINGTALK_OPENAPI_ENDPOINT: 'api\.dingtalk\.com'"):
        settings(dingtalk_openapi_endpoint="api.dingtalk.com").endpoints()
    found = settings(dingtalk_oapi_endpoint="http://127.0.0.1:9/").endpoints()
    assert found.oapi == "http://127.0.0.1:9" and found.api == "https://api.dingtalk.com"


def test_a_card_template_id_is_checked() -> None:
    assert settings().card_template() == ""
    with pytest.raises(SettingsError, match="DINGTALK_CARD_TEMPLATE_ID"):
        settings(dingtalk_card_template_id="not a template").card_template()


def test_secrets_are_masked_to_a_few_characters() -> None:
    assert mask_secret(SECRET) == f"{SECRET[:3]}…{SECRET[-4:]}"
    assert mask_secret("short") == "…"


async def check(env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dingtalk_adapter",
        "check",
        cwd=tempfile.gettempdir(),  # no .env of the developer's
        env={k: v for k, v in os.environ.items() if not k.startswith("DINGTALK_")}
        | {"PYTHONPATH": str(ROOT)}
        | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def sim_env(sim: DingTalkSimulator, **extra: str) -> dict[str, str]:
    return {
        "DINGTALK_CLIENT_ID": sim.client_id,
        "DINGTALK_CLIENT_SECRET": sim.client_secret,
        "DINGTALK_OPENAPI_ENDPOINT": sim.base_url,
        "DINGTALK_OAPI_ENDPOINT": sim.base_url,
    } | extra


async def test_the_check_accepts_a_working_app() -> None:
    async with DingTalkSimulator() as sim:
        code, out, err = await check(sim_env(sim, DINGTALK_CARD_TEMPLATE_ID="tpl-1.schema"))
    assert (code, err) == (0, "")
    assert f"DingTalk app {sim.client_id} accepted" in out
    assert "cards from template tpl-1.schema" in out


async def test_the_check_refuses_a_wrong_secret_in_one_masked_sentence_with_exit_code_2() -> None:
    wrong = "Wrong_secret_0123456789abcdefABCDEF"
    async with DingTalkSimulator() as sim:
        code, out, err = await check(sim_env(sim, DINGTALK_CLIENT_SECRET=wrong))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert wrong not in err and mask_secret(wrong) in err
    assert sim.client_id in err and "invalidClientIdOrSecret" in err


async def test_the_check_says_when_dingtalk_cannot_be_reached() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {
        "DINGTALK_CLIENT_ID": "dingabc123",
        "DINGTALK_CLIENT_SECRET": SECRET,
        "DINGTALK_OPENAPI_ENDPOINT": f"http://127.0.0.1:{port}",
    }
    code, _, err = await check(env)
    assert code == 2
    assert err.startswith(f"Cannot reach DingTalk at http://127.0.0.1:{port}")
    assert SECRET not in err and err.count("\n") == 1


async def test_the_check_names_a_missing_setting() -> None:
    code, _, err = await check({})
    assert code == 2 and err.startswith("DINGTALK_CLIENT_ID is not set")


def test_platform_names_the_chat_platform_telegram_by_default() -> None:
    assert load_settings(_env_file=None).platform == "telegram"
    assert load_settings(_env_file=None, platform=" DingTalk ").platform == "dingtalk"
    with pytest.raises(SettingsError) as problem:
        load_settings(_env_file=None, platform="wechat")
    assert str(problem.value) == (
        "PLATFORM: wechat is not a chat platform the bot serves; use telegram or dingtalk."
    )
    chinese = render_problems(get_translator("zh_CN"), problem.value.problems)
    assert chinese == "PLATFORM：wechat 不是机器人支持的聊天平台；请用 telegram 或 dingtalk。"
