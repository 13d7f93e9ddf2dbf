"""README's "Running it for real", followed step by step, from an empty folder to a reminder
answered: .env from .env.example, the doctor, the first admin via /whoami, groups, binding,
a schedule, /remind, a liaison's reply, /status, the doctor again, a backup.

The Bot API simulator (privacy mode on, as BotFather leaves it) stands in for Telegram; every
command typed here is one the guide shows.
"""

from __future__ import annotations

import re
from pathlib import Path

from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimChat, SimUser, private_chat
from tests.support.bot_process import clean_env
from tests.support.cli_process import SECRET_PART, TOKEN, finish, run_cli, start_cli
from tests.support.paths import ROOT

ME = SimUser(id=70_001, first_name="王", last_name="主任", username="wang_office")
LIAISON = SimUser(id=70_002, first_name="张", last_name="联络员")
WATER = SimChat(id=-100_500_001, title="省水利厅 督办群")
COORDINATORS = SimChat(id=-100_500_900, title="督办协调组")
GUIDE_COMMANDS = [
    "/whoami",
    "/coordinators_chat",
    "/bind 省水利厅",
    "/schedule add monthly 25 09:00",
    "/schedule list",
    "/remind",
    "python bot.py check",
    "python bot.py run",
    "bot.py db backup",
    "ADMIN_IDS=",
    "/setjoingroups",
    "/setprivacy",
]


def guide() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Running it for real", 1)[1].split("### Who does what", 1)[0]


def test_the_guide_shows_every_step_this_test_takes() -> None:
    text = guide()
    missing = [command for command in GUIDE_COMMANDS if command not in text]
    assert missing == []


async def test_from_an_empty_folder_to_a_reminder_answered(tmp_path: Path) -> None:
    office = tmp_path / "office"
    office.mkdir()
    env = clean_env()  # no variable of ours: everything comes from .env, as the guide says

    async with BotApiSimulator(token=TOKEN, privacy_mode=True) as sim:
        # Step 2: cp .env.example .env, then the token (and here: the simulator as Telegram).
        example = (ROOT / ".env.example").read_text(encoding="utf-8")
        dotenv = office / ".env"
        dotenv.write_text(
            example.replace("TELEGRAM_BOT_TOKEN=\n", f"TELEGRAM_BOT_TOKEN={TOKEN}\n").replace(
                "TELEGRAM_API_BASE_URL=https://api.telegram.org/bot\n",
                f"TELEGRAM_API_BASE_URL={sim.base_url}\n",
            ),
            encoding="utf-8",
        )
        first_check = await run_cli(["check"], office, env)
        assert first_check.code == 1, first_check.output
        assert "✗ 数据库文件" in first_check.stdout, "the database comes with the first start"
        assert "✓ Telegram 接受令牌 123456789:…saw0" in first_check.stdout

        # Step 3: first start, /whoami, ADMIN_IDS, restart. A new interpreter, as typed.
        bot = await start_cli(["run"], office, env, fresh=True)
        try:
            await sim.wait_for(lambda: sim.stats.requests["getUpdates"] >= 1, timeout=60)
            me = private_chat(ME)
            sim.add_chat(me)
            sim.user_sends(me, ME, "/whoami")
            (answer,) = await sim.wait_bot_messages(me, 1, timeout=30)
            found = re.search(r"用户 ID <code>(\d+)</code>", answer.html or "")
            assert found, answer.html
            assert "ADMIN_IDS=" in answer.text
        finally:
            stopped = await finish(bot)
        assert stopped.code == 0, stopped.stderr
        text = dotenv.read_text(encoding="utf-8")
        dotenv.write_text(text.replace("ADMIN_IDS=\n", f"ADMIN_IDS={found.group(1)}\n"), "utf-8")

        bot = await start_cli(["run"], office, env, name="bot-2")
        try:
            await sim.wait_for(lambda: sim.stats.requests["getUpdates"] >= 3, timeout=60)
            sim.user_sends(me, ME, "/whoami")
            await sim.wait_bot_messages(me, 2, timeout=30)
            assert "您在这里的角色：管理员。" in sim.bot_texts(me)[-1]

            # Step 4: the bot in the groups; the coordinators' group marked.
            sim.bot_added(COORDINATORS, by=ME)
            sim.bot_added(WATER, by=ME)
            for group in (COORDINATORS, WATER):
                (greeting,) = await sim.wait_bot_messages(group, 1, timeout=30)
                assert "/bind" in greeting.text, "the bot says how to bind it"
            await command(sim, COORDINATORS, ME, "/coordinators_chat")
            # Step 5: bind the department's group.
            bound = await command(sim, WATER, ME, "/bind 省水利厅")
            assert "省水利厅" in bound
            # Step 6: a schedule, then a cycle now.
            added = await command(sim, COORDINATORS, ME, "/schedule add monthly 25 09:00")
            assert "25" in added
            await command(sim, COORDINATORS, ME, "/schedule list")
            await command(sim, COORDINATORS, ME, "/remind")
            await sim.wait_for(lambda: any("（五）" in t for t in sim.bot_texts(WATER)), 60)
            reminder = next(m for m in sim.bot_messages(WATER) if "（五）" in m.text)
            reply_id = sim.user_sends(
                WATER, LIAISON, "（五）已完成主体工程，完成投资80%",
                reply_to_message_id=reminder.message_id,
            )
            await sim.wait_for(
                lambda: any(m.reply_to_message_id == reply_id for m in sim.bot_messages(WATER)),
                timeout=60,
            )
            status = await command(sim, COORDINATORS, ME, "/status 省水利厅")
            assert "（五）" in status and "80%" in status, status

            # The doctor, with the bot running: nothing left to fix.
            check = await run_cli(["check"], office, env)
            assert check.code == 0, check.output
            assert "没有需要修复的问题。" in check.stdout
            # Step 10: a backup while the bot runs.
            (office / "backups").mkdir()
            backup = await run_cli(["db", "backup", "backups/first.sqlite3"], office, env)
            assert backup.code == 0, backup.output
            assert "1 条进展记录" in backup.stdout
        finally:
            stopped = await finish(bot)
    assert stopped.code == 0, stopped.stderr
    assert "Traceback" not in stopped.stderr and SECRET_PART not in stopped.stderr
    assert (office / "duban.sqlite3").exists()


async def command(sim: BotApiSimulator, chat: SimChat, user: SimUser, text: str) -> str:
    """Send a command and return the bot's answer to it (the next message in the chat)."""
    before = len(sim.bot_messages(chat))
    sim.user_sends(chat, user, text)
    messages = await sim.wait_bot_messages(chat, before + 1, timeout=60)
    return messages[before].html or messages[before].text
