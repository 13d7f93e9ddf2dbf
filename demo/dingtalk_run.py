"""`python bot.py demo --platform dingtalk`: the same story as on Telegram, on a DingTalk
simulator of its own (Stream gateway and OpenAPI on 127.0.0.1; no account, no network).

The real bot runs as on DingTalk: the official SDK's frames over the Stream, the OpenAPI for
everything it sends, cards for buttons, files uploaded and sent after their caption.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from assembly import build_dingtalk, ensure_bundled_plan, open_database
from demo import script
from demo.dingtalk_stage import DingTalkStage
from demo.stage import ErrorCount
from dingtalk_adapter.platform import DingTalkPlatform
from dingtalk_adapter.settings import load_dingtalk_settings
from dingtalk_sim.server import DingTalkSimulator
from messages import demo as says
from messages.i18n import get_translator
from models.db import Database
from settings import load_settings

# The tick job is run by hand at the story's moments, never by the wall clock.
TICK_NEVER = 24 * 3600.0
CARD_TEMPLATE = "duban-demo-card.schema"


async def run_dingtalk_story(
    lang: str,
    folder: Path,
    write: Callable[[str], None],
    *,
    play: Callable[[Any, str, Any], Awaitable[None]],
    result: Any,
    start: datetime | None = None,
    after: Callable[[Any, Any], Awaitable[None]] | None = None,
) -> Any:
    """Start the simulator and the bot on it, play the story, call `after`, stop."""
    t = get_translator(lang)
    sim = DingTalkSimulator(card_templates=frozenset({CARD_TEMPLATE}))
    base_url = await sim.start()
    db: Database | None = None
    platform: DingTalkPlatform | None = None
    stop = asyncio.Event()
    runner: asyncio.Task[None] | None = None
    database = folder / "demo.sqlite3"
    try:
        for stale in (database, folder / "demo.sqlite3-wal", folder / "demo.sqlite3-shm"):
            stale.unlink(missing_ok=True)
        settings = load_settings(
            _env_file=None,
            platform="dingtalk",
            database_url=f"sqlite:///{database.resolve()}",
            bot_locale=lang,
            outbox_tick_seconds=TICK_NEVER,
            operator_chat_id=None,
        )
        dingtalk = load_dingtalk_settings(
            _env_file=None,
            dingtalk_client_id=sim.client_id,
            dingtalk_client_secret=sim.client_secret,
            dingtalk_card_template_id=CARD_TEMPLATE,
            dingtalk_openapi_endpoint=base_url,
            dingtalk_oapi_endpoint=base_url,
        )
        db = await asyncio.to_thread(open_database, settings)
        await asyncio.to_thread(ensure_bundled_plan, db)
        platform = DingTalkPlatform.from_settings(dingtalk)
        admin_staff_id = f"staff{script.ADMIN_ID}"
        bot = build_dingtalk(settings, db, platform, admin_keys=(admin_staff_id,))
        write(t._(says.STREAM).format(url=base_url, path=database))
        runner = asyncio.create_task(bot.run(stop))
        await sim.wait_connected(timeout=30)
        errors = ErrorCount()
        logging.getLogger().addHandler(errors)
        stage = DingTalkStage(sim, bot, t, write, errors=lambda: errors.count)
        if start is not None:
            stage.clock.travel_to(start)
        try:
            await play(stage, lang, result)
        finally:
            logging.getLogger().removeHandler(errors)
            stage.flush()
            result.transcript = stage.lines
        if after is not None:
            await after(result, stage)
    finally:
        stop.set()
        if runner is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        if platform is not None:
            await platform.close()
        if db is not None:
            db.dispose()
        await sim.stop()
    return result
