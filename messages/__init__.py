"""Every word and format users read: Babel catalogs under `locales/`, the shared vocabulary,
and the renderers that turn plain records into messages (`outgoing.Outgoing`)."""

from messages.i18n import DEFAULT_LOCALE, N_, SUPPORTED_LOCALES, Translator, get_translator

__all__ = ["DEFAULT_LOCALE", "N_", "SUPPORTED_LOCALES", "Translator", "get_translator"]
