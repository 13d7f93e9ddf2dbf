"""Coordinators ask the bot how the cycle goes, in their chat or in private, and get the
overview, one department, one measure, the overdue list, the history, the ledger and a chart.

The real Application processes update JSON; Bot API calls are caught below the Bot.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import matplotlib.image
import pytest
from openpyxl import load_workbook

from botapi_sim.telegram_html import parse_html
from botapi_sim.updates import SimChat, SimUser, private_chat
from models.chats import ROLE_COORDINATOR, Chat, UserRole
from models.clock import utcnow
from tests.conftest import (
    ADMIN,
    COORD_GROUP,
    COORDINATOR,
    LIAISON_WATER,
    STRANGER,
    UNBOUND_GROUP,
    WATER_GROUP,
)
from tests.support.coordinator_data import NOW, build_sample
from tests.support.harness import BotHarness

ENGLISH_COORDINATOR = SimUser(id=1003, first_name="Alex", language_code="en")


def grant_english_coordinator(session) -> None:
    session.add(UserRole(user_id=ENGLISH_COORDINATOR.id, role=ROLE_COORDINATOR))


async def open_bot(tmp_path, **sample_options: Any):
    harness_cm = BotHarness.open(tmp_path, admin_ids=[ADMIN.id], import_plan=False)
    harness = await harness_cm.__aenter__()
    harness.db.call(build_sample, **sample_options)
    harness.db.call(grant_english_coordinator)
    harness.application.bot_data["services"].clock_offset = NOW - utcnow()
    harness.request.clear()
    return harness_cm, harness


@pytest.fixture
async def bot(tmp_path):
    cm, harness = await open_bot(tmp_path)
    try:
        yield harness
    finally:
        await cm.__aexit__(None, None, None)


@pytest.fixture
async def busy_bot(tmp_path):
    """Many measures and a long history: views that need pages."""
    cm, harness = await open_bot(tmp_path, extra_measures=90, history=80)
    try:
        yield harness
    finally:
        await cm.__aexit__(None, None, None)


def calls_since(bot: BotHarness, mark: int, method: str | None = None) -> list[Any]:
    return [c for c in bot.request.calls[mark:] if method is None or c.method == method]


def keyboard(call: Any) -> list[list[dict[str, Any]]]:
    markup = call.params.get("reply_markup") or {}
    return markup.get("inline_keyboard", []) if isinstance(markup, dict) else []


def uploaded(call: Any, field: str) -> bytes:
    value = call.files[field]
    if isinstance(value, tuple):  # (file name, bytes, mime type) as PTB sends multipart data
        value = value[1]
    return bytes(value)


async def test_a_coordinator_sees_the_cycle_at_a_glance_in_the_coordinators_chat(bot):
    text = await bot.command(COORD_GROUP, COORDINATOR, "status")
    assert "<b>本轮督办进展</b>" in text
    assert "6 项措施" in text
    assert "报送：🟢 按时报送 3 · 🟡 逾期报送 1 · 🔴 逾期未报 2" in text
    assert "按时率 <b>57%</b>" in text
    # Reported on time that it is blocked: both signals, side by side.
    assert "🟢⛔ <b>（七）</b>传承弘扬太行精神" in text
    assert "牵头：省文化和旅游厅 🟢⛔" in text
    parse_html(text)
    assert len(bot.request.texts(COORD_GROUP.id)) == 1  # one answer, no page buttons needed
    assert keyboard(bot.request.sent()[-1]) == []


async def test_an_admin_in_private_in_english(bot):
    text = await bot.command(private_chat(ENGLISH_COORDINATOR), ENGLISH_COORDINATOR, "status")
    assert "<b>Progress of the current cycle</b>" in text
    assert "on-time rate <b>57%</b>" in text
    assert "Lead: 省能源局 🟢🔄, 省自然资源厅 🔴" in text


async def test_department_names_and_replies_with_markup_are_escaped(bot):
    text = await bot.command(COORD_GROUP, ADMIN, "status")
    assert "科创&lt;b&gt;中心&lt;/b&gt;&amp;&lt;/a&gt; 🔴" in text
    department = await bot.command(COORD_GROUP, ADMIN, "status", "省发展改革委")
    assert "“&lt;b&gt;已完成&lt;/b&gt; &amp; 光纤 &lt;/a&gt; 覆盖全部行政村”" in department
    assert "王&lt;b&gt;伟&lt;/b&gt;" in department
    for sent in bot.request.texts(COORD_GROUP.id):
        parse_html(sent)


@pytest.mark.parametrize("token", ["5", "五", "（五）", "(5)"])
async def test_status_with_a_measure_number_shows_that_measure(bot, token):
    text = await bot.command(COORD_GROUP, COORDINATOR, "status", token)
    assert text.startswith("<b>（五）加强水利基础设施建设</b>")
    assert "牵头：省水利厅" in text and "配合：省自然资源厅" in text
    assert "进展：⚠️ 有困难 · 45%" in text
    assert "省水利厅（牵头） 🟢⚠️" in text and "⚠️ 有困难 45%" in text
    assert "<b>最近更新</b>" in text and "十月：水库开工。" in text


async def test_status_with_a_department_name_or_alias_shows_its_measures(bot):
    for name in ("省水利厅", "水利厅", "省 水利厅"):
        text = await bot.command(COORD_GROUP, COORDINATOR, "status", name)
        assert text.startswith("<b>省水利厅</b> · 1 项措施"), name
        assert "本轮：应报 1 项，已报 1 项" in text
        assert "⚠️ 有困难 45% · 11月16日 09:00 · 张水利" in text
        assert "“征地受阻，可能延期。”" in text


async def test_a_misspelt_department_gets_suggestions_that_open_it(bot):
    text = await bot.command(COORD_GROUP, COORDINATOR, "status", "水力厅")
    assert "没有名为“水力厅”的单位。您是否要找：" in text and "• 省水利厅" in text
    buttons = [b for row in keyboard(bot.request.sent()[-1]) for b in row]
    water = next(b for b in buttons if b["text"] == "省水利厅")
    assert len(water["callback_data"].encode()) <= 64
    message_id = bot.request.last_message_id(COORD_GROUP.id)
    mark = len(bot.request.calls)
    await bot.send(
        bot.updates.callback_query(
            COORD_GROUP, COORDINATOR, water["callback_data"], message_id=message_id
        )
    )
    edits = calls_since(bot, mark, "editMessageText")
    assert edits and edits[0].text.startswith("<b>省水利厅</b> · 1 项措施")
    nothing = await bot.command(COORD_GROUP, COORDINATOR, "status", "完全无关的名字")
    assert "请核对名称" in nothing


async def test_an_unknown_measure_number_is_answered_politely(bot):
    text = await bot.command(COORD_GROUP, COORDINATOR, "status", "99")
    assert text == "方案中没有措施 99。发送 /status 可查看本轮各项措施。"


async def test_numbers_no_database_can_hold_are_unknown_measures_not_errors(bot):
    huge = "99999999999999999999"
    text = await bot.command(COORD_GROUP, COORDINATOR, "status", huge)
    assert text == f"方案中没有措施 {huge}。发送 /status 可查看本轮各项措施。"
    for args in (huge, f"{huge} 省水利厅", f"省水利厅 （{huge}）"):
        text = await bot.command(COORD_GROUP, COORDINATOR, "history", args)
        assert "没有措施" in text and "出了点问题" not in text, text
    # Forged page buttons with such numbers: answered, nothing drawn, no apology.
    await bot.command(COORD_GROUP, COORDINATOR, "status")
    message_id = bot.request.last_message_id(COORD_GROUP.id)
    for data in (f"pg|sm|m={huge}|1", f"pg|st|c={huge}|1", f"pg|sd|d=-{huge}|2",
                 f"pg|st|c=1|{huge}"):
        mark = len(bot.request.calls)
        await bot.send(
            bot.updates.callback_query(COORD_GROUP, COORDINATOR, data, message_id=message_id)
        )
        assert calls_since(bot, mark, "answerCallbackQuery"), data
        assert calls_since(bot, mark, "sendMessage") == [], data  # no apology


async def test_overdue_lists_who_is_late_and_by_how_many_days(bot):
    text = await bot.command(COORD_GROUP, COORDINATOR, "overdue")
    assert "<b>逾期未报情况</b>" in text
    assert "5 项未报 · 已超过截止时间 2 天" in text
    assert "🔴 <b>省自然资源厅</b> · 2 项措施 · 逾期 2 天" in text
    assert "省交通运输厅" not in text


async def test_history_of_a_measure_for_one_department_newest_first(bot):
    text = await bot.command(COORD_GROUP, COORDINATOR, "history", "3 省发展改革委")
    assert "<b>进展记录</b>" in text and "（三）加强新型基础设施建设 · 省发展改革委" in text
    assert "共 3 条，按时间倒序" in text
    order = [text.index(s) for s in ("覆盖全部行政村", "十月：完成5G基站选址。", "九月进展")]
    assert order == sorted(order)
    swapped = await bot.command(COORD_GROUP, COORDINATOR, "history", "发改委 （三）")
    assert "共 3 条" in swapped
    usage = await bot.command(COORD_GROUP, COORDINATOR, "history")
    assert usage.startswith("用法：/history")
    parse_html(usage)


async def test_a_long_history_is_paged_and_the_buttons_turn_the_pages(busy_bot):
    bot = busy_bot
    await bot.command(COORD_GROUP, COORDINATOR, "history", "3")
    first = bot.request.sent()[-1]
    rows = keyboard(first)
    assert rows, "a long history comes with page buttons"
    labels = [b["text"] for b in rows[0]]
    total = int(labels[0].split("/")[1])
    assert total >= 3 and labels == [f"1/{total}", "▶"]
    pages = [first.text]
    message_id = bot.request.last_message_id(COORD_GROUP.id)
    current = first
    for page in range(2, total + 1):
        forward = next(b for b in keyboard(current)[0] if b["text"] == "▶")
        assert len(forward["callback_data"].encode()) <= 64
        mark = len(bot.request.calls)
        await bot.send(
            bot.updates.callback_query(
                COORD_GROUP, COORDINATOR, forward["callback_data"], message_id=message_id
            )
        )
        edit = calls_since(bot, mark, "editMessageText")[-1]
        assert [b["text"] for b in keyboard(edit)[0]][1] == f"{page}/{total}"
        pages.append(edit.text)
        current = edit
    assert keyboard(edit)[0][-1]["text"] == f"{total}/{total}"  # no ▶ on the last page
    for page_text in pages:
        assert len(page_text) <= 4096
        parse_html(page_text)
    joined = "\n".join(pages)
    for n in range(1, 81):  # every update of the long history is on some page
        assert f"编号 {n:04d} 结束" in joined
    assert pages[0].startswith("<b>进展记录</b>")


async def test_the_overview_of_a_big_cycle_is_paged_and_the_back_button_works(busy_bot):
    bot = busy_bot
    await bot.command(COORD_GROUP, COORDINATOR, "status")
    first = bot.request.sent()[-1]
    assert len(first.text) <= 4096 and keyboard(first)
    forward = keyboard(first)[0][-1]
    message_id = bot.request.last_message_id(COORD_GROUP.id)
    await bot.send(
        bot.updates.callback_query(
            COORD_GROUP, COORDINATOR, forward["callback_data"], message_id=message_id
        )
    )
    second = bot.request.sent("editMessageText")[-1]
    back = keyboard(second)[0][0]
    assert back["text"] == "◀"
    await bot.send(
        bot.updates.callback_query(
            COORD_GROUP, COORDINATOR, back["callback_data"], message_id=message_id
        )
    )
    again = bot.request.sent("editMessageText")[-1]
    assert again.text == first.text


async def test_a_page_button_pressed_by_someone_who_may_not_coordinate_shows_an_alert(busy_bot):
    bot = busy_bot
    await bot.command(COORD_GROUP, COORDINATOR, "history", "3")
    forward = keyboard(bot.request.sent()[-1])[0][-1]
    message_id = bot.request.last_message_id(COORD_GROUP.id)

    def no_longer_the_coordinators_chat(session):
        chat = session.get(Chat, COORD_GROUP.id)
        chat.is_coordinators = False
        session.add(chat)

    bot.db.call(no_longer_the_coordinators_chat)
    mark = len(bot.request.calls)
    await bot.send(
        bot.updates.callback_query(
            COORD_GROUP, STRANGER, forward["callback_data"], message_id=message_id
        )
    )
    assert calls_since(bot, mark, "editMessageText") == []
    answers = calls_since(bot, mark, "answerCallbackQuery")
    assert len(answers) == 1 and answers[0].params.get("show_alert") is True
    assert calls_since(bot, mark, "sendMessage") == []


async def test_a_forged_or_stale_button_changes_nothing(bot):
    await bot.command(COORD_GROUP, COORDINATOR, "status")
    message_id = bot.request.last_message_id(COORD_GROUP.id)
    for data in ("pg|zz|c=1|2", "pg|st|c=x|2", "pg|nop", "pg|sm|m=999|1"):
        mark = len(bot.request.calls)
        await bot.send(
            bot.updates.callback_query(COORD_GROUP, COORDINATOR, data, message_id=message_id)
        )
        assert calls_since(bot, mark, "answerCallbackQuery")
        edits = calls_since(bot, mark, "editMessageText")
        assert not edits or "该页面已失效" in edits[0].text


async def test_liaisons_and_strangers_get_one_polite_refusal(bot):
    mark = len(bot.request.calls)
    text = await bot.command(WATER_GROUP, LIAISON_WATER, "status")
    assert text == "抱歉，此功能仅供督办协调人员使用。"
    assert len(calls_since(bot, mark)) == 1
    english = await bot.command(private_chat(STRANGER), STRANGER, "export")
    assert english == "Sorry, this is for coordinators only."
    stranger_in_group = await bot.command(UNBOUND_GROUP, STRANGER, "chart")
    assert stranger_in_group == "抱歉，此功能仅供督办协调人员使用。"
    assert bot.request.sent("sendDocument") == [] and bot.request.sent("sendPhoto") == []


async def test_a_coordinator_in_a_department_group_is_pointed_elsewhere(bot):
    for command in ("status", "overdue", "export"):
        text = await bot.command(WATER_GROUP, ADMIN, command)
        assert text == "请在督办协调群或与我的私聊中使用此命令，以免打扰各单位工作群。"
    assert bot.request.sent("sendDocument") == []


async def test_a_page_button_in_private_is_refused_to_a_non_coordinator(bot):
    chat = private_chat(STRANGER)
    mark = len(bot.request.calls)
    await bot.send(bot.updates.callback_query(chat, STRANGER, "pg|st||1", message_id=77))
    answers = calls_since(bot, mark, "answerCallbackQuery")
    assert answers and answers[0].params.get("show_alert") is True
    assert "coordinators only" in answers[0].params.get("text", "")
    assert calls_since(bot, mark, "editMessageText") == []


async def test_export_sends_the_ledger_workbook(bot):
    await bot.command(COORD_GROUP, COORDINATOR, "export")
    document = bot.request.sent("sendDocument")[-1]
    assert "督办台账（截至 11月20日 12:00）：6 项措施，16 条报送记录" == document.text
    content = uploaded(document, "document")
    assert content.startswith(b"PK")
    book = load_workbook(io.BytesIO(content))
    rows = list(book["督办台账"].iter_rows(values_only=True))
    assert rows[2][:4] == ("序号", "措施", "牵头单位", "责任单位") and len(rows) == 3 + 6
    assert {"全部报送记录", "各轮汇总"} <= set(book.sheetnames)
    name = document.files["document"]
    filename = name[0] if isinstance(name, tuple) else ""
    assert re.fullmatch(r"督办台账-2026-11-20\.xlsx", filename), filename


async def test_export_csv_in_english_in_private(bot):
    await bot.command(private_chat(ENGLISH_COORDINATOR), ENGLISH_COORDINATOR, "export", "csv")
    document = bot.request.sent("sendDocument")[-1]
    content = uploaded(document, "document")
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["No.", "Measure"] and len(rows) == 1 + 6
    wrong = await bot.command(
        private_chat(ENGLISH_COORDINATOR), ENGLISH_COORDINATOR, "export", "pdf"
    )
    assert wrong.startswith("Usage: /export")


async def test_chart_sends_a_png_photo(bot):
    await bot.command(COORD_GROUP, COORDINATOR, "chart")
    photo = bot.request.sent("sendPhoto")[-1]
    content = uploaded(photo, "photo")
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = matplotlib.image.imread(io.BytesIO(content), format="png")
    assert pixels.shape[0] > 300
    assert "本轮各项措施的进展（柱）与报送（方块）" in photo.text


async def test_before_any_cycle_status_says_how_to_start(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        chat = SimChat(id=ADMIN.id, title="Admin", type="private")
        text = await bot.command(chat, ADMIN, "status")
        assert text.startswith("<b>尚未发出任何提醒</b>")
        assert re.search(r"方案共有 \d+ 项措施", text) and "/schedule" in text
        assert "/remind" in await bot.command(chat, ADMIN, "chart")
        overdue = await bot.command(chat, ADMIN, "overdue")
        assert "尚未发出任何提醒" in overdue


async def test_the_coordinators_chat_language_is_used(bot):
    def english(session):
        chat = session.get(Chat, COORD_GROUP.id)
        chat.language = "en"
        session.add(chat)

    bot.db.call(english)
    text = await bot.command(COORD_GROUP, COORDINATOR, "overdue")
    assert "5 reports missing · 2 days past the deadline" in text
