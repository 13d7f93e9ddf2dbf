"""User-facing text: Babel catalogs under `locales/` and the functions that render messages."""

from messages.i18n import DEFAULT_LOCALE, N_, SUPPORTED_LOCALES, Translator, get_translator

__all__ = ["DEFAULT_LOCALE", "N_", "SUPPORTED_LOCALES", "Translator", "get_translator"]
