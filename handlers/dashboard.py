"""/dashboard and /screen: the web dashboard offered where Telegram allows it, kiosk links.

Private chats get the Mini App button (Telegram's WebAppInfo) and a one-time login link for
a desktop browser; groups get a plain link with no secret in it. The menu button of private
chats opens the Mini App too.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    filters,
)

from coordination.dashboard_access import (
    DASHBOARD_GROUP,
    DASHBOARD_PRIVATE,
    DashboardAnswer,
    dashboard_command,
    screen_command,
)
from handlers.access import translator
from handlers.runtime import services
from messages.dashboard import (
    ask_elsewhere,
    browser_button,
    coordinators_only,
    menu_button_text,
    open_button,
    render_dashboard,
    render_screen,
)
from messages.i18n import N_, Translator
from reports.views import ACCESS_ELSEWHERE, ACCESS_OK, Guarded, guarded
from webapp.auth import resolve_viewer
from webapp.membership import shared_membership
from webapp.urls import app_url, group_link, kiosk_url, login_url, mini_app_allowed

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

# (command, arguments, description), listed by /help and the menus when WEBAPP_URL is set.
VIEWER_COMMANDS = [("dashboard", "", N_("the dashboard of the plan, with charts"))]
COORDINATOR_COMMANDS = [
    *VIEWER_COMMANDS,
    ("screen", N_("[name] | list | revoke N"), N_("read-only links for the office's big screen")),
]


def dashboard_buttons(
    t: Translator, answer: DashboardAnswer, *, base: str, bot_username: str, short_name: str
) -> InlineKeyboardMarkup | None:
    if answer.kind == DASHBOARD_GROUP:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(open_button(t), url=group_link(bot_username, short_name))]]
        )
    if answer.kind != DASHBOARD_PRIVATE:
        return None
    rows = []
    if mini_app_allowed(base):
        rows.append([InlineKeyboardButton(open_button(t), web_app=WebAppInfo(app_url(base)))])
    rows.append(
        [InlineKeyboardButton(browser_button(t), url=login_url(base, answer.login_token))]
    )
    return InlineKeyboardMarkup(rows)


async def dashboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/dashboard: the Mini App and a browser login link in private, a link in groups."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or message is None:
        return
    t = await translator(update, context)
    svc = services(context)
    settings = svc.settings
    private = chat.type == ChatType.PRIVATE
    allowed = False
    if private and user is not None and settings.webapp_url:
        viewer = await resolve_viewer(
            svc.db,
            user_id=user.id,
            admin_ids=settings.admin_ids,
            membership=shared_membership(context.application),
        )
        allowed = viewer.allowed
    answer: DashboardAnswer = await svc.db.run(
        dashboard_command,
        user_id=user.id if user else None,
        private=private,
        allowed=allowed,
        enabled=bool(settings.webapp_url),
        locale=t.locale,
        now=svc.now(),
    )
    markup = dashboard_buttons(
        t,
        answer,
        base=settings.webapp_url,
        bot_username=context.bot.username,
        short_name=settings.webapp_short_name,
    )
    await message.reply_text(
        render_dashboard(t, answer), reply_markup=markup, link_preview_options=NO_PREVIEW
    )


async def start_dashboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start dashboard (the groups' link into a private chat): answered as /dashboard."""
    await dashboard(update, context)
    raise ApplicationHandlerStop  # not also /start's help


async def screen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/screen [name] | list | revoke N: kiosk links for the big screen (coordinators)."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or message is None or user is None:
        return
    t = await translator(update, context)
    svc = services(context)
    outcome: Guarded = await svc.db.run(
        guarded,
        user_id=user.id,
        chat_id=chat.id,
        private=chat.type == ChatType.PRIVATE,
        admin_ids=svc.settings.admin_ids,
        view=screen_command,
        arguments={
            "user_id": user.id,
            "argument": " ".join(context.args or []),
            "enabled": bool(svc.settings.webapp_url),
            "locale": t.locale,
            "now": svc.now(),
        },
    )
    if outcome.access != ACCESS_OK:
        refusal = ask_elsewhere(t) if outcome.access == ACCESS_ELSEWHERE else coordinators_only(t)
        await message.reply_text(refusal)
        return
    url = kiosk_url(svc.settings.webapp_url, outcome.result.token) if outcome.result.token else ""
    await message.reply_text(
        render_screen(t, outcome.result, kiosk_url=url), link_preview_options=NO_PREVIEW
    )


async def set_menu_button(application: AnyApp) -> None:
    """The private chats' menu button opens the Mini App (Telegram wants HTTPS for it)."""
    svc = services(application)
    base = svc.settings.webapp_url
    if not base:
        return
    if not mini_app_allowed(base):
        log.warning("WEBAPP_URL is not HTTPS: Telegram opens no Mini App there; menu button unset")
        return
    t = svc.translator()
    try:
        await application.bot.set_chat_menu_button(
            menu_button=MenuButtonWebApp(menu_button_text(t), WebAppInfo(app_url(base)))
        )
    except TelegramError as exc:
        log.warning("could not set the dashboard's menu button: %s", exc)


# A command edited later is not answered twice.
ONLY_NEW = filters.UpdateType.MESSAGE


def register(application: AnyApp) -> None:
    """/dashboard, /screen, and /start dashboard before /start's help (group -1)."""
    application.add_handler(CommandHandler("dashboard", dashboard, filters=ONLY_NEW))
    application.add_handler(CommandHandler("screen", screen, filters=ONLY_NEW))
    deep_link = filters.Regex(r"^/start\S*\s+dashboard\s*$")
    application.add_handler(
        CommandHandler(
            "start", start_dashboard, filters=ONLY_NEW & filters.ChatType.PRIVATE & deep_link
        ),
        group=-1,
    )
