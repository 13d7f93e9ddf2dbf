"""Reaching Telegram at start: the token tried with getMe, network failures retried with back-off.

A rejected token or a Telegram still unreachable after the wait becomes one SettingsError
(exit code 2); the token is shown masked, the proxy without its password.
"""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError

from delivery.limiter import retry_after_seconds
from operations.logs import TokenRedactor, mask_token
from settings import Settings, SettingsError, mask_url_password

log = logging.getLogger("duban.start")

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 15.0


def server_of(api_base_url: str) -> str:
    """`https://api.telegram.org/bot` → `https://api.telegram.org` (no token, no path)."""
    parts = urlsplit(api_base_url)
    return f"{parts.scheme}://{parts.netloc}"


def reason_of(error: BaseException, token: str) -> str:
    """A network error's text on one line, the token taken out."""
    text = " ".join(str(error).split()) or type(error).__name__
    return TokenRedactor(token).redact(text)


def unreachable(
    settings: Settings, token: str, seconds: float, error: BaseException
) -> SettingsError:
    values = {
        "server": server_of(settings.telegram_api_base_url),
        "seconds": round(seconds),
        "reason": reason_of(error, token),
    }
    if settings.telegram_proxy_url:
        proxy = mask_url_password(settings.telegram_proxy_url)
        return SettingsError("telegram_unreachable_proxy", proxy=proxy, **values)
    return SettingsError("telegram_unreachable", **values)


async def reach_telegram(bot: Bot, settings: Settings, *, budget: float | None = None) -> None:
    """Initialize `bot` (getMe), trying again with back-off for up to `budget` seconds."""
    budget = settings.startup_wait_seconds if budget is None else budget
    token = bot.token
    started = time.monotonic()
    delay = FIRST_BACKOFF_SECONDS
    attempt = 0
    while True:
        attempt += 1
        try:
            await bot.initialize()
            return
        except InvalidToken:
            raise SettingsError("token_rejected", token=mask_token(token)) from None
        except RetryAfter as error:
            wait = retry_after_seconds(error)
            last: BaseException = error
        except NetworkError as error:
            wait, delay = delay, min(MAX_BACKOFF_SECONDS, delay * 2)
            last = error
        except TelegramError as error:
            raise SettingsError("telegram_refused", reason=reason_of(error, token)) from None
        elapsed = time.monotonic() - started
        if elapsed + wait > budget:
            raise unreachable(settings, token, elapsed, last)
        log.warning(
            "Telegram not reachable yet (%s); attempt %d, trying again in %.0f s",
            reason_of(last, token),
            attempt,
            wait,
        )
        await asyncio.sleep(wait)
