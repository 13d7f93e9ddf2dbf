"""The migrations build exactly the schema of the models, on SQLite and on PostgreSQL.

When a model gains a column and no revision follows, these tests fail: run
`python -m migrations revision "what changed"` and commit the file it writes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

import models  # noqa: F401  (every table on SQLModel.metadata)
from assembly import open_database
from migrations.runner import (
    SchemaNotCurrent,
    current_revision,
    head_revision,
    schema_differences,
    upgrade,
    upgrade_engine,
)
from models.db import create_db_engine
from settings import load_settings
from tests.support.paths import ROOT


def _migrated_differences(url: str) -> list[object]:
    upgrade(url)
    engine = create_db_engine(url)
    try:
        assert current_revision(engine) == head_revision()
        return schema_differences(engine)
    finally:
        engine.dispose()


def test_migrations_on_a_fresh_sqlite_file_build_the_models_schema(tmp_path: Path) -> None:
    differences = _migrated_differences(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert differences == [], (
        "the migrations do not match the models; run "
        '`python -m migrations revision "<what changed>"` and commit the new revision:\n'
        + "\n".join(map(str, differences))
    )


def test_migrations_on_postgresql_build_the_models_schema(pg_schema_url: str) -> None:
    differences = _migrated_differences(pg_schema_url)
    assert differences == [], "\n".join(map(str, differences))


def test_every_table_of_the_models_is_created_by_the_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tables.sqlite3'}"
    upgrade(url)
    engine = create_db_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_downgrade_to_nothing_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    engine = create_db_engine(url)
    try:
        upgrade_engine(engine)
        upgrade_engine(engine)  # a second upgrade at head changes nothing
        from alembic import command

        from migrations.runner import alembic_config

        with engine.begin() as connection:
            command.downgrade(alembic_config(connection=connection), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert current_revision(engine) is None
        upgrade_engine(engine)
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_the_revisions_form_one_line() -> None:
    """Two helpers adding revisions in parallel must not leave two heads."""
    head = head_revision()
    assert head
    files = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("[0-9]*.py"))
    assert files[-1].startswith(head)


def test_db_upgrade_command_creates_the_schema_on_sqlite(tmp_path: Path) -> None:
    database = tmp_path / "cli.sqlite3"
    result = _run_cli(["db", "upgrade"], tmp_path, DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode == 0, result.stderr
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        assert current_revision(engine) == head_revision()
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_the_bot_refuses_an_unmigrated_postgresql_until_db_upgrade(pg_schema_url: str) -> None:
    settings = load_settings(_env_file=None, database_url=pg_schema_url)
    with pytest.raises(SchemaNotCurrent) as refused:
        open_database(settings)
    assert "python bot.py db upgrade" in str(refused.value)
    assert head_revision() in str(refused.value)

    result = _run_cli(["db", "upgrade"], Path.cwd(), DATABASE_URL=pg_schema_url)
    assert result.returncode == 0, result.stderr

    db = open_database(settings)
    try:
        assert current_revision(db.engine) == head_revision()
    finally:
        db.dispose()


def test_bot_run_on_an_unmigrated_postgresql_exits_with_the_command_to_run(
    pg_schema_url: str, tmp_path: Path
) -> None:
    result = _run_cli(
        ["run"],
        tmp_path,
        DATABASE_URL=pg_schema_url,
        TELEGRAM_BOT_TOKEN="123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",
    )
    assert result.returncode == 2
    assert "python bot.py db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sqlite_file_is_migrated_when_the_bot_opens_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    db = open_database(load_settings(_env_file=None, database_url=url))
    try:
        assert current_revision(db.engine) == head_revision()
        assert schema_differences(db.engine) == []
    finally:
        db.dispose()


def test_a_sqlite_file_made_before_migrations_is_adopted(tmp_path: Path) -> None:
    """A file whose tables came from `create_all` (no version) is stamped, not re-created."""
    from models import Chat
    from models.db import Database, create_schema

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = Database.from_url(url)
    create_schema(old.engine)
    old.call(lambda session: session.add(Chat(id=-100_5, title="kept")))
    old.dispose()

    db = open_database(load_settings(_env_file=None, database_url=url))
    try:
        assert current_revision(db.engine) == head_revision()
        assert db.call(lambda session: session.get(Chat, -100_5).title) == "kept"
    finally:
        db.dispose()


def _run_cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    clean.update(env)
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_database_from_a_newer_release_is_refused_with_a_message(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.sqlite3'}"
    upgrade(url)
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()

    result = _run_cli(
        ["run"], tmp_path, DATABASE_URL=url, TELEGRAM_BOT_TOKEN="123456789:" + "A" * 35,
        BOT_LOCALE="en",
    )
    assert result.returncode == 2
    assert "revision 9999, newer than this version of the bot" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_adopts_a_postgresql_made_before_migrations(pg_schema_url: str) -> None:
    """Tables from `create_all` and no version: `db upgrade` stamps them, keeping the rows."""
    from models import Department
    from models.db import Database, create_schema

    old = Database.from_url(pg_schema_url)
    create_schema(old.engine)
    old.call(lambda session: session.add(Department(name="省水利厅")))
    old.dispose()

    result = _run_cli(["db", "upgrade"], Path.cwd(), DATABASE_URL=pg_schema_url)
    assert result.returncode == 0, result.stderr

    db = open_database(load_settings(_env_file=None, database_url=pg_schema_url))
    try:
        assert current_revision(db.engine) == head_revision()
        assert db.call(lambda session: session.get(Department, 1).name) == "省水利厅"
    finally:
        db.dispose()


def _upgrade_to(engine: object, revision: str) -> None:
    from alembic import command

    from migrations.runner import alembic_config

    with engine.begin() as connection:  # type: ignore[attr-defined]
        command.upgrade(alembic_config(connection=connection), revision)


def _database_at_0001_with_two_reports(url: str) -> object:
    """A database at revision 0001 where a department reported twice in one cycle."""
    from datetime import datetime

    from sqlalchemy import MetaData

    engine = create_db_engine(url)
    _upgrade_to(engine, "0001")
    tables = MetaData()
    tables.reflect(engine)
    t = tables.tables
    with engine.begin() as connection:
        connection.execute(
            t["plan"].insert(),
            {
                "id": 1,
                "doc_number": "晋政办发〔2021〕36号",
                "title": "方案",
                "issuer": "",
                "source_name": "",
                "content_hash": "",
                "imported_at": datetime(2026, 1, 1),
                "is_active": True,
            },
        )
        connection.execute(
            t["department"].insert(), {"id": 1, "name": "省水利厅", "kind": "department"}
        )
        connection.execute(
            t["measure"].insert(),
            {
                "id": 1,
                "plan_id": 1,
                "number": 5,
                "numeral": "五",
                "label": "（五）",
                "title": "水利",
                "body": "",
                "clause": "",
                "position": 5,
                "is_active": True,
            },
        )
        connection.execute(
            t["cycle"].insert(),
            {
                "id": 1,
                "key": "manual:old",
                "kind": "reminder",
                "fire_at": datetime(2026, 3, 1),
                "due_at": datetime(2026, 3, 4),
                "scope": "all",
                "created_at": datetime(2026, 3, 1),
                "overdue_digest_done": False,
            },
        )
        connection.execute(
            t["cycletask"].insert(),
            {
                "cycle_id": 1,
                "measure_id": 1,
                "department_id": 1,
                "role": "lead",
                "responsible": True,
            },
        )
        for message_id, day, on_time in ((11, 2, True), (12, 6, False)):
            connection.execute(
                t["progressupdate"].insert(),
                {
                    "measure_id": 1,
                    "department_id": 1,
                    "cycle_id": 1,
                    "chat_id": -100_001,
                    "user_name": "张",
                    "text": "推进中",
                    "status": "in_progress",
                    "source_message_id": message_id,
                    "created_at": datetime(2026, 3, day, 9),
                    "on_time": on_time,
                },
            )
    return engine


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0002_backfills_each_tasks_first_report(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Upgrading a database in use keeps its meaning: the first report decides, not the last."""
    from datetime import datetime

    from sqlalchemy import text

    if backend == "postgresql":
        url = request.getfixturevalue("pg_schema_url")
    else:
        url = f"sqlite:///{tmp_path / 'at0001.sqlite3'}"
    engine = _database_at_0001_with_two_reports(url)
    try:
        _upgrade_to(engine, "0002")
        with engine.connect() as connection:  # type: ignore[attr-defined]
            reported_at, on_time = connection.execute(
                text("SELECT reported_at, reported_on_time FROM cycletask")
            ).one()
        if isinstance(reported_at, str):  # SQLite hands back raw text outside the ORM
            reported_at = datetime.fromisoformat(reported_at)
        assert reported_at == datetime(2026, 3, 2, 9)
        assert bool(on_time) is True
    finally:
        engine.dispose()  # type: ignore[attr-defined]


