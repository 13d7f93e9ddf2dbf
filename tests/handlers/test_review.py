"""The office's review through the real bot: a coordinator returns a report (a button under
the record, or /return), the department is told and reports again; /close and /reopen a
measure; an admin sets a deadline; the leaders' chat gets the 通报. Bad input to each command
gets one short answer and writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from botapi_sim.updates import SimChat, private_chat
from coordination.admins import grant_role, set_coordinators_chat
from coordination.cycle_state import missing_tasks
from coordination.cycles import open_manual_cycle
from coordination.duties import duties
from models.chats import ROLE_COORDINATOR, Chat
from models.clock import utcnow
from models.plan import Measure
from models.progress import ProgressUpdate
from models.review import MeasureClosure, ReviewAction
from models.schedules import CycleTask
from tests.conftest import (
    ADMIN,
    COORD_GROUP,
    COORDINATOR,
    DEV_GROUP,
    LIAISON_DEV,
    LIAISON_WATER,
    WATER_GROUP,
)
from tests.support.harness import BotHarness
from tests.support.liaison_data import bind, department_id, make_cycle, measure_id

REMINDER = {WATER_GROUP.id: 501, DEV_GROUP.id: 502}
LEADERS_GROUP = SimChat(id=-100_950, title="领导群")


def deployment(session) -> None:
    bind(session, WATER_GROUP.id, "省水利厅", title=WATER_GROUP.title)
    bind(session, DEV_GROUP.id, "省发展改革委", title=DEV_GROUP.title)
    make_cycle(session, deliveries=REMINDER, scope="lead")
    set_coordinators_chat(session, chat_id=COORD_GROUP.id, on=True, title=COORD_GROUP.title)
    grant_role(session, user_id=COORDINATOR.id, role=ROLE_COORDINATOR)


@pytest.fixture
async def bot(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as harness:
        harness.db.call(deployment)
        harness.request.clear()
        yield harness


def row_counts(bot: BotHarness) -> dict[str, int]:
    with bot.db.session() as session:
        return {
            table.name: session.execute(sa_select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def buttons(call: Any) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def reply(bot: BotHarness, chat, user, text: str, *, to: int) -> None:
    await bot.send(bot.updates.message(chat, user, text, reply_to=to))


async def press(bot: BotHarness, chat, user, data: str, message_id: int) -> None:
    await bot.send(bot.updates.callback_query(chat, user, data, message_id=message_id))


async def one_short_answer(bot: BotHarness, chat, user, command: str, args: str) -> str:
    """The command's one answer, checking that it wrote nothing and told nobody else."""
    before, mark = row_counts(bot), len(bot.request.calls)
    text = await bot.command(chat, user, command, args)
    sent = [c for c in bot.request.calls[mark:] if c.method == "sendMessage"]
    assert len(sent) == 1 and sent[0].chat_id == chat.id, [c.text for c in sent]
    assert len(text) < 160, text
    assert row_counts(bot) == before, f"/{command} {args} changed the database"
    return text


def task_of(bot: BotHarness, number: int, department: str) -> CycleTask:
    with bot.db.session() as session:
        return session.exec(
            select(CycleTask).where(
                CycleTask.measure_id == measure_id(session, number),
                CycleTask.department_id == department_id(session, department),
            )
        ).one()


