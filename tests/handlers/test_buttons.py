"""Button payloads cannot be forged: another chat, another person or an old message gets nothing.

Payloads are only pointers; the bot checks chat, message and role on every press. Extends
the choice and status button tests of tests/handlers/test_liaison.py to the page buttons
of the coordinators' views and to any payload at all.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from botapi_sim.updates import private_chat
from commands.views import VIEW_DEPARTMENT, VIEW_HISTORY, VIEW_STATUS, VIEWS
from commands.views import page_payload as page_callback
from coordination.admins import grant_role, set_coordinators_chat
from models.chats import ROLE_COORDINATOR
from tests.conftest import (
    ADMIN,
    COORD_GROUP,
    COORDINATOR,
    DEV_GROUP,
    LIAISON_DEV,
    LIAISON_WATER,
    STRANGER,
    UNBOUND_GROUP,
    WATER_GROUP,
)
from tests.support.harness import BotHarness
from tests.support.liaison_data import bind, department_id, make_cycle

REMINDER = {WATER_GROUP.id: 501, DEV_GROUP.id: 502}
ERROR_TEXTS = ("出了点问题", "something went wrong")


def row_counts(session) -> dict[str, int]:
    return {
        table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in SQLModel.metadata.sorted_tables
    }


@pytest.fixture
async def bot(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as harness:

        def deployment(session) -> None:
            bind(session, WATER_GROUP.id, "省水利厅", title=WATER_GROUP.title)
            bind(session, DEV_GROUP.id, "省发展改革委", title=DEV_GROUP.title)
            make_cycle(session, deliveries=REMINDER)
            set_coordinators_chat(session, chat_id=COORD_GROUP.id, on=True, title="督办协调组")
            grant_role(session, user_id=COORDINATOR.id, role=ROLE_COORDINATOR)

        harness.db.call(deployment)
        # The water liaison has a record (status buttons) and a reply waiting for a choice.
        await harness.send(
            harness.updates.message(
                WATER_GROUP, LIAISON_WATER, "（五）推进中", reply_to=REMINDER[WATER_GROUP.id]
            )
        )
        await harness.send(
            harness.updates.message(
                WATER_GROUP, LIAISON_WATER, "本月完成投资80%", reply_to=REMINDER[WATER_GROUP.id]
            )
        )
        harness.request.clear()
        yield harness


async def press(bot, chat, user, data: str, message_id: int) -> list:
    mark = len(bot.request.calls)
    await bot.send(bot.updates.callback_query(chat, user, data, message_id=message_id))
    return bot.request.calls[mark:]


def methods(calls: list) -> list[str]:
    return [c.method for c in calls]


async def test_a_page_button_works_for_a_coordinator_and_no_one_else(bot):
    water = bot.db.call(department_id, "省水利厅")
    await bot.command(private_chat(COORDINATOR), COORDINATOR, "status", "省水利厅")
    message_id = bot.request.last_message_id(COORDINATOR.id)
    payloads = [
        page_callback(VIEW_STATUS, {}, 1),
        page_callback(VIEW_DEPARTMENT, {"d": water}, 1),
        page_callback(VIEW_HISTORY, {"m": 5, "d": water}, 2),
    ]
    for data in payloads:
        calls = await press(bot, private_chat(COORDINATOR), COORDINATOR, data, message_id)
        assert "editMessageText" in methods(calls), data

    with bot.db.session() as session:
        before = row_counts(session)
    # The same payloads pressed by a liaison in a department group, or by a stranger.
    for chat, user in [
        (WATER_GROUP, LIAISON_WATER),
        (DEV_GROUP, LIAISON_DEV),
        (private_chat(STRANGER), STRANGER),
        (UNBOUND_GROUP, STRANGER),
    ]:
        for data in payloads:
            calls = await press(bot, chat, user, data, 1)
            assert methods(calls) == ["answerCallbackQuery"], (chat.title, data, calls)
            assert calls[0].params["show_alert"] is True
    with bot.db.session() as session:
        assert row_counts(session) == before


async def test_any_payload_anywhere_changes_nothing_and_is_always_answered(bot):
    """A seeded fuzz: the prefixes the bot knows with made-up ids, and plain junk.

    Pressed where no rightful button exists (the water group holds the only records and
    the only waiting reply), so any change would be a forgery that worked.
    """
    rng = random.Random(5)
    places = [
        (DEV_GROUP, LIAISON_DEV),
        (DEV_GROUP, LIAISON_WATER),
        (UNBOUND_GROUP, STRANGER),
        (private_chat(STRANGER), STRANGER),
    ]

    def payload() -> str:
        number = str(rng.choice([0, 1, 2, 3, 5, 17, 999, -1, 10**12, "¹", "²3", "١"]))
        kind = rng.randrange(6)
        if kind == 0:
            return f"lr:{number}:{rng.choice(['a', '1', '5', number, 'x'])}"
        if kind == 1:
            return f"ls:{number}:{rng.choice('dirbx')}"
        if kind == 2:
            view = rng.choice([*VIEWS, "zz", ""])
            args = rng.choice(["", f"d={number}", f"m={number},c={number}", "d=<b>", "=,="])
            return f"pg|{view}|{args}|{number}"
        if kind == 3:
            return rng.choice(["pg|nop", "pg|", "lr:", "ls:", "lr:1:a:extra", "ls:1:d "])
        alphabet = "lrspg|:=,<>&/\\0123456789abcd（五）"
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 64)))

    with bot.db.session() as session:
        before = row_counts(session)
    tried = 0
    for _ in range(300):
        chat, user = rng.choice(places)
        data = payload()
        calls = await press(bot, chat, user, data, rng.choice([1, 2, 501, 502, 10**6]))
        tried += 1
        assert methods(calls).count("answerCallbackQuery") == 1, (data, methods(calls))
        assert "editMessageText" not in methods(calls), data
        sent = [c.text or "" for c in calls if c.method == "sendMessage"]
        assert not any(e in text for text in sent for e in ERROR_TEXTS), (data, sent)
    with bot.db.session() as session:
        assert row_counts(session) == before
    print(f"\ncallback forgery: {tried} payloads pressed, none changed anything")
