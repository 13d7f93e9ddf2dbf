"""Everyone's commands: /start and /help (what this chat is bound to), /lang (its language)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from commands.gate import CommandArgs
from coordination.bindings import UnboundHolding, chat_departments, ensure_chat, unbound_holdings
from coordination.roles import Roles
from models.chats import Chat

# What /lang understands, first letters first: zh, zh-CN, cn, 中文; en, English, 英文.
CHINESE_PREFIXES = ("zh", "cn", "中")
ENGLISH_PREFIXES = ("en", "英")
CHINESE, ENGLISH = "zh_CN", "en"


@dataclass(frozen=True)
class HelpAnswer:
    roles: Roles
    in_group: bool
    bound_to: list[str] = field(default_factory=list)  # the chat's departments
    coordinators_chat: bool = False
    web: bool = False  # the bot serves a web dashboard: /dashboard and /screen are offered
    # For an admin in private (the start of the day): units with measures that no chat reaches.
    unbound: list[UnboundHolding] = field(default_factory=list)


def help_(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> HelpAnswer:
    """/start and /help: what this chat is bound to, and the caller's commands."""
    names: list[str] = []
    coordinators = False
    if args.chat_id is not None:
        chat = session.get(Chat, args.chat_id)
        names = [d.name for d in chat_departments(session, chat_id=args.chat_id)]
        coordinators = bool(chat and chat.is_coordinators)
    unbound = unbound_holdings(session) if roles.is_admin and args.private else []
    return HelpAnswer(
        roles, args.in_group, names, coordinators, web=bool(args.dashboard_url), unbound=unbound
    )


class LanguageOutcome(StrEnum):
    SHOWN = "shown"  # /lang alone: which language the chat has
    UNKNOWN = "unknown"
    SET = "set"


@dataclass(frozen=True)
class LanguageAnswer:
    outcome: LanguageOutcome
    locale: str = ""  # the new locale (SET)
    typed: str = ""  # what was typed (UNKNOWN), at most 20 characters


def language(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> LanguageAnswer:
    """/lang zh|en: this chat's language, kept in the database."""
    wanted = (args.words or [""])[0].strip().lower()
    if not wanted:
        return LanguageAnswer(LanguageOutcome.SHOWN)
    if not wanted.startswith(CHINESE_PREFIXES + ENGLISH_PREFIXES):
        return LanguageAnswer(LanguageOutcome.UNKNOWN, typed=wanted[:20])
    locale = ENGLISH if wanted.startswith(ENGLISH_PREFIXES) else CHINESE
    assert args.chat_id is not None
    chat = ensure_chat(
        session, chat_id=args.chat_id, title=args.chat_title, chat_type=args.chat_type
    )
    chat.language = locale
    session.add(chat)
    return LanguageAnswer(LanguageOutcome.SET, locale=locale)
