"""`bot.py db backup FILE` and `bot.py db restore FILE [--force]`.

SQLite: SQLite's online backup API copies a consistent snapshot while the bot keeps running
(WAL readers never block its writers); a restore copies a backup back through the same API and
migrates it to this version's schema. PostgreSQL: the pg_dump and pg_restore lines are printed.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import URL, make_url

from messages.backups import render_backup, render_pg_dump, render_pg_restore, render_restore
from messages.problems import operator_translator
from migrations.runner import current_revision, upgrade_engine
from models.db import create_db_engine, normalize_database_url
from operations.database_check import sqlite_file
from settings import Settings, SettingsError

# Tables that tell "this bot's database" and "holds something worth keeping".
MARKER_TABLE = "plan"
COUNTED_TABLES = ("plan", "progressupdate", "chat", "reminderschedule")
BUSY_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Contents:
    """How much a database holds (rows per table) and its schema revision."""

    counts: dict[str, int]
    revision: str | None
    size_bytes: int = 0

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())


def contents(path: Path) -> Contents:
    """Rows of the counted tables in the SQLite file at `path` (read only)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        counts = {
            table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
            for table in COUNTED_TABLES
            if table in tables
        }
        revision = None
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        return Contents(counts, revision, path.stat().st_size)
    finally:
        connection.close()


def is_bot_database(path: Path) -> bool:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (MARKER_TABLE,)
            ).fetchone()
            return found is not None
    except sqlite3.DatabaseError:
        return False


def backup_sqlite(source: Path, target: Path) -> Contents:
    """Copy `source` to the new file `target` while other connections may write to it."""
    if target.exists():
        raise SettingsError("backup_target_exists", path=str(target))
    if not target.parent.is_dir():
        raise SettingsError("backup_folder_missing", folder=str(target.parent))
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        dst = sqlite3.connect(partial)
        try:
            # One step (pages=-1): a snapshot at one moment, not restarted by the bot's writes.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise SettingsError("io_failed", path=str(target), reason=str(error)) from None
    finally:
        src.close()
    # Only a finished copy gets the name: a crash never leaves a half backup under it.
    os.replace(partial, target)
    return contents(target)


def restore_sqlite(backup: Path, database_url: str, *, force: bool) -> Contents:
    """Replace the database at `database_url` with `backup`, then migrate it to this version."""
    if not backup.is_file():
        raise SettingsError("backup_file_missing", path=str(backup))
    if not is_bot_database(backup):
        raise SettingsError("backup_not_sqlite", path=str(backup))
    target = sqlite_file(database_url)
    assert target is not None
    if target.exists() and is_bot_database(target) and not force:
        existing = contents(target)
        if not existing.empty:
            raise SettingsError(
                "restore_not_empty",
                where=str(target),
                plans=existing.counts.get("plan", 0),
                updates=existing.counts.get("progressupdate", 0),
            )
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            # Through the target's own connection, so its WAL and journal stay consistent.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    except sqlite3.Error as error:
        raise SettingsError("io_failed", path=str(target), reason=str(error)) from None
    finally:
        src.close()
    engine = create_db_engine(database_url)
    try:
        upgrade_engine(engine)
        current_revision(engine)
    finally:
        engine.dispose()
    return contents(target)


def pg_target(url: str) -> str:
    """The URL as pg_dump takes it: no SQLAlchemy driver, no password (use ~/.pgpass)."""
    parsed = make_url(url)
    bare = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return bare.render_as_string(hide_password=False)


def pg_dump_line(url: str, file: str) -> str:
    return f"pg_dump --format=custom --file={shlex.quote(file)} {shlex.quote(pg_target(url))}"


def pg_restore_line(url: str, file: str) -> str:
    return (
        "pg_restore --clean --if-exists --no-owner "
        f"--dbname={shlex.quote(pg_target(url))} {shlex.quote(file)}"
    )


def is_sqlite(url: str) -> bool:
    return make_url(normalize_database_url(url)).get_backend_name() == "sqlite"


def cmd_backup(settings: Settings, file: str, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    t = operator_translator()
    url = settings.database_url
    if not is_sqlite(url):
        print(render_pg_dump(t, pg_dump_line(url, file)), file=out)
        return 0
    source = sqlite_file(url)
    assert source is not None
    if not source.is_file():
        raise SettingsError("backup_file_missing", path=str(source))
    result = backup_sqlite(source, Path(file))
    print(render_backup(t, Path(file), result.counts, result.size_bytes), file=out)
    return 0


def cmd_restore(settings: Settings, file: str, *, force: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    t = operator_translator()
    url = settings.database_url
    if not is_sqlite(url):
        print(render_pg_restore(t, pg_restore_line(url, file)), file=out)
        return 0
    result = restore_sqlite(Path(file), url, force=force)
    target = sqlite_file(url)
    print(render_restore(t, Path(file), target or Path(), result.counts, result.revision), file=out)
    return 0
