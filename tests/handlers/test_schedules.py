"""A whole cycle from the admin side: bind chats, add a schedule, the job fires, nudges go
only to chats missing measures, the digest names the overdue, a restart sends nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from botapi_sim.updates import private_chat
from delivery.jobs import run_tick
from models.schedules import Cycle, Delivery, ReminderSchedule
from tests.conftest import ADMIN, COORD_GROUP, DEV_GROUP, ENERGY_GROUP, WATER_GROUP
from tests.support.cycle_helpers import (
    expected_labels,
    listed_labels,
    report_all,
    shared_database,
    travel,
)
from tests.support.harness import BotHarness

FIRE = datetime(2026, 12, 25, 1, 0, 20)  # Friday 25 December 09:00 in Shanghai, as UTC
GROUPS = {
    WATER_GROUP.id: ["省水利厅"],
    DEV_GROUP.id: ["省发展改革委"],
    ENERGY_GROUP.id: ["省能源局", "省自然资源厅"],
}


async def setup(bot) -> None:
    await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
    await bot.command(DEV_GROUP, ADMIN, "bind", "发改委")  # an alias
    await bot.command(ENERGY_GROUP, ADMIN, "bind", "省能源局；省自然资源厅")
    await bot.command(COORD_GROUP, ADMIN, "coordinators_chat")
    answer = await bot.command(private_chat(ADMIN), ADMIN, "schedule", "add monthly 25 09:00")
    assert "2026年12月25日周五 09:00" in answer and "2027年1月25日周一 09:00" in answer


def message_counts(bot) -> dict[int, int]:
    return {chat: len(bot.request.texts(chat)) for chat in GROUPS}


async def test_whole_cycle_reminders_nudges_overdue_digest_and_restart(tmp_path):
    db = shared_database(tmp_path)
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], db=db) as bot:
        await setup(bot)
        bot.request.clear()
        travel(bot, FIRE)
        await bot.job("reminder:1").run(bot.application)

        # Each chat: exactly one reminder listing exactly its departments' measures.
        for chat_id, names in GROUPS.items():
            texts = bot.request.texts(chat_id)
            assert len(texts) == 1, texts
            assert listed_labels(texts[0]) == expected_labels(bot, names)
            for name in names:
                assert f"<b>{name}</b>" in texts[0]
            assert "2026年12月28日周一 09:00" in texts[0]  # the deadline, three days later
            assert "回复本条消息" in texts[0]
        with bot.db.session() as session:
            (cycle,) = session.exec(select(Cycle)).all()
            deliveries = session.exec(select(Delivery)).all()
        assert cycle.key == "s1:2026-12-25T01:00:00Z"
        assert {d.chat_id for d in deliveries} == set(GROUPS)
        assert all(d.status == "sent" and d.message_id for d in deliveries)

        # The job firing again (another process, a retry) opens nothing new.
        await bot.job("reminder:1").run(bot.application)
        assert message_counts(bot) == {chat: 1 for chat in GROUPS}

        # Water reports everything; the others do not. The nudge goes to those two only.
        assert (
            report_all(bot, cycle_id=cycle.id, department="省水利厅", chat_id=WATER_GROUP.id) == 2
        )
        travel(bot, cycle.nudge_at + timedelta(minutes=1))
        await run_tick(bot.application)
        await run_tick(bot.application)
        assert len(bot.request.texts(WATER_GROUP.id)) == 1
        for chat_id in (DEV_GROUP.id, ENERGY_GROUP.id):
            texts = bot.request.texts(chat_id)
            assert len(texts) == 2
            assert "尚未报送" in texts[1]
            assert listed_labels(texts[1]) == expected_labels(bot, GROUPS[chat_id])

        # After the deadline: one digest to the coordinators naming who is overdue.
        travel(bot, cycle.due_at + timedelta(minutes=1))
        await run_tick(bot.application)
        await run_tick(bot.application)
        (digest,) = bot.request.texts(COORD_GROUP.id)
        assert "省发展改革委" in digest and "省自然资源厅" in digest and "省能源局" in digest
        assert "省水利厅" not in digest
        assert "逾期" in digest
        sent_before = len(bot.request.sent("sendMessage"))

    # A new Application on the same database, at the same moment: nothing is sent twice.
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], db=db, start=False) as again:
        travel(again, cycle.due_at + timedelta(minutes=2))
        await again.application.post_init(again.application)
        await run_tick(again.application)
        # Its job firing for the same 25 December slot finds the cycle already open.
        travel(again, FIRE + timedelta(minutes=1))
        await again.job("reminder:1").run(again.application)
        assert again.request.sent("sendMessage") == []
    assert sent_before == 3 + 2 + 1


async def test_a_cycle_missed_while_the_bot_was_down_is_sent_once_at_start(tmp_path):
    db = shared_database(tmp_path)
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], db=db) as bot:
        await setup(bot)
    for _start in range(2):
        async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], db=db, start=False) as later:
            # The bot was down on 25 December 09:00 and starts two hours later.
            travel(later, FIRE + timedelta(hours=2))
            await later.application.post_init(later.application)
            await later.outbox_drained()  # the outbox sends what start-up found owed
            counts = message_counts(later)
            if _start == 0:
                assert counts == {chat: 1 for chat in GROUPS}
            else:
                assert counts == {chat: 0 for chat in GROUPS}
    with bot.db.session() as session:
        assert len(session.exec(select(Cycle)).all()) == 1


async def test_a_missed_cycle_whose_window_closed_is_not_sent(tmp_path):
    db = shared_database(tmp_path)
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], db=db) as bot:
        await setup(bot)
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], db=db, start=False) as later:
        travel(later, FIRE + timedelta(days=4))
        await later.application.post_init(later.application)
        await later.outbox_drained()
        assert later.request.sent("sendMessage") == []


async def test_a_digest_schedule_posts_to_the_coordinators_chat(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await setup(bot)
        answer = await bot.command(
            private_chat(ADMIN), ADMIN, "schedule", "add weekly fri 17:00 kind digest"
        )
        assert "通报" in answer
        bot.request.clear()
        travel(bot, datetime(2026, 12, 25, 9, 0, 10))
        await bot.job("reminder:2").run(bot.application)
        texts = bot.request.texts(COORD_GROUP.id)
        assert texts and all(t.strip() for t in texts)
        assert all(bot.request.texts(chat) == [] for chat in GROUPS)


async def test_schedule_pause_resume_delete_update_the_database_and_the_job(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await setup(bot)
        admin = private_chat(ADMIN)
        assert "已暂停" in await bot.command(admin, ADMIN, "schedule", "pause 1")
        assert bot.application.job_queue.get_jobs_by_name("reminder:1") == ()
        listing = await bot.command(admin, ADMIN, "schedule", "list")
        assert "#1" in listing and "已暂停" in listing
        assert "已恢复" in await bot.command(admin, ADMIN, "schedule", "resume #1")
        assert len(bot.application.job_queue.get_jobs_by_name("reminder:1")) == 1
        assert "没有编号为 #7" in await bot.command(admin, ADMIN, "schedule", "pause 7")
        assert "已删除" in await bot.command(admin, ADMIN, "schedule", "delete 1")
        assert bot.application.job_queue.get_jobs_by_name("reminder:1") == ()
        with bot.db.session() as session:
            assert session.exec(select(ReminderSchedule)).all() == []


async def test_bad_schedule_input_gets_a_clear_message_and_adds_nothing(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        admin = private_chat(ADMIN)
        cases = {
            "add weekly funday 09:00": "无法识别的星期：funday",
            "add monthly 25 25:61": "时间无效：25:61",
            'add cron "0 9 25 *"': "cron 表达式无效",
            "add monthly 25 09:00 due 0d": "回复期限须为 1 到 60 天",
            "add monthly 25 09:00 to 水力厅": "您是否指：省水利厅",
            "add monthly 25 09:00 to 相关市人民政府": "是一组部门",
            "explode": "无法识别的 /schedule 操作",
        }
        for args, expected in cases.items():
            answer = await bot.command(admin, ADMIN, "schedule", args)
            assert expected in answer, (args, answer)
        with bot.db.session() as session:
            assert session.exec(select(ReminderSchedule)).all() == []
        assert bot.application.job_queue.get_jobs_by_name("reminder:1") == ()


async def test_more_than_once_a_day_is_refused_unless_an_admin_forces_it(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        admin = private_chat(ADMIN)
        refused = await bot.command(admin, ADMIN, "schedule", 'add cron "0 * * * *"')
        assert "每天会发送 24 次" in refused and "--force" in refused
        never = await bot.command(admin, ADMIN, "schedule", 'add cron "*/10 * * * *" --force')
        assert "不能短于一小时" in never
        with bot.db.session() as session:
            assert session.exec(select(ReminderSchedule)).all() == []
        forced = await bot.command(admin, ADMIN, "schedule", 'add cron "0 9,15 * * 1-5" --force')
        assert "已添加" in forced and "⚠️ 已强制添加：此计划每天发送 2 次" in forced
        with bot.db.session() as session:
            (row,) = session.exec(select(ReminderSchedule)).all()
            assert row.cron == "0 9,15 * * 1-5"
        # Digits of other scripts are no cron digits; full-width ones are read as typed.
        arabic_nine = await bot.command(admin, ADMIN, "schedule", 'add cron "0 ٩ 1 * *"')
        assert "cron 表达式无效" in arabic_nine
        assert "已添加" in await bot.command(admin, ADMIN, "schedule", "add monthly ２５ ０９:００")


async def test_monthly_31_fires_on_the_last_day_of_short_months_and_says_so(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        travel(bot, datetime(2026, 11, 2))
        answer = await bot.command(private_chat(ADMIN), ADMIN, "schedule", "add monthly 31 09:00")
        assert "不足 31 天的月份：在当月最后一天发送" in answer
        # November has 30 days: its reminder comes on the 30th (a Monday), not in December.
        assert "2026年11月30日周一 09:00" in answer and "2026年12月31日周四 09:00" in answer
        listed = await bot.command(private_chat(ADMIN), ADMIN, "schedule", "list")
        assert "不足 31 天的月份" in listed


async def test_holiday_shift_is_shown_and_can_be_turned_off(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        admin = private_chat(ADMIN)
        travel(bot, datetime(2027, 1, 1))  # the calendar may not cover 2027: weekends only
        answer = await bot.command(admin, ADMIN, "schedule", "add monthly 1 09:00")
        assert "顺延" in answer
        travel(bot, datetime(2026, 9, 2))
        answer = await bot.command(admin, ADMIN, "schedule", "add monthly 1 09:00")
        # 1 October is National Day: the first firing moves to Thursday 8 October.
        assert "2026年10月8日周四 09:00" in answer
        answer = await bot.command(admin, ADMIN, "schedule", "add monthly 1 09:00 noholiday")
        assert "2026年10月1日周四 09:00" in answer and "节假日照常发送" in answer


def teardown_module() -> None:
    """Shared databases are small SQLite files in tmp_path; nothing to clean here."""


async def test_scope_lead_and_to_department_reach_only_that_departments_leads(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await setup(bot)
        answer = await bot.command(
            private_chat(ADMIN),
            ADMIN,
            "schedule",
            "add weekly fri 09:00 scope lead to 省发展改革委",
        )
        assert "仅牵头单位" in answer and "省发展改革委" in answer
        bot.request.clear()
        travel(bot, FIRE)
        await bot.job("reminder:2").run(bot.application)
        assert bot.request.texts(WATER_GROUP.id) == []
        assert bot.request.texts(ENERGY_GROUP.id) == []
        (text,) = bot.request.texts(DEV_GROUP.id)
        assert "配合" not in text and listed_labels(text) == ["（三）", "（四）", "（十九）"]


async def test_the_running_job_is_due_at_the_next_shifted_fire_time(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        travel(bot, datetime(2026, 9, 2))
        await bot.command(private_chat(ADMIN), ADMIN, "schedule", "add monthly 1 09:00")
        job = bot.job("reminder:1")
        trigger = job.job.trigger
        fire = trigger.get_next_fire_time(None, datetime(2026, 9, 2, tzinfo=trigger.zone))
        assert fire == datetime(2026, 10, 8, 9, 0, tzinfo=trigger.zone)


async def test_remind_answers_at_once_and_reports_when_the_reminders_are_out(tmp_path, monkeypatch):
    import asyncio

    from telegram import Update

    from botapi_sim.recording import RecordingRequest

    original = RecordingRequest.do_request

    async def slow_groups(self, url, method, request_data=None, *args, **kwargs):
        # Telegram takes its time with each group message (a busy server, a long fan-out).
        if url.endswith("/sendMessage") and request_data is not None:
            if int(request_data.parameters.get("chat_id", 0)) < 0:
                await asyncio.sleep(0.5)
        return await original(self, url, method, request_data, *args, **kwargs)

    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await setup(bot)
        monkeypatch.setattr(RecordingRequest, "do_request", slow_groups)
        bot.request.clear()
        admin = private_chat(ADMIN)
        remind = bot.updates.command(admin, ADMIN, "remind")
        started = asyncio.get_running_loop().time()
        await bot.application.process_update(Update.de_json(remind, bot.application.bot))
        answered_in = asyncio.get_running_loop().time() - started
        (answer,) = bot.request.texts(ADMIN.id)
        assert "正在向 3 个群发送提醒" in answer and "报告结果" in answer
        assert answered_in < 0.5  # not after the fan-out
        await bot.outbox_drained()
        answer, report = bot.request.texts(ADMIN.id)
        assert "3 个群中已送达 3 个" in report
        order = [c.chat_id for c in bot.request.sent("sendMessage")]
        assert order[0] == ADMIN.id and order[-1] == ADMIN.id
        assert sorted(order[1:-1]) == sorted(GROUPS)


async def test_the_report_and_status_tell_sent_waiting_and_failed_chats_apart(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await setup(bot)
        bot.request.fail_next(
            "sendMessage", 403, "Forbidden: bot was kicked from the group", chat_id=WATER_GROUP.id
        )
        bot.request.fail_next(
            "sendMessage",
            429,
            "Too Many Requests: retry after 40",
            retry_after=40,
            chat_id=DEV_GROUP.id,
        )
        report = await bot.command(private_chat(ADMIN), ADMIN, "remind")
        assert "3 个群中已送达 1 个" in report
        assert "1 个群正在等待 Telegram 限速解除" in report
        assert "1 个群无法送达：省水利厅 督办群（机器人已被移出）" in report
        status = await bot.command(private_chat(ADMIN), ADMIN, "status")
        assert "📨 提醒：3 个群中已送达 1 个，1 个等待限速解除，1 个无法送达" in status
        department = await bot.command(private_chat(ADMIN), ADMIN, "status", "发改委")
        assert "📨 提醒：1 个群中已送达 0 个，1 个等待限速解除" in department
        # The wait is over: the delivery goes out, and the counts say so.
        travel(bot, datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=41))
        await run_tick(bot.application)
        status = await bot.command(private_chat(ADMIN), ADMIN, "status")
        assert "📨 提醒：3 个群中已送达 2 个，1 个无法送达" in status
