"""/dashboard and /screen in the chat: the Mini App where Telegram allows it, a one-time
browser link only in private and only for those the dashboard is open to, kiosk links that
coordinators make, list and revoke; the menu button; and the dashboard served beside the bot.
"""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlmodel import select

from botapi_sim.updates import private_chat
from coordination.weblinks import token_hash
from models.chats import ROLE_COORDINATOR, UserRole
from models.web import KioskLink, WebLoginLink
from settings import SettingsError
from tests.conftest import (
    ADMIN,
    COORD_GROUP,
    COORDINATOR,
    LIAISON_WATER,
    STRANGER,
    WATER_GROUP,
)
from tests.support.harness import BotHarness

PUBLIC = "https://duban.example.org"


def web_settings(**extra):
    return {"webapp_url": PUBLIC, "webapp_port": 0, **extra}


def grant_coordinator(session) -> None:
    session.add(UserRole(user_id=COORDINATOR.id, role=ROLE_COORDINATOR))


def buttons(bot: BotHarness, chat_id: int) -> list[dict]:
    markup = bot.request.sent("sendMessage", chat_id)[-1].params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_coordinator_in_private_gets_the_mini_app_and_a_one_time_browser_link(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], **web_settings()) as bot:
        bot.db.call(grant_coordinator)
        chat = private_chat(COORDINATOR)
        text = await bot.command(chat, COORDINATOR, "dashboard")
        assert "督办看板" in text and "10 分钟内有效" in text
        app, browser = buttons(bot, chat.id)
        assert app["web_app"] == {"url": f"{PUBLIC}/app"}
        login = urlsplit(browser["url"])
        assert f"{login.scheme}://{login.netloc}{login.path}" == f"{PUBLIC}/login"
        # The token is in the fragment, and the database holds only its hash.
        token = login.fragment
        assert len(token) >= 40 and "?" not in browser["url"]
        stored = bot.db.call(lambda s: s.exec(select(WebLoginLink)).one())
        assert stored.user_id == COORDINATOR.id and stored.token_hash == token_hash(token)
        sent = bot.request.sent("sendMessage", chat.id)[-1].params
        assert sent["link_preview_options"] == {"is_disabled": True}


async def test_a_liaison_is_recognised_by_their_groups_membership(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], **web_settings()) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        bot.request.members[WATER_GROUP.id] = {LIAISON_WATER.id}
        chat = private_chat(LIAISON_WATER)
        text = await bot.command(chat, LIAISON_WATER, "dashboard")
        assert "督办看板" in text and len(buttons(bot, chat.id)) == 2
        asked = {c.chat_id for c in bot.request.sent("getChatMember")}
        assert WATER_GROUP.id in asked


async def test_a_stranger_is_refused_politely_and_gets_no_link(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], **web_settings()) as bot:
        text = await bot.command(private_chat(STRANGER), STRANGER, "dashboard")
        assert "Sorry, the dashboard is for coordinators" in text
        assert buttons(bot, STRANGER.id) == []
        assert bot.db.call(lambda s: s.exec(select(WebLoginLink)).all()) == []


async def test_in_a_group_the_link_carries_no_secret(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], **web_settings()) as bot:
        text = await bot.command(WATER_GROUP, LIAISON_WATER, "dashboard")
        assert "私聊" in text
        (button,) = buttons(bot, WATER_GROUP.id)
        assert button["url"] == "https://t.me/duban_test_bot?start=dashboard"
        assert "web_app" not in button
        assert bot.db.call(lambda s: s.exec(select(WebLoginLink)).all()) == []
    named = tmp_path / "named"
    named.mkdir()
    async with BotHarness.open(
        named, admin_ids=[ADMIN.id], **web_settings(webapp_short_name="board")
    ) as bot:
        await bot.command(WATER_GROUP, LIAISON_WATER, "dashboard")
        assert buttons(bot, WATER_GROUP.id)[0]["url"] == "https://t.me/duban_test_bot/board"


async def test_the_groups_deep_link_answers_like_dashboard_and_not_like_start(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], **web_settings()) as bot:
        chat = private_chat(ADMIN)
        before = len(bot.request.calls)
        await bot.send(bot.updates.message(chat, ADMIN, "/start dashboard"))
        texts = bot.replies_since(before, chat.id)
        assert len(texts) == 1 and "督办看板" in texts[0]
        plain = await bot.command(chat, ADMIN, "start")
        assert "您可以使用的命令" in plain and "/dashboard —" in plain


