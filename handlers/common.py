"""/start, /help and /lang for everyone, and the command menus set at start.

/help says what this chat is bound to and lists only the commands the caller's role may
use; menus are set per language (zh, en, default) and scope (groups, private, group admins).
"""

from __future__ import annotations

import html
import logging
from typing import Any

from sqlmodel import Session
from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes

from coordination.bindings import chat_departments, ensure_chat
from coordination.roles import Roles
from handlers import coordinator
from handlers.access import answer, is_group, roles_of, translator
from handlers.runtime import services
from messages.i18n import N_, Translator, get_translator, normalize_locale
from messages.identity import render_ids, render_whoami
from messages.reminders import bold

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]

# (command, arguments shown in /help, description); descriptions are catalog strings.
EVERYONE = [
    ("start", "", N_("what this bot does here")),
    ("help", "", N_("what this chat is bound to and your commands")),
    ("whoami", "", N_("your user id, this chat's id and your roles")),
    ("lang", "zh|en", N_("set this chat's language")),
]
LIAISON = [
    ("measures", "", N_("this chat's measures and roles")),
    ("report", N_("<measure> <text>"), N_("report progress without a reminder")),
]
# The coordinators' views (/status, /overdue, /history, /export, /chart) are listed where
# they are handled, so a new view shows up in /help and the menus by itself.
COORDINATOR = [
    *coordinator.COMMANDS,
    ("remind", N_("[department]"), N_("send a reminder cycle now")),
    ("measures", N_("<department>"), N_("a department's measures")),
]
ADMIN = [
    ("bind", N_("<department>[；<department>…]"), N_("bind this group to departments")),
    ("unbind", N_("[department]"), N_("remove this group's bindings")),
    ("chats", "", N_("bound chats and departments without a chat")),
    ("schedule", "add|list|pause|resume|delete", N_("reminder schedules")),
    ("admin", "add|remove|list", N_("manage admins")),
    ("coordinator", "add|remove|list", N_("manage coordinators")),
    ("coordinators_chat", "[off]", N_("mark this group as the coordinators' chat")),
]


def commands_for(roles: Roles) -> list[tuple[str, str, str]]:
    """The commands a caller with `roles` may use in this chat, without repeats."""
    entries = list(EVERYONE)
    if roles.is_liaison:
        entries += LIAISON
    if roles.can_coordinate:
        entries += COORDINATOR
    if roles.is_admin:
        entries += ADMIN
    seen: set[str] = set()
    unique = []
    for entry in entries:
        if entry[0] not in seen:
            seen.add(entry[0])
            unique.append(entry)
    return unique


def _binding_names(session: Session, *, chat_id: int) -> tuple[list[str], bool, bool]:
    from models.chats import Chat

    chat = session.get(Chat, chat_id)
    names = [d.name for d in chat_departments(session, chat_id=chat_id)]
    return names, bool(chat and chat.is_coordinators), bool(chat is None or chat.is_active)


def render_help(
    t: Translator, *, roles: Roles, in_group: bool, bound_to: list[str], coordinators_chat: bool
) -> str:
    lines = [
        bold(t._("督办 follow-up bot")),
        t._(
            "I send each department's group its measures of the plan on schedule and "
            "record the progress people reply with."
        ),
    ]
    if in_group:
        if bound_to:
            lines.append(
                t._("This chat is bound to: {names}.").format(
                    names="、".join(f"<b>{html.escape(n)}</b>" for n in bound_to)
                )
            )
            lines.append(
                t._(
                    "To report: reply to my reminder; name measures like （五） when "
                    "you answer several."
                )
            )
        else:
            lines.append(t._("This chat is not bound to a department yet."))
        if coordinators_chat:
            lines.append(t._("This is the coordinators' chat."))
    role_names = []
    if roles.is_admin:
        role_names.append(t._("admin"))
    if roles.can_coordinate and not roles.is_admin:
        role_names.append(t._("coordinator"))
    if roles.is_liaison:
        role_names.append(t._("liaison"))
    if role_names:
        lines.append(t._("Your role here: {roles}.").format(roles="、".join(role_names)))
    lines.append("")
    lines.append(t._("Commands you can use:"))
    for name, args, description in commands_for(roles):
        arg_text = " " + html.escape(t._(args)) if args else ""
        lines.append(f"/{name}{arg_text} — " + html.escape(t._(description)))
    return "\n".join(lines)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: what this chat is bound to and the caller's commands.

    /start also shows the ids a set-up needs (the first admin's user id, the group's id).
    """
    t = await translator(update, context)
    roles = await roles_of(update, context)
    chat = update.effective_chat
    names: list[str] = []
    coordinators = False
    if chat is not None:
        names, coordinators, _active = await services(context).db.run(
            _binding_names, chat_id=chat.id
        )
    text = render_help(
        t, roles=roles, in_group=is_group(update), bound_to=names, coordinators_chat=coordinators
    )
    message_text = update.effective_message.text if update.effective_message else None
    if chat is not None and (message_text or "").startswith("/start"):
        user = update.effective_user
        ids = render_ids(
            t, user_id=user.id if user else None, chat_id=chat.id, in_group=is_group(update)
        )
        text = f"{text}\n\n{ids}"
    await answer(update, context, text)


async def whoami_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/whoami: the caller's user id, this chat's id and the caller's roles here."""
    t = await translator(update, context)
    roles = await roles_of(update, context)
    chat = update.effective_chat
    if chat is None:
        return
    user = update.effective_user
    names, coordinators, _active = await services(context).db.run(_binding_names, chat_id=chat.id)
    await answer(
        update,
        context,
        render_whoami(
            t,
            user_id=user.id if user else None,
            user_name=user.full_name if user else "",
            chat_id=chat.id,
            chat_title=chat.title or "",
            in_group=is_group(update),
            roles=roles,
            bound_to=names,
            coordinators_chat=coordinators,
        ),
    )


