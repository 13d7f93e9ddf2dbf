"""The admin, coordinator and liaison paths played the same way on Telegram and on DingTalk,
where the behaviour is meant to be the same: the same records, roles and answers result.

Each platform has a driver: Telegram's drives the real Application with update JSON (a
report is a reply to the reminder); DingTalk's the bot on the DingTalk simulator (a report
@s the robot and is attributed to the group's open cycle).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlmodel import select

from botapi_sim.updates import SimChat, SimUser
from delivery.worker import outbox
from models.db import Database
from models.progress import ProgressUpdate
from models.schedules import DELIVERY_REMINDER, Delivery
from tests.support.dingtalk_bot import dingtalk_bot
from tests.support.harness import BotHarness

ADMIN, COORDINATOR, LIAISON, STRANGER = "admin", "coordinator", "liaison", "stranger"
WATER, COORDINATORS = "water", "coordinators"


async def settle_outbox(application: Any) -> None:
    """The outbox worker sends in the background: wait until nothing due is left and no
    message waits for its turn (a group's messages are 3 s apart)."""
    worker, pace = outbox(application), application.bot_data["services"].pace
    async with asyncio.timeout(30):
        while True:
            await worker.drain()
            if (pace is None or pace.waiting == 0) and not worker.in_flight:
                return
            await asyncio.sleep(0.05)


class TelegramDriver:
    def __init__(self, harness: BotHarness) -> None:
        self.harness = harness
        self.db: Database = harness.db
        self.chats = {
            WATER: SimChat(id=-100_001, title="省水利厅 督办群", type="supergroup"),
            COORDINATORS: SimChat(id=-100_900, title="督办协调组", type="supergroup"),
        }
        self.people = {
            ADMIN: SimUser(id=1001, first_name="王管理"),
            COORDINATOR: SimUser(id=1002, first_name="李协调"),
            LIAISON: SimUser(id=1003, first_name="张水利"),
            STRANGER: SimUser(id=1004, first_name="路人"),
        }

    async def command(self, chat: str, who: str, text: str, *, about: str = "") -> str:
        name, _, args = text.lstrip("/").partition(" ")
        extra: dict[str, Any] = {}
        if about:
            # The person a command is about: a reply to their message on Telegram.
            about_user = self.people[about]
            extra["reply_to"] = {
                "message_id": 77, "date": 0, "chat": self.chats[chat].to_json(),
                "from": about_user.to_json(), "text": "…",
            }
        mark = len(self.harness.request.calls)
        await self.harness.send(
            self.harness.updates.command(self.chats[chat], self.people[who], name, args, **extra)
        )
        return "\n".join(self.harness.replies_since(mark, self.chats[chat].id))

    async def report(self, chat: str, who: str, text: str) -> str:
        chat_id = self.chats[chat].id
        reminder = self.db.call(
            lambda s: s.exec(
                select(Delivery.message_id).where(
                    Delivery.chat_id == chat_id, Delivery.kind == DELIVERY_REMINDER
                )
            ).first()
        )
        mark = len(self.harness.request.calls)
        await self.harness.send(
            self.harness.updates.message(
                self.chats[chat], self.people[who], text, reply_to=reminder
            )
        )
        return "\n".join(self.harness.replies_since(mark, chat_id))

    def sent_files(self, chat: str) -> list[str]:
        chat_id = self.chats[chat].id
        names = []
        for call in self.harness.request.calls:
            if call.method == "sendDocument" and call.chat_id == chat_id:
                document = call.files.get("document")
                # (file name, bytes, mime type) as PTB sends multipart data
                names.append(str(document[0]) if isinstance(document, tuple) else "")
        return names

    async def reminders(self, chat: str) -> list[str]:
        await settle_outbox(self.harness.application)
        chat_id = self.chats[chat].id
        return [
            c.text for c in self.harness.request.calls
            if c.method == "sendMessage" and c.chat_id == chat_id and "督办提醒" in c.text
        ]


class DingTalkDriver:
    def __init__(self, running: Any) -> None:
        self.running = running
        self.db: Database = running.db
        w = running.world
        self.chats = {WATER: w.water, COORDINATORS: w.coordinators}
        self.people = {ADMIN: w.wang, COORDINATOR: w.li, LIAISON: w.zhang,
                       STRANGER: w.sim.add_user("0999", "路人")}
        w.water.members.add("0999")

    async def command(self, chat: str, who: str, text: str, *, about: str = "") -> str:
        group = self.chats[chat]
        self.running.mark(group)
        extra = {"at_users": (self.people[about],)} if about else {}
        await self.running.say(group, self.people[who], text, **extra)
        return "\n".join(self.running.shown(group)[self.running.seen[group.cid]:])

    async def report(self, chat: str, who: str, text: str) -> str:
        return await self.command(chat, who, text)

    def sent_files(self, chat: str) -> list[str]:
        group = self.chats[chat]
        return [
            str(m.param.get("fileName"))
            for m in self.running.world.sim.world.messages_in(group.cid)
            if m.msg_key == "sampleFile"
        ]

    async def reminders(self, chat: str) -> list[str]:
        await settle_outbox(self.running.bot.application)
        return [t for t in self.running.shown(self.chats[chat]) if "督办提醒" in t]


@asynccontextmanager
async def driver(platform: str, tmp_path) -> AsyncIterator[Any]:
    if platform == "telegram":
        async with BotHarness.open(tmp_path, admin_ids=[1001]) as harness:
            yield TelegramDriver(harness)
    else:
        async with dingtalk_bot(tmp_path) as running:
            yield DingTalkDriver(running)


@pytest.mark.parametrize("platform", ["telegram", "dingtalk"])
async def test_admin_coordinator_and_liaison_paths_end_alike_on_both_platforms(
    platform: str, tmp_path
) -> None:
    async with driver(platform, tmp_path) as bot:
        # Admin: a stranger may not bind; the admin binds and marks the coordinators' chat.
        refused = await bot.command(WATER, STRANGER, "/bind 省水利厅")
        assert "管理员" in refused
        assert "省水利厅" in await bot.command(WATER, ADMIN, "/bind 省水利厅")
        await bot.command(COORDINATORS, ADMIN, "/coordinators_chat")
        granted = await bot.command(
            COORDINATORS, ADMIN, "/coordinator add", about=COORDINATOR
        )
        assert "协调员" in granted

        # Coordinator: a cycle by hand reaches the bound group once.
        await bot.command(COORDINATORS, COORDINATOR, "/remind")
        reminders = await bot.reminders(WATER)
        assert len(reminders) == 1 and "（五）" in reminders[0]

        # Liaison: one report on two measures; a measure the group does not have is named.
        ack = await bot.report(WATER, LIAISON, "（五）已完成主体工程；（十七）推进中，完成60%")
        assert "（五）" in ack and "（十七）" in ack
        refused = await bot.report(WATER, LIAISON, "（九）已完成")
        assert "（九）" in refused

        # Coordinator: the views and the ledger as a file.
        status = await bot.command(COORDINATORS, COORDINATOR, "/status")
        assert "省水利厅" in status and "（五）" in status
        await bot.command(COORDINATORS, COORDINATOR, "/export")
        assert any(name.endswith(".xlsx") for name in bot.sent_files(COORDINATORS))

        rows = bot.db.call(lambda s: list(s.exec(select(ProgressUpdate)).all()))
        summary = sorted((r.status, r.percent, r.cycle_id is not None) for r in rows)
        assert summary == [("done", None, True), ("in_progress", 60, True)]
