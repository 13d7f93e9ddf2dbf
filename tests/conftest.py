"""Shared fixtures: people and chats of a typical deployment, an empty database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from botapi_sim.updates import SimChat, SimUser, private_chat
from models.db import Database
from tests.support.harness import fresh_database, test_database_url

ADMIN = SimUser(id=1001, first_name="Admin", username="admin_wang")
COORDINATOR = SimUser(id=1002, first_name="协调员", username="coord_li")
LIAISON_WATER = SimUser(id=2001, first_name="张", last_name="水利")
LIAISON_DEV = SimUser(id=2002, first_name="李", last_name="发改")
LIAISON_ENERGY = SimUser(id=2003, first_name="王", last_name="能源")
STRANGER = SimUser(id=9009, first_name="Stranger", language_code="en")

WATER_GROUP = SimChat(id=-100_001, title="省水利厅 督办群")
DEV_GROUP = SimChat(id=-100_002, title="发改委 督办群")
ENERGY_GROUP = SimChat(id=-100_003, title="能源局/自然资源厅 督办群")
COORD_GROUP = SimChat(id=-100_900, title="督办协调组")
UNBOUND_GROUP = SimChat(id=-100_777, title="闲聊群")


@pytest.fixture
def admin_private() -> SimChat:
    return private_chat(ADMIN)


# --- PostgreSQL (TEST_DATABASE_URL) -------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """The suite's database (a SQLite file, or TEST_DATABASE_URL's), every table empty.

    Test modules that need more in it (a plan, a sample) define a `db` of their own.
    """
    database = fresh_database(test_database_url(tmp_path))
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def pg_url() -> str:
    """The PostgreSQL of TEST_DATABASE_URL; the test is skipped when it is not set."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://…")
    return url


@pytest.fixture
def pg_schema_url(pg_url: str) -> Iterator[str]:
    """A URL whose connections work in a new, empty PostgreSQL schema, dropped afterwards.

    For tests that need a database nobody migrated yet (or several processes on one database)
    without disturbing the tables the harness keeps in the default schema.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from models.db import normalize_database_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_database_url(pg_url))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(normalize_database_url(pg_url)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            # A connection a test forgot in a transaction must not hang the whole run.
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
