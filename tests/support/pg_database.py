"""The PostgreSQL of TEST_DATABASE_URL as the tests use it: one schema per pytest process.

Several pytest runs (developers in parallel, CI) can share one server without dropping each
other's tables; within a run, tables are created once and emptied between tests.
"""

from __future__ import annotations

import atexit
import contextlib
import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ProgrammingError
from sqlmodel import SQLModel

from models.db import normalize_database_url

SCHEMA_PREFIX = "pytest_"

_schema_urls: dict[str, str] = {}
# URL → the statements that empty every table and restart the id sequences.
_empty_sql: dict[str, str] = {}


def process_schema_url(url: str) -> str:
    """`url` with connections confined to this process's own schema (made on first use)."""
    if url not in _schema_urls:
        schema = f"{SCHEMA_PREFIX}{os.getpid()}"
        admin = create_engine(normalize_database_url(url))
        try:
            with admin.begin() as connection:
                _drop_schemas_of_gone_processes(connection)
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        finally:
            admin.dispose()
        atexit.register(_drop_schema, url, schema)
        _schema_urls[url] = (
            make_url(normalize_database_url(url))
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    return _schema_urls[url]


def reset_tables(engine: Engine) -> None:
    """Every table of the models, empty, ids from 1; stamped at the newest migration.

    Created once per process, then emptied with one round trip of DELETEs (on tables this
    small, far faster than TRUNCATE or dropping and creating them for each test). The stamp
    lets a bot that a test starts in a subprocess accept the database.
    """
    import models  # noqa: F401  (every table on SQLModel.metadata)

    key = engine.url.render_as_string(hide_password=False)
    if key not in _empty_sql:
        SQLModel.metadata.create_all(engine)
        from alembic import command

        from migrations.runner import alembic_config

        with engine.begin() as connection:
            command.stamp(alembic_config(connection=connection), "head")
            sequences = connection.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
            ).scalars()
            statements = [
                f'DELETE FROM "{table.name}"' for table in reversed(SQLModel.metadata.sorted_tables)
            ] + [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        _empty_sql[key] = "; ".join(statements)
    try:
        with engine.begin() as connection:
            # A connection a test left inside a transaction must fail this, not hang the run.
            connection.execute(text("SET LOCAL lock_timeout = '15s'"))
            connection.exec_driver_sql(_empty_sql[key])
    except ProgrammingError:  # a test dropped tables: build them again
        del _empty_sql[key]
        reset_tables(engine)


def _drop_schemas_of_gone_processes(connection: object) -> None:
    rows = connection.execute(  # type: ignore[attr-defined]
        text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"),
        {"prefix": SCHEMA_PREFIX + "%"},
    )
    for (name,) in rows.all():
        pid = name.removeprefix(SCHEMA_PREFIX)
        if pid.isdigit() and not _alive(int(pid)):
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))  # type: ignore[attr-defined]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_schema(url: str, schema: str) -> None:
    with contextlib.suppress(Exception):
        admin = create_engine(normalize_database_url(url))
        try:
            with admin.begin() as connection:
                connection.execute(text("SET LOCAL lock_timeout = '5s'"))
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            admin.dispose()
