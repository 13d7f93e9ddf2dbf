"""Version numbers of data that processes cache, so each one learns cheaply when another
process changed it: one row per kind of data, bumped in the transaction that changes it.
"""

from __future__ import annotations

from sqlalchemy import Table, bindparam, select
from sqlmodel import Field, Session, SQLModel

from models.db import dialect_insert, note_write

# Bindings, chats' activity, plans and cycles: everything a reply's scope is built from.
REPLY_SCOPE = "reply_scope"


class DataVersion(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=40)
    version: int = 0


def _table() -> Table:
    return DataVersion.__table__  # type: ignore[attr-defined, no-any-return]


def bump_version(session: Session, name: str = REPLY_SCOPE) -> None:
    """Count one change of `name`; caches built from an older number are dropped."""
    table = _table()
    statement = dialect_insert(session, table).values(name=name, version=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name], set_={"version": table.c.version + 1}
    )
    session.connection().execute(statement)
    note_write(session)


# Built once: this runs at the start of every batch of replies.
_READ = select(_table().c.version).where(_table().c.name == bindparam("name"))


def read_version(session: Session, name: str = REPLY_SCOPE) -> int:
    """The number of changes of `name` so far (0 before the first)."""
    value = session.connection().execute(_READ, {"name": name})
    return int(value.scalar() or 0)
