"""Drive the real Application with update JSON, a real database and no network.

    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.send(bot.updates.command(group, ADMIN, "bind", "省水利厅"))
        assert "省水利厅" in bot.request.texts(group.id)[-1]

Outgoing Bot API calls are caught by `RecordingRequest` below the `Bot`.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from botapi_sim.recording import RecordingRequest
from botapi_sim.updates import SimChat, SimUser, UpdateFactory
from delivery.worker import outbox
from intake import answers_of, inbox_of
from models.db import Database, create_schema

TEST_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def test_database_url(tmp_path: Path) -> str:
    """A real SQLite file in `tmp_path`, or the PostgreSQL of TEST_DATABASE_URL when set.

    On PostgreSQL each pytest process works in a schema of its own (tests/support/pg_database.py).
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    if url.startswith("postgres"):
        from tests.support.pg_database import process_schema_url

        return process_schema_url(url)
    return url


test_database_url.__test__ = False  # type: ignore[attr-defined]  (a helper, not a test)


def fresh_database(url: str) -> Database:
    """A database with an empty schema (PostgreSQL: every table emptied, ids from 1)."""
    db = Database.from_url(url)
    if db.engine.dialect.name == "postgresql":
        from tests.support.pg_database import reset_tables

        reset_tables(db.engine)
        return db
    create_schema(db.engine)
    return db


@dataclass
class BotHarness:
    application: Application[Any, Any, Any, Any, Any, Any]
    request: RecordingRequest
    db: Database
    updates: UpdateFactory

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        tmp_path: Path,
        *,
        admin_ids: list[int] | None = None,
        import_plan: bool = True,
        locale: str = "zh_CN",
        db: Database | None = None,
        start: bool = True,
        **settings_overrides: Any,
    ) -> AsyncIterator[BotHarness]:
        from assembly import build_application, ensure_bundled_plan
        from settings import load_settings

        url = test_database_url(tmp_path)
        own_db = db is None
        if db is None:
            db = fresh_database(url)
            if import_plan:
                ensure_bundled_plan(db)
        settings = load_settings(
            _env_file=None,
            telegram_bot_token=TEST_TOKEN,
            database_url=url,
            admin_ids=admin_ids or [],
            bot_locale=locale,
            **settings_overrides,
        )
        request = RecordingRequest()
        application = build_application(
            settings,
            db,
            token=TEST_TOKEN,
            request=request,
            rate_limit=False,
            instance=f"test-{uuid.uuid4().hex[:6]}",
        )
        # Keep the database open across applications that share it (restart tests).
        application.post_shutdown = None  # type: ignore[assignment]
        harness = cls(application, request, db, UpdateFactory())
        async with application:
            if start:
                await application.post_init(application)  # type: ignore[misc]
                await application.start()
                await harness.outbox_drained()  # what was owed at start has gone out
            try:
                yield harness
            finally:
                if start:
                    await application.stop()
                    # As run_polling does after stopping (the dashboard stops there).
                    if application.post_stop is not None:
                        await application.post_stop(application)
        if own_db:
            db.dispose()

    async def send(self, update: dict[str, Any]) -> None:
        """Process one update as a receiver would, then wait for its answers (sent off the
        chat's lane) and for the outbox to send what is due (a /remind is answered before its
        fan-out; a test reads the outcome once the worker has settled)."""
        await self.application.process_update(Update.de_json(update, self.application.bot))
        await answers_of(self.application).drained()
        await self.outbox_drained()

    async def outbox_drained(self) -> None:
        """Wait until the outbox worker has sent (and recorded) everything due."""
        await outbox(self.application).drain()

    async def accept(self, *updates: dict[str, Any], wait: bool = True) -> None:
        """Hand updates to the inbox as a receiver does (all at once, as a batch of
        getUpdates or concurrent webhook POSTs), then wait until every one was handled."""
        inbox = inbox_of(self.application)
        await asyncio.gather(*(inbox.accept_update(update) for update in updates))
        if wait:
            await self.settled()

    async def settled(self, timeout: float = 20.0) -> None:
        """Wait until the inbox holds nothing that is not yet handled and marked done, the
        answers are out and the outbox has sent what is due."""
        inbox = inbox_of(self.application)
        deadline = asyncio.get_running_loop().time() + timeout
        while inbox.held:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"updates still being handled: {sorted(inbox.held)}")
            await asyncio.sleep(0.005)
        await asyncio.wait_for(answers_of(self.application).drained(), timeout)
        await asyncio.wait_for(self.outbox_drained(), timeout)

    async def command(self, chat: SimChat, user: SimUser, name: str, args: str = "") -> str:
        """Send `/name args` and return the text of the last message the bot sent to `chat`."""
        before = len(self.request.calls)
        await self.send(self.updates.command(chat, user, name, args))
        replies = [
            c.text
            for c in self.request.calls[before:]
            if c.chat_id == chat.id
            and c.method in {"sendMessage", "editMessageText", "sendDocument", "sendPhoto"}
        ]
        return replies[-1] if replies else ""

    def replies_since(self, mark: int, chat_id: int | None = None) -> list[str]:
        return [
            c.text
            for c in self.request.calls[mark:]
            if c.method in {"sendMessage", "editMessageText"}
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def job(self, name: str) -> Any:
        jobs = self.application.job_queue.get_jobs_by_name(name)  # type: ignore[union-attr]
        assert jobs, f"no job named {name!r}; have {[j.name for j in self.jobs()]}"
        return jobs[0]

    def jobs(self) -> list[Any]:
        return list(self.application.job_queue.jobs())  # type: ignore[union-attr]
