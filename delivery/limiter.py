"""The rate limiter below every Bot API call: each message waits for its chat's and the bot's
turn (`runtime.pace`), and a RetryAfter pauses only the chat it came for.

python-telegram-bot's AIORateLimiter lets a bucket's worth go at once after a pause, and
answers a RetryAfter for one group by stopping every request of the bot; this one does
neither. The outbox worker reserves its turns in batches and marks its calls `PACED`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from runtime.pace import Pace

log = logging.getLogger(__name__)

# Calls that put a message into a chat: each takes a turn in the chat and in the bot's budget.
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "copyMessage",
        "forwardMessage",
    }
)
# Edits change a message already there: they count against the bot's budget only.
EDIT_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
# `rate_limit_args` of a call whose turn was already taken (the outbox worker's sends).
PACED = "paced"


def retry_after_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class PacedRateLimiter(BaseRateLimiter[str]):
    """Every message waits for its turn; a RetryAfter pauses its chat and the call is retried."""

    def __init__(self, pace: Pace, *, max_retries: int = 2) -> None:
        self.pace = pace
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[Any] | None]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[Any] | None:
        if endpoint not in MESSAGE_METHODS and endpoint not in EDIT_METHODS:
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        if not isinstance(chat_id, int | str):
            chat_id = None
        # An edit takes only a turn of the bot's budget.
        turn_chat = chat_id if endpoint in MESSAGE_METHODS else None
        attempt = 0
        while True:
            if rate_limit_args != PACED or attempt:
                await self.pace.wait_turn(turn_chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                if chat_id is not None:
                    await self.pace.pause_chat(chat_id, wait)
                attempt += 1
                # The outbox records its own retries (a delivery waits in the database).
                if rate_limit_args == PACED or attempt > self.max_retries:
                    raise
                log.info("%s to %s refused for %gs; only that chat waits", endpoint, chat_id, wait)
                if turn_chat is None:
                    await asyncio.sleep(wait)
