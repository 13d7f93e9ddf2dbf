"""Alembic's environment: the target is every SQLModel table of `models`.

Run through `migrations.runner` (no alembic.ini); the URL or an open connection comes in
`config.attributes`. SQLite gets batch mode so later revisions can alter its tables.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from models.conventions import NaiveUTCDateTime
from models.db import create_db_engine

config = context.config
target_metadata = SQLModel.metadata

# Any fixed number: every process that upgrades one PostgreSQL database waits on this lock,
# so instances started together migrate one after the other instead of racing.
UPGRADE_LOCK_ID = 0x6475_6261_6E  # "duban"


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Revisions spell plain SQL types; the naive-UTC conversion lives in the models.
    if type_ == "type" and isinstance(obj, NaiveUTCDateTime):
        return "sa.DateTime()"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
        render_item=_render_item,
    )


def run_migrations_offline() -> None:
    """`--sql` mode: print the SQL instead of running it."""
    context.configure(
        url=config.attributes["database_url"],
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": UPGRADE_LOCK_ID})
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_db_engine(config.attributes["database_url"])
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
