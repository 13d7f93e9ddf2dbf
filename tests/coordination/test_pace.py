"""Telegram's limits as release times: never 21 messages in a minute into one group, never more
than L in any second overall, nothing saved up during a pause, and the same budgets shared by
every instance on one PostgreSQL."""

from __future__ import annotations

import bisect
import itertools
import threading

import pytest

from coordination.pace import (
    GROUP_INTERVAL,
    READY_WITHIN,
    PaceBook,
    bot_interval,
    chat_key,
    reserve_bot_shared,
    reserve_shared,
)
from models.db import Database

GROUP, OTHER_GROUP, PERSON = -100_001, -100_002, 4242


def most_in_any_window(times: list[float], span: float) -> int:
    """The largest number of `times` inside any half-open window of `span` seconds."""
    ordered = sorted(times)
    return (
        max(bisect.bisect_left(ordered, t + span) - i for i, t in enumerate(ordered))
        if ordered
        else 0
    )


def test_a_groups_messages_are_spread_so_no_minute_holds_more_than_twenty():
    book = PaceBook()
    interval = bot_interval(30)
    # 45 messages for one group asked for at once, as a flood of answers would.
    slots = book.reserve([GROUP] * 45, now=0.0, interval=interval).slots
    chat_times = [slot.chat_at for slot in slots]
    assert chat_times == sorted(chat_times)
    assert min(b - a for a, b in itertools.pairwise(chat_times)) >= 3.0
    assert most_in_any_window(chat_times, 60.0) == 20
    # Only the first is due now; the others wait for their chat's turn, not the bot's.
    assert [slot.send_at is not None for slot in slots] == [True] + [False] * 44


def test_the_bot_keeps_just_under_its_limit_and_saves_nothing_up_during_a_pause():
    book = PaceBook()
    limit = 30
    interval = bot_interval(limit)
    times: list[float] = []
    now = 0.0
    # Bursts of demand: 100 chats now, nothing for 5 s, 100 more.
    for start in (0.0, 5.0 + 100 * interval):
        now = start
        chats = [-(1000 + len(times) + i) for i in range(100)]
        reservation = book.reserve(chats, now=now, interval=interval)
        times += [slot.send_at for slot in reservation.slots]
    assert most_in_any_window(times, 1.0) <= limit - 1
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) == pytest.approx(interval)


def test_a_message_into_a_busy_chat_takes_the_bots_turn_only_when_its_chat_turn_comes():
    book = PaceBook()
    interval = bot_interval(30)
    book.reserve([GROUP], now=0.0, interval=interval)
    (slot,) = book.reserve([GROUP], now=0.1, interval=interval).slots
    assert slot.chat_at == pytest.approx(GROUP_INTERVAL) and slot.send_at is None
    # Meanwhile other chats are not held up by it.
    (other,) = book.reserve([OTHER_GROUP], now=0.2, interval=interval).slots
    assert other.send_at is not None and other.send_at < 0.2 + READY_WITHIN


def test_a_pause_holds_back_only_its_chat():
    book = PaceBook()
    interval = bot_interval(30)
    book.pause(chat_key(GROUP), now=0.0, seconds=58)
    (paused,) = book.reserve([GROUP], now=1.0, interval=interval).slots
    (free,) = book.reserve([PERSON], now=1.0, interval=interval).slots
    assert paused.chat_at == pytest.approx(58.0)
    assert free.send_at == pytest.approx(1.0)


@pytest.mark.postgres
def test_instances_on_one_postgresql_draw_from_the_same_budgets(pg_schema_url):
    from migrations.runner import upgrade

    upgrade(pg_schema_url)
    db = Database.from_url(pg_schema_url)
    limit = 30
    interval = bot_interval(limit)
    sends: list[float] = []
    group_times: list[float] = []
    lock = threading.Lock()

    def instance(number: int) -> None:
        # Each "instance" reserves batches of its own chats, and a message for the shared
        # group now and then, as two processes would during a fan-out.
        for batch in range(15):
            chats = [-(10_000 * (number + 1) + batch * 10 + i) for i in range(10)] + [GROUP]
            reservation = db.call(reserve_shared, chats=chats, interval=interval)
            with lock:
                for chat, slot in zip(chats, reservation.slots, strict=True):
                    if chat == GROUP:
                        group_times.append(slot.chat_at)
                    if slot.send_at is not None:
                        sends.append(slot.send_at)
            # A message whose chat turn is later takes the bot's turn then (here: now).
            _now, at = db.call(reserve_bot_shared, count=1, interval=interval)
            with lock:
                sends.append(at)

    threads = [threading.Thread(target=instance, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sends) >= 2 * 15 * 11
    assert most_in_any_window(sends, 1.0) <= limit - 1
    spaced = sorted(group_times)
    assert min(b - a for a, b in itertools.pairwise(spaced)) >= 3.0
    assert most_in_any_window(spaced, 60.0) <= 20
    db.dispose()
