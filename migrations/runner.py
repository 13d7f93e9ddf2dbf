"""Alembic migrations driven from code: `python bot.py db upgrade` and the schema check at start.

There is no alembic.ini: the configuration is built here from the database URL.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError
from sqlmodel import SQLModel

# Importing the package registers every table on SQLModel.metadata.
from models.db import create_db_engine, first_run_lock, normalize_database_url
from settings import SettingsError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
VERSION_TABLE = "alembic_version"


class SchemaNotCurrent(SettingsError):
    """The database is not at the schema this code needs; the message tells what to run."""


class DatabaseUnavailable(SettingsError):
    """The database cannot be reached or opened; the message names it (without password)."""


@contextmanager
def _explained(engine: Engine) -> Iterator[None]:
    """Turn "connection refused", "password authentication failed" … into one clear line."""
    try:
        yield
    except DatabaseError as exc:
        where = engine.url.render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable("database_unavailable", where=where, reason=reason) from None


def alembic_config(
    database_url: str | None = None, *, connection: Connection | None = None
) -> Config:
    """An Alembic `Config` for this project, on a URL or on an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Revisions are numbered in order: versions/0002_add_x.py follows 0001_initial.py.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if database_url is not None:
        config.attributes["database_url"] = normalize_database_url(database_url)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision in `migrations/versions` (there is exactly one head)."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {heads!r}")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with _explained(engine), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (`python bot.py db upgrade`)."""
    engine = create_db_engine(database_url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations on `engine`.

    A database made by `create_all` before migrations existed has tables but no version:
    its missing tables are created and it is stamped at head rather than failing on
    "table already exists".
    """
    try:
        with _explained(engine):
            _upgrade(engine, revision)
    except CommandError as exc:  # e.g. a revision this version of the bot does not know
        raise SchemaNotCurrent("migration_failed", reason=str(exc)) from None


def _upgrade(engine: Engine, revision: str) -> None:
    # Several `db upgrade` (one per container, say) at once: one migrates, the others then
    # find the schema at head.
    with first_run_lock(engine):
        _upgrade_locked(engine, revision)


def _upgrade_locked(engine: Engine, revision: str) -> None:
    tables = set(inspect(engine).get_table_names())
    if tables & set(SQLModel.metadata.tables) and VERSION_TABLE not in tables:
        log.warning("database has tables but no migration version: adopting it at head")
        SQLModel.metadata.create_all(engine)
        with engine.begin() as connection:
            command.stamp(alembic_config(connection=connection), "head")
        for difference in schema_differences(engine):
            log.warning("the adopted database differs from the models: %s", difference)
        return
    _refuse_unknown(current_revision(engine))
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection=connection), revision)


def _refuse_unknown(current: str | None) -> None:
    """A database migrated by a newer release cannot be run, nor migrated, by this one."""
    script = ScriptDirectory.from_config(alembic_config())
    if current is not None and current not in {s.revision for s in script.walk_revisions()}:
        raise SchemaNotCurrent("schema_newer", current=current, head=head_revision())


def require_known(engine: Engine) -> None:
    """Raise `SchemaNotCurrent` when a newer release of the bot migrated this database."""
    _refuse_unknown(current_revision(engine))


def require_current(engine: Engine) -> None:
    """Raise `SchemaNotCurrent` unless the database is at the newest revision."""
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return
    _refuse_unknown(current)
    if current is None:
        raise SchemaNotCurrent("schema_empty", head=head)
    raise SchemaNotCurrent("schema_behind", current=current, head=head)


def schema_differences(engine: Engine) -> list[object]:
    """What differs between the database and the models (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def make_revision(message: str) -> Path:
    """Write the next revision by comparing the models with a scratch database at head.

    Autogenerate needs a database at the current head; a temporary SQLite file serves, so a
    developer needs no server to add a column. Check the file it writes before committing.
    """
    existing = [
        int(m.group(1))
        for p in (MIGRATIONS_DIR / "versions").glob("*.py")
        if (m := re.match(r"(\d{4})_", p.name))
    ]
    rev_id = f"{max(existing, default=0) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'scratch.sqlite3'}"
        engine = create_db_engine(url)
        try:
            if existing:
                upgrade_engine(engine)
            with engine.begin() as connection:
                script = command.revision(
                    alembic_config(connection=connection),
                    message=message,
                    autogenerate=True,
                    rev_id=rev_id,
                )
        finally:
            engine.dispose()
    if script is None or isinstance(script, list):
        raise RuntimeError("alembic wrote no single revision")
    path = Path(script.path)
    _tidy(path)
    return path


def _tidy(path: Path) -> None:
    """Make a written revision pass the project's `ruff check` and `ruff format`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line.rstrip() for line in lines) + "\n", encoding="utf-8")
    for args in (["format", "--quiet"], ["check", "--fix", "--quiet"], ["format", "--quiet"]):
        subprocess.run([sys.executable, "-m", "ruff", *args, str(path)], check=False)