def _set_language(
    session: Session, *, chat_id: int, locale: str, title: str, chat_type: str
) -> None:
    chat = ensure_chat(session, chat_id=chat_id, title=title, chat_type=chat_type)
    chat.language = locale
    session.add(chat)


async def lang_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/lang zh|en: the chat's language."""
    t = await translator(update, context)
    chat = update.effective_chat
    assert chat is not None
    wanted = (context.args or [""])[0].strip().lower()
    if not wanted:
        await answer(
            update,
            context,
            t._("This chat's language is {language}. Change it with /lang zh or /lang en.").format(
                language=t._("Chinese") if t.is_chinese else t._("English")
            ),
        )
        return
    if not (wanted.startswith(("zh", "cn", "中")) or wanted.startswith(("en", "英"))):
        await answer(
            update,
            context,
            t._("Unknown language: {value}. Use /lang zh or /lang en.").format(
                value=html.escape(wanted[:20])
            ),
        )
        return
    locale = "en" if wanted.startswith(("en", "英")) else normalize_locale("zh")
    svc = services(context)
    await svc.db.run(
        _set_language, chat_id=chat.id, locale=locale, title=chat.title or "", chat_type=chat.type
    )
    svc.chat_locales[chat.id] = locale
    new_t = svc.translator(locale)
    await answer(
        update,
        context,
        new_t._("Language set: English.") if locale == "en" else new_t._("Language set: Chinese."),
    )


def _menu(t: Translator, entries: list[tuple[str, str, str]]) -> list[BotCommand]:
    seen: set[str] = set()
    commands = []
    for name, _args, description in entries:
        if name not in seen:
            seen.add(name)
            commands.append(BotCommand(name, t._(description)[:256]))
    return commands


async def set_command_menus(application: AnyApp) -> None:
    """Set the command menus per language and scope; a refusal is logged, not fatal."""
    svc = services(application)
    group_menu = EVERYONE + LIAISON
    private_menu = (
        EVERYONE
        + COORDINATOR
        + [e for e in ADMIN if e[0] in {"chats", "schedule", "admin", "coordinator"}]
    )
    admin_menu = EVERYONE + LIAISON + COORDINATOR + ADMIN
    scopes = [
        (BotCommandScopeAllPrivateChats(), private_menu),
        (BotCommandScopeAllGroupChats(), group_menu),
        (BotCommandScopeAllChatAdministrators(), admin_menu),
    ]
    languages: list[tuple[str | None, str]] = [
        ("zh", "zh_CN"),
        ("en", "en"),
        (None, svc.settings.bot_locale),
    ]
    for language_code, locale in languages:
        t = get_translator(locale, svc.settings.bot_timezone)
        for scope, entries in scopes:
            try:
                await application.bot.set_my_commands(
                    _menu(t, entries), scope=scope, language_code=language_code
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
    application.add_handler(CommandHandler(["start", "help"], help_command))
    application.add_handler(CommandHandler("whoami", whoami_command))
    application.add_handler(CommandHandler("lang", lang_command))
