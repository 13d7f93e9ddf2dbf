"""`bot.py db backup` while the bot sends a fan-out, `bot.py db restore`, and the bot goes on.

SQLite's online backup API takes a consistent snapshot while the bot writes; after a restore
the bot finishes what the snapshot had not sent yet: no chat loses its reminder.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from assembly import ensure_bundled_plan
from botapi_sim.faults import RateLimits
from botapi_sim.server import BotApiSimulator
from coordination.cycles import open_manual_cycle
from coordination.replies import IncomingReply, record_report
from models.clock import utcnow
from tests.support.bot_process import clean_env
from tests.support.cli_process import TOKEN, finish, operator_env, run_cli, start_cli
from tests.support.fault_world import bind_chats, progress_count, reminder_rows, reminders_in
from tests.support.harness import fresh_database

CHATS = 60


def statuses(path: Path) -> dict[int, str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT chat_id, status FROM delivery WHERE kind='reminder'")
        return {int(chat_id): str(status) for chat_id, status in rows}


async def test_a_backup_taken_during_a_fan_out_restores_and_the_bot_finishes_it(
    tmp_path: Path,
) -> None:
    database = tmp_path / "duban.sqlite3"
    url = f"sqlite:///{database}"
    db = fresh_database(url)
    ensure_bundled_plan(db)
    chats = bind_chats(db, CHATS)
    # A department reported before the fan-out (/report): a record the backup must keep.
    first = chats[0]
    report = IncomingReply(
        chat_id=first.chat.id, user_id=first.liaison.id, user_name="联络员", text="已完成",
        message_id=1, sent_at=utcnow(),
    )
    outcome = db.call(
        record_report, reply=report, numbers=list(range(3, 23)), now=utcnow()
    )
    reported = db.call(progress_count)
    assert reported >= 1, outcome
    assert db.call(open_manual_cycle, now=utcnow(), created_by=1001).chats == CHATS
    backup = tmp_path / "backups" / "before-noon.sqlite3"
    backup.parent.mkdir()

    async with BotApiSimulator(rate_limits=RateLimits(global_per_second=30), token=TOKEN) as sim:
        for item in chats:
            sim.add_chat(item.chat, members=[item.liaison])
        env = operator_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=sim.base_url,
            DATABASE_URL=url,
            ADMIN_IDS="1001",
            RATE_LIMIT_PER_SECOND="8",  # the fan-out takes seconds: a backup fits within it
            DELIVERY_LEASE_SECONDS="5",
            OUTBOX_TICK_SECONDS="1",
        )

        def delivered() -> int:
            return sum(1 for item in chats if reminders_in(sim, item.chat.id))

        running = await start_cli(["run"], tmp_path, env)
        try:
            await sim.wait_for(lambda: delivered() >= 5, timeout=90)
            taken = await run_cli(["db", "backup", str(backup)], tmp_path, operator_env(
                DATABASE_URL=url))
            sent_at_backup = delivered()
            assert taken.code == 0, taken.output
            assert taken.stdout.startswith(f"Backed up to {backup} (")
            assert f"{reported} progress record" in taken.stdout
            assert sent_at_backup < CHATS, "the backup was taken during the fan-out"
            await sim.wait_for(lambda: delivered() == CHATS, timeout=120)
        finally:
            outcome = await finish(running)
        assert outcome.code == 0, outcome.stderr

        in_backup = statuses(backup)
        with sqlite3.connect(backup) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert sum(1 for s in in_backup.values() if s == "sent") <= sent_at_backup

        # The database is lost; the office restores last night's… this afternoon's backup.
        refused = await run_cli(["db", "restore", str(backup)], tmp_path, operator_env(
            DATABASE_URL=url))
        expected = f"already holds 1 plan(s) and {reported} progress record(s)"
        assert expected in refused.assert_clean_failure()
        restored = await run_cli(["db", "restore", "--force", str(backup)], tmp_path,
                                 operator_env(DATABASE_URL=url))
        assert restored.code == 0, restored.output
        assert f"Restored {backup} into {database}" in restored.stdout
        assert statuses(database) == in_backup

        running = await start_cli(["run"], tmp_path, env, name="after-restore")
        try:
            await asyncio.sleep(0)
            await _wait(lambda: all(r.status == "sent" for r in db.call(reminder_rows)), 120)
        finally:
            outcome = await finish(running)
        assert outcome.code == 0, outcome.stderr
        assert db.call(progress_count) == reported, "the report from before the backup is there"
    db.dispose()

    copies = {item.chat.id: len(reminders_in(sim, item.chat.id)) for item in chats}
    assert all(n >= 1 for n in copies.values()), "no chat lost its reminder"
    for chat_id, n in copies.items():
        # A second copy only where the snapshot had not recorded the send yet.
        if in_backup[chat_id] == "sent":
            assert n == 1, chat_id


async def _wait(predicate: object, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.1)


async def test_a_backup_never_overwrites_and_a_restore_takes_only_a_bot_database(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'duban.sqlite3'}"
    db = fresh_database(url)
    ensure_bundled_plan(db)
    db.dispose()
    env = operator_env(DATABASE_URL=url)
    (tmp_path / "taken.sqlite3").write_bytes(b"precious")
    line = (await run_cli(["db", "backup", "taken.sqlite3"], tmp_path, env)).assert_clean_failure()
    assert line.startswith("taken.sqlite3 already exists")
    assert (tmp_path / "taken.sqlite3").read_bytes() == b"precious"
    no_dir = await run_cli(["db", "backup", "no/dir/b.sqlite3"], tmp_path, env)
    line = no_dir.assert_clean_failure()
    assert line == "The folder no/dir does not exist."
    (tmp_path / "notes.txt").write_text("not a database", encoding="utf-8")
    line = (await run_cli(["db", "restore", "--force", "notes.txt"], tmp_path, env)
            ).assert_clean_failure()
    assert line.startswith("notes.txt is not a backup of this bot")
    line = (await run_cli(["db", "restore", "gone.sqlite3"], tmp_path, env)).assert_clean_failure()
    assert line == "gone.sqlite3 does not exist."


async def test_a_restore_into_an_empty_database_needs_no_force(tmp_path: Path) -> None:
    db = fresh_database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    ensure_bundled_plan(db)
    db.dispose()
    env = operator_env(DATABASE_URL=f"sqlite:///{tmp_path / 'old.sqlite3'}")
    assert (await run_cli(["db", "backup", "b.sqlite3"], tmp_path, env)).code == 0
    new_env = operator_env(DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}")
    restored = await run_cli(["db", "restore", "b.sqlite3"], tmp_path, new_env)
    assert restored.code == 0, restored.output
    assert "1 plan" in restored.stdout


async def test_postgresql_gets_the_pg_dump_and_pg_restore_lines_without_the_password(
    tmp_path: Path,
) -> None:
    url = "postgresql://duban:s3cret@db.internal:5433/duban"
    env = clean_env(BOT_LOCALE="en", DATABASE_URL=url)
    dump = await run_cli(["db", "backup", "duban.dump"], tmp_path, env)
    assert dump.code == 0
    line = "pg_dump --format=custom --file=duban.dump postgresql://duban@db.internal:5433/duban"
    assert line in dump.stdout
    restore = await run_cli(["db", "restore", "duban.dump"], tmp_path, env)
    assert restore.code == 0
    assert "pg_restore --clean --if-exists --no-owner" in restore.stdout
    assert "s3cret" not in dump.output + restore.output
