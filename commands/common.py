"""Everyone's commands: /start and /help (what this chat is bound to), /whoami (the ids a
set-up needs, and the caller's roles), /lang (the chat's language).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
class Ids:
    """The ids a set-up needs: the caller's (for ADMIN_IDS) and the chat's."""

    user_id: int | None
    chat_id: int | None
    in_group: bool


@dataclass(frozen=True)
class HelpAnswer:
    roles: Roles
    in_group: bool
    bound_to: list[str] = field(default_factory=list)  # the chat's departments
    coordinators_chat: bool = False
    web: bool = False  # the bot serves a web dashboard: /dashboard and /screen are offered
    # For an admin in private (the start of the day): units with measures that no chat reaches.
    unbound: list[UnboundHolding] = field(default_factory=list)
    ids: Ids | None = None  # /start only: the first step of every set-up
    answer_by_mention: bool = False  # reports @ the bot instead of replying (DingTalk)


def _binding(session: Session, chat_id: int | None) -> tuple[list[str], bool]:
    """The chat's departments, and whether it is the coordinators' chat."""
    if chat_id is None:
        return [], False
    chat = session.get(Chat, chat_id)
    names = [d.name for d in chat_departments(session, chat_id=chat_id)]
    return names, bool(chat and chat.is_coordinators)


def help_(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> HelpAnswer:
    """/help: what this chat is bound to, and the caller's commands; for an admin in private,
    the units left to bind."""
    names, coordinators = _binding(session, args.chat_id)
    unbound = unbound_holdings(session) if roles.is_admin and args.private else []
    return HelpAnswer(
        roles,
        args.in_group,
        names,
        coordinators,
        web=bool(args.dashboard_url),
        unbound=unbound,
        answer_by_mention=args.answer_by_mention,
    )


def start(
    session: Session, *, roles: Roles, args: CommandArgs, now: datetime, caller_id: int | None
) -> HelpAnswer:
    """/start: /help's answer, then the caller's id and, in a group, the group's id."""
    answer = help_(session, roles=roles, args=args, now=now)
    return replace(answer, ids=Ids(caller_id, args.chat_id, args.in_group))


@dataclass(frozen=True)
class WhoamiAnswer:
    roles: Roles
    user_id: int | None
    user_name: str
    chat_id: int | None
    chat_title: str
    in_group: bool
    bound_to: list[str] = field(default_factory=list)
    coordinators_chat: bool = False


def whoami(
    session: Session,
    *,
    roles: Roles,
    args: CommandArgs,
    now: datetime,
    caller_id: int | None,
    caller_name: str,
) -> WhoamiAnswer:
    """/whoami: who is asking, where, bound to what, with which roles."""
    names, coordinators = _binding(session, args.chat_id)
    return WhoamiAnswer(
        roles=roles,
        user_id=caller_id,
        user_name=caller_name,
        chat_id=args.chat_id,
        chat_title=args.chat_title,
        in_group=args.in_group,
        bound_to=names,
        coordinators_chat=coordinators,
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
