"""What `bot.py db backup` and `bot.py db restore` print, in the operator's language."""

from __future__ import annotations

from pathlib import Path

from messages.i18n import Translator


def _counts(t: Translator, counts: dict[str, int]) -> str:
    parts = [
        t.ngettext("{n} plan", "{n} plans", counts.get("plan", 0)),
        t.ngettext("{n} chat", "{n} chats", counts.get("chat", 0)),
        t.ngettext("{n} schedule", "{n} schedules", counts.get("reminderschedule", 0)),
        t.ngettext("{n} progress record", "{n} progress records", counts.get("progressupdate", 0)),
    ]
    values = [counts.get(k, 0) for k in ("plan", "chat", "reminderschedule", "progressupdate")]
    joiner = "、" if t.is_chinese else ", "
    return joiner.join(p.format(n=n) for p, n in zip(parts, values, strict=True))


def render_backup(t: Translator, path: Path, counts: dict[str, int], size: int) -> str:
    return t._("Backed up to {path} ({size} MB): {contents}.").format(
        path=path, size=t.number(round(size / 1_000_000, 1)), contents=_counts(t, counts)
    )


def render_restore(
    t: Translator, backup: Path, target: Path, counts: dict[str, int], revision: str | None
) -> str:
    return t._(
        "Restored {backup} into {target}: {contents}; schema at revision {revision}. "
        "Start the bot again."
    ).format(backup=backup, target=target, contents=_counts(t, counts), revision=revision)


def render_pg_dump(t: Translator, command: str) -> str:
    """How to back up PostgreSQL: the `pg_dump` line to run."""
    return "\n".join([
        t._(
            "The database is PostgreSQL: back it up with pg_dump (it runs while the bot "
            "works; the password comes from PGPASSWORD or ~/.pgpass):"
        ),
        "",
        "    " + command,
    ])


def render_pg_restore(t: Translator, command: str) -> str:
    """How to restore PostgreSQL: the `pg_restore` line to run."""
    return "\n".join([
        t._(
            "The database is PostgreSQL: stop every instance of the bot, then restore with "
            "pg_restore (it replaces the tables of the database):"
        ),
        "",
        "    " + command,
    ])