async def test_a_button_under_the_record_returns_it_and_the_department_reports_again(bot):
    await reply(bot, DEV_GROUP, LIAISON_DEV, "（三）基站建设推进中", to=502)
    assert task_of(bot, 3, "省发展改革委").reported_at is not None

    view = await bot.command(COORD_GROUP, COORDINATOR, "status", "（三）")
    assert "省发展改革委（牵头） 🟢🔄" in view
    (returning,) = [
        b for b in buttons(bot.request.sent()[-1]) if b["callback_data"].startswith("rv:")
    ]
    assert returning["text"] == "↩️ 退回 省发展改革委 的报送"
    assert len(returning["callback_data"].encode()) <= 64
    await press(
        bot,
        COORD_GROUP,
        COORDINATOR,
        returning["callback_data"],
        bot.request.last_message_id(COORD_GROUP.id),
    )
    prompt = bot.request.sent()[-1]
    assert prompt.chat_id == COORD_GROUP.id and "请选择退回理由" in prompt.text
    reasons = {b["text"]: b["callback_data"] for b in buttons(prompt)}
    assert list(reasons) == [
        "请补充具体进展和数据",
        "请写明完成比例",
        "请说明存在问题和下步打算",
        "报送内容与该项措施不符",
    ]

    mark = len(bot.request.calls)
    await press(
        bot,
        COORD_GROUP,
        COORDINATOR,
        reasons["请写明完成比例"],
        bot.request.last_message_id(COORD_GROUP.id),
    )
    (notice,) = [c for c in bot.request.calls[mark:] if c.chat_id == DEV_GROUP.id]
    assert notice.text.startswith("<b>↩️ 报送已退回，请补报</b>")
    assert "理由：请写明完成比例" in notice.text and "（三）" in notice.text
    (done,) = [c for c in bot.request.calls[mark:] if c.method == "editMessageText"]
    assert "已退回" in done.text and "已通知该单位的群" in done.text and buttons(done) == []

    # Until a new reply, the measure counts as not reported for them: the nudge names it.
    assert task_of(bot, 3, "省发展改革委").reported_at is None
    with bot.db.session() as session:
        cycle_id = task_of(bot, 3, "省发展改革委").cycle_id
        missing = {t.measure_id for t in missing_tasks(session, cycle_id=cycle_id)}
        assert measure_id(session, 3) in missing
        (action,) = session.exec(select(ReviewAction)).all()
        assert (action.kind, action.reason_code, action.user_name) == (
            "return",
            "percent",
            "协调员 (@coord_li)",
        )
    status = await bot.command(COORD_GROUP, COORDINATOR, "status")
    assert "省发展改革委 ↩️⚪" in status

    # Pressing the same 退回 again is refused politely: it was returned already.
    mark = len(bot.request.calls)
    await press(bot, COORD_GROUP, COORDINATOR, returning["callback_data"], 1)
    (alert,) = [c for c in bot.request.calls[mark:] if c.method == "answerCallbackQuery"]
    assert alert.params["show_alert"] and "已退回" in alert.params["text"]

    # The 补报: a reply to the notice.
    await reply(
        bot,
        DEV_GROUP,
        LIAISON_DEV,
        "（三）完成60%；存在问题：用地；下一步：协调",
        to=notice.params["_result"]["message_id"],
    )
    task = task_of(bot, 3, "省发展改革委")
    assert task.reported_at is not None and task.reported_on_time is True
    status = await bot.command(COORD_GROUP, COORDINATOR, "status")
    assert "省发展改革委 🟢" in status and "↩️" not in status.split("<i>")[0]
    history = await bot.command(COORD_GROUP, COORDINATOR, "history", "3")
    assert "↩️ 协调员 (@coord_li) 退回了 省发展改革委 的报送：请写明完成比例" in history
    assert history.count("↩️") == 2  # the act, and the returned report marked as such


async def test_return_by_command_with_a_reason_and_every_bad_input(bot):
    nothing = await one_short_answer(bot, COORD_GROUP, COORDINATOR, "return", "（三） 请补充")
    assert nothing == "（三） 尚无任何单位报送，无可退回。"
    assert await one_short_answer(bot, COORD_GROUP, COORDINATOR, "return", "99 请补充") == (
        "方案中没有措施 99。"
    )
    usage = await one_short_answer(bot, COORD_GROUP, COORDINATOR, "return", "")
    assert usage.startswith("用法：/return")

    await reply(bot, DEV_GROUP, LIAISON_DEV, "（三）基站建设推进中", to=502)
    needs = await one_short_answer(bot, COORD_GROUP, COORDINATOR, "return", "（三） 省发展改革委")
    assert needs.startswith("请写明退回理由")
    answer = await bot.command(COORD_GROUP, COORDINATOR, "return", "（三） 省发展改革委 请补充数据")
    assert "已退回" in answer and "理由：请补充数据" in answer
    assert "理由：请补充数据" in bot.request.texts(DEV_GROUP.id)[-1]
    again = await one_short_answer(bot, COORD_GROUP, COORDINATOR, "return", "3 发改委 请补充")
    assert again == "省发展改革委 关于（三）的这份报送已退回。"

    # A closed measure: nothing to return any more.
    await bot.command(COORD_GROUP, COORDINATOR, "close", "（三）")
    closed = await one_short_answer(bot, COORD_GROUP, COORDINATOR, "return", "（三） 请补充")
    assert closed == "（三） 已销号；如需继续，请先用 /reopen （三） 恢复。"


async def test_several_reports_on_a_measure_need_the_department_named(bot):
    await reply(bot, DEV_GROUP, LIAISON_DEV, "（五）配合推进", to=502)
    await reply(bot, WATER_GROUP, LIAISON_WATER, "（五）主体完工", to=501)
    which = await one_short_answer(bot, COORD_GROUP, COORDINATOR, "return", "（五） 请补充")
    assert which.startswith("（五） 有多个单位报送，请写明单位：省水利厅、省发展改革委")


