"""Check the catalogs against the code: `python -m messages.check` lists missing translations.

Every msgid used in the code (`_`, `gettext`, `ngettext`, `N_`) must have a non-empty msgstr
in both the zh_CN and the en catalogs (the en msgstr may repeat the msgid).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from messages.i18n import LOCALES_DIR, SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parent.parent
# Every folder of the bot: words belong in messages/ (tests/messages/test_catalogs.py checks
# that the others have none), but a string put elsewhere is still reported when untranslated.
SOURCE_DIRS = (
    "operations",
    "assembly",
    "handlers",
    "delivery",
    "dingtalk_adapter",
    "dispatch",

    "intake",
    "runtime",
    "messages",
    "commands",
    "coordination",
    "reports",
    "planreader",
    "models",
    "demo",
    "webapp",
)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def used_msgids() -> dict[str, list[str]]:
    """msgid → places it is used (plural msgids as 'singular' keys)."""
    found: dict[str, list[str]] = {}
    for folder in SOURCE_DIRS:
        path = ROOT / folder
        if not path.is_dir():
            continue
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(path), method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault(msgid, []).append(f"{folder}/{filename}:{lineno}")
    return found


def catalog_entries(locale: str) -> dict[str, str]:
    """msgid → msgstr (the singular form for plurals) across all .po files of `locale`."""
    entries: dict[str, str] = {}
    for po_path in sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        for message in catalog:
            if not message.id:
                continue
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            msgstr = message.string
            if isinstance(msgstr, tuple):
                msgstr = msgstr[0] if all(msgstr) else ""
            entries[msgid] = msgstr or ""
    return entries


def missing_translations() -> dict[str, list[tuple[str, list[str]]]]:
    """locale → [(msgid, places)] used in code but untranslated in that locale."""
    used = used_msgids()
    report: dict[str, list[tuple[str, list[str]]]] = {}
    for locale in SUPPORTED_LOCALES:
        entries = catalog_entries(locale)
        report[locale] = [(m, p) for m, p in sorted(used.items()) if not entries.get(m)]
    return report


def main() -> int:
    report = missing_translations()
    bad = 0
    for locale, items in report.items():
        for msgid, places in items:
            bad += 1
            print(f"[{locale}] {places[0]}: {msgid!r}")
    print(f"{bad} missing translation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
