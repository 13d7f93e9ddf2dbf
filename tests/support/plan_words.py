"""The reader's warnings and doubts in English, as tests compare them."""

from messages.i18n import get_translator
from messages.plan import warning_text
from planreader.document import ReadWarning


def english(warning: ReadWarning) -> str:
    """A warning or a doubt as `plan show --lang en` words it."""
    return warning_text(get_translator("en"), warning)
