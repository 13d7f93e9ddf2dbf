"""The Bot API simulator seen by a real `telegram.Bot` and a real polling `Application`."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import json
import struct
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, EndPointNotFound, Forbidden
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimChat, private_chat
from tests.conftest import LIAISON_DEV, LIAISON_WATER, WATER_GROUP

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
OTHER_GROUP = SimChat(id=-100_555, title="另一个群")


def png(width: int = 4, height: int = 3) -> bytes:
    """A valid PNG of the given size (what a chart would be)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator() as simulator:
        simulator.add_chat(WATER_GROUP, members=[LIAISON_WATER])
        simulator.add_chat(OTHER_GROUP)
        yield simulator


@pytest.fixture
async def bot(sim: BotApiSimulator) -> AsyncIterator[Bot]:
    telegram_bot = Bot(
        TOKEN,
        base_url=sim.base_url,
        base_file_url=sim.base_file_url,
        request=HTTPXRequest(read_timeout=5),
        get_updates_request=HTTPXRequest(read_timeout=5),
    )
    async with telegram_bot:
        yield telegram_bot


# --- sending --------------------------------------------------------------------------


async def test_sent_messages_are_stored_per_chat_with_increasing_ids(sim, bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("已完成", callback_data="done:5")]])
    first = await bot.send_message(
        WATER_GROUP.id, "<b>（五）</b> 请报送进展", parse_mode="HTML", reply_markup=keyboard
    )
    second = await bot.send_message(WATER_GROUP.id, "第二条")
    other = await bot.send_message(OTHER_GROUP.id, "别的群")

    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.text == "（五） 请报送进展"
    assert first.text_html == "<b>（五）</b> 请报送进展"
    assert first.reply_markup == keyboard
    assert first.chat.title == WATER_GROUP.title
    assert sim.bot_texts(WATER_GROUP) == ["（五） 请报送进展", "第二条"]
    assert sim.stats.delivered[WATER_GROUP.id] == 2
    assert [e.kind for e in sim.transcript] == ["bot_message"] * 3
    assert sim.transcript[0].buttons == ("已完成",)


async def test_unbalanced_or_unknown_html_is_refused_and_not_delivered(sim, bot) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities: can't find end tag"):
        await bot.send_message(WATER_GROUP.id, "<b>未闭合", parse_mode="HTML")
    with pytest.raises(BadRequest, match='unsupported start tag "省水利厅"'):
        await bot.send_message(WATER_GROUP.id, "<省水利厅> 已报送", parse_mode="HTML")
    # The same text without HTML parsing is fine, and escaped text is fine with it.
    await bot.send_message(WATER_GROUP.id, "<省水利厅> 已报送")
    await bot.send_message(WATER_GROUP.id, "&lt;省水利厅&gt; 已报送", parse_mode="HTML")

    assert sim.bot_texts(WATER_GROUP) == ["<省水利厅> 已报送", "<省水利厅> 已报送"]
    assert sim.stats.rejected["Bad Request: can't parse entities"] == 2
    assert sim.stats.duplicates == 1


