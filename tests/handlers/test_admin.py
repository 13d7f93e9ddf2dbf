"""Admin commands: binding chats, roles, the coordinators' chat, /chats and /measures."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from botapi_sim.updates import SimUser, private_chat
from models.chats import Chat, ChatDepartment, UserRole
from runtime import services
from tests.conftest import (
    ADMIN,
    COORD_GROUP,
    COORDINATOR,
    DEV_GROUP,
    ENERGY_GROUP,
    LIAISON_WATER,
    STRANGER,
    UNBOUND_GROUP,
    WATER_GROUP,
)
from tests.support.cycle_helpers import expected_labels, listed_labels
from tests.support.harness import BotHarness


def bindings(bot) -> list[tuple[int, int]]:
    with bot.db.session() as session:
        return [(b.chat_id, b.department_id) for b in session.exec(select(ChatDepartment))]


async def test_bind_by_name_and_alias_one_chat_to_two_departments(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        answer = await bot.command(ENERGY_GROUP, ADMIN, "bind", "省能源局；自然资源厅")
        assert "省能源局" in answer and "省自然资源厅" in answer and "牵头" in answer
        answer = await bot.command(DEV_GROUP, ADMIN, "bind", "发改委")
        # The role words of the reminders: it leads （三）（四）, is 负责 for （十九）, which
        # names no lead, and supports the rest.
        assert "<b>省发展改革委</b> — 牵头 2 项，负责 1 项，配合 14 项" in answer
        assert len(bindings(bot)) == 3
        again = await bot.command(DEV_GROUP, ADMIN, "bind", "省发展改革委")
        assert "已绑定到本群" in again and len(bindings(bot)) == 3


async def test_unknown_names_get_suggestions_and_nothing_is_bound(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        answer = await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅；水力厅")
        assert "未做任何绑定" in answer and "您是否指" in answer and "省水利厅" in answer
        assert bindings(bot) == []


async def test_a_group_of_departments_is_refused_with_its_members(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        answer = await bot.command(WATER_GROUP, ADMIN, "bind", "相关市人民政府")
        assert "是一组部门" in answer and "长治市人民政府" in answer
        assert bindings(bot) == []


async def test_names_with_html_are_shown_literally(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        answer = await bot.command(WATER_GROUP, ADMIN, "bind", "<b>水利</b>&")
        assert "&lt;b&gt;水利&lt;/b&gt;&amp;" in answer and "<b>水利" not in answer


async def test_unbind_removes_one_or_all_bindings(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(ENERGY_GROUP, ADMIN, "bind", "省能源局；省自然资源厅")
        answer = await bot.command(ENERGY_GROUP, ADMIN, "unbind", "省能源局")
        assert "已解除绑定：省能源局" in answer and len(bindings(bot)) == 1
        answer = await bot.command(ENERGY_GROUP, ADMIN, "unbind")
        assert "省自然资源厅" in answer and bindings(bot) == []
        assert "没有绑定任何部门" in await bot.command(ENERGY_GROUP, ADMIN, "unbind")


async def test_admin_commands_in_a_private_chat_get_a_hint(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        for command in ("bind", "unbind", "coordinators_chat"):
            answer = await bot.command(private_chat(ADMIN), ADMIN, command, "省水利厅")
            assert "请在相关的群里使用" in answer, command
        assert bindings(bot) == []


async def test_every_admin_command_refuses_others_once_and_changes_nothing(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        await bot.command(private_chat(ADMIN), ADMIN, "coordinator", f"add {COORDINATOR.id}")
        commands = {
            "bind": "省发展改革委",
            "unbind": "",
            "chats": "",
            "admin": f"add {LIAISON_WATER.id}",
            "coordinator": f"add {LIAISON_WATER.id}",
            "coordinators_chat": "",
            "schedule": "add monthly 25 09:00",
        }
        callers = [
            (WATER_GROUP, LIAISON_WATER),  # a liaison in their own chat
            (DEV_GROUP, LIAISON_WATER),  # in another chat
            (private_chat(STRANGER), STRANGER),
            (UNBOUND_GROUP, STRANGER),
            (private_chat(COORDINATOR), COORDINATOR),
        ]
        before = bindings(bot)
        for chat, user in callers:
            for index, (command, args) in enumerate(commands.items()):
                mark = len(bot.request.calls)
                await bot.send(bot.updates.command(chat, user, command, args))
                replies = bot.replies_since(mark)
                if chat in (DEV_GROUP, UNBOUND_GROUP, private_chat(STRANGER)) and index > 0:
                    # Someone with no role in a chat no department owns: one answer a minute.
                    assert replies == [], (command, replies)
                    continue
                assert len(replies) == 1, (command, user.id, replies)
                assert f"/{command}" in replies[0]
                assert "只有管理员" in replies[0] or "only admins" in replies[0]
        assert bindings(bot) == before
        with bot.db.session() as session:
            roles = session.exec(select(UserRole)).all()
            assert [(r.user_id, r.role) for r in roles] == [(COORDINATOR.id, "coordinator")]
            assert not any(c.is_coordinators for c in session.exec(select(Chat)))


async def test_remind_is_refused_to_liaisons_and_strangers_but_coordinators_may(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        for chat, user in [(WATER_GROUP, LIAISON_WATER), (private_chat(STRANGER), STRANGER)]:
            answer = await bot.command(chat, user, "remind")
            assert "管理员和协调员" in answer or "admins and coordinators" in answer
        assert len(bot.request.texts(WATER_GROUP.id)) == 2  # the /bind answer and a refusal
        await bot.command(private_chat(ADMIN), ADMIN, "coordinator", f"add {COORDINATOR.id}")
        answer = await bot.command(private_chat(COORDINATOR), COORDINATOR, "remind")
        assert "1 个群中已送达 1 个" in answer


async def test_add_an_admin_by_replying_to_their_message(tmp_path):
    newcomer = SimUser(id=3003, first_name="新", last_name="管理员", username="new_admin")
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        their_message = bot.updates.message_json(COORD_GROUP, newcomer, "大家好")
        await bot.send(
            bot.updates.command(COORD_GROUP, ADMIN, "admin", "add", reply_to=their_message)
        )
        assert "新 管理员 (@new_admin) 现在是管理员" in bot.request.texts(COORD_GROUP.id)[-1]
        answer = await bot.command(UNBOUND_GROUP, newcomer, "bind", "省水利厅")
        assert "本群现已绑定" in answer
        listing = await bot.command(private_chat(ADMIN), ADMIN, "admin", "list")
        assert str(ADMIN.id) in listing and "3003" in listing
        refused = await bot.command(private_chat(newcomer), newcomer, "admin", f"remove {ADMIN.id}")
        assert "ADMIN_IDS" in refused
        answer = await bot.command(private_chat(ADMIN), ADMIN, "admin", "remove 3003")
        assert "不再是管理员" in answer
        assert "只有管理员" in await bot.command(UNBOUND_GROUP, newcomer, "chats")


async def test_coordinators_chat_makes_its_members_coordinators(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        assert "只有管理员和协调员" in await bot.command(COORD_GROUP, STRANGER, "remind")
        assert "协调员群" in await bot.command(COORD_GROUP, ADMIN, "coordinators_chat")
        assert "1 个群中已送达 1 个" in await bot.command(COORD_GROUP, STRANGER, "remind")
        assert "已是协调员群" in await bot.command(COORD_GROUP, ADMIN, "coordinators_chat")
        assert "不再是协调员群" in await bot.command(COORD_GROUP, ADMIN, "coordinators_chat", "off")
        # A stranger again, answered once a minute: the first refusal was under a minute ago.
        assert await bot.command(COORD_GROUP, STRANGER, "remind") == ""
        services(bot.application).clock_offset += timedelta(minutes=1)
        assert "只有管理员和协调员" in await bot.command(COORD_GROUP, STRANGER, "remind")


async def test_chats_lists_bound_chats_and_departments_without_a_chat(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        await bot.command(ENERGY_GROUP, ADMIN, "bind", "省能源局；省自然资源厅")
        answer = await bot.command(private_chat(ADMIN), ADMIN, "chats")
        assert "省水利厅 督办群: 省水利厅" in answer
        assert "省能源局、省自然资源厅" in answer
        unbound = answer.split("尚未绑定群</b>", 1)[1]
        assert "• 省发展改革委 — 牵头（三）（四）" in unbound and "省水利厅 —" not in unbound
        assert "省自然资源厅 —" not in unbound and "省能源局 —" not in unbound
        # A group of units is reached through its members' chats, and says so.
        group = "• 相关市人民政府（单位组，需绑定其成员单位的群）"
        assert f"{group} — 负责（二十）（二十二）；配合（八）" in unbound


async def test_measures_lists_the_chat_departments_measures_with_roles(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(ENERGY_GROUP, ADMIN, "bind", "省能源局；省自然资源厅")
        answer = await bot.command(ENERGY_GROUP, LIAISON_WATER, "measures")
        assert listed_labels(answer) == expected_labels(bot, ["省能源局", "省自然资源厅"])
        assert "（六）加快构建现代能源体系 · 牵头" in answer
        assert "· 配合" in answer
        by_name = await bot.command(private_chat(ADMIN), ADMIN, "measures", "水利厅")
        assert listed_labels(by_name) == expected_labels(bot, ["省水利厅"])
        assert "绑定" in await bot.command(UNBOUND_GROUP, STRANGER, "measures")
        refused = await bot.command(ENERGY_GROUP, STRANGER, "measures", "省水利厅")
        # A liaison naming another department sees their own chat's measures instead.
        assert listed_labels(refused) == expected_labels(bot, ["省能源局", "省自然资源厅"])


async def test_every_answer_to_an_outsized_argument_fits_in_one_message(tmp_path):
    """5,000 characters, 300 unknown names: short answers that repeat enough to recognise
    what was typed, never a message Telegram would refuse."""
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        wall = "水" * 5000
        names = "；".join(f"不存在的单位{i}" for i in range(300))
        admin = private_chat(ADMIN)
        cases = [
            (UNBOUND_GROUP, "bind", wall),
            (UNBOUND_GROUP, "bind", names),
            (WATER_GROUP, "unbind", names),
            (admin, "status", wall),
            (admin, "history", f"5 {wall}"),
            (admin, "measures", wall),
            (admin, "measures", names),
            (admin, "schedule", f"add {wall}"),
            (admin, "schedule", f"add monthly 25 09:00 to {wall}"),
            (admin, "remind", wall),
            (admin, "admin", "add 9999999999999999999"),
            (admin, "coordinator", "add -9999999999999999999"),
        ]
        for chat, command, args in cases:
            mark = len(bot.request.calls)
            await bot.send(bot.updates.command(chat, ADMIN, command, args))
            texts = bot.replies_since(mark)
            assert len(texts) == 1, (command, args[:20], len(texts))
            assert len(texts[0]) <= 1000, (command, args[:20], len(texts[0]))
            assert "出了点问题" not in texts[0], (command, texts[0])
        mark = len(bot.request.calls)
        await bot.send(bot.updates.command(UNBOUND_GROUP, ADMIN, "bind", names))
        (answer,) = bot.replies_since(mark)
        assert "不存在的单位0" in answer and "不存在的单位9" in answer
        assert "不存在的单位10 " not in answer and "另有 290 个名称没有对应的部门" in answer


async def test_a_text_too_long_for_one_message_goes_as_several(tmp_path):
    """Whatever a renderer makes, nothing over Telegram's 4,096 characters goes out."""
    from delivery import bot_api
    from messages.outgoing import Button, Outgoing

    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        long_text = "\n".join(f"<b>第{i}行</b> " + "进展" * 40 for i in range(200))
        button = Button("ok", "pg|nop")
        await bot_api.send(bot.application.bot, WATER_GROUP.id, Outgoing(long_text, ((button,),)))
        sent = bot.request.sent("sendMessage", WATER_GROUP.id)
        assert len(sent) > 1 and all(len(c.text) <= 4096 for c in sent)
        assert "".join(c.text for c in sent).count("<b>") == 200
        assert [("reply_markup" in c.params) for c in sent] == [False] * (len(sent) - 1) + [True]

