"""`python bot.py check` with PLATFORM=dingtalk: the app's credentials and the Stream gateway
asked of the DingTalk simulator, the card template, admins by staff id; each ✗ on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from dingtalk_sim.server import DingTalkSimulator
from messages.doctor import FAIL, WARN, render_findings
from messages.i18n import get_translator
from operations.doctor import diagnose
from tests.operations.test_doctor import set_up

VARIABLES = (
    "TELEGRAM_BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "BOT_LOCALE", "PLATFORM",
    "DINGTALK_CLIENT_ID", "DINGTALK_CLIENT_SECRET", "DINGTALK_ROBOT_CODE",
    "DINGTALK_CARD_TEMPLATE_ID", "DINGTALK_OPENAPI_ENDPOINT", "DINGTALK_OAPI_ENDPOINT",
    "DINGTALK_ADMIN_STAFF_IDS",
)


async def lines(status: str) -> list[str]:
    t = get_translator("en")
    return [render_findings(t, [f]).splitlines()[0] for f in await diagnose() if f.status == status]


@pytest.fixture
async def sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "duban.sqlite3"
    set_up(database)
    async with DingTalkSimulator() as simulator:
        for name, value in {
            "PLATFORM": "dingtalk",
            "DATABASE_URL": f"sqlite:///{database}",
            "BOT_LOCALE": "en",
            "DINGTALK_CLIENT_ID": simulator.client_id,
            "DINGTALK_CLIENT_SECRET": simulator.client_secret,
            "DINGTALK_CARD_TEMPLATE_ID": "duban-card.schema",
            "DINGTALK_OPENAPI_ENDPOINT": simulator.base_url,
            "DINGTALK_OAPI_ENDPOINT": simulator.base_url,
            "DINGTALK_ADMIN_STAFF_IDS": "manager0301",
        }.items():
            monkeypatch.setenv(name, value)
        yield simulator


async def test_a_dingtalk_deployment_set_up_right_has_nothing_to_fix(sim) -> None:
    assert await lines(FAIL) == []
    good = await lines("ok")
    assert f"✓ DingTalk accepts the app {sim.client_id} (robot {sim.robot_code})." in good
    assert "✓ Buttons come as interactive cards from the template duban-card.schema." in good
    assert "✓ Admins by DingTalk staff id (DINGTALK_ADMIN_STAFF_IDS): manager0301." in good
    assert not any("Telegram" in line for line in good)


async def test_a_wrong_secret_is_a_cross_with_the_secret_masked(sim, monkeypatch) -> None:
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", "Wrong_0123456789abcdefghijklmnopqrstuv")
    failures = await lines(FAIL)
    assert len(failures) == 1 and "DINGTALK_CLIENT_SECRET" in failures[0]
    assert "rejected" in failures[0] and "0123456789abcdef" not in failures[0]


async def test_no_card_template_is_a_warning_and_no_admin_a_cross(sim, monkeypatch) -> None:
    monkeypatch.delenv("DINGTALK_CARD_TEMPLATE_ID")
    monkeypatch.delenv("DINGTALK_ADMIN_STAFF_IDS")
    assert any("No DINGTALK_CARD_TEMPLATE_ID" in line for line in await lines(WARN))
    assert any(line.startswith("✗ No admin") for line in await lines(FAIL))


async def test_unset_credentials_say_where_to_find_them_in_chinese(sim, monkeypatch) -> None:
    monkeypatch.delenv("DINGTALK_CLIENT_ID")
    found = [f for f in await diagnose() if f.status == FAIL]
    text = render_findings(get_translator("zh_CN"), found)
    assert "DINGTALK_CLIENT_ID 未设置" in text and "凭证与基础信息" in text