async def test_text_limit_is_4096_characters_after_parsing(sim, bot) -> None:
    longest = "进" * 4096
    await bot.send_message(WATER_GROUP.id, f"<b>{longest}</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(WATER_GROUP.id, longest + "。")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(WATER_GROUP.id, "<b> </b>", parse_mode="HTML")
    assert len(sim.bot_messages(WATER_GROUP)) == 1


async def test_document_upload_keeps_bytes_and_file_name(sim, bot) -> None:
    ledger = "督办台账".encode() * 100
    message = await bot.send_document(
        WATER_GROUP.id,
        io.BytesIO(ledger),
        filename="台账-2026.xlsx",
        caption="<i>台账</i>",
        parse_mode="HTML",
    )
    assert message.document.file_name == "台账-2026.xlsx"
    assert message.caption == "台账"
    stored = sim.last_bot_message(WATER_GROUP)
    assert stored.file is not None and stored.file.data == ledger
    assert stored.file.file_name == "台账-2026.xlsx"
    # The bot can fetch it back like any Telegram file.
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == ledger


async def test_photo_must_be_an_image(sim, bot) -> None:
    message = await bot.send_photo(WATER_GROUP.id, png(40, 30), caption="图表")
    assert (message.photo[-1].width, message.photo[-1].height) == (40, 30)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(WATER_GROUP.id, b"not an image at all", caption="图表")
    assert [m.text for m in sim.bot_messages(WATER_GROUP)] == ["图表"]


async def test_replies_edits_and_deletes_follow_telegram(sim, bot) -> None:
    asked = await bot.send_message(WATER_GROUP.id, "请报送")
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(WATER_GROUP.id, "回复", reply_to_message_id=99)
    reply = await bot.send_message(WATER_GROUP.id, "回复", reply_to_message_id=asked.message_id)
    assert reply.reply_to_message.text == "请报送"

    edited = await bot.edit_message_text("请尽快报送", WATER_GROUP.id, asked.message_id)
    assert edited.text == "请尽快报送"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("请尽快报送", WATER_GROUP.id, asked.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", WATER_GROUP.id, 404)

    await bot.delete_message(WATER_GROUP.id, reply.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(WATER_GROUP.id, reply.message_id)
    assert sim.bot_texts(WATER_GROUP) == ["请尽快报送"]


async def test_unknown_chat_and_private_chat_rules(sim, bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(-100_999_999, "谁在？")
    sim.user_sends(private_chat(LIAISON_DEV), LIAISON_DEV, "/start")
    await bot.send_message(LIAISON_DEV.id, "你好")
    assert sim.bot_texts(LIAISON_DEV.id) == ["你好"]
    chat = await bot.get_chat(WATER_GROUP.id)
    assert chat.title == WATER_GROUP.title


async def test_command_menus_are_kept_per_scope_and_language(sim, bot) -> None:
    await bot.set_my_commands([BotCommand("status", "Status")])
    await bot.set_my_commands([BotCommand("status", "进展总览")], language_code="zh")
    scope = BotCommandScopeChat(WATER_GROUP.id)
    await bot.set_my_commands([BotCommand("report", "报送进展")], scope=scope)

    assert [c.description for c in await bot.get_my_commands(language_code="zh")] == ["进展总览"]
    assert sim.commands(scope={"type": "chat", "chat_id": WATER_GROUP.id}) == [
        {"command": "report", "description": "报送进展"}
    ]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Status-Now", "bad name")])
    with pytest.raises(BadRequest, match="Invalid language code"):
        await bot.set_my_commands([BotCommand("status", "x")], language_code="zh_CN")
    await bot.delete_my_commands(language_code="zh")
    assert await bot.get_my_commands(language_code="zh") == ()


async def test_unknown_method_is_404_and_json_form_and_multipart_params_decode(sim) -> None:
    url = f"{sim.base_url}{TOKEN}"
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{url}/sendTelepathy", json={}) as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        # A text that looks like JSON stays a text; reply_markup in a form field is decoded.
        markup = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
        form = {"chat_id": str(WATER_GROUP.id), "text": "[1]", "reply_markup": json.dumps(markup)}
        async with session.post(f"{url}/sendMessage", data=form) as response:
            body = await response.json()
            assert body["result"]["text"] == "[1]"
            assert body["result"]["reply_markup"] == markup
        async with session.post(
            f"{url}/sendMessage", json={"chat_id": WATER_GROUP.id, "text": "{}"}
        ) as response:
            assert (await response.json())["result"]["text"] == "{}"
        data = aiohttp.FormData()
        data.add_field("chat_id", str(WATER_GROUP.id))
        data.add_field("document", b"a,b\n1,2\n", filename="ledger.csv", content_type="text/csv")
        async with session.post(f"{url}/sendDocument", data=data) as response:
            assert (await response.json())["result"]["document"]["file_name"] == "ledger.csv"
    assert sim.bot_texts(WATER_GROUP) == ["[1]", "{}", ""]
    assert sim.last_bot_message(WATER_GROUP).file.data == b"a,b\n1,2\n"


async def test_endpoint_not_found_reaches_the_bot(bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})


# --- updates ----------------------------------------------------------------------------


async def test_long_poll_returns_when_a_person_writes_and_offsets_confirm(sim, bot) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await sim.wait_for(lambda: sim.stats.requests["getUpdates"] == 1)
    sent_id = sim.user_sends(WATER_GROUP, LIAISON_WATER, "（五）已完成")
    updates = await waiting
    assert [u.message.text for u in updates] == ["（五）已完成"]
    assert updates[0].message.message_id == sent_id

    # Not confirmed yet: the same update comes again.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    sim.user_sends(WATER_GROUP, LIAISON_WATER, "（六）进行中")
    after = await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    assert [u.message.text for u in after] == ["（六）进行中"]
    assert sim.pending_updates == 1
    await bot.get_updates(offset=after[-1].update_id + 1, timeout=0)
    assert sim.pending_updates == 0


async def test_a_second_poller_ends_the_first_with_conflict(sim, bot) -> None:
    from telegram.error import Conflict

    first = asyncio.create_task(bot.get_updates(timeout=5))
    await sim.wait_for(lambda: sim.stats.requests["getUpdates"] == 1)
    second = asyncio.create_task(bot.get_updates(timeout=5))
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first
    sim.user_sends(WATER_GROUP, LIAISON_WATER, "在")
    assert len(await second) == 1


async def test_allowed_updates_filter_what_polling_gets(sim, bot) -> None:
    sim.user_sends(WATER_GROUP, LIAISON_WATER, "文字")
    sim.bot_removed(OTHER_GROUP)
    updates = await bot.get_updates(timeout=0, allowed_updates=["my_chat_member"])
    assert [u.my_chat_member.chat.id for u in updates] == [OTHER_GROUP.id]


async def test_people_reply_edit_and_membership_become_updates(sim, bot) -> None:
    asked = await bot.send_message(WATER_GROUP.id, "请报送（五）")
    reply_id = sim.user_sends(
        WATER_GROUP, LIAISON_WATER, "已完成", reply_to_message_id=asked.message_id
    )
    sim.user_edits(WATER_GROUP, LIAISON_WATER, reply_id, "已完成 100%")
    photo_id = sim.user_sends(WATER_GROUP, LIAISON_WATER, photo=png(), caption="现场照片")
    sim.bot_removed(WATER_GROUP, by=LIAISON_WATER)
    updates = await bot.get_updates(timeout=0)

    message, edit, photo, removed = updates
    assert message.message.reply_to_message.message_id == asked.message_id
    assert message.message.reply_to_message.from_user.is_bot
    assert edit.edited_message.text == "已完成 100%"
    assert edit.edited_message.message_id == reply_id
    assert photo.message.message_id == photo_id and photo.message.caption == "现场照片"
    assert removed.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(WATER_GROUP.id, "还在吗")

    file = await bot.get_file(photo.message.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == png()

    sim.bot_added(WATER_GROUP, by=LIAISON_WATER)
    added = await bot.get_updates(offset=removed.update_id + 1, timeout=0)
    assert added[0].my_chat_member.new_chat_member.status == "member"
    assert added[1].message.new_chat_members[0].is_bot
    await bot.send_message(WATER_GROUP.id, "恢复了")


async def test_group_migration_moves_the_chat(sim, bot) -> None:
    basic = SimChat(id=-4_321, title="普通群", type="group")
    sim.add_chat(basic, members=[LIAISON_DEV])
    sim.migrate_group(basic, -100_4_321)
    updates = await bot.get_updates(timeout=0)
    assert updates[0].message.migrate_to_chat_id == -100_4_321
    assert updates[1].message.migrate_from_chat_id == basic.id
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(basic.id, "旧群")
    assert migrated.value.new_chat_id == -100_4_321
    message = await bot.send_message(-100_4_321, "新群")
    assert message.chat.type == "supergroup" and message.chat.title == "普通群"


async def test_webhook_receives_updates_and_blocks_polling(sim, bot) -> None:
    received: list[dict] = []

    async def hook(request: web.Request) -> web.Response:
        assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
        received.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        sim.user_sends(WATER_GROUP, LIAISON_WATER, "推送")
        await sim.wait_consumed(timeout=5)
        assert received[0]["message"]["text"] == "推送"
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        from telegram.error import Conflict

        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        with pytest.raises(BadRequest, match="Bad webhook"):
            await bot.set_webhook("https://example.org/hook")
    finally:
        await bot.delete_webhook()
        await runner.cleanup()
    assert await bot.get_updates(timeout=0) == ()


# --- a real Application polling the simulator -------------------------------------------


async def _start(text: str, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("✅ 已完成", callback_data="done:5")]])
    await update.effective_message.reply_text(text, reply_markup=keyboard)


async def test_polling_application_answers_commands_and_button_presses(sim) -> None:
    pressed: list[str] = []

    async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _start("请选择（五）的进展", update, context)

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        pressed.append(query.data)
        await query.answer("已记录")
        await query.edit_message_text(f"（五）已完成 — {query.from_user.first_name}")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        reply_to = update.message.reply_to_message
        await update.message.reply_text(f"收到回复：{reply_to.message_id if reply_to else '-'}")

    application: Application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(sim.base_url)
        .base_file_url(sim.base_file_url)
        .get_updates_read_timeout(3)
        .build()
    )
    application.add_handler(CommandHandler("report", report))
    application.add_handler(CallbackQueryHandler(on_press, pattern=r"^done:"))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with application:
        await application.start()
        await application.updater.start_polling(timeout=dtm.timedelta(seconds=1))
        try:
            sim.user_sends(WATER_GROUP, LIAISON_WATER, "/report")
            (asked,) = await sim.wait_bot_messages(WATER_GROUP, 1)
            assert asked.reply_markup["inline_keyboard"][0][0]["callback_data"] == "done:5"

            query_id = sim.user_presses(WATER_GROUP, LIAISON_WATER, asked.message_id, "done:5")
            await sim.wait_for(lambda: sim.callback_answer(query_id).answered)
            await sim.wait_for(
                lambda: sim.message(WATER_GROUP, asked.message_id).text.startswith("（五）已完成")
            )
            with pytest.raises(ValueError, match="no button"):
                sim.user_presses(WATER_GROUP, LIAISON_WATER, asked.message_id, "forged")

            sim.user_sends(
                WATER_GROUP, LIAISON_WATER, "进展顺利", reply_to_message_id=asked.message_id
            )
            await sim.wait_bot_messages(WATER_GROUP, 2)
            await sim.wait_consumed()
        finally:
            await application.updater.stop()
            await application.stop()

    assert pressed == ["done:5"]
    assert sim.callback_answer(query_id).answer_text == "已记录"
    assert sim.bot_texts(WATER_GROUP) == [
        f"（五）已完成 — {LIAISON_WATER.first_name}",
        f"收到回复：{asked.message_id}",
    ]
    assert sim.message(WATER_GROUP, asked.message_id).reply_markup is None
    kinds = [entry.kind for entry in sim.transcript]
    assert kinds == [
        "message",
        "bot_message",
        "press",
        "callback_answer",
        "bot_edit",
        "message",
        "bot_message",
    ]
    rendered = sim.render_transcript()
    assert "/report" in rendered and "✅ 已完成" in rendered and "收到回复" in rendered


async def test_wrong_token_is_unauthorized() -> None:
    from telegram.error import InvalidToken

    async with BotApiSimulator(token=TOKEN) as sim:
        async with Bot(TOKEN, base_url=sim.base_url) as good:
            assert (await good.get_me()).is_bot
        with pytest.raises(InvalidToken):
            async with Bot("42:wrong", base_url=sim.base_url):
                pass


async def test_privacy_mode_hides_plain_group_chatter_from_a_non_admin_bot() -> None:
    async with BotApiSimulator(privacy_mode=True) as sim:
        sim.add_chat(WATER_GROUP, members=[LIAISON_WATER])
        async with Bot(TOKEN, base_url=sim.base_url) as bot:
            asked = await bot.send_message(WATER_GROUP.id, "请报送（五）")
            sim.user_sends(WATER_GROUP, LIAISON_WATER, "大家好")
            sim.user_sends(
                WATER_GROUP, LIAISON_WATER, "已完成", reply_to_message_id=asked.message_id
            )
            sim.user_sends(WATER_GROUP, LIAISON_WATER, "/status@duban_test_bot")
            sim.user_sends(WATER_GROUP, LIAISON_WATER, "/status@another_bot")
            texts = [u.message.text for u in await bot.get_updates(timeout=0)]
            assert texts == ["已完成", "/status@duban_test_bot"]
            # As an administrator the bot sees everything.
            sim.bot_added(WATER_GROUP, as_admin=True)
            sim.user_sends(WATER_GROUP, LIAISON_WATER, "大家好")
            updates = await bot.get_updates(timeout=0)
            assert updates[-1].message.text == "大家好"
        assert next(e.text for e in sim.transcript if e.kind == "message") == "大家好"


async def test_page_buttons_change_with_edit_reply_markup_and_the_bot_can_leave(sim, bot) -> None:
    pages = InlineKeyboardMarkup([[InlineKeyboardButton("▶", callback_data="page:2")]])
    message = await bot.send_message(WATER_GROUP.id, "第 1/2 页", reply_markup=pages)
    back = InlineKeyboardMarkup([[InlineKeyboardButton("◀", callback_data="page:1")]])
    await bot.edit_message_reply_markup(WATER_GROUP.id, message.message_id, reply_markup=back)
    assert sim.message(WATER_GROUP, message.message_id).buttons == [
        {"text": "◀", "callback_data": "page:1"}
    ]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(WATER_GROUP.id, message.message_id, reply_markup=back)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        too_long = InlineKeyboardButton("x", callback_data="p" * 65)
        await bot.send_message(WATER_GROUP.id, "x", reply_markup=InlineKeyboardMarkup([[too_long]]))

    assert await bot.leave_chat(OTHER_GROUP.id)
    assert sim.chat_status(OTHER_GROUP) == "left"
    (left,) = await bot.get_updates(timeout=0)
    assert left.my_chat_member.new_chat_member.status == "left"
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.send_message(OTHER_GROUP.id, "还在吗")
