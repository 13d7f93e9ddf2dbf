"""/dashboard and /screen: the web dashboard offered where Telegram allows it, kiosk links.

Private chats get the Mini App button and a one-time login link for a desktop browser; groups
get a plain link with no secret in it. The menu button of private chats opens the Mini App.
Answers quote the command, and a command edited later is not answered twice.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes, filters

from commands import dashboard
from coordination.roles import Need, Place
from coordination.weblinks import app_url, mini_app_allowed
from delivery import bot_api
from handlers.gate import Call, gated
from messages.dashboard import menu_button_text, render_dashboard, render_screen
from runtime import services
from runtime.chat_members import resolve_viewer

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def group_link(bot_username: str, short_name: str = "") -> str:
    """Telegram's link that works in groups: the named Mini App (BotFather's /newapp), else
    a private chat with the bot that starts with /dashboard."""
    if short_name:
        return f"https://t.me/{bot_username}/{short_name}"
    return f"https://t.me/{bot_username}?start=dashboard"


@gated("dashboard", quote=True)
async def dashboard_command(call: Call) -> None:
    """/dashboard: the Mini App and a browser login link in private, a link in groups."""
    settings = call.services.settings
    allowed = False
    if call.args.private and call.user_id is not None and settings.webapp_url:
        # A liaison's role comes from the groups they are in: only Telegram knows those.
        viewer = await resolve_viewer(
            call.services.db,
            user_id=call.user_id,
            admin_ids=settings.admin_ids,
            membership=call.services.membership,
        )
        allowed = viewer.allowed
    answer = await call.run(
        dashboard.dashboard,
        allowed=allowed,
        locale=call.t.locale,
        group_url=group_link(call.context.bot.username, settings.webapp_short_name),
    )
    await call.reply(render_dashboard, answer)


@gated("screen", need=Need.COORDINATOR, place=Place.COORDINATION, quote=True)
async def screen_command(call: Call) -> None:
    """/screen [name] | list | revoke N: kiosk links for the big screen (coordinators)."""
    await call.reply(render_screen, await call.run(dashboard.screen, locale=call.t.locale))


async def start_dashboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start dashboard (the groups' link into a private chat): answered as /dashboard."""
    await dashboard_command(update, context)
    raise ApplicationHandlerStop  # not also /start's help


async def set_menu_button(application: AnyApp) -> None:
    """The private chats' menu button opens the Mini App (Telegram wants HTTPS for it)."""
    svc = services(application)
    base = svc.settings.webapp_url
    if not base:
        return
    if not mini_app_allowed(base):
        log.warning("WEBAPP_URL is not HTTPS: Telegram opens no Mini App there; menu button unset")
        return
    try:
        await bot_api.set_app_menu_button(
            application.bot, menu_button_text(svc.translator()), app_url(base)
        )
    except TelegramError as exc:
        log.warning("could not set the dashboard's menu button: %s", exc)


# A command edited later is not answered twice.
ONLY_NEW = filters.UpdateType.MESSAGE


def register(application: AnyApp) -> None:
    """/dashboard, /screen, and /start dashboard before /start's help (group -1)."""
    application.add_handler(CommandHandler("dashboard", dashboard_command, filters=ONLY_NEW))
    application.add_handler(CommandHandler("screen", screen_command, filters=ONLY_NEW))
    deep_link = filters.Regex(r"^/start\S*\s+dashboard\s*$")
    application.add_handler(
        CommandHandler(
            "start", start_dashboard, filters=ONLY_NEW & filters.ChatType.PRIVATE & deep_link
        ),
        group=-1,
    )
