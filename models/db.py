"""The engine and the session helpers.

Handlers never touch a session on the event loop: `Database.run(fn, ...)` opens one session,
runs the plain function `fn(session, ...)` in a worker thread and commits, so a slow disk or a
locked SQLite file never stalls the bot.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel, create_engine

P = ParamSpec("P")
T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 15_000


def normalize_database_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite files get WAL mode and a busy timeout."""
    url = normalize_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            poolclass=NullPool if parsed.database in (None, "", ":memory:") else None,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)


WROTE = "wrote"


@event.listens_for(Session, "after_flush")
def _wrote_by_flush(session: Session, _context: Any) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _wrote_by_statement(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def wrote(session: Session) -> bool:
    """Whether this session changed anything through the ORM (objects, or statements run with
    `session.execute`); Core statements on `session.connection()` say so themselves."""
    return bool(session.info.get(WROTE))


def note_write(session: Session) -> None:
    """A change made on `session.connection()` counts as the session's (see `wrote`)."""
    session.info[WROTE] = True


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def dialect_insert(
    holder: Session | Connection, table: Table
) -> postgresql.Insert | sqlite.Insert:
    """INSERT for `table` with the database's ON CONFLICT clauses (SQLite and PostgreSQL
    share the form: the unique constraint itself decides what is a copy)."""
    bind = holder.get_bind() if isinstance(holder, Session) else holder
    if bind.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# The key of the PostgreSQL advisory lock that first-run work (migrations, importing the
# bundled plan) is done under: b"duban" + 1, as a bigint.
FIRST_RUN_LOCK = 0x64_75_62_61_6E_01


@contextmanager
def first_run_lock(engine: Engine) -> Iterator[None]:
    """Several instances starting at once do first-run work one after another.

    On PostgreSQL a session-level advisory lock, held on a connection of its own; the work
    inside must check again whether it is still to be done. SQLite serves one process.
    """
    if not is_postgres(engine):
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": FIRST_RUN_LOCK})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": FIRST_RUN_LOCK})
            connection.commit()


def create_schema(engine: Engine) -> None:
    """Create missing tables straight from the models (SQLite default and tests).

    PostgreSQL deployments use Alembic migrations (`python bot.py db upgrade`) instead.
    Every table is on SQLModel.metadata: `models/__init__.py` imports them all, and it runs
    before anything can reach this module.
    """
    SQLModel.metadata.create_all(engine)


class Database:
    """An engine plus a small thread pool that runs blocking session work off the loop."""

    def __init__(self, engine: Engine, *, workers: int = 4) -> None:
        self.engine = engine
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(create_db_engine(url), **kwargs)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `fn(session, *args, **kwargs)` in one session and commit (blocking)."""
        with self.session() as session:
            result = fn(session, *args, **kwargs)
            session.commit()
            return result

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `fn(session, *args, **kwargs)` in one committed session in a worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(self.call, fn, *args, **kwargs)
        )

    async def in_thread(self, fn: Callable[..., T], /, *args: Any) -> T:
        """Run the plain blocking `fn(*args)` in the database's worker threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    def dispose(self) -> None:
        self._executor.shutdown(wait=True)
        self.engine.dispose()
