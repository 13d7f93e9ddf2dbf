"""Checking the `initData` a Telegram Mini App sends: Telegram's HMAC signature and its age.

As Telegram's documentation says: the secret key is HMAC-SHA256 of the bot token keyed with
"WebAppData"; the hash is HMAC-SHA256 of the sorted `key=value` lines of every other field.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

# A client's clock a little ahead of ours is fine; a date far in the future is forged.
FUTURE_SKEW_SECONDS = 300
MAX_INIT_DATA_LENGTH = 8192

REASON_MISSING = "missing"
REASON_MALFORMED = "malformed"
REASON_FORGED = "forged"
REASON_STALE = "stale"


class InitDataError(Exception):
    """The data is not usable; `reason` is one of the REASON_* names."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InitData:
    user_id: int
    first_name: str
    language_code: str
    auth_date: datetime  # naive UTC
    fields: dict[str, str]


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The hash Telegram would put beside `fields` (used by tests and the demo)."""
    return hmac.new(
        secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()


def parse_fields(raw: str) -> dict[str, str]:
    """The query string's fields, URL-decoded; a repeated or empty key makes it malformed."""
    if not raw:
        raise InitDataError(REASON_MISSING)
    if len(raw) > MAX_INIT_DATA_LENGTH:
        raise InitDataError(REASON_MALFORMED)
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError(REASON_MALFORMED) from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        if not key or key in fields:
            raise InitDataError(REASON_MALFORMED)
        fields[key] = value
    return fields


def validate(raw: str, bot_token: str, *, now: datetime, max_age_seconds: int) -> InitData:
    """The checked data, or `InitDataError` saying why not.

    `now` is naive UTC (or aware). The signature is checked before anything in the data is
    believed; the age after, so a forged date cannot make a stale request look fresh.
    """
    fields = parse_fields(raw)
    received = fields.get("hash", "")
    if len(received) != 64:
        raise InitDataError(REASON_FORGED if received else REASON_MISSING)
    if not hmac.compare_digest(sign(fields, bot_token), received.lower()):
        raise InitDataError(REASON_FORGED)
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), UTC).replace(tzinfo=None)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        raise InitDataError(REASON_MALFORMED) from None
    current = now if now.tzinfo is None else now.astimezone(UTC).replace(tzinfo=None)
    age = (current - auth_date).total_seconds()
    if age > max_age_seconds or age < -FUTURE_SKEW_SECONDS:
        raise InitDataError(REASON_STALE)
    return InitData(
        user_id=user_id,
        first_name=str(user.get("first_name", "")),
        language_code=str(user.get("language_code", "") or ""),
        auth_date=auth_date,
        fields=fields,
    )