async def test_close_stops_the_reminders_and_reopen_brings_them_back(bot):
    answer = await bot.command(COORD_GROUP, COORDINATOR, "close", "（五） 已竣工验收")
    assert answer.startswith("🏁 <b>（五）</b>建设安全高效水利工程已于")
    assert "备注：已竣工验收" in answer
    with bot.db.session() as session:
        water = department_id(session, "省水利厅")
        assert measure_id(session, 5) not in {
            d.measure_id for d in duties(session, department_ids=[water])
        }
        cycle = open_manual_cycle(session, now=utcnow())
        tasks = session.exec(select(CycleTask).where(CycleTask.cycle_id == cycle.cycle_id)).all()
        assert measure_id(session, 5) not in {t.measure_id for t in tasks}
        session.rollback()
    status = await bot.command(COORD_GROUP, COORDINATOR, "status", "5")
    assert "进展：🏁 办结" in status and "协调员 (@coord_li)" in status
    # Closed: no 退回 button under it.
    assert not [b for b in buttons(bot.request.sent()[-1]) if b["callback_data"].startswith("rv:")]

    twice = await one_short_answer(bot, COORD_GROUP, COORDINATOR, "close", "（五）")
    assert twice.startswith("（五） 已于") and "销号" in twice
    unknown = await one_short_answer(bot, COORD_GROUP, COORDINATOR, "close", "（九十九）")
    assert unknown == "方案中没有措施 （九十九）。"

    reopened = await bot.command(COORD_GROUP, COORDINATOR, "reopen", "5")
    assert reopened.startswith("🔓 <b>（五）</b>建设安全高效水利工程已恢复跟进")
    with bot.db.session() as session:
        assert session.exec(select(MeasureClosure)).all() == []
        kinds = [a.kind for a in session.exec(select(ReviewAction).order_by(ReviewAction.id))]
        assert kinds == ["close", "reopen"]  # both kept in the history
    not_closed = await one_short_answer(bot, COORD_GROUP, COORDINATOR, "reopen", "（五）")
    assert not_closed == "（五） 未销号。"


async def test_an_admin_sets_a_deadline_and_progress_is_judged_against_it(bot):
    admin = private_chat(ADMIN)
    # A reply before the deadline is set: nothing to judge the pace against yet.
    await reply(bot, WATER_GROUP, LIAISON_WATER, "（五）推进中，完成15%", to=501)
    assert "滞后" not in bot.request.texts(WATER_GROUP.id)[-1]
    answer = await bot.command(admin, ADMIN, "deadline", "（五） 2027-06-30")
    assert answer.startswith("📅 <b>（五）</b>建设安全高效水利工程的完成时限设为 2027年6月30日")
    with bot.db.session() as session:
        five = session.get(Measure, measure_id(session, 5))
        assert five.deadline == date(2027, 6, 30) and five.deadline_text is None
    shown = await bot.command(admin, ADMIN, "deadline", "（五）")
    assert "完成时限 2027年6月30日" in shown

    # The plan is of November 2021: by now most of the time to mid-2027 has passed, so a
    # report of 20% is behind, and the acknowledgement says so as /status does.
    await reply(bot, WATER_GROUP, LIAISON_WATER, "（五）推进中，完成20%", to=501)
    ack = bot.request.texts(WATER_GROUP.id)[-1]
    assert "📉 滞后（序时进度" in ack
    status = await bot.command(COORD_GROUP, COORDINATOR, "status")
    assert "🟢📉 <b>（五）</b>" in status and "20%，序时进度" in status

    past = await one_short_answer(bot, admin, ADMIN, "deadline", "（五） 2020-01-01")
    assert past == "2020年1月1日 已过；完成时限须为今天或以后。"
    bad = await one_short_answer(bot, admin, ADMIN, "deadline", "（五） 明年")
    assert bad == "“明年”不是日期，请写作 2027-06-30。"
    unknown = await one_short_answer(bot, admin, ADMIN, "deadline", "99 2030-01-01")
    assert unknown == "方案中没有措施 99。"
    await bot.command(COORD_GROUP, COORDINATOR, "close", "（五）")
    closed = await one_short_answer(bot, admin, ADMIN, "deadline", "（五） 2030-01-01")
    assert closed.startswith("（五） 已销号")
    await bot.command(COORD_GROUP, COORDINATOR, "reopen", "（五）")
    cleared = await bot.command(admin, ADMIN, "deadline", "（五） 无")
    assert "已清除" in cleared
    with bot.db.session() as session:
        assert session.get(Measure, measure_id(session, 5)).deadline is None


