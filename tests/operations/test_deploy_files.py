"""deploy/: the systemd unit, the backup timer and the environment file template.

The template is read by the bot's own settings loader (the same format as .env) and names
every setting there is; the unit restarts on failure and stops with SIGTERM.
"""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from dingtalk_adapter.settings import DingTalkSettings
from settings import Settings, load_settings
from tests.support.paths import ROOT

DEPLOY = ROOT / "deploy"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def test_the_service_restarts_on_failure_and_runs_the_bot_from_the_env_file() -> None:
    service = unit("duban-bot.service")
    assert service["Service"]["Restart"] == "on-failure"
    assert service["Service"]["ExecStart"].endswith("bot.py run")
    assert service["Service"]["EnvironmentFile"] == "/etc/duban-bot/duban-bot.env"
    assert service["Service"]["KillSignal"] == "SIGTERM"
    assert service["Unit"]["After"].startswith("network-online.target")
    assert service["Install"]["WantedBy"] == "multi-user.target"


def test_the_backup_runs_nightly_with_the_bots_own_command() -> None:
    backup = unit("duban-bot-backup.service")
    assert "bot.py db backup" in backup["Service"]["ExecStart"]
    assert unit("duban-bot-backup.timer")["Timer"]["OnCalendar"] == "*-*-* 02:30:00"


def test_the_env_template_names_every_setting_and_loads_once_the_token_is_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = (DEPLOY / "duban-bot.env").read_text(encoding="utf-8")
    names = {line.split("=", 1)[0] for line in template.splitlines() if "=" in line
             and not line.startswith("#")}
    assert names == {name.upper() for name in (*Settings.model_fields,
                                               *DingTalkSettings.model_fields)}
    for name in names:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        template.replace("TELEGRAM_BOT_TOKEN=\n", f"TELEGRAM_BOT_TOKEN={TOKEN}\n"), encoding="utf-8"
    )
    settings = load_settings()
    assert settings.require_token() == TOKEN
    assert settings.webhook_url == "" and settings.telegram_proxy_url == ""
    assert settings.database_url == "sqlite:///duban.sqlite3"
