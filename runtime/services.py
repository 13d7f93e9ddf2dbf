"""The running bot's services: settings, the database, the bot's clock, chat languages, who
is in which chat (for the dashboard) and the pace every message keeps.

Built once by the assembly and kept in `application.bot_data["services"]`; nothing here knows
the chat platform, so another platform's adapter can hold the same services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from coordination.chats import chat_language
from coordination.inbox import mark_done
from coordination.replies.scope import ScopeCache
from messages.i18n import Translator, get_translator, normalize_locale
from models.clock import utcnow
from models.db import Database
from models.group_commit import GroupCommit
from runtime.chat_members import MembershipCache
from runtime.pace import Pace
from runtime.platform import ChatPlatform
from settings import Settings


@dataclass
class Services:
    """Stored in `application.bot_data["services"]` by the assembly."""

    settings: Settings
    db: Database
    # chat id → locale, filled from the database on first use and on /lang.
    chat_locales: dict[int, str] = field(default_factory=dict)
    # A name for this process, used when claiming deliveries (several instances).
    instance: str = "bot"
    # Shifts the bot's clock; only the demo and tests set it, to let days pass in seconds.
    clock_offset: timedelta = timedelta(0)
    # Who is in the role-giving chats, asked of the platform: for /dashboard and the web
    # dashboard (None: nobody is asked, only the roles the database names count).
    membership: MembershipCache | None = None
    # The chat platform the outbox sends through (Telegram's or DingTalk's adapter); set by
    # the assembly once the platform exists.
    platform: ChatPlatform | None = None
    # The pace every message keeps (None: no rate limiting, as in tests with a recorder).
    pace: Pace | None = None
    # Replies from many chats are written in shared transactions, each with its update's
    # inbox row marked done; what a chat may report on is kept between replies.
    writes: GroupCommit = field(init=False)
    scopes: ScopeCache = field(init=False, default_factory=ScopeCache)

    def __post_init__(self) -> None:
        self.writes = GroupCommit(self.db, settle=mark_done)

    def now(self) -> datetime:
        """The bot's current time as naive UTC (the stored form)."""
        return utcnow() + self.clock_offset

    def translator(self, locale: str | None = None) -> Translator:
        return get_translator(locale or self.settings.bot_locale, self.settings.bot_timezone)

    async def chat_translator(
        self, chat_id: int | None, user_language: str | None = None
    ) -> Translator:
        """The translator for a chat: its /lang choice, else the bot's default locale.

        In private chats without a choice the user's own language is used, normalised to a
        supported locale (never passed raw to gettext).
        """
        default = self.settings.bot_locale
        if chat_id is None:
            return self.translator(normalize_locale(user_language, default))
        if chat_id not in self.chat_locales:
            stored = await self.db.run(chat_language, chat_id=chat_id)
            if stored is None and chat_id > 0 and user_language:
                stored = normalize_locale(user_language, default)
            self.chat_locales[chat_id] = stored or default
        return self.translator(self.chat_locales[chat_id])

    def move_locale(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: its language goes with it."""
        if old_id in self.chat_locales:
            self.chat_locales[new_id] = self.chat_locales.pop(old_id)


def services(holder: Any) -> Services:
    """The `Services` behind a callback context or an application (anything with bot_data)."""
    return holder.bot_data["services"]  # type: ignore[no-any-return]
