"""The DingTalk settings, read from the environment (and `.env`) when PLATFORM=dingtalk.

    DINGTALK_CLIENT_ID       the app's Client ID (formerly AppKey), from 凭证与基础信息
    DINGTALK_CLIENT_SECRET   the app's Client Secret (formerly AppSecret)
    DINGTALK_ROBOT_CODE      the robot's code; an internal app's robot uses the Client ID
    DINGTALK_CARD_TEMPLATE_ID  the card template for messages with buttons (卡片平台)
    DINGTALK_OPENAPI_ENDPOINT  https://api.dingtalk.com unless a simulator stands in; the
                             official SDK reads the same variable
    DINGTALK_OAPI_ENDPOINT   https://oapi.dingtalk.com (media uploads use the older API)
    DINGTALK_ADMIN_STAFF_IDS the first admins' staff ids (userid), comma-separated

Every problem is one sentence for the operator (`SettingsError`, worded in
`messages.problems`), the secret masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from settings import SettingsError

DEFAULT_API = "https://api.dingtalk.com"
DEFAULT_OAPI = "https://oapi.dingtalk.com"
# What DingTalk's ids and secrets are made of (letters, digits, - and _); generous lengths.
_ID = re.compile(r"[A-Za-z0-9_-]{4,128}")
_SECRET = re.compile(r"[A-Za-z0-9_+/=-]{8,256}")
_STAFF_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TEMPLATE = re.compile(r"[A-Za-z0-9_.-]{4,128}")
CONSOLE = "open-dev.dingtalk.com"


def mask_secret(secret: str) -> str:
    """`aB3…x9Zq`: enough to tell two secrets apart, never enough to use one."""
    secret = secret.strip()
    if len(secret) < 12:
        return "…"
    return f"{secret[:3]}…{secret[-4:]}"


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    robot_code: str

    def __repr__(self) -> str:
        return (
            f"Credentials(client_id={self.client_id!r}, "
            f"client_secret={mask_secret(self.client_secret)!r}, robot_code={self.robot_code!r})"
        )


@dataclass(frozen=True)
class Endpoints:
    api: str = DEFAULT_API  # the newer OpenAPI and the Stream gateway's connection call
    oapi: str = DEFAULT_OAPI  # the older API (media uploads)


class DingTalkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    dingtalk_client_id: str = ""
    dingtalk_client_secret: str = Field(default="", repr=False)
    dingtalk_robot_code: str = ""
    dingtalk_card_template_id: str = ""
    dingtalk_openapi_endpoint: str = DEFAULT_API
    dingtalk_oapi_endpoint: str = DEFAULT_OAPI
    # The first admins by their staff id (the userid of DingTalk's address book, shown by
    # `@bot /whoami`), beside ADMIN_IDS' numbers.
    dingtalk_admin_staff_ids: str = ""

    def credentials(self) -> Credentials:
        """The app's credentials, or a SettingsError that says which one is wrong and how."""
        client_id = self.dingtalk_client_id.strip()
        secret = self.dingtalk_client_secret.strip()
        robot = self.dingtalk_robot_code.strip() or client_id
        if not client_id:
            raise SettingsError("dingtalk_client_id_missing", console=CONSOLE)
        if not _ID.fullmatch(client_id):
            raise SettingsError("dingtalk_client_id_bad", value=repr(client_id[:40]))
        if not secret:
            raise SettingsError("dingtalk_secret_missing", console=CONSOLE)
        if not _SECRET.fullmatch(secret):
            raise SettingsError("dingtalk_secret_bad", secret=mask_secret(secret))
        if not _ID.fullmatch(robot):
            raise SettingsError("dingtalk_robot_code_bad", value=repr(robot[:40]))
        return Credentials(client_id, secret, robot)

    def admin_staff_ids(self) -> tuple[str, ...]:
        """DINGTALK_ADMIN_STAFF_IDS as staff ids; a malformed one is a SettingsError."""
        ids = tuple(p for p in re.split(r"[,，\s]+", self.dingtalk_admin_staff_ids) if p)
        for staff_id in ids:
            if not _STAFF_ID.fullmatch(staff_id):
                raise SettingsError("dingtalk_admin_bad", value=repr(staff_id[:40]))
        return ids

    def endpoints(self) -> Endpoints:
        return Endpoints(
            api=_endpoint("DINGTALK_OPENAPI_ENDPOINT", self.dingtalk_openapi_endpoint),
            oapi=_endpoint("DINGTALK_OAPI_ENDPOINT", self.dingtalk_oapi_endpoint),
        )

    def card_template(self) -> str:
        """The card template id, or "" when none is set (then no callback buttons)."""
        template = self.dingtalk_card_template_id.strip()
        if template and not _TEMPLATE.fullmatch(template):
            raise SettingsError("dingtalk_template_bad", value=repr(template[:60]))
        return template


def _endpoint(name: str, value: str) -> str:
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError("dingtalk_endpoint_bad", name=name, value=repr(value))
    return value


def load_dingtalk_settings(**overrides: object) -> DingTalkSettings:
    """The DingTalk settings; a value pydantic cannot read is one SettingsError."""
    try:
        return DingTalkSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())).upper()
        raise SettingsError(
            "setting_bad", name=where, value=first.get("input"), detail=first.get("msg", "")
        ) from None
