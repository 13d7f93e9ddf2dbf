"""What every handler needs from the running application: settings, database, languages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application, ContextTypes

from messages.i18n import Translator, get_translator, normalize_locale
from models.clock import utcnow
from models.db import Database
from settings import Settings


@dataclass
class Services:
    """Stored in `application.bot_data["services"]` by `bot.py`."""

    settings: Settings
    db: Database
    # chat id → locale, filled from the database on first use and on /lang.
    chat_locales: dict[int, str] = field(default_factory=dict)
    # A name for this process, used when claiming deliveries (several instances).
    instance: str = "bot"
    # Shifts the bot's clock; only the demo and tests set it, to let days pass in seconds.
    clock_offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        """The bot's current time as naive UTC (the stored form)."""
        return utcnow() + self.clock_offset

    def translator(self, locale: str | None = None) -> Translator:
        return get_translator(locale or self.settings.bot_locale, self.settings.bot_timezone)


def services(
    context: ContextTypes.DEFAULT_TYPE | Application[Any, Any, Any, Any, Any, Any],
) -> Services:
    """The `Services` of the application behind a callback context or an application."""
    return context.bot_data["services"]  # type: ignore[no-any-return]


async def chat_translator(context: ContextTypes.DEFAULT_TYPE, chat_id: int | None,
                          user_language: str | None = None) -> Translator:
    """The translator for a chat: its /lang choice, else the bot's default locale.

    In private chats without a choice the user's Telegram language is used, normalised to a
    supported locale (never passed raw to gettext).
    """
    svc = services(context)
    if chat_id is None:
        return svc.translator(normalize_locale(user_language, svc.settings.bot_locale))
    if chat_id not in svc.chat_locales:
        from coordination.chats import chat_language

        stored = await svc.db.run(chat_language, chat_id=chat_id)
        if stored is None and chat_id > 0 and user_language:
            stored = normalize_locale(user_language, svc.settings.bot_locale)
        svc.chat_locales[chat_id] = stored or svc.settings.bot_locale
    return svc.translator(svc.chat_locales[chat_id])
