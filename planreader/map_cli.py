"""`python bot.py plan export-map|import-map FILE.xlsx`: the map as a spreadsheet to correct.

Export writes the current plan's map (corrections included) with the reader's doubts; import
reads it back, names every bad row, and writes nothing unless every row is good.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from messages.i18n import N_, Translator, get_translator
from migrations.runner import require_current, upgrade_engine
from models.clock import utcnow
from models.db import Database, is_postgres
from planreader.corrections import MeasureMap, measure_maps, plan_measures
from planreader.map_sheet import (
    COLUMNS,
    MapImport,
    MapSheetError,
    SheetRow,
    import_map_rows,
    read_map_sheet,
    write_map_sheet,
)
from planreader.measures import current_plan

EXIT_OK, EXIT_BAD_FILE, EXIT_DATABASE = 0, 1, 3
HEADINGS = {
    "measure": N_("Measure"),
    "title": N_("Title"),
    "leads": N_("Leads"),
    "supports": N_("Supports"),
    "due": N_("Due"),
    "doubts": N_("Doubts"),
    "corrected": N_("Corrected"),
}


def _headings(t: Translator) -> dict[str, str]:
    return {column: t._(HEADINGS[column]) for column in COLUMNS}


def _every_heading() -> dict[str, set[str]]:
    """A sheet exported in Chinese imports in English and the other way round."""
    translators = [get_translator("zh_CN"), get_translator("en")]
    return {c: {t._(HEADINGS[c]) for t in translators} | {HEADINGS[c]} for c in COLUMNS}


def _open(database_url: str) -> Database:
    """The database at the newest schema, as `bot.py run` would have it."""
    db = Database.from_url(database_url)
    if is_postgres(db.engine):
        require_current(db.engine)
    else:
        upgrade_engine(db.engine)
    return db


def _with_database(
    database_url: str, t: Translator, err: TextIO, work: Callable[[Database], int]
) -> int:
    db = _open(database_url)
    try:
        return work(db)
    except SQLAlchemyError as exc:
        print(
            t._("The database could not be written: {error}").format(
                error=str(exc).splitlines()[0]
            ),
            file=err,
        )
        return EXIT_DATABASE
    finally:
        db.dispose()


def _current_maps(session: Session) -> tuple[str, list[MeasureMap]] | None:
    plan = current_plan(session)
    if plan is None or plan.id is None:
        return None
    return plan.title, measure_maps(session, plan_measures(session, plan.id))


def cmd_export_map(
    path: Path | str,
    *,
    database_url: str,
    lang: str = "zh_CN",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Write the current plan's map to `path` (.xlsx)."""
    out, err = out or sys.stdout, err or sys.stderr
    t = get_translator(lang)

    def work(db: Database) -> int:
        found = db.call(_current_maps)
        if found is None:
            print(t._("No plan is imported yet: run plan import first."), file=err)
            return EXIT_BAD_FILE
        title, maps = found
        write_map_sheet(
            Path(path),
            maps,
            headings=_headings(t),
            doubt_text=lambda m: "" if m.corrected else "；".join(d.render(t) for d in m.doubts),
            corrected_text=lambda m: t.date(m.corrected_at, "short") if m.corrected_at else "",
        )
        doubtful = sum(1 for m in maps if m.doubts and not m.corrected)
        print(
            t.ngettext(
                "Wrote the map of {title} to {path}: {n} measure, {doubtful} to check.",
                "Wrote the map of {title} to {path}: {n} measures, {doubtful} to check.",
                len(maps),
            ).format(title=title, path=path, n=len(maps), doubtful=doubtful),
            file=out,
        )
        return EXIT_OK

    return _with_database(database_url, t, err, work)


def render_map_import(result: MapImport, t: Translator) -> str:
    if result.problems:
        lines = [
            t.ngettext(
                "Nothing was changed: {n} problem needs fixing first.",
                "Nothing was changed: {n} problems need fixing first.",
                len(result.problems),
            ).format(n=len(result.problems))
        ]
        return "\n".join(lines + ["- " + p.render(t) for p in result.problems])
    sep = "、" if t.is_chinese else ", "
    lines = [
        t.ngettext(
            "{n} measure corrected.", "{n} measures corrected.", len(result.corrected)
        ).format(n=len(result.corrected))
    ]
    lines += ["- " + label for label in result.corrected]
    if result.created:
        lines.append(t._("New departments: {names}").format(names=sep.join(result.created)))
    lines.append(
        t.ngettext("{n} row unchanged.", "{n} rows unchanged.", result.unchanged).format(
            n=result.unchanged
        )
    )
    return "\n".join(lines)


def cmd_import_map(
    path: Path | str,
    *,
    database_url: str,
    lang: str = "zh_CN",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Apply an edited map from `path`; nothing is written when any row is bad."""
    out, err = out or sys.stdout, err or sys.stderr
    t = get_translator(lang)
    try:
        rows = read_map_sheet(Path(path), headings=_every_heading())
    except MapSheetError as exc:
        print(t._(exc.message).format(path=exc.path), file=err)
        return EXIT_BAD_FILE

    def work(db: Database) -> int:
        result = db.call(_import, rows=rows)
        if result is None:
            print(t._("No plan is imported yet: run plan import first."), file=err)
            return EXIT_BAD_FILE
        print(render_map_import(result, t), file=err if result.problems else out)
        return EXIT_BAD_FILE if result.problems else EXIT_OK

    return _with_database(database_url, t, err, work)


def _import(session: Session, *, rows: list[SheetRow]) -> MapImport | None:
    plan = current_plan(session)
    if plan is None or plan.id is None:
        return None
    result = import_map_rows(session, plan_id=plan.id, rows=rows, now=utcnow())
    if result.problems:
        session.rollback()  # rows are checked before any write; this only makes it certain
    return result
