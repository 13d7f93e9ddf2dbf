"""A whole cycle on the DingTalk simulator, the bot in this process: an admin binds a group
with an @-command, a coordinator starts a cycle, the reminder asks for an @-mention, a
liaison's @-report on two measures is recorded, a card button corrects a status, /status
and the ledger as a file."""

from __future__ import annotations

from sqlmodel import select

from models.progress import ProgressUpdate
from tests.support.dingtalk_bot import dingtalk_bot


async def test_bind_remind_report_press_status_and_ledger_on_dingtalk(tmp_path):
    async with dingtalk_bot(tmp_path) as bot:
        w = bot.world
        await bot.say(w.water, w.wang, "/bind 省水利厅")
        assert "省水利厅" in await bot.next_text(w.water)
        await bot.say(w.coordinators, w.wang, "/coordinators_chat")
        await bot.next_text(w.coordinators)
        await bot.say(w.coordinators, w.wang, "/coordinator add @李协调", at_users=(w.li,))
        granted = await bot.next_text(w.coordinators)
        assert "协调" in granted

        await bot.say(w.coordinators, w.li, "/remind")
        reminder = await bot.next_text(w.water)
        assert "（五）" in reminder and "@我" in reminder and "回复本条消息" not in reminder
        await bot.next_text(w.coordinators)  # /remind's answer

        await bot.say(w.water, w.zhang, "（五）已完成主体工程；（十七）推进中，完成60%")
        ack = await bot.next_text(w.water)
        assert "（五）" in ack and "（十七）" in ack
        rows = bot.db.call(lambda s: s.exec(select(ProgressUpdate)).all())
        assert sorted(r.measure_id for r in rows) and len(rows) == 2
        assert {r.user_name for r in rows} == {"张水利"}
        assert all(r.cycle_id is not None for r in rows)

        cards = w.sim.world.cards_in(w.water.cid)
        assert cards, "the acknowledgement carries its status buttons as a card"
        card = cards[-1]
        before = len(card.history)
        # （五） was read as completed; the liaison corrects it to "in progress".
        push = await w.sim.press_button(card, w.zhang, "（五）🔄")
        await w.sim.wait_acked(push, timeout=15)
        await w.sim.wait_for(lambda: len(card.history) > before, timeout=15)
        statuses = bot.db.call(
            lambda s: {r.measure_id: r.status for r in s.exec(select(ProgressUpdate)).all()}
        )
        assert sorted(statuses.values()) == ["in_progress", "in_progress"]

        await bot.say(w.coordinators, w.li, "/status")
        status = await bot.next_text(w.coordinators)
        assert "省水利厅" in status

        await bot.say(w.coordinators, w.li, "/export")
        await w.sim.wait_for(
            lambda: any(m.msg_key == "sampleFile" for m in w.sim.world.messages_in(
                w.coordinators.cid)),
            timeout=30,
        )
        sent = [m for m in w.sim.world.messages_in(w.coordinators.cid) if m.msg_key == "sampleFile"]
        assert sent[-1].param["fileName"].endswith(".xlsx")
