"""The bot removed from a chat, added back, and groups that become supergroups."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from botapi_sim.updates import private_chat
from delivery.jobs import run_tick
from models.chats import Chat, ChatDepartment
from models.schedules import Delivery
from tests.conftest import ADMIN, COORD_GROUP, DEV_GROUP, WATER_GROUP
from tests.support.cycle_helpers import travel
from tests.support.harness import BotHarness


def chat(bot, chat_id: int) -> Chat | None:
    with bot.db.session() as session:
        return session.get(Chat, chat_id)


async def test_removed_bot_stops_deliveries_tells_coordinators_once_and_resumes(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        await bot.command(DEV_GROUP, ADMIN, "bind", "省发展改革委")
        await bot.command(COORD_GROUP, ADMIN, "coordinators_chat")
        await bot.send(bot.updates.my_chat_member(WATER_GROUP, ADMIN, old="member", new="left"))
        await bot.send(bot.updates.my_chat_member(WATER_GROUP, ADMIN, old="left", new="kicked"))
        assert chat(bot, WATER_GROUP.id).is_active is False
        notices = bot.request.texts(COORD_GROUP.id)[1:]  # after the /coordinators_chat answer
        assert len(notices) == 1 and "省水利厅" in notices[0]

        bot.request.clear()
        answer = await bot.command(private_chat(ADMIN), ADMIN, "remind")
        assert "1 个群中已送达 1 个" in answer
        assert bot.request.texts(WATER_GROUP.id) == []
        assert len(bot.request.texts(DEV_GROUP.id)) == 1

        # Added back: active again, and later cycles reach it.
        await bot.send(bot.updates.my_chat_member(WATER_GROUP, ADMIN, old="left", new="member"))
        assert chat(bot, WATER_GROUP.id).is_active is True
        answer = await bot.command(private_chat(ADMIN), ADMIN, "remind")
        assert "2 个群中已送达 2 个" in answer
        assert len(bot.request.texts(WATER_GROUP.id)) == 1


async def test_a_reminder_refused_while_removed_is_sent_when_the_bot_is_back(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        bot.request.fail_next(
            "sendMessage", 403, "Forbidden: bot was kicked from the group", chat_id=WATER_GROUP.id
        )
        await bot.command(private_chat(ADMIN), ADMIN, "remind")
        reminder = select(Delivery).where(Delivery.kind == "reminder")
        with bot.db.session() as session:
            assert session.exec(reminder).one().status == "failed"
        await bot.send(bot.updates.my_chat_member(WATER_GROUP, ADMIN, old="kicked", new="member"))
        with bot.db.session() as session:
            row = session.exec(reminder).one()
        assert row.status == "sent" and row.message_id is not None
        sent = [c for c in bot.request.sent("sendMessage", WATER_GROUP.id) if "_result" in c.params]
        assert len(sent) == 2  # the /bind answer and the reminder, once


async def test_migration_service_message_moves_bindings_language_and_pending_delivery(tmp_path):
    new_id = -100_700_001
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        await bot.command(WATER_GROUP, ADMIN, "lang", "en")
        bot.request.fail_next("sendMessage", 502, "Bad Gateway", chat_id=WATER_GROUP.id)
        await bot.command(private_chat(ADMIN), ADMIN, "remind")  # reminder left pending
        await bot.send(bot.updates.migrate_to(WATER_GROUP, ADMIN, new_id))
        await bot.send(bot.updates.migrate_to(WATER_GROUP, ADMIN, new_id))  # twice: harmless
        with bot.db.session() as session:
            assert session.exec(select(ChatDepartment.chat_id)).all() == [new_id]
            moved = session.get(Chat, new_id)
            row = session.exec(select(Delivery).where(Delivery.kind == "reminder")).one()
        assert moved.language == "en" and moved.is_active
        assert row.chat_id == new_id
        travel(bot, row.not_before + timedelta(seconds=1))
        await run_tick(bot.application)
        (reminder,) = bot.request.texts(new_id)
        assert "Progress report requested" in reminder  # in the chat's language


async def test_added_to_a_new_group_the_bot_says_how_to_bind_it(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.send(bot.updates.my_chat_member(DEV_GROUP, ADMIN, old="left", new="member"))
        (hello,) = bot.request.texts(DEV_GROUP.id)
        assert "/bind &lt;部门&gt;" in hello
        assert chat(bot, DEV_GROUP.id).is_active
