"""`python bot.py check`: the doctor. One line per check, ✓ ⚠ ✗, each ✗ saying what to do.

Settings, proxy, token (masked) and the bot's BotFather options, polling or webhook and
whether it is reachable (on DingTalk: the app's credentials, the Stream gateway, the card
template), database and schema, plan, admins, the coordinators' chat, chats
bound and departments left without one, schedules and their next runs, a CJK font for the
charts, holiday data for this year and next. Exit code 0 only when nothing is ✗.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TextIO

import aiohttp
from telegram import Bot
from telegram.request import HTTPXRequest

from dingtalk_adapter.settings import load_dingtalk_settings
from dingtalk_adapter.startup import check_dingtalk
from messages.chart import find_cjk_font
from messages.doctor import FAIL, Finding, fail, ok, render_findings, warn
from messages.problems import operator_translator
from migrations.runner import current_revision, head_revision, require_known
from models.clock import utcnow
from models.db import Database, is_postgres
from operations.database_check import sqlite_file
from operations.doctor_state import (
    admin_findings,
    chat_findings,
    holiday_findings,
    plan_findings,
    schedule_findings,
)
from operations.logs import mask_token
from operations.service import WebhookOptions, webhook_options
from operations.telegram_link import reach_telegram, server_of
from operations.webhook_server import HEALTH_PATH
from settings import Settings, SettingsError, load_settings, mask_url_password

HTTP_TIMEOUT_SECONDS = 5.0
# A delivery error Telegram reports this recently means the webhook is broken now.
RECENT_WEBHOOK_ERROR_SECONDS = 3600


def problem(error: SettingsError) -> Finding:
    return fail("problem", problems=error.problems)


def telegram_request(settings: Settings) -> HTTPXRequest:
    """A request object like the bot's own: the same proxy, short timeouts for a check."""
    return HTTPXRequest(
        proxy=settings.telegram_proxy_url or None,
        connect_timeout=HTTP_TIMEOUT_SECONDS,
        read_timeout=HTTP_TIMEOUT_SECONDS * 2,
    )


def socks_installed() -> bool:
    """httpx speaks SOCKS only with socksio (python-telegram-bot[socks])."""
    return importlib.util.find_spec("socksio") is not None


def proxy_findings(settings: Settings) -> list[Finding]:
    proxy = settings.telegram_proxy_url
    if not proxy:
        return [ok("proxy_none", server=server_of(settings.telegram_api_base_url))]
    if proxy.lower().startswith("socks") and not socks_installed():
        return [fail("proxy_socks_missing")]
    return [ok("proxy", proxy=mask_url_password(proxy))]


def database_findings(settings: Settings) -> tuple[list[Finding], bool]:
    """Findings about the database, and whether its tables can be read for the rest."""
    try:
        path = sqlite_file(settings.database_url)
    except SettingsError as error:
        return [problem(error)], False
    if path is not None and not path.exists():
        return [fail("database_missing", path=str(path))], False
    db = Database.from_url(settings.database_url)
    try:
        require_known(db.engine)
        current = current_revision(db.engine)
        head = head_revision()
        where = db.engine.url.render_as_string(hide_password=True)
        if current == head:
            return [ok("database", where=where, revision=current)], True
        if current is None:
            return [fail("database_empty", where=where)], False
        if is_postgres(db.engine):
            return [problem(SettingsError("schema_behind", current=current, head=head))], False
        return [warn("database_behind", where=where, current=current, head=head)], False
    except SettingsError as error:
        return [problem(error)], False
    finally:
        db.dispose()


def state_findings(settings: Settings) -> list[Finding]:
    db = Database.from_url(settings.database_url)
    try:
        found = db.call(plan_findings)
        found += db.call(admin_findings, admin_ids=settings.admin_ids)
        found += db.call(chat_findings)
        found += db.call(schedule_findings, now=utcnow())
        return found
    finally:
        db.dispose()


async def telegram_findings(
    settings: Settings, token: str, webhook: WebhookOptions | None
) -> list[Finding]:
    bot = Bot(
        token,
        base_url=settings.telegram_api_base_url,
        request=telegram_request(settings),
        get_updates_request=telegram_request(settings),
    )
    try:
        try:
            await reach_telegram(bot, settings, budget=0)
        except SettingsError as error:
            return [problem(error)]
        me = bot.bot
        found = [ok("token", token=mask_token(token), username=me.username, name=me.first_name)]
        found.append(ok("join_groups") if me.can_join_groups else fail("cannot_join_groups"))
        found.append(ok("privacy_off") if me.can_read_all_group_messages else ok("privacy_on"))
        found += await mode_findings(bot, webhook)
        return found
    finally:
        await bot.shutdown()  # closes the connections; a no-op if none were opened


