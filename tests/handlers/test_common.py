"""/start, /help, /lang and the command menus."""

from __future__ import annotations

from botapi_sim.updates import private_chat
from handlers.common import set_command_menus
from tests.conftest import ADMIN, LIAISON_WATER, STRANGER, UNBOUND_GROUP, WATER_GROUP
from tests.support.harness import BotHarness


async def test_help_shows_the_binding_and_only_the_callers_commands(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        liaison = await bot.command(WATER_GROUP, LIAISON_WATER, "help")
        assert "本群已绑定：<b>省水利厅</b>" in liaison
        assert "/measures" in liaison and "/report" in liaison
        assert "/bind" not in liaison and "/schedule" not in liaison
        admin = await bot.command(WATER_GROUP, ADMIN, "start")
        assert "/bind" in admin and "/schedule" in admin and "/remind" in admin
        stranger = await bot.command(private_chat(STRANGER), STRANGER, "help")
        # A stranger's private chat follows their Telegram language (en).
        assert "Commands you can use" in stranger and "/measures" not in stranger
        assert "/bind" not in stranger
        unbound = await bot.command(UNBOUND_GROUP, STRANGER, "help")
        assert "尚未绑定部门" in unbound


async def test_lang_switches_the_chats_language_and_is_remembered(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        assert "Language set: English." in await bot.command(WATER_GROUP, ADMIN, "lang", "en")
        assert "Sorry, only admins can use /chats." in await bot.command(
            WATER_GROUP, LIAISON_WATER, "chats"
        )
        assert "Use /lang zh or /lang en" in await bot.command(WATER_GROUP, ADMIN, "lang", "fr")
        bot.application.bot_data["services"].chat_locales.clear()  # as after a restart
        assert "English" in await bot.command(WATER_GROUP, ADMIN, "lang")
        assert "语言已设为中文" in await bot.command(WATER_GROUP, ADMIN, "lang", "zh")


async def test_command_menus_per_language_and_scope_and_a_refusal_is_survived(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        calls = bot.request.sent("setMyCommands")
        combos = {(c.params.get("language_code"), c.params["scope"]["type"]) for c in calls}
        assert combos == {
            (lang, scope)
            for lang in ("zh", "en", None)
            for scope in ("all_private_chats", "all_group_chats", "all_chat_administrators")
        }
        zh_groups = next(
            c
            for c in calls
            if c.params.get("language_code") == "zh"
            and c.params["scope"]["type"] == "all_group_chats"
        )
        names = [c["command"] for c in zh_groups.params["commands"]]
        assert "measures" in names and "bind" not in names
        assert any(c["description"] == "本群负责的措施及角色" for c in zh_groups.params["commands"])
        en_private = next(
            c
            for c in calls
            if c.params.get("language_code") == "en"
            and c.params["scope"]["type"] == "all_private_chats"
        )
        private_names = {c["command"] for c in en_private.params["commands"]}
        # A coordinator in private finds every view in the menu.
        assert {"status", "overdue", "history", "export", "chart"} <= private_names
        bot.request.clear()
        bot.request.fail_next("setMyCommands", 400, "Bad Request: BOT_COMMAND_INVALID")
        await set_command_menus(bot.application)
        assert len(bot.request.sent("setMyCommands")) == 9


async def test_whoami_gives_the_ids_a_set_up_needs_and_the_roles(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        stranger = await bot.command(private_chat(STRANGER), STRANGER, "whoami")
        assert f"user id <code>{STRANGER.id}</code>" in stranger
        assert "Your roles here: none." in stranger
        assert f"ADMIN_IDS={STRANGER.id}" in stranger, "the next step for the first admin"
        admin = await bot.command(WATER_GROUP, ADMIN, "whoami")
        assert f"聊天 ID <code>{WATER_GROUP.id}</code>" in admin
        assert "管理员" in admin and "/bind" in admin, "an unbound group: bind it next"
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        liaison = await bot.command(WATER_GROUP, LIAISON_WATER, "whoami")
        assert f"<code>{LIAISON_WATER.id}</code>" in liaison
        assert "<b>省水利厅</b>" in liaison and "联络员" in liaison
        assert f"用户 ID <code>{LIAISON_WATER.id}</code>" in liaison
        assert "ADMIN_IDS" not in liaison


async def test_start_ends_with_the_user_id_and_in_a_group_the_groups_id(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        private = await bot.command(private_chat(STRANGER), STRANGER, "start")
        assert private.endswith(f"Your user id: <code>{STRANGER.id}</code>")
        group = await bot.command(UNBOUND_GROUP, STRANGER, "start")
        assert f"<code>{STRANGER.id}</code>" in group
        assert f"<code>{UNBOUND_GROUP.id}</code>" in group
        assert str(STRANGER.id) not in await bot.command(UNBOUND_GROUP, STRANGER, "help")
