"""Settings from the environment and `.env`: what an operator types, and what they are told."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import Settings, SettingsError, load_settings
from tests.support.paths import ROOT

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "DATABASE_URL",
    "ADMIN_IDS",
    "BOT_TIMEZONE",
    "BOT_LOCALE",
    "TELEGRAM_API_BASE_URL",
    "OPERATOR_CHAT_ID",
    "RATE_LIMIT_PER_SECOND",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No variable of the developer's shell and no .env of the repository leaks in."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_need_nothing_but_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.require_token() == TOKEN
    assert settings.database_url == "sqlite:///duban.sqlite3"
    assert settings.admin_ids == []
    assert settings.bot_timezone == "Asia/Shanghai"
    assert settings.bot_locale == "zh_CN"
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.operator_chat_id is None


def test_a_env_file_copied_from_the_example_with_the_token_filled_in_works(
    clean_environment: Path,
) -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    filled = example.replace("TELEGRAM_BOT_TOKEN=\n", f"TELEGRAM_BOT_TOKEN={TOKEN}\n")
    assert filled != example
    (clean_environment / ".env").write_text(filled, encoding="utf-8")
    settings = load_settings()
    assert settings.require_token() == TOKEN
    assert settings.admin_ids == []
    assert settings.operator_chat_id is None


def test_the_environment_wins_over_the_env_file(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    (clean_environment / ".env").write_text("ADMIN_IDS=1\nBOT_LOCALE=en\n", encoding="utf-8")
    monkeypatch.setenv("ADMIN_IDS", "2,3")
    settings = load_settings()
    assert settings.admin_ids == [2, 3]
    assert settings.bot_locale == "en"


@pytest.mark.parametrize(
    ("typed", "ids"),
    [
        ("1001", [1001]),
        ("1001,1002", [1001, 1002]),
        (" 1001 , 1002 ", [1001, 1002]),
        ("1001，1002", [1001, 1002]),  # a full-width comma from a Chinese keyboard
        ("1001 1002", [1001, 1002]),
        ("7123456789", [7_123_456_789]),
        ("", []),
    ],
)
def test_admin_ids_accept_what_people_type(
    monkeypatch: pytest.MonkeyPatch, typed: str, ids: list[int]
) -> None:
    monkeypatch.setenv("ADMIN_IDS", typed)
    assert load_settings().admin_ids == ids


@pytest.mark.parametrize("typed", ["1001,abc", "@admin_wang", "1001;1002", "12.5", "1e9"])
def test_malformed_admin_ids_stop_with_a_message_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    monkeypatch.setenv("ADMIN_IDS", typed)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert "ADMIN_IDS" in message
    assert "Telegram user id" in message


@pytest.mark.parametrize("zone", ["Beijing", "Asia/Beijing", "UTC+8", "../etc/passwd"])
def test_an_unknown_time_zone_stops_with_a_message(
    monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    monkeypatch.setenv("BOT_TIMEZONE", zone)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "BOT_TIMEZONE" in str(error.value)
    assert "unknown time zone" in str(error.value)


def test_a_known_time_zone_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TIMEZONE", "Europe/Berlin")
    assert load_settings().tz.key == "Europe/Berlin"


def test_a_missing_token_is_explained() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings().require_token()
    assert "TELEGRAM_BOT_TOKEN is not set" in str(error.value)
    assert ".env.example" in str(error.value)


@pytest.mark.parametrize(
    "token", ["abc", "987654321", "987654321:short", ":AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"]
)
def test_a_malformed_token_is_explained_without_repeating_it(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    with pytest.raises(SettingsError) as error:
        load_settings().require_token()
    assert "malformed" in str(error.value)
    assert token not in str(error.value)


def test_the_token_is_not_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    settings = load_settings()
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)


def test_several_mistakes_are_reported_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "x")
    monkeypatch.setenv("BOT_TIMEZONE", "Nowhere/Town")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "ADMIN_IDS" in str(error.value)
    assert "BOT_TIMEZONE" in str(error.value)


def test_overrides_do_not_read_the_env_file(clean_environment: Path) -> None:
    """Tests and the demo build settings in code; a stray .env must not change them."""
    (clean_environment / ".env").write_text("ADMIN_IDS=not-a-number\n", encoding="utf-8")
    settings = load_settings(_env_file=None, admin_ids=[5])
    assert isinstance(settings, Settings)
    assert settings.admin_ids == [5]
