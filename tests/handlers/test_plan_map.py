"""/plan and /assign through the real bot: an admin sees the doubts and corrects a measure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlmodel import select

from botapi_sim.updates import private_chat
from coordination.duties import duties
from models.plan import Assignment, Department, Measure, MeasureCorrection
from planreader.importer import import_plan_file
from tests.conftest import ADMIN, COORDINATOR, LIAISON_WATER, WATER_GROUP
from tests.support.harness import BotHarness
from tests.support.liaison_data import bind
from tests.support.paths import PLANS

CORPUS = PLANS / "corpus"
ADMIN_CHAT = private_chat(ADMIN)


def roles_of(bot, label: str) -> list[tuple[str, str, bool]]:
    with bot.db.session() as session:
        measure = session.exec(select(Measure).where(Measure.label == label)).one()
        rows = session.exec(
            select(Assignment, Department)
            .join(Department, Department.id == Assignment.department_id)
            .where(Assignment.measure_id == measure.id)
            .order_by(Assignment.position)
        ).all()
        return [(d.name, a.role, a.reports_as_lead) for a, d in rows]


@asynccontextmanager
async def tiyu_bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    """The bot following a real State Council plan (one measure the reader is unsure of)."""
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], import_plan=False) as bot:
        import_plan_file(bot.db, CORPUS / "01_tiyu.txt")
        yield bot


async def test_plan_lists_the_measures_the_reader_is_unsure_of_with_the_reason(tmp_path):
    async with tiyu_bot(tmp_path) as bot:
        answer = await bot.command(ADMIN_CHAT, ADMIN, "plan")
        assert "国务院办公厅关于加快发展体育竞赛表演产业的指导意见" in answer
        assert "共 16 项措施；1 项待核对，0 项已更正。" in answer
        assert "<b>（十八）</b>持续推进“放管服”改革" in answer
        assert "“空管委办公室”仅出现一次，且不是已知单位" in answer
        assert "（四）" not in answer  # a measure read with certainty is not listed
        one = await bot.command(ADMIN_CHAT, ADMIN, "plan", "（五）")
        # The role words of the views and the reminders: nobody leads, every unit named is 负责.
        assert "牵头：无\n  负责：体育总局、北京冬奥组委" in one


async def test_assign_corrects_a_measure_and_the_reminders_follow_it(tmp_path):
    async with tiyu_bot(tmp_path) as bot:
        answer = await bot.command(
            ADMIN_CHAT, ADMIN, "assign", "（十八） 牵头 公安部 配合 工业和信息化部、交通运输部"
        )
        assert "已更正，此后提醒按新的分工发送。" in answer
        assert "牵头：公安部" in answer and "配合：工业和信息化部、交通运输部" in answer
        assert "更正前：牵头 —；配合 公安部、工业和信息化部" in answer
        assert roles_of(bot, "（十八）") == [
            ("公安部", "lead", False),
            ("工业和信息化部", "support", False),
            ("交通运输部", "support", False),
        ]
        with bot.db.session() as session:
            owed = {(d.department_name, d.label, d.responsible) for d in duties(session)}
        assert ("公安部", "（十八）", True) in owed and ("水利部", "（十八）", True) not in owed

        overview = await bot.command(ADMIN_CHAT, ADMIN, "plan")
        assert "0 项待核对，1 项已更正" in overview and "管理员已更正" in overview


async def test_assign_in_english_with_a_new_department_then_reset(tmp_path):
    async with tiyu_bot(tmp_path) as bot:
        await bot.command(ADMIN_CHAT, ADMIN, "lang", "en")
        answer = await bot.command(ADMIN_CHAT, ADMIN, "assign", "18 lead 公安部 support +民航局")
        assert "Corrected. The reminders follow the new map from now on." in answer
        assert "New departments: 民航局" in answer and "Support: 民航局" in answer
        with bot.db.session() as session:
            assert session.exec(select(Department).where(Department.name == "民航局")).one()
        back = await bot.command(ADMIN_CHAT, ADMIN, "assign", "18 reset")
        assert "Back to what the reader made of the document." in back
        assert [name for name, _, _ in roles_of(bot, "（十八）")][:2] == [
            "公安部",
            "工业和信息化部",
        ]
        assert all(as_lead for _, _, as_lead in roles_of(bot, "（十八）"))  # no lead again
        with bot.db.session() as session:
            assert session.exec(select(MeasureCorrection)).all() == []
        again = await bot.command(ADMIN_CHAT, ADMIN, "assign", "18 reset")
        assert "was not corrected; nothing to undo" in again


async def test_bad_assignments_change_nothing_and_say_why(tmp_path):
    async with tiyu_bot(tmp_path) as bot:
        before = roles_of(bot, "（十八）")
        typo = await bot.command(ADMIN_CHAT, ADMIN, "assign", "（十八） 牵头 公安布 配合 水利部")
        assert "未作任何更改" in typo and "您是否指" in typo and "公安部" in typo
        both = await bot.command(ADMIN_CHAT, ADMIN, "assign", "（十八） 牵头 公安部 配合 公安部")
        assert "不能既牵头又配合" in both
        nowhere = await bot.command(ADMIN_CHAT, ADMIN, "assign", "（九十） 牵头 公安部")
        assert "方案中没有措施（九十）" in nowhere
        usage = await bot.command(ADMIN_CHAT, ADMIN, "assign", "（十八） 公安部")
        assert "/assign （五） 牵头 省水利厅" in usage
        html = await bot.command(ADMIN_CHAT, ADMIN, "assign", "（十八） 牵头 <b>水利&")
        assert "&lt;b&gt;水利&amp;" in html and "<b>水利" not in html
        assert roles_of(bot, "（十八）") == before
        with bot.db.session() as session:
            assert session.exec(select(MeasureCorrection)).all() == []


async def test_plan_and_assign_are_for_admins_only(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        coordinator_chat = private_chat(COORDINATOR)
        refused = await bot.command(coordinator_chat, COORDINATOR, "assign", "5 lead 省水利厅")
        assert refused == "抱歉，只有管理员可以使用 /assign。"
        refused = await bot.command(WATER_GROUP, COORDINATOR, "plan")
        assert refused == "抱歉，只有管理员可以使用 /plan。"
        # The bundled plan is read with certainty: /plan says so.
        sure = await bot.command(ADMIN_CHAT, ADMIN, "plan")
        assert "共 20 项措施；0 项待核对，0 项已更正。" in sure
        assert "各项措施的分工均已确定读取。" in sure


async def test_plan_all_is_split_into_pages_that_fit_telegram(tmp_path):
    async with tiyu_bot(tmp_path) as bot:
        mark = len(bot.request.calls)
        await bot.send(bot.updates.command(ADMIN_CHAT, ADMIN, "plan", "all"))
        pages = bot.replies_since(mark, ADMIN_CHAT.id)
        assert all(len(page) <= 4096 for page in pages)
        text = "\n".join(pages)
        assert all(f"（{n}）" in text for n in ("四", "十", "十九"))


async def test_measures_shows_each_measures_deadline_as_the_plan_sets_it(tmp_path):
    municipal = PLANS / "municipal-arabic-labelled.txt"
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], import_plan=False) as bot:
        import_plan_file(bot.db, municipal)
        bot.db.call(lambda s: bind(s, WATER_GROUP.id, "市市场监管局", title=WATER_GROUP.title))
        answer = await bot.command(WATER_GROUP, LIAISON_WATER, "measures")
        assert "3. 规范中介服务 · 配合 · 完成时限：长期坚持" in answer
        assert "4. 降低市场主体准入成本 · 牵头 · 完成时限：每年" in answer
        one = await bot.command(ADMIN_CHAT, ADMIN, "plan", "6")
        assert "完成时限：2025年6月30日（2025年6月底前）" in one


async def test_the_reminder_a_group_gets_names_each_measures_deadline(tmp_path):
    municipal = PLANS / "municipal-arabic-labelled.txt"
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], import_plan=False) as bot:
        import_plan_file(bot.db, municipal)
        await bot.command(WATER_GROUP, ADMIN, "bind", "市市场监管局")
        await bot.command(WATER_GROUP, ADMIN, "lang", "en")
        bot.request.clear()
        await bot.command(private_chat(ADMIN), ADMIN, "remind")
        (reminder,) = bot.request.sent("sendMessage", WATER_GROUP.id)
        text = reminder.params["text"]
        # A date the plan gives reads as a date; a kind without a date as the plan words it.
        assert "3. 规范中介服务 · support · Due: 长期坚持" in text
        assert "4. 降低市场主体准入成本 · lead · Due: every year" not in text
        assert "4. 降低市场主体准入成本 · lead · Due: 每年" in text


async def test_a_chinese_reminder_keeps_the_plans_own_words_for_a_dated_deadline(tmp_path):
    municipal = PLANS / "municipal-arabic-labelled.txt"
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], import_plan=False) as bot:
        import_plan_file(bot.db, municipal)
        await bot.command(WATER_GROUP, ADMIN, "bind", "市行政审批服务管理局")
        bot.request.clear()
        await bot.command(private_chat(ADMIN), ADMIN, "remind")
        (reminder,) = bot.request.sent("sendMessage", WATER_GROUP.id)
        text = reminder.params["text"]
        assert "完成时限：2023年12月底前" in text and "完成时限：2024年底前" in text
        await bot.command(WATER_GROUP, ADMIN, "lang", "en")
        bot.request.clear()
        await bot.command(private_chat(ADMIN), ADMIN, "remind")
        (english,) = bot.request.sent("sendMessage", WATER_GROUP.id)
        assert "Due: December 31, 2023" in english.params["text"]
