"""Statements rendered once per database and run straight on the driver's cursor.

For the statement that runs for every reply: SQLAlchemy's per-call work (the cache look-up,
the execution context, the result object) costs more than the database does. The SQL, the
order of its parameters and their type conversions are SQLAlchemy's own, taken once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql import ClauseElement
from sqlmodel import Session


@dataclass(frozen=True)
class _Rendered:
    sql: str
    names: tuple[str, ...]  # in the order the driver takes positional parameters
    positional: bool
    converters: dict[str, Callable[[Any], Any]]  # the column types' bind processors


class Prepared:
    """`build(session)` rendered for each database dialect on first use; `first(session, row)`
    runs it in the session's transaction and returns the first row it gives back."""

    def __init__(self, build: Callable[[Session], ClauseElement], keys: Sequence[str]) -> None:
        self._build = build
        self._keys = list(keys)  # every column a row gives (no column default is used)
        self._rendered: dict[str, _Rendered] = {}

    def _render(self, session: Session) -> _Rendered:
        dialect = session.get_bind().dialect
        rendered = self._rendered.get(dialect.name)
        if rendered is None:
            compiled = self._build(session).compile(dialect=dialect, column_keys=self._keys)
            names = tuple(compiled.positiontup or compiled.binds)
            converters = {}
            for name in names:
                converter = compiled.binds[name].type.bind_processor(dialect)
                if converter is not None:
                    converters[name] = converter
            rendered = _Rendered(compiled.string, names, compiled.positional, converters)
            self._rendered[dialect.name] = rendered
        return rendered

    def first(self, session: Session, row: dict[str, Any]) -> Any:
        """The first row of the statement's result for `row`'s values, or None."""
        rendered = self._render(session)
        converters = rendered.converters
        values = {
            name: converters[name](row[name]) if name in converters else row[name]
            for name in rendered.names
        }
        # The driver's connection of the session's own transaction: committed with it.
        cursor = session.connection().connection.cursor()
        try:
            if rendered.positional:
                cursor.execute(rendered.sql, [values[name] for name in rendered.names])
            else:
                cursor.execute(rendered.sql, values)
            return cursor.fetchone()
        finally:
            cursor.close()