async def test_the_leaders_chat_gets_the_bulletin_of_each_digest(bot):
    marked = await bot.command(LEADERS_GROUP, ADMIN, "leaders_chat")
    assert marked.startswith("本群现为领导群")
    with bot.db.session() as session:
        assert session.get(Chat, LEADERS_GROUP.id).is_leaders
    await bot.command(private_chat(ADMIN), ADMIN, "schedule", "add daily 09:00 kind digest")
    chats = await bot.command(private_chat(ADMIN), ADMIN, "chats")
    assert "<b>领导群</b>\n• 领导群" in chats
    bot.request.clear()
    await bot.job("reminder:1").run(bot.application)
    coordinators = bot.request.sent("sendDocument", COORD_GROUP.id)
    leaders = bot.request.sent("sendDocument", LEADERS_GROUP.id)
    assert len(coordinators) == 1 and len(leaders) == 1
    assert leaders[0].text.startswith("督办通报（") and leaders[0].files
    leader_texts = bot.request.texts(LEADERS_GROUP.id)
    assert leader_texts and "按时率" in leader_texts[0] and "牵头：" not in leader_texts[0]
    assert any("本轮督办进展" in t for t in bot.request.texts(COORD_GROUP.id))
    off = await bot.command(LEADERS_GROUP, ADMIN, "leaders_chat", "off")
    assert off == "本群已不再是领导群。"


async def test_bulletin_sends_the_word_document(bot):
    await bot.command(COORD_GROUP, COORDINATOR, "bulletin")
    (document,) = bot.request.sent("sendDocument", COORD_GROUP.id)
    assert document.text.startswith("督办通报（") and "期）" in document.text
    name = document.files["document"]
    assert (name[0] if isinstance(name, tuple) else "").endswith(".docx")


async def test_an_admins_start_shows_what_is_left_to_bind(bot):
    text = await bot.command(private_chat(ADMIN), ADMIN, "start")
    assert "个单位有措施但尚未绑定群" in text and "• 省交通厅 — 牵头（四）" in text
    assert "/chats 可查看全部" in text
    in_group = await bot.command(WATER_GROUP, ADMIN, "start")
    assert "尚未绑定群" not in in_group  # the start of the day is the admin's private chat


async def test_a_report_outside_a_reminder_is_returned_alone(bot):
    await reply(bot, DEV_GROUP, LIAISON_DEV, "（三）基站建设推进中", to=502)
    # 省发展改革委 supports (五): a lead-only cycle does not ask it, /report still records it.
    await bot.command(DEV_GROUP, LIAISON_DEV, "report", "（五） 配合完成征地")
    answer = await bot.command(COORD_GROUP, COORDINATOR, "return", "（五） 省发展改革委 请补充")
    assert "已退回" in answer
    with bot.db.session() as session:
        reports = session.exec(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()
        assert [(u.cycle_id is None, u.returned_at is not None) for u in reports] == [
            (False, False),  # (三), in the cycle, stands
            (True, True),  # (五), outside any reminder, returned
        ]
    assert task_of(bot, 3, "省发展改革委").reported_at is not None


async def test_each_review_command_without_its_measure_or_with_an_unknown_one_writes_nothing(bot):
    admin = private_chat(ADMIN)
    for chat, user, command in [
        (COORD_GROUP, COORDINATOR, "close"),
        (COORD_GROUP, COORDINATOR, "reopen"),
        (admin, ADMIN, "deadline"),
    ]:
        usage = await one_short_answer(bot, chat, user, command, "")
        assert usage.startswith(f"用法：/{command}"), usage
        unknown = await one_short_answer(bot, chat, user, command, "（九十九）")
        assert unknown == "方案中没有措施 （九十九）。", unknown


async def test_a_report_again_after_two_reports_and_a_return_counts_for_the_cycle(bot):
    # The second report finds the task reported: the process remembers that, and must
    # forget it when the report is returned, or the 补报 would never count.
    await reply(bot, DEV_GROUP, LIAISON_DEV, "（三）基站建设推进中", to=502)
    await reply(bot, DEV_GROUP, LIAISON_DEV, "（三）基站建设推进中，已开工一千个", to=502)
    answer = await bot.command(COORD_GROUP, COORDINATOR, "return", "（三） 省发展改革委 请补充")
    assert "已退回" in answer and task_of(bot, 3, "省发展改革委").reported_at is None
    await reply(bot, DEV_GROUP, LIAISON_DEV, "（三）完成60%", to=502)
    task = task_of(bot, 3, "省发展改革委")
    assert task.reported_at is not None and task.reported_on_time is True
