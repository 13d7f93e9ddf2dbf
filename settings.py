"""Settings read from the environment (and a `.env` file).

Nothing here is read at import time: `load_settings()` is called by `bot.py` only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from messages.i18n import normalize_locale
from messages.problems import Problem, render_problems

TOKEN_PATTERN = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,}$")
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
DEFAULT_DATABASE_URL = "sqlite:///duban.sqlite3"
PLATFORMS = ("telegram", "dingtalk")
DEFAULT_PLAN = Path(__file__).resolve().parent / "data" / "shanxi-taihang-2021-36.txt"
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


class SettingsError(Exception):
    """A setting is missing or malformed, or a service it names cannot be used.

    It carries problems (a kind and its values), rendered in the operator's language by
    `messages.problems`; `str()` gives the English sentence. A plain sentence is accepted as
    a kind of its own, for callers that have nothing to translate.
    """

    def __init__(self, kind: str | Problem | list[Problem], /, **params: Any) -> None:
        if isinstance(kind, list):
            self.problems = kind
        elif isinstance(kind, Problem):
            self.problems = [kind]
        else:
            self.problems = [Problem(kind, params)]
        super().__init__(self.problems[0].kind)

    def __str__(self) -> str:
        return render_problems(None, self.problems)


class SettingProblem(ValueError):
    """Raised inside a validator: pydantic keeps it, `load_settings` reads its problem back."""

    def __init__(self, kind: str, **params: Any) -> None:
        self.problem = Problem(kind, params)
        super().__init__(render_problems(None, [self.problem]))


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # The chat platform the bot serves: telegram (the default) or dingtalk (DINGTALK_* settings,
    # read by dingtalk_adapter.settings).
    platform: str = "telegram"
    telegram_bot_token: str = Field(default="", repr=False)
    database_url: str = DEFAULT_DATABASE_URL
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    bot_timezone: str = "Asia/Shanghai"
    bot_locale: str = "zh_CN"
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # Every request to Telegram (getUpdates and file downloads too) goes through this proxy:
    # http://, https:// or socks5:// with an optional user:password@.
    telegram_proxy_url: str = Field(default="", repr=False)
    # Global Bot API rate (messages a second) that the rate limiter keeps under.
    rate_limit_per_second: float = 30.0
    operator_chat_id: int | None = None
    # How often the tick re-reads schedules, makes nudges and digests and flushes the outbox
    # (0 turns the tick off); how long a claimed delivery may stay in flight before another
    # process (or this one after a crash) takes it back.
    outbox_tick_seconds: float = 30.0
    delivery_lease_seconds: float = 120.0
    # How long `run` keeps trying to reach Telegram at start before it gives up (exit code 2).
    startup_wait_seconds: float = 60.0
    # Webhook mode, when WEBHOOK_URL is set (the `run --webhook …` options override these).
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = Field(default="", repr=False)
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
                if not re.fullmatch(r"-?\d{1,20}", part) or not part.lstrip("-").isascii():
                    raise SettingProblem("admin_ids_bad", value=part)
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

    @field_validator("platform")
    @classmethod
    def _check_platform(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in PLATFORMS:
            raise SettingProblem("platform_unknown", value=value)
        return value

    @field_validator("bot_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingProblem("timezone_unknown", value=value) from exc
        return value

    @field_validator("bot_locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        locale = normalize_locale(value, "")
        if not locale:
            raise SettingProblem("locale_unsupported", name="BOT_LOCALE", value=value)
        return locale

    @field_validator("telegram_api_base_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingProblem("api_url_bad", value=value)
        return value.strip()

    @field_validator("telegram_proxy_url")
    @classmethod
    def _check_proxy(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError:
            port, parts = None, urlsplit("")
        if parts.scheme.lower() not in PROXY_SCHEMES or not parts.hostname or port is None:
            raise SettingProblem("proxy_bad", value=mask_url_password(value))
        return value

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str) -> str:
        value = value.strip()
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SettingProblem("webhook_url_bad", value=value)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: str) -> str:
        value = value.strip()
        if value and not SECRET_PATTERN.fullmatch(value):
            raise SettingProblem("secret_bad")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    def require_token(self) -> str:
        """Return the token or raise `SettingsError` that explains what is wrong."""
        token = self.telegram_bot_token.strip()
        if not token:
            raise SettingsError("token_missing")
        if not TOKEN_PATTERN.match(token):
            raise SettingsError("token_malformed")
        return token


def mask_url_password(url: str) -> str:
    """`socks5://user:secret@host:1080` → `socks5://user:***@host:1080` (for messages)."""
    return re.sub(r"(//[^:/@]*):[^@/]*@", r"\1:***@", url)


# pydantic's error types that mean "not a number" for the settings that hold numbers.
_NUMBER_ERRORS = {
    "int_parsing": "whole_number_bad",
    "int_from_float": "whole_number_bad",
    "float_parsing": "number_bad",
    "finite_number": "number_bad",
}


def _problem_of(error: Any) -> Problem:
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, SettingProblem):
        return cause.problem
    name = ".".join(str(part) for part in error.get("loc", ())).upper()
    value = error.get("input")
    kind = _NUMBER_ERRORS.get(str(error.get("type")))
    if kind:
        return Problem(kind, {"name": name, "value": value})
    detail = str(error.get("msg", "")).removeprefix("Value error, ")
    return Problem("setting_bad", {"name": name, "value": value, "detail": detail})


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one readable `SettingsError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError([_problem_of(err) for err in exc.errors()]) from None
