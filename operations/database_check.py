"""The database URL checked before anything is created: form, kind, folder, server, schema.

SQLite: the folder must exist and be writable (the file itself is made at first start).
PostgreSQL: the server must answer and the schema be current (`bot.py db upgrade` else).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from migrations.runner import require_current, require_known
from models.db import create_db_engine, normalize_database_url
from settings import SettingsError, mask_url_password

SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def parse_database_url(url: str) -> URL:
    """The URL parsed, or SettingsError saying why it cannot be a database of this bot."""
    try:
        parsed = make_url(normalize_database_url(url.strip()))
    except (ArgumentError, ValueError):
        raise SettingsError("database_url_malformed", value=_masked(url)) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise SettingsError("database_url_unsupported", scheme=backend)
    if backend == "postgresql":
        try:
            parsed.get_dialect()  # the driver (psycopg) is there and the URL names it
        except Exception:
            raise SettingsError("database_url_malformed", value=_masked(url)) from None
    return parsed


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL), checked to be usable."""
    parsed = parse_database_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if database is None:
        raise SettingsError("sqlite_memory")
    if database == "":
        raise SettingsError("sqlite_path_empty", value=url.strip())
    if database == ":memory:" or database.startswith("file::memory:"):
        raise SettingsError("sqlite_memory")
    path = Path(database).expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not path.is_file():
        raise SettingsError("sqlite_not_a_file", path=str(path))
    if not folder.is_dir():
        raise SettingsError("sqlite_folder_missing", folder=str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SettingsError("sqlite_folder_not_writable", folder=str(folder))
    return path


def check_database(url: str) -> None:
    """Everything about the database that can be known without creating anything.

    PostgreSQL is connected to and its schema compared with this version's newest migration;
    an existing SQLite file is read (a file that is not a database is refused here); it is
    migrated later, at start.
    """
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return
    engine = create_db_engine(url)
    try:
        if path is None:
            require_current(engine)
        else:
            # Migrated at start; only a schema from a newer release is refused before then.
            require_known(engine)
    finally:
        engine.dispose()


def _masked(url: str) -> str:
    return mask_url_password(url.strip())