async def test_without_webapp_url_the_commands_say_it_is_not_set_up(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        text = await bot.command(private_chat(ADMIN), ADMIN, "dashboard")
        assert "WEBAPP_URL" in text
        assert "WEBAPP_URL" in await bot.command(private_chat(ADMIN), ADMIN, "screen")
        helped = await bot.command(private_chat(ADMIN), ADMIN, "help")
        assert "/dashboard" not in helped
        assert bot.request.sent("setChatMenuButton") == []


async def test_help_and_menus_offer_the_dashboard_and_the_menu_button_opens_it(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], **web_settings()) as bot:
        (menu,) = bot.request.sent("setChatMenuButton")
        assert menu.params["menu_button"]["type"] == "web_app"
        assert menu.params["menu_button"]["web_app"] == {"url": f"{PUBLIC}/app"}
        helped = await bot.command(private_chat(ADMIN), ADMIN, "help")
        assert "/dashboard" in helped and "/screen" in helped
        private_menus = [
            c for c in bot.request.sent("setMyCommands")
            if c.params["scope"]["type"] == "all_private_chats"
        ]
        assert all(
            {"dashboard", "screen"} <= {x["command"] for x in c.params["commands"]}
            for c in private_menus
        )


async def test_an_http_address_gets_no_mini_app_button_but_still_a_login_link(tmp_path):
    async with BotHarness.open(
        tmp_path, admin_ids=[ADMIN.id], **web_settings(webapp_url="http://10.0.0.5:8080")
    ) as bot:
        assert bot.request.sent("setChatMenuButton") == []
        await bot.command(private_chat(ADMIN), ADMIN, "dashboard")
        (only,) = buttons(bot, ADMIN.id)
        assert only["url"].startswith("http://10.0.0.5:8080/login#")


async def test_coordinators_make_list_and_revoke_kiosk_links(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], **web_settings()) as bot:
        await bot.command(COORD_GROUP, ADMIN, "coordinators_chat")
        made = await bot.command(COORD_GROUP, COORDINATOR, "screen", "会议室<b>大屏</b>")
        url = re.search(r'href="([^"]+)"', made).group(1)
        assert url.startswith(f"{PUBLIC}/kiosk/")
        assert "会议室&lt;b&gt;大屏&lt;/b&gt;" in made
        # The link is the key: Telegram must not fetch it for a preview.
        answer = bot.request.sent("sendMessage", COORD_GROUP.id)[-1]
        assert answer.params["link_preview_options"] == {"is_disabled": True}
        kiosk = bot.db.call(lambda s: s.exec(select(KioskLink)).one())
        assert kiosk.token_hash == token_hash(url.rsplit("/", 1)[1])
        listed = await bot.command(COORD_GROUP, COORDINATOR, "screen", "list")
        assert f"#{kiosk.id} 会议室&lt;b&gt;大屏&lt;/b&gt;" in listed and "尚未打开" in listed
        assert url not in listed  # the token is shown once, when made
        revoked = await bot.command(COORD_GROUP, COORDINATOR, "screen", f"revoke {kiosk.id}")
        assert "已撤销" in revoked
        assert "用法" in await bot.command(COORD_GROUP, COORDINATOR, "screen", "revoke me")


async def test_screen_is_for_coordinators_in_their_chat_or_in_private(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], **web_settings()) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        refused = await bot.command(WATER_GROUP, LIAISON_WATER, "screen")
        assert "仅供督办协调人员使用" in refused
        elsewhere = await bot.command(WATER_GROUP, ADMIN, "screen")
        assert "请在督办协调群或与我的私聊中使用" in elsewhere
        assert bot.db.call(lambda s: s.exec(select(KioskLink)).all()) == []


async def test_the_bot_serves_the_dashboard_while_it_runs(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], **web_settings()) as bot:
        server = bot.application.bot_data["webapp_server"]
        async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{server.port}/overview"
        ) as response:
            assert response.status == 401
            assert "请从 Telegram 打开督办看板" in await response.text()
        port = server.port
    assert "webapp_server" not in bot.application.bot_data
    async with aiohttp.ClientSession() as http:
        try:
            async with http.get(f"http://127.0.0.1:{port}/overview") as response:
                raise AssertionError(f"still serving: {response.status}")
        except aiohttp.ClientConnectionError:
            pass


async def test_a_port_in_use_stops_the_bot_with_a_clear_message(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        with pytest.raises(SettingsError, match=f"cannot listen on 127.0.0.1:{port}"):
            async with BotHarness.open(
                tmp_path, admin_ids=[ADMIN.id], **web_settings(webapp_port=port)
            ):
                pass
    finally:
        taken.close()
