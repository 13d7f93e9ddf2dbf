"""Text from a plan or from people shows literally: `<b>`, `&` and `</a>` are never markup.

The real bot talks to the Bot API simulator, which parses HTML as Telegram does and answers
400 to malformed markup; so an unescaped name is either refused or loses its brackets.
"""

from __future__ import annotations

from pathlib import Path

from telegram import Update
from telegram.request import HTTPXRequest

from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimChat, SimUser, private_chat
from tests.support.fault_world import TOKEN
from tests.support.harness import fresh_database, test_database_url

ADMIN = SimUser(id=1001, first_name="Admin", username="admin_wang")
LIAISON = SimUser(id=2001, first_name="张<b>", last_name="&水利</a>")
GROUP = SimChat(id=-100_123_456, title="<b>测试</b> & 督办群</a>", type="supergroup")
DEPARTMENT = "省<b>&测试厅"
TITLE = "建设<b>安全</b>&高效</a>工程"
REPLY = "（一）已完成 <b>验收</b> & 结算</a>"
REPORT = "进度 <b>80%</b> & 待验</a>"

PLAN = f"""测试省人民政府办公厅文件

测政办发〔2026〕1号

测试省人民政府办公厅 关于<i>转义</i>&测试</a>的实施方案

各市人民政府，省政府各部门：

为检验转义，制定本方案。

一、重点任务

（一）{TITLE}。推进工程建设。（牵头单位：{DEPARTMENT}；责任单位：省水利厅）

（二）完善配套设施。推进配套建设。（{DEPARTMENT}牵头，省财政厅配合）
"""


async def test_names_titles_replies_and_reports_show_literally_everywhere(tmp_path: Path):
    from assembly import build_application
    from planreader.importer import import_plan_file
    from settings import load_settings

    url = test_database_url(tmp_path)
    db = fresh_database(url)
    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN, encoding="utf-8")
    import_plan_file(db, plan)

    async with BotApiSimulator(token=TOKEN) as sim:
        sim.add_chat(GROUP, members=[LIAISON], admins=[ADMIN])
        settings = load_settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            database_url=url,
            admin_ids=[ADMIN.id],
            telegram_api_base_url=sim.base_url,
            outbox_tick_seconds=0,
        )
        application = build_application(
            settings,
            db,
            token=TOKEN,
            request=HTTPXRequest(connection_pool_size=16),
            updates_request=HTTPXRequest(read_timeout=3),
        )
        admin = private_chat(ADMIN)

        async def say(chat, user, text: str, **kwargs) -> list[str]:
            """Send, wait for the bot's answer in that chat, return what it said there."""
            before = len(sim.bot_texts(chat))
            sim.user_sends(chat, user, text, **kwargs)
            await sim.wait_bot_messages(chat, before + 1, timeout=20)
            await sim.wait_quiet(quiet=0.3, timeout=20)
            return sim.bot_texts(chat)[before:]

        async with application:
            await application.post_init(application)  # type: ignore[misc]
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
            )
            await application.start()
            try:
                (bound,) = await say(GROUP, ADMIN, f"/bind {DEPARTMENT}")
                chats = await say(admin, ADMIN, "/chats")
                await say(admin, ADMIN, "/remind")
                # The group's reminder keeps its 3 s from the /bind answer there.
                reminder = (await sim.wait_bot_messages(GROUP, 2, timeout=20))[-1]
                ack = await say(GROUP, LIAISON, REPLY, reply_to_message_id=reminder.message_id)
                report_ack = await say(GROUP, LIAISON, f"/report （二） {REPORT}")
                measures = await say(GROUP, LIAISON, "/measures")
                status = await say(admin, ADMIN, f"/status {DEPARTMENT}")
                history = await say(admin, ADMIN, "/history 1")
                overview = await say(admin, ADMIN, "/status")
            finally:
                await application.updater.stop()
                await application.stop()
    db.dispose()

    assert not sim.stats.rejected, sim.stats.rejected
    assert DEPARTMENT in bound
    assert any(DEPARTMENT in text and GROUP.title in text for text in chats)
    assert DEPARTMENT in reminder.text and TITLE in reminder.text
    assert "<i>转义</i>&测试</a>" in reminder.text  # the plan's own title
    assert ack and DEPARTMENT in ack[0] and TITLE in ack[0]
    assert report_ack and DEPARTMENT in report_ack[0]
    assert any(DEPARTMENT in text and TITLE in text for text in measures)
    assert any(DEPARTMENT in text for text in status)
    assert any("<b>验收</b> & 结算</a>" in text for text in history)
    assert any(LIAISON.first_name in text for text in history), history
    assert any(TITLE in text or DEPARTMENT in text for text in overview)
    # Nothing the bot said in any chat lost a bracket to the HTML parser.
    every = [m.text for chat_id in sim.world.chats for m in sim.bot_messages(chat_id)]
    assert not any("测试厅" in text and DEPARTMENT not in text for text in every), every
