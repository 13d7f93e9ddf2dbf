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
        await bot.settled(push)
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


async def set_up(bot) -> None:
    """The water group bound and the coordinators' group marked, by @-commands."""
    w = bot.world
    await bot.say(w.water, w.wang, "/bind 省水利厅")
    await bot.next_text(w.water)
    await bot.say(w.coordinators, w.wang, "/coordinators_chat")
    await bot.next_text(w.coordinators)


async def test_a_disbanded_group_stops_its_reminders_and_the_coordinators_are_told_once(
    tmp_path,
):
    async with dingtalk_bot(tmp_path) as bot:
        w = bot.world
        await set_up(bot)
        push = await w.sim.disband(w.water, by=w.wang)
        await bot.settled(push)
        notice = await bot.next_text(w.coordinators)
        assert "省水利厅" in notice and "移出" in notice
        # The same event pushed again changes nothing and tells nobody twice.
        await bot.settled(await w.sim.disband(w.water, by=w.wang))
        await bot.say(w.coordinators, w.wang, "/remind")
        answer = await bot.next_text(w.coordinators)
        assert "移出" not in answer
        assert w.sim.world.messages_in(w.water.cid)[-1].text == bot.shown(w.water)[-1]
        assert len(bot.shown(w.water)) == 1  # only the answer to /bind


async def test_a_robot_taken_out_without_an_event_is_noticed_at_the_next_send(tmp_path):
    async with dingtalk_bot(tmp_path) as bot:
        w = bot.world
        await set_up(bot)
        await w.sim.remove_robot(w.water)
        await bot.say(w.coordinators, w.wang, "/remind")
        texts = await bot.next_texts(w.coordinators, 2)
        assert any("省水利厅" in text and "移出" in text for text in texts)


async def test_commands_in_a_private_chat_with_the_robot_and_the_help_says_at_me(tmp_path):
    async with dingtalk_bot(tmp_path) as bot:
        w = bot.world
        await set_up(bot)
        await bot.say(w.water, w.zhang, "/help")
        help_text = await bot.next_text(w.water)
        assert "@我" in help_text and "回复我的提醒" not in help_text
        await bot.say(None, w.wang, "/whoami")
        await w.sim.wait_for(lambda: bool(w.sim.world.messages_to(w.wang.staff_id)), timeout=15)
        whoami = w.sim.world.messages_to(w.wang.staff_id)[-1].text
        assert "0301" in whoami  # the staff id, beside the name
        await bot.say(w.water, w.zhang, "/chats")
        assert "管理员" in await bot.next_text(w.water)  # refused: admins only


async def test_the_dashboards_commands_say_they_are_not_available_on_dingtalk(tmp_path):
    async with dingtalk_bot(tmp_path, webapp_url="https://duban.example.org") as bot:
        w = bot.world
        await bot.say(w.water, w.wang, "/dashboard")
        assert "不能使用 /dashboard" in await bot.next_text(w.water)
        await bot.say(w.water, w.wang, "/return （五） 省水利厅 不具体")
        assert "暂不支持 /return" in await bot.next_text(w.water)
        await bot.say(w.water, w.wang, "/nosuchcommand")
        assert "/help" in await bot.next_text(w.water) or "督办" in bot.shown(w.water)[-1]


async def test_without_a_card_template_a_report_naming_no_measure_is_asked_in_words(tmp_path):
    async with dingtalk_bot(tmp_path, card_template="") as bot:
        w = bot.world
        await bot.say(w.water, w.wang, "/bind 省水利厅")
        await bot.next_text(w.water)
        await bot.say(w.water, w.zhang, "本月工程进展顺利，正在推进")
        question = await bot.next_text(w.water)
        assert "请写明措施编号后重新发送" in question and "点" not in question
        assert w.sim.world.cards_in(w.water.cid) == []
        await bot.say(w.water, w.zhang, "（五）本月工程进展顺利，正在推进")
        assert "已记录" in await bot.next_text(w.water)


async def test_roles_are_given_by_at_mentioning_the_person(tmp_path):
    async with dingtalk_bot(tmp_path) as bot:
        w = bot.world
        await set_up(bot)
        await bot.say(w.coordinators, w.wang, "/coordinator add")
        assert "@ 此人" in await bot.next_text(w.coordinators)
        await bot.say(w.coordinators, w.li, "/help")  # the bot has heard of 李协调 now
        await bot.next_text(w.coordinators)
        await bot.say(w.coordinators, w.wang, "/coordinator add @李协调", at_users=(w.li,))
        assert "李协调" in await bot.next_text(w.coordinators)
        await bot.say(w.coordinators, w.li, "/remind")
        assert "督办提醒" in await bot.next_text(w.water)
