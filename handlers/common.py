"""/start, /help, /whoami and /lang for everyone, and the command menus set at start.

/help says what this chat is bound to and lists only the commands the caller's role may
use (/start adds the ids a set-up needs); menus are set per language (zh, en, default) and
scope (groups, private, group admins).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler

from commands import common
from handlers.gate import Call, command, gated
from messages.common import menu, render_help, render_language, render_whoami
from messages.i18n import get_translator
from messages.menus import command_menus
from runtime import services

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]

help_command = command("help", common.help_, render_help)


@gated("start")
async def start_command(call: Call) -> None:
    """/start: /help's answer, then the caller's id (and the group's) for the set-up."""
    await call.reply(render_help, await call.run(common.start, caller_id=call.user_id))


@gated("whoami")
async def whoami_command(call: Call) -> None:
    """/whoami: the caller's user id, this chat's id and the caller's roles here."""
    user = call.update.effective_user
    answer = await call.run(
        common.whoami, caller_id=call.user_id, caller_name=user.full_name if user else ""
    )
    await call.reply(render_whoami, answer)


@gated("lang")
async def lang_command(call: Call) -> None:
    """/lang zh|en: the chat's language; the answer comes in the new one."""
    answer = await call.run(common.language)
    if answer.locale and call.args.chat_id is not None:
        call.services.chat_locales[call.args.chat_id] = answer.locale
    await call.reply(render_language, answer)


async def set_command_menus(application: AnyApp) -> None:
    """Set the command menus per language and scope; a refusal is logged, not fatal."""
    svc = services(application)
    group_menu, private_menu, group_admin_menu = command_menus(web=bool(svc.settings.webapp_url))
    scopes = [
        (BotCommandScopeAllPrivateChats(), private_menu),
        (BotCommandScopeAllGroupChats(), group_menu),
        (BotCommandScopeAllChatAdministrators(), group_admin_menu),
    ]
    languages: list[tuple[str | None, str]] = [
        ("zh", "zh_CN"),
        ("en", "en"),
        (None, svc.settings.bot_locale),
    ]
    for language_code, locale in languages:
        t = get_translator(locale, svc.settings.bot_timezone)
        for scope, entries in scopes:
            commands = [BotCommand(name, text) for name, text in menu(t, entries)]
            try:
                await application.bot.set_my_commands(
                    commands, scope=scope, language_code=language_code
                )
            except TelegramError as exc:
                log.warning(
                    "could not set the command menu (%s, %s): %s",
                    scope.type,
                    language_code or "default",
                    exc,
                )


def register(application: AnyApp) -> None:
    """/start, /help, /whoami, /lang."""
    application.add_handler(CommandHandler("start", start_command))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("whoami", whoami_command))
    application.add_handler(CommandHandler("lang", lang_command))
