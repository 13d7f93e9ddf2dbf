"""The rate limiter below the Bot: a RetryAfter stops only its chat, a group's messages keep
their 3 s, and the bot never sends more than its limit in any second, not even after a pause.

The real `Application` (its ExtBot and `PacedRateLimiter`) sends through a recording request
that notes when each call arrives, as Telegram's servers would count them.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram.ext import ApplicationBuilder

from botapi_sim.recording import RecordingRequest
from delivery.limiter import PacedRateLimiter
from runtime.pace import LocalPace
from tests.coordination.test_pace import most_in_any_window
from tests.support.harness import TEST_TOKEN

GROUP, OTHER_GROUP = -100_001, -100_002


class TimedRequest(RecordingRequest):
    """Notes the monotonic time each sendMessage arrives (refused ones included)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[tuple[float, int, bool]] = []  # (time, chat, accepted)

    async def do_request(self, url: str, method: str, request_data: Any = None, *a: Any, **k: Any):
        code, body = await super().do_request(url, method, request_data, *a, **k)
        if url.endswith("/sendMessage"):
            self.arrivals.append((time.monotonic(), self.calls[-1].chat_id or 0, code == 200))
        return code, body


def paced_application(request: TimedRequest, limit: float):
    return (
        ApplicationBuilder()
        .token(TEST_TOKEN)
        .request(request)
        .get_updates_request(request)
        .rate_limiter(PacedRateLimiter(LocalPace(limit)))
        .build()
    )


async def test_a_retry_after_for_one_group_holds_back_that_group_only(monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    request = TimedRequest()
    request.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2, chat_id=GROUP
    )
    application = paced_application(request, limit=30)
    async with application:
        started = time.monotonic()
        noisy = asyncio.create_task(application.bot.send_message(GROUP, "flood"))
        await asyncio.sleep(0.2)
        others = [-(200_000 + i) for i in range(10)]
        await asyncio.gather(*(application.bot.send_message(chat, "hello") for chat in others))
        others_done = time.monotonic() - started
        message = await noisy  # retried after the wait, not raised
    refused = [t for t, chat, ok in request.arrivals if chat == GROUP and not ok]
    delivered = [t for t, chat, ok in request.arrivals if chat == GROUP and ok]
    assert message.chat.id == GROUP
    assert len(refused) == 1 and len(delivered) == 1
    assert delivered[0] - refused[0] >= 2.0
    # Ten other chats were served while the group waited out its 2 s.
    assert others_done < 1.5
    assert all(t < delivered[0] for t, chat, _ok in request.arrivals if chat in others)


async def test_a_groups_messages_keep_their_distance_while_other_chats_are_answered():
    request = TimedRequest()
    application = paced_application(request, limit=30)
    async with application:
        flood = asyncio.gather(*(application.bot.send_message(GROUP, f"{i}") for i in range(2)))
        await asyncio.sleep(0.1)
        await application.bot.send_message(OTHER_GROUP, "answered at once")
        other_at = time.monotonic()
        await flood
    group = [t for t, chat, _ok in request.arrivals if chat == GROUP]
    assert group[1] - group[0] >= 3.0
    assert other_at < group[1]


async def test_no_second_holds_more_than_the_limit_even_right_after_a_pause():
    limit = 40
    request = TimedRequest()
    application = paced_application(request, limit=limit)
    async with application:

        async def fan_out(first: int, count: int) -> None:
            chats = [-(300_000 + first + i) for i in range(count)]
            await asyncio.gather(*(application.bot.send_message(c, "reminder") for c in chats))

        await fan_out(0, 30)
        await asyncio.sleep(1.0)  # idle: a bucket limiter would save up a burst here
        await fan_out(30, 60)
    times = [t for t, _chat, _ok in request.arrivals]
    assert len(times) == 90
    assert most_in_any_window(times, 1.0) <= limit
