"""Message records as Bot API calls, caught below the `Bot`: link and Mini App buttons beside
the callback ones, a secret link never previewed, and the dashboard's questions to Telegram
(who is in a chat, a file's bytes, the menu button)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from botapi_sim.recording import RecordingRequest
from delivery import bot_api
from messages.outgoing import BUTTON_APP, BUTTON_LINK, Button, Outgoing, button_rows
from tests.support.harness import TEST_TOKEN


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    async with Bot(TEST_TOKEN, request=RecordingRequest()) as bot:
        yield bot


def recorded(bot: Bot) -> RecordingRequest:
    request = bot.request
    assert isinstance(request, RecordingRequest)
    return request


async def test_each_kind_of_button_becomes_its_kind_of_inline_button(bot) -> None:
    rows = button_rows(
        [
            [Button("◀", "page|1"), Button("📊", "https://duban.example.org/app", BUTTON_APP)],
            [Button("🖥", "https://duban.example.org/login#secret", BUTTON_LINK)],
        ]
    )
    await bot_api.send(bot, 42, Outgoing("看板", rows))
    (call,) = recorded(bot).sent("sendMessage", 42)
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    assert keyboard == [
        [
            {"text": "◀", "callback_data": "page|1"},
            {"text": "📊", "web_app": {"url": "https://duban.example.org/app"}},
        ],
        [{"text": "🖥", "url": "https://duban.example.org/login#secret"}],
    ]
    assert "link_preview_options" not in call.params  # only when a message asks


async def test_a_secret_link_is_never_previewed_sent_or_replied(bot) -> None:
    secret = Outgoing('<a href="https://x.example/kiosk/t">k</a>', link_preview=False)
    await bot_api.send(bot, 42, secret, reply_to=7)
    (call,) = recorded(bot).sent("sendMessage", 42)
    assert call.params["link_preview_options"] == {"is_disabled": True}


async def test_membership_as_telegram_answers_it(bot) -> None:
    request = recorded(bot)
    request.members[-100] = {5}
    assert await bot_api.is_member(bot, -100, 5) is True
    assert await bot_api.is_member(bot, -100, 6) is False  # "left"
    request.fail_next("getChatMember", 400, "Bad Request: chat not found")
    assert await bot_api.is_member(bot, -100, 5) is False  # no such chat: no role there
    request.fail_next("getChatMember", 502, "Bad Gateway")
    assert await bot_api.is_member(bot, -100, 5) is None  # Telegram could not say


async def test_the_menu_button_opens_the_mini_app(bot) -> None:
    await bot_api.set_app_menu_button(bot, "看板", "https://duban.example.org/app")
    (call,) = recorded(bot).sent("setChatMenuButton")
    assert call.params["menu_button"] == {
        "type": "web_app",
        "text": "看板",
        "web_app": {"url": "https://duban.example.org/app"},
    }


async def test_a_file_telegram_will_not_hand_over_is_none_not_an_error(bot) -> None:
    recorded(bot).fail_next("getFile", 400, "Bad Request: file is too big")
    assert await bot_api.download(bot, "AgACAgIAAx") is None
