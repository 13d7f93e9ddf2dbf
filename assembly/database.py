"""The database of the settings, its schema brought to (or checked at) the newest migration.

On first start with an empty database the plan that ships with the bot is imported.
"""

from __future__ import annotations

import logging

from messages.plan import summary_line
from migrations.runner import require_current, upgrade_engine
from models.db import Database, first_run_lock, is_postgres
from planreader.importer import import_plan_file, plan_count
from settings import DEFAULT_PLAN, Settings

log = logging.getLogger("duban")


def open_database(settings: Settings, *, create: bool = True) -> Database:
    """The database of `settings`, its schema brought to or checked at the newest migration."""
    return open_database_url(settings.database_url, create=create)


def open_database_url(url: str, *, create: bool = True) -> Database:
    """The database at `url`, its schema brought to or checked at the newest migration.

    SQLite (one file, one process) is migrated in place. PostgreSQL may be shared by several
    instances, so it is only checked: when it is behind, `SchemaNotCurrent` (a SettingsError)
    asks the operator to run `python bot.py db upgrade` once, before the instances start.
    """
    db = Database.from_url(url)
    if create:
        try:
            prepare_schema(db)
        except BaseException:
            db.dispose()
            raise
    return db


def prepare_schema(db: Database) -> None:
    """Bring the schema to (SQLite), or check it is at (PostgreSQL), the newest migration.

    Apart from `open_database_url` so that `bot.py run` can open the database first and
    create nothing in it until Telegram has accepted the token.
    """
    if is_postgres(db.engine):
        require_current(db.engine)
    else:
        upgrade_engine(db.engine)


def ensure_bundled_plan(db: Database) -> None:
    """On first start with an empty database, import the plan that ships with the bot.

    Instances started together on one PostgreSQL take turns under an advisory lock, and each
    looks again once it holds it: one imports, the others find the plan there.
    """
    if db.call(plan_count) > 0:
        return
    with first_run_lock(db.engine):
        if db.call(plan_count) > 0:
            return
        result = import_plan_file(db, DEFAULT_PLAN)
        log.info("imported the bundled plan: %s", summary_line(result))