async def mode_findings(bot: Bot, webhook: WebhookOptions | None) -> list[Finding]:
    info = await bot.get_webhook_info()
    if webhook is None:
        if info.url:
            return [warn("polling_webhook_set", url=info.url)]
        return [ok("polling")]
    found: list[Finding] = [await local_health(webhook)]
    if info.url != webhook.url:
        found.append(fail("webhook_not_set", url=webhook.url, current=info.url or "—"))
        return found
    error_at = info.last_error_date
    if error_at is not None and info.last_error_message:
        age = time.time() - error_at.timestamp()
        finding = fail if age < RECENT_WEBHOOK_ERROR_SECONDS else warn
        found.append(
            finding(
                "webhook_error", url=webhook.url, error=info.last_error_message,
                minutes=max(1, round(age / 60)),
            )
        )
    else:
        found.append(ok("webhook_set", url=webhook.url, pending=info.pending_update_count))
    return found


async def local_health(webhook: WebhookOptions) -> Finding:
    host = "127.0.0.1" if webhook.listen in ("0.0.0.0", "", "::") else webhook.listen
    url = f"http://{host}:{webhook.port}{HEALTH_PATH}"
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_SECONDS)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as response:
            status = response.status
    except (aiohttp.ClientError, TimeoutError):
        return fail("webhook_down", url=url)
    if status != 200:
        return fail("webhook_unhealthy", url=url, status=status)
    return ok("webhook_up", url=url)


async def dingtalk_findings() -> tuple[list[Finding], tuple[str, ...]]:
    """The DingTalk app: settings, credentials accepted, the Stream gateway, the card
    template; and the admins it names by staff id."""
    try:
        dingtalk = load_dingtalk_settings()
        staff_ids = dingtalk.admin_staff_ids()
    except SettingsError as error:
        return [problem(error)], ()
    try:
        await check_dingtalk(dingtalk, timeout=HTTP_TIMEOUT_SECONDS * 2)
    except SettingsError as error:
        return [problem(error)], staff_ids
    credentials = dingtalk.credentials()
    found = [
        ok("dingtalk_app", client_id=credentials.client_id, robot=credentials.robot_code),
        ok("dingtalk_stream"),
    ]
    template = dingtalk.card_template()
    found.append(
        ok("dingtalk_cards", template=template) if template else warn("dingtalk_no_cards")
    )
    return found, staff_ids


def font_findings() -> list[Finding]:
    family = find_cjk_font()
    return [ok("font", family=family)] if family else [warn("font_missing")]


async def diagnose(*, webhook_url: str | None = None) -> list[Finding]:
    """Every check, in the order a set-up goes."""
    try:
        settings = load_settings()
    except SettingsError as error:
        return [problem(error)]
    found = [ok("settings", env=str(Path(".env").resolve()) if Path(".env").exists() else "")]
    if settings.platform == "dingtalk":
        return found + await _dingtalk_diagnosis(settings)
    try:
        token: str | None = settings.require_token()
    except SettingsError as error:
        found.append(problem(error))
        token = None
    try:
        webhook = webhook_options(settings, token=token or "", url=webhook_url)
    except SettingsError as error:
        found.append(problem(error))
        webhook = None
    proxy = proxy_findings(settings)
    found += proxy
    if token and all(f.status != FAIL for f in proxy):
        found += await telegram_findings(settings, token, webhook)
    database, readable = await asyncio.to_thread(database_findings, settings)
    found += database
    if readable:
        found += await asyncio.to_thread(state_findings, settings)
    else:
        found.append(warn("state_skipped"))
    found += await asyncio.to_thread(font_findings)
    found += holiday_findings(today=datetime.now(settings.tz).date())
    return found


async def _dingtalk_diagnosis(settings: Settings) -> list[Finding]:
    found, staff_ids = await dingtalk_findings()
    database, readable = await asyncio.to_thread(database_findings, settings)
    found += database
    if readable:
        state = await asyncio.to_thread(state_findings, settings)
        if staff_ids:
            # Admins named by staff id count as admins too (their numbers come at first use).
            names, more = ", ".join(staff_ids[:5]), len(staff_ids) - 5
            state = [
                ok("dingtalk_admins", ids=names, more=max(0, more))
                if f.kind == "no_admin"
                else f
                for f in state
            ]
        found += state
    else:
        found.append(warn("state_skipped"))
    found += await asyncio.to_thread(font_findings)
    found += holiday_findings(today=datetime.now(settings.tz).date())
    return found


def run_doctor(*, webhook: str | None = None, out: TextIO | None = None) -> int:
    """Print the findings and a summary; 0 when nothing is ✗, else 1."""
    out = out or sys.stdout
    findings = asyncio.run(diagnose(webhook_url=webhook))
    try:
        tz = load_settings().bot_timezone
    except SettingsError:
        tz = "Asia/Shanghai"
    print(render_findings(operator_translator(tz=tz), findings), file=out)
    return 1 if any(f.status == FAIL for f in findings) else 0
