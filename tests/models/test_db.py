"""The storage layer: SQLite in WAL mode with a busy timeout, 64-bit Telegram ids, naive UTC.

The round-trip tests run on the harness's database: a SQLite file, or the PostgreSQL of
TEST_DATABASE_URL.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import BigInteger, text
from sqlmodel import SQLModel, func, select

import models  # noqa: F401  (every table on SQLModel.metadata)
from models import Chat, ChatDepartment, Cycle, Delivery, Department, UserRole
from models.db import Database, normalize_database_url
from tests.support import harness

# A supergroup id and a user id beyond 32 bits, as Telegram hands them out today.
SUPERGROUP_ID = -1_002_345_678_901
BIG_USER_ID = 7_123_456_789


def test_sqlite_file_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    try:
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() > 0
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        db.dispose()
    assert (tmp_path / "wal.sqlite3-wal").exists() or (tmp_path / "wal.sqlite3").exists()


def test_two_threads_writing_at_once_both_succeed(tmp_path: Path) -> None:
    """A writer that holds the file for a while makes the other wait, not fail as "locked"."""
    db = harness.fresh_database(f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    holding = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        def hold(session: object) -> None:
            session.add(Chat(id=-1, title="slow"))  # type: ignore[attr-defined]
            session.flush()  # type: ignore[attr-defined]  (takes the write lock)
            holding.set()
            release.wait(timeout=10)

        try:
            db.call(hold)
        except BaseException as exc:  # recorded and re-raised by the assertion below
            errors.append(exc)

    def fast_writer(first: int) -> None:
        try:
            holding.wait(timeout=10)
            for n in range(first, first + 25):
                db.call(lambda session, n=n: session.add(Chat(id=-1000 - n, title=str(n))))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=slow_writer)] + [
        threading.Thread(target=fast_writer, args=(start,)) for start in (0, 100)
    ]
    for thread in threads:
        thread.start()
    holding.wait(timeout=10)
    # Let the other writers queue up behind the held lock before it is released.
    threading.Timer(0.5, release.set).start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        assert errors == []
        assert db.call(lambda s: s.exec(select(func.count()).select_from(Chat)).one()) == 51
    finally:
        db.dispose()


def test_telegram_ids_are_64_bit_columns() -> None:
    """Chat ids (-100…), user ids and message ids outgrow 32 bits: every such column is BIGINT."""
    suffixes = ("chat_id", "user_id", "message_id", "_by", "migrated_to")
    narrow = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if (column.name.endswith(suffixes) or (table.name == "chat" and column.name == "id"))
        and column.type.python_type is int
        and not isinstance(column.type, BigInteger)
    ]
    assert narrow == []


def test_large_chat_and_user_ids_round_trip(tmp_path: Path) -> None:
    db = harness.fresh_database(harness.test_database_url(tmp_path))
    try:

        def store(session: object) -> None:
            department = Department(name="省水利厅")
            session.add(department)  # type: ignore[attr-defined]
            session.flush()  # type: ignore[attr-defined]
            session.add(Chat(id=SUPERGROUP_ID, title="水利", migrated_to=SUPERGROUP_ID - 1))  # type: ignore[attr-defined]
            session.add(  # type: ignore[attr-defined]
                ChatDepartment(
                    chat_id=SUPERGROUP_ID, department_id=department.id, bound_by=BIG_USER_ID
                )
            )
            session.add(UserRole(user_id=BIG_USER_ID, role="admin", added_by=BIG_USER_ID))  # type: ignore[attr-defined]

        db.call(store)
        chat = db.call(lambda s: s.get(Chat, SUPERGROUP_ID))
        binding = db.call(lambda s: s.exec(select(ChatDepartment)).one())
        role = db.call(lambda s: s.exec(select(UserRole)).one())
        assert chat.migrated_to == SUPERGROUP_ID - 1
        assert (binding.chat_id, binding.bound_by) == (SUPERGROUP_ID, BIG_USER_ID)
        assert role.user_id == BIG_USER_ID
    finally:
        db.dispose()


def test_timestamps_are_stored_and_read_as_naive_utc(tmp_path: Path) -> None:
    """09:00 in Shanghai is stored as 01:00 UTC; naive values are taken as UTC already."""
    db = harness.fresh_database(harness.test_database_url(tmp_path))
    shanghai = timezone(timedelta(hours=8))
    try:

        def store(session: object) -> None:
            session.add(  # type: ignore[attr-defined]
                Cycle(
                    key="manual:tz",
                    fire_at=datetime(2026, 3, 25, 9, 0, tzinfo=shanghai),
                    due_at=datetime(2026, 3, 28, 1, 0),
                )
            )

        db.call(store)
        cycle = db.call(lambda s: s.exec(select(Cycle)).one())
        assert cycle.fire_at == datetime(2026, 3, 25, 1, 0)
        assert cycle.fire_at.tzinfo is None
        assert cycle.due_at == datetime(2026, 3, 28, 1, 0)
        # Queries compare in UTC too, whichever form the bound value has.
        aware_bound = datetime(2026, 3, 25, 1, 30, tzinfo=UTC)
        found = db.call(lambda s: s.exec(select(Cycle).where(Cycle.fire_at < aware_bound)).all())
        assert [c.key for c in found] == ["manual:tz"]
        assert cycle.created_at.tzinfo is None
        assert abs(cycle.created_at - datetime.now(UTC).replace(tzinfo=None)) < timedelta(hours=1)
    finally:
        db.dispose()


def test_a_delivery_keeps_a_large_message_id(tmp_path: Path) -> None:
    db = harness.fresh_database(harness.test_database_url(tmp_path))
    try:

        def store(session: object) -> None:
            cycle = Cycle(
                key="manual:big", fire_at=datetime(2026, 1, 1), due_at=datetime(2026, 1, 4)
            )
            session.add(cycle)  # type: ignore[attr-defined]
            session.flush()  # type: ignore[attr-defined]
            session.add(Delivery(cycle_id=cycle.id, chat_id=SUPERGROUP_ID, message_id=2**40))  # type: ignore[attr-defined]

        db.call(store)
        delivery = db.call(lambda s: s.exec(select(Delivery)).one())
        assert (delivery.chat_id, delivery.message_id) == (SUPERGROUP_ID, 2**40)
    finally:
        db.dispose()


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert normalize_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_database_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_database_url("sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"
