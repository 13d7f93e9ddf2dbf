"""Faults and flood control of the Bot API simulator, as python-telegram-bot sees them."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.request import HTTPXRequest

from botapi_sim.faults import FaultKind, FaultPlan, RateLimits
from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimChat
from tests.conftest import DEV_GROUP, LIAISON_WATER, WATER_GROUP

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
NEW_WATER_GROUP = -100_000_999


@pytest.fixture(autouse=True)
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    # RetryAfter.retry_after warns about ints unless PTB is told to use timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator() as simulator:
        simulator.add_chat(WATER_GROUP, members=[LIAISON_WATER])
        simulator.add_chat(DEV_GROUP)
        yield simulator


@pytest.fixture
async def bot(sim: BotApiSimulator) -> AsyncIterator[Bot]:
    telegram_bot = Bot(
        TOKEN,
        base_url=sim.base_url,
        request=HTTPXRequest(read_timeout=5),
        get_updates_request=HTTPXRequest(read_timeout=2),
    )
    async with telegram_bot:
        yield telegram_bot


async def test_injected_429_is_retry_after_and_nothing_is_delivered(sim, bot) -> None:
    sim.faults = FaultPlan(retry_after_rate=1.0, retry_after_seconds=3)
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(WATER_GROUP.id, "提醒")
    assert error.value.retry_after == dtm.timedelta(seconds=3)
    assert sim.bot_messages(WATER_GROUP) == []
    assert sim.stats.faults == {"retry_after": 1}
    assert sim.stats.too_many_requests == 1


async def test_server_errors_are_network_errors_and_nothing_is_delivered(sim, bot) -> None:
    sim.faults = FaultPlan(server_error_rate=1.0, seed=3)
    messages = []
    for _ in range(6):
        with pytest.raises(NetworkError) as error:
            await bot.send_message(WATER_GROUP.id, "提醒")
        messages.append(str(error.value))
    assert {"Internal Server Error", "Bad Gateway"} == set(messages)
    assert sim.bot_messages(WATER_GROUP) == []
    assert sim.stats.faults["server_error"] == 6


async def test_slow_answer_times_out_but_the_message_arrived(sim, bot) -> None:
    sim.faults = FaultPlan(slow_rate=1.0, slow_seconds=1.0)
    async with Bot(TOKEN, base_url=sim.base_url, request=HTTPXRequest(read_timeout=0.3)) as hasty:
        with pytest.raises(TimedOut):
            await hasty.send_message(WATER_GROUP.id, "提醒（五）")
    assert sim.bot_texts(WATER_GROUP) == ["提醒（五）"]

    # The client cannot know, so it sends again: that is a real-life duplicate.
    sim.faults = None
    await bot.send_message(WATER_GROUP.id, "提醒（五）")
    assert sim.stats.duplicates == 1
    assert sim.stats.duplicates_by_chat == {WATER_GROUP.id: 1}
    assert sim.stats.faults == {"slow": 1}


async def test_kicked_chat_is_forbidden(sim, bot) -> None:
    sim.faults = FaultPlan(kicked_chats={WATER_GROUP.id})
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(WATER_GROUP.id, "提醒")
    await bot.send_message(DEV_GROUP.id, "提醒")
    assert sim.stats.delivered == {DEV_GROUP.id: 1}
    assert sim.stats.faults == {"forbidden": 1}


async def test_migrated_chat_answers_chat_migrated_and_the_new_id_works(sim, bot) -> None:
    sim.faults = FaultPlan(migrated_chats={WATER_GROUP.id: NEW_WATER_GROUP})
    with pytest.raises(ChatMigrated) as error:
        await bot.send_message(WATER_GROUP.id, "提醒")
    assert error.value.new_chat_id == NEW_WATER_GROUP
    message = await bot.send_message(NEW_WATER_GROUP, "提醒")
    assert message.chat.title == WATER_GROUP.title
    assert sim.bot_texts(NEW_WATER_GROUP) == ["提醒"]
    assert sim.bot_messages(WATER_GROUP) == []
    assert sim.stats.faults == {"migrated": 1}


async def test_faults_spare_get_me_get_updates_and_answers(sim, bot) -> None:
    sim.faults = FaultPlan(retry_after_rate=0.5, server_error_rate=0.5)
    assert (await bot.get_me()).is_bot
    sim.user_sends(WATER_GROUP, LIAISON_WATER, "在")
    assert len(await bot.get_updates(timeout=0)) == 1
    await bot.set_my_commands([("status", "进展")])
    assert sum(sim.stats.faults.values()) == 0


async def test_the_same_seed_gives_the_same_faults(sim, bot) -> None:
    async def run(seed: int) -> list[str]:
        sim.faults = FaultPlan(retry_after_rate=0.3, server_error_rate=0.3, seed=seed)
        outcomes = []
        for index in range(30):
            try:
                await bot.send_message(DEV_GROUP.id, f"第{index}条")
                outcomes.append("ok")
            except RetryAfter:
                outcomes.append("429")
            except NetworkError:
                outcomes.append("5xx")
        return outcomes

    first, second, other = await run(11), await run(11), await run(12)
    assert first == second
    assert first != other
    assert {"ok", "429", "5xx"} <= set(first)
    assert sim.stats.total_delivered == 2 * first.count("ok") + other.count("ok")
    assert sim.stats.faults[FaultKind.RETRY_AFTER] == 2 * first.count("429") + other.count("429")


def test_fault_rates_are_checked() -> None:
    with pytest.raises(ValueError, match="rates"):
        FaultPlan(retry_after_rate=0.7, slow_rate=0.5)


# --- flood control -------------------------------------------------------------------------


class FrozenClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_global_limit_answers_429_past_l_per_second() -> None:
    clock = FrozenClock()
    limits = RateLimits(global_per_second=5, group_per_minute=None)
    async with BotApiSimulator(rate_limits=limits, clock=clock) as sim:
        chats = [SimChat(id=-200_000 - n, title=f"群{n}") for n in range(6)]
        for chat in chats:
            sim.add_chat(chat)
        async with Bot(TOKEN, base_url=sim.base_url) as bot:
            for chat in chats[:5]:
                await bot.send_message(chat.id, "提醒")
            with pytest.raises(RetryAfter) as error:
                await bot.send_message(chats[5].id, "提醒")
            assert error.value.retry_after == dtm.timedelta(seconds=1)
            # Edits are not new messages; after the window slides, sending works again.
            await bot.edit_message_text("提醒（已更新）", chats[0].id, 1)
            clock.now += 1.0
            await bot.send_message(chats[5].id, "提醒")
    assert sim.stats.rate_limited == 1
    assert sim.stats.too_many_requests == 1
    assert sim.stats.total_delivered == 6


async def test_twenty_messages_a_minute_into_one_group() -> None:
    clock = FrozenClock()
    async with BotApiSimulator(rate_limits=RateLimits(), clock=clock) as sim:
        sim.add_chat(WATER_GROUP)
        sim.add_chat(DEV_GROUP)
        async with Bot(TOKEN, base_url=sim.base_url) as bot:
            for index in range(20):
                clock.now += 1.0
                await bot.send_message(WATER_GROUP.id, f"第{index}条")
            with pytest.raises(RetryAfter) as error:
                await bot.send_message(WATER_GROUP.id, "第21条")
            # The oldest of the 20 leaves the window 41 seconds from now.
            assert error.value.retry_after == dtm.timedelta(seconds=41)
            await bot.send_message(DEV_GROUP.id, "别的群不受影响")
            clock.now += 41.0
            await bot.send_message(WATER_GROUP.id, "第21条")
    assert sim.stats.rate_limited == 1
    assert sim.stats.delivered == {WATER_GROUP.id: 21, DEV_GROUP.id: 1}
    assert [chat for _, chat in sim.stats.arrivals[-2:]] == [DEV_GROUP.id, WATER_GROUP.id]


async def test_bad_requests_are_counted_by_kind_not_as_faults(sim, bot) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(WATER_GROUP.id, "<b>", parse_mode="HTML")
    with pytest.raises(BadRequest):
        await bot.send_message(WATER_GROUP.id, "<i>", parse_mode="HTML")
    assert sim.stats.rejected == {"Bad Request: can't parse entities": 2}
    assert sim.stats.faults == {}