def test_the_developer_check_command_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    from migrations.__main__ import main

    assert main(["check"]) == 0
    assert "migrations match the models" in capsys.readouterr().out


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0004_keeps_the_measures_read_before_it_without_doubts_or_deadline(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Measures stored by an older reader get no deadline and no doubts, and can be corrected."""
    from sqlalchemy import text

    if backend == "postgresql":
        url = request.getfixturevalue("pg_schema_url")
    else:
        url = f"sqlite:///{tmp_path / 'at0002.sqlite3'}"
    engine = _database_at_0001_with_two_reports(url)
    try:
        _upgrade_to(engine, "0002")
        _upgrade_to(engine, "0004")
        with engine.begin() as connection:  # type: ignore[attr-defined]
            row = connection.execute(
                text("SELECT deadline, deadline_text, doubts FROM measure WHERE id = 1")
            ).one()
            assert tuple(row) == (None, None, "[]")
            connection.execute(
                text(
                    "INSERT INTO measurecorrection (measure_id, sets_departments, lead_ids, "
                    "support_ids, sets_deadline, reading_lead_ids, reading_support_ids, "
                    "clause_seen, source, corrected_at) VALUES (1, true, '[1]', '[]', false, "
                    "'[]', '[]', '', 'sheet', CURRENT_TIMESTAMP)"
                )
            )
            assert connection.execute(text("SELECT count(*) FROM measurecorrection")).scalar() == 1
    finally:
        engine.dispose()  # type: ignore[attr-defined]
