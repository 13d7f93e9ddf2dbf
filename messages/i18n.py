"""Gettext catalogs and locale-aware formatting.

Catalogs live in `locales/<lang>/LC_MESSAGES/<area>.po`, one file per area of the bot so
that areas can be translated independently; all areas of a language are merged into one
`Translations` when first used. English source strings are the msgids.
"""

from __future__ import annotations

import functools
import io
from datetime import date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

from models.clock import as_aware_utc

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
SUPPORTED_LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


def N_(message: str) -> str:
    """Mark a constant for extraction; it is translated where it is used."""
    return message


def normalize_locale(code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map what users or Telegram give (`zh`, `zh-hans`, `en-US`, `EN`) to a supported locale."""
    if not code:
        return default
    lowered = code.strip().replace("-", "_").lower()
    if lowered.startswith("zh") or lowered in {"cn", "chinese", "中文"}:
        return "zh_CN"
    if lowered.startswith("en") or lowered == "english":
        return "en"
    return default


def catalog_files(locale: str) -> list[Path]:
    return sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po"))


@functools.cache
def load_translations(locale: str) -> NullTranslations:
    """All `.po` files of `locale` merged into one catalog (compiled in memory)."""
    merged: Translations | None = None
    for po_path in catalog_files(locale):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(fp=buffer, domain="messages")
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    return merged if merged is not None else NullTranslations()


class Translator:
    """Gettext plus Babel formatting for one locale and one time zone."""

    def __init__(self, locale: str, tz: tzinfo) -> None:
        self.locale = normalize_locale(locale)
        self.babel_locale = Locale.parse(self.locale)
        self.tz = tz
        self._t = load_translations(self.locale)

    @property
    def is_chinese(self) -> bool:
        return self.locale.startswith("zh")

    def _(self, message: str) -> str:
        return self._t.gettext(message)

    gettext = _

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def datetime(self, moment: datetime, fmt: str = "medium") -> str:
        """A stored naive-UTC (or aware) datetime in the reader's zone and locale."""
        local = as_aware_utc(moment).astimezone(self.tz)
        if fmt == "short":
            return format_datetime(
                local,
                "MM-dd HH:mm" if not self.is_chinese else "M月d日 HH:mm",
                locale=self.babel_locale,
            )
        return format_datetime(local, fmt, tzinfo=self.tz, locale=self.babel_locale)

    def date(self, day: date | datetime, fmt: str = "medium") -> str:
        if isinstance(day, datetime):
            day = as_aware_utc(day).astimezone(self.tz).date()
        return format_date(day, fmt, locale=self.babel_locale)

    def time(self, moment: datetime, fmt: str = "short") -> str:
        return format_time(as_aware_utc(moment).astimezone(self.tz), fmt, locale=self.babel_locale)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.babel_locale)

    def percent(self, ratio: float) -> str:
        """0.856 → "86%" in the reader's locale."""
        return format_percent(ratio, locale=self.babel_locale)


@functools.cache
def _translator_cache(locale: str, tz_key: str) -> Translator:
    return Translator(locale, ZoneInfo(tz_key))


def get_translator(locale: str | None, tz: str = "Asia/Shanghai") -> Translator:
    """The translator for a (possibly raw) locale code, falling back to the default locale."""
    return _translator_cache(normalize_locale(locale), tz)
