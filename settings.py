"""Settings read from the environment (and a `.env` file).

Nothing here is read at import time: `load_settings()` is called by `bot.py` only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from messages.i18n import normalize_locale

TOKEN_PATTERN = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,}$")
DEFAULT_DATABASE_URL = "sqlite:///duban.sqlite3"
DEFAULT_PLAN = Path(__file__).resolve().parent / "data" / "shanxi-taihang-2021-36.txt"


class SettingsError(Exception):
    """A setting is missing or malformed; the message is meant for the operator."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str = Field(default="", repr=False)
    database_url: str = DEFAULT_DATABASE_URL
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    bot_timezone: str = "Asia/Shanghai"
    bot_locale: str = "zh_CN"
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # Global Bot API rate (messages a second) that the rate limiter keeps under.
    rate_limit_per_second: float = 30.0
    operator_chat_id: int | None = None
    # How often the tick re-reads schedules, makes nudges and digests and flushes the outbox
    # (0 turns the tick off); how long a claimed delivery may stay in flight before another
    # process (or this one after a crash) takes it back.
    outbox_tick_seconds: float = 30.0
    delivery_lease_seconds: float = 120.0
    # The web dashboard (Mini App, login and kiosk links): served when WEBAPP_URL is set, on
    # WEBAPP_HOST:WEBAPP_PORT behind an HTTPS reverse proxy that answers at WEBAPP_URL.
    webapp_url: str = ""
    webapp_host: str = "127.0.0.1"
    webapp_port: int = Field(default=8080, ge=0, le=65535)
    # Mini App data signed longer ago than this is refused (Telegram re-signs on every open).
    webapp_initdata_max_age: int = Field(default=3600, ge=60)
    # The Mini App's short name from BotFather's /newapp: groups get a t.me/<bot>/<name> link.
    webapp_short_name: str = ""
    # Requests a minute one client (a session, a kiosk, an address) may make.
    webapp_requests_per_minute: int = Field(default=120, ge=1)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in re.split(r"[,，\s]+", value) if p.strip()]
            ids = []
            for part in parts:
                if not re.fullmatch(r"-?\d{1,20}", part):
                    raise ValueError(f"ADMIN_IDS: {part!r} is not a numeric Telegram user id")
                ids.append(int(part))
            return ids
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("operator_chat_id", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # .env.example leaves it empty: "not configured", not a malformed number.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webapp_url")
    @classmethod
    def _check_webapp_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError(
                f"WEBAPP_URL: {value!r} is not a web address such as https://duban.example.org"
            )
        return value

    @field_validator("webapp_short_name")
    @classmethod
    def _check_short_name(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"[A-Za-z0-9_]{3,30}", value):
            raise ValueError(
                f"WEBAPP_SHORT_NAME: {value!r} is not a Mini App short name (3-30 letters, "
                "digits or _)"
            )
        return value

    @field_validator("bot_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"BOT_TIMEZONE: unknown time zone {value!r}") from exc
        return value

    @field_validator("bot_locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        return normalize_locale(value)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    def require_token(self) -> str:
        """Return the token or raise `SettingsError` that explains what is wrong."""
        token = self.telegram_bot_token.strip()
        if not token:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set. Ask @BotFather for a token and put it in the "
                "environment or in .env (see .env.example)."
            )
        if not TOKEN_PATTERN.match(token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is malformed: a bot token looks like "
                "'123456789:AAE...' (digits, a colon, then at least 30 letters, digits, _ or -)."
            )
        return token


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one readable `SettingsError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            msg = str(err.get("msg", ""))
            msg = msg.removeprefix("Value error, ")
            where = ".".join(str(p) for p in err.get("loc", ())).upper()
            lines.append(msg if msg.split(":")[0].isupper() else f"{where}: {msg}")
        raise SettingsError("; ".join(lines)) from None
