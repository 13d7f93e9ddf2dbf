"""End to end: an admin binds chats and sends /remind; liaisons answer the real reminders."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from botapi_sim.updates import private_chat
from models.progress import LatestProgress, ProgressUpdate
from models.schedules import Cycle, Delivery
from tests.conftest import (
    ADMIN,
    DEV_GROUP,
    ENERGY_GROUP,
    LIAISON_DEV,
    LIAISON_ENERGY,
    LIAISON_WATER,
    WATER_GROUP,
)
from tests.support.harness import BotHarness
from tests.support.liaison_data import summary


def buttons(call: Any) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_liaisons_answer_the_reminder_that_remind_sent(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        await bot.command(ENERGY_GROUP, ADMIN, "bind", "省能源局；省自然资源厅")
        await bot.command(DEV_GROUP, ADMIN, "bind", "省发展改革委")
        bot.request.clear()
        await bot.command(private_chat(ADMIN), ADMIN, "remind")

        reminders = {}
        for group in (WATER_GROUP, ENERGY_GROUP, DEV_GROUP):
            sent = bot.request.sent("sendMessage", group.id)
            assert len(sent) == 1, f"{group.title} got {len(sent)} reminders"
            reminders[group.id] = sent[0].params["_result"]["message_id"]
        with bot.db.session() as session:
            (cycle,) = session.exec(select(Cycle)).all()
            reminders_stored = select(Delivery).where(Delivery.kind == "reminder")
            stored = {d.chat_id: d.message_id for d in session.exec(reminders_stored)}
        assert stored == reminders

        # One reply names （五） and （六） in the chat of two departments; one names no
        # measure (the chat has several) and a button decides; one is edited afterwards; one
        # is a photo with a caption.
        await bot.send(
            bot.updates.message(
                ENERGY_GROUP,
                LIAISON_ENERGY,
                "（五）已完成（六）推进中",
                reply_to=reminders[ENERGY_GROUP.id],
            )
        )
        await bot.send(
            bot.updates.message(
                WATER_GROUP, LIAISON_WATER, "均在推进", reply_to=reminders[WATER_GROUP.id]
            )
        )
        prompt = bot.request.sent("sendMessage", WATER_GROUP.id)[-1]
        seventeen = buttons(prompt)[1]
        await bot.send(
            bot.updates.callback_query(
                WATER_GROUP,
                LIAISON_WATER,
                seventeen,
                message_id=prompt.params["_result"]["message_id"],
            )
        )
        dev = bot.updates.message(
            DEV_GROUP, LIAISON_DEV, "（三）推进中", reply_to=reminders[DEV_GROUP.id]
        )
        await bot.send(dev)
        await bot.send(
            bot.updates.edited_message(
                DEV_GROUP,
                LIAISON_DEV,
                dev["message"]["message_id"],
                "（三）已完成",
                reply_to=reminders[DEV_GROUP.id],
            )
        )
        await bot.send(
            bot.updates.message(
                WATER_GROUP,
                LIAISON_WATER,
                None,
                photo_file_id="SITE-PHOTO",
                caption="（五）现场照片，主体完工",
                reply_to=reminders[WATER_GROUP.id],
            )
        )

        with bot.db.session() as session:
            rows = session.exec(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()
            assert {r.cycle_id for r in rows} == {cycle.id}
            assert all(r.on_time for r in rows)
            assert [r[:3] for r in summary(session)] == [
                (5, "省自然资源厅", "done"),
                (6, "省能源局", "in_progress"),
                (6, "省自然资源厅", "in_progress"),
                (17, "省水利厅", "in_progress"),
                (3, "省发展改革委", "done"),
                (5, "省水利厅", "done"),
            ]
            assert [r.file_id for r in rows][-1] == "SITE-PHOTO"
            assert len(session.exec(select(LatestProgress)).all()) == 6
