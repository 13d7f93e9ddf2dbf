"""`bot.py run` with PLATFORM=dingtalk: check, assemble, receive over the Stream until SIGTERM.

As on Telegram, nothing is created in the database before DingTalk accepted the app's
credentials; a problem at start is one sentence and exit code 2; SIGTERM stops receiving,
lets the event in hand finish, stops the jobs and returns normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from assembly import build_dingtalk, ensure_bundled_plan, prepare_schema
from dingtalk_adapter.platform import DingTalkPlatform
from dingtalk_adapter.settings import DingTalkSettings, load_dingtalk_settings
from dingtalk_adapter.startup import check_dingtalk
from intake.instances import instance_name
from models.db import Database
from operations.database_check import check_database
from operations.logs import configure_logging
from settings import Settings

log = logging.getLogger("duban")


def run_dingtalk_service(settings: Settings, dingtalk: DingTalkSettings | None = None) -> None:
    """Check the settings, the database and DingTalk; then serve until SIGTERM."""
    dingtalk = dingtalk or load_dingtalk_settings()
    credentials = dingtalk.credentials()
    admin_keys = dingtalk.admin_staff_ids()
    configure_logging(credentials.client_secret)
    check_database(settings.database_url)
    asyncio.run(_serve(settings, dingtalk, admin_keys))


async def _serve(
    settings: Settings, dingtalk: DingTalkSettings, admin_keys: tuple[str, ...]
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        log.info(await check_dingtalk(dingtalk))
        if stop.is_set():
            return
        db = Database.from_url(settings.database_url)
        try:
            await asyncio.to_thread(_prepare, db)
            platform = DingTalkPlatform.from_settings(dingtalk)
            instance = instance_name()
            bot = build_dingtalk(settings, db, platform, admin_keys=admin_keys, instance=instance)
            app = platform.credentials.client_id
            log.info("the bot runs on DingTalk (app %s, Stream mode)", app)
            try:
                await bot.run(stop)
            finally:
                with contextlib.suppress(Exception):
                    await platform.close()
        finally:
            db.dispose()
    finally:
        for number in signals:
            loop.remove_signal_handler(number)
    log.info("stopped")


def _prepare(db: Database) -> None:
    prepare_schema(db)
    ensure_bundled_plan(db)
