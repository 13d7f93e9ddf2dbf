"""The 督办 bot: follow-up of a government policy plan in the departments' Telegram groups.

The command line; the application is assembled in `assembly/` and run by `operations/`. Usage:

    python bot.py demo [--lang en]          # a whole cycle against a local simulator, no token,
                                            # then its dashboard on 127.0.0.1 until Ctrl+C
    python bot.py demo --platform dingtalk  # the same story on a local DingTalk simulator
    python bot.py run                       # long polling (TELEGRAM_BOT_TOKEN required)
    python bot.py run --webhook URL --listen 0.0.0.0 --port 8443
    python bot.py plan show [--json] PATH   # read a plan document, print who leads what
    python bot.py plan import PATH          # store a plan in the database
    python bot.py plan export-map FILE.xlsx # the map to check and correct in a spreadsheet
    python bot.py plan import-map FILE.xlsx # apply the corrected map
    python bot.py db upgrade                # apply Alembic migrations (PostgreSQL)
    python bot.py db backup FILE            # a copy of the database while the bot runs
    python bot.py db restore FILE [--force] # back from a copy (SQLite)
    python bot.py check                     # the doctor: what is set up, what is missing
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from assembly import open_database_url
from commands.plan_map import current_map, import_map
from demo.run import run_demo
from messages.i18n import Translator, get_translator, normalize_locale
from messages.map_sheet import (
    every_heading,
    map_workbook,
    no_plan_text,
    render_map_export,
    render_map_import,
    sheet_error_text,
    write_error_text,
)
from messages.plan import (
    database_error_text,
    document_json,
    read_error_text,
    render_import,
    render_table,
)
from messages.problems import operator_translator, render_problems
from migrations.runner import upgrade
from models.clock import utcnow
from models.db import Database
from operations import backup
from operations.database_check import sqlite_file
from operations.dingtalk_service import run_dingtalk_service
from operations.doctor import run_doctor
from operations.plan_input import check_plan_file, quiet_pdf_library
from operations.service import run_service, webhook_options
from planreader.document import PlanDocument, PlanReadError
from planreader.importer import import_plan_document
from planreader.map_sheet import MapSheetError, read_map_sheet
from planreader.reader import read_plan
from settings import SettingsError, load_settings

EXIT_OK, EXIT_NOT_A_PLAN, EXIT_DATABASE = 0, 1, 3
EXIT_BAD_MAP = 1  # no plan yet, a file that is no map sheet, or a bad row


def cmd_run(args: argparse.Namespace) -> int:
    """Check everything that can fail at start, then run until SIGTERM (operations.service)."""
    settings = load_settings()
    if settings.platform == "dingtalk":
        run_dingtalk_service(settings)
        return 0
    token = settings.require_token()
    webhook = webhook_options(
        settings, token=token, url=args.webhook, listen=args.listen, port=args.port,
        secret=args.secret,
    )
    run_service(settings, token=token, webhook=webhook)
    return 0


def require_locale(lang: str | None) -> str:
    """`--lang` as a supported locale, or a SettingsError naming what was typed.

    Without `--lang`, the operator's language (BOT_LOCALE, else the terminal's, else Chinese).
    """
    if lang is None:
        return operator_translator().locale
    locale = normalize_locale(lang, "")
    if not locale:
        raise SettingsError("locale_unsupported", name="--lang", value=lang)
    return locale


def cmd_plan(args: argparse.Namespace) -> int:
    lang = require_locale(args.lang)
    if args.plan_command in ("export-map", "import-map"):
        settings = load_settings()
        sqlite_file(settings.database_url)
        if args.plan_command == "export-map":
            return plan_export_map(args.path, database_url=settings.database_url, lang=lang)
        return plan_import_map(args.path, database_url=settings.database_url, lang=lang)
    check_plan_file(args.path)
    with quiet_pdf_library():
        if args.plan_command == "show":
            return plan_show(args.path, as_json=args.json, lang=lang)
        settings = load_settings()
        sqlite_file(settings.database_url)
        return plan_import(args.path, database_url=settings.database_url, lang=lang)


def _read_plan(path: Path | str, t: Translator, err: TextIO) -> PlanDocument | None:
    try:
        return read_plan(path)
    except PlanReadError as exc:
        print(read_error_text(t, exc), file=err)
        return None


def plan_show(
    path: Path | str,
    *,
    as_json: bool = False,
    lang: str = "zh_CN",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print who leads and supports each measure of the plan at `path` (no database).

    `--json` prints `PlanDocument.to_json()`: plan, measures, departments, regions.
    """
    out, err = out or sys.stdout, err or sys.stderr
    t = get_translator(lang)
    document = _read_plan(path, t, err)
    if document is None:
        return EXIT_NOT_A_PLAN
    text = (
        json.dumps(document_json(t, document), ensure_ascii=False, indent=2)
        if as_json
        else render_table(document, t)
    )
    try:
        print(text, file=out)
    except BrokenPipeError:  # `plan show … | head` closed the pipe early: not an error
        pass
    return EXIT_OK


def plan_import(
    path: Path | str,
    *,
    database_url: str,
    lang: str = "zh_CN",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Store the plan at `path` (or a revision of it) and print what changed.

    The schema is handled like `bot.py run` does: a SQLite file is migrated in place, a
    PostgreSQL database must already be at the newest migration (`bot.py db upgrade`).
    """
    out, err = out or sys.stdout, err or sys.stderr
    t = get_translator(lang)
    document = _read_plan(path, t, err)
    if document is None:
        return EXIT_NOT_A_PLAN

    def work(db: Database) -> int:
        result = db.call(import_plan_document, document=document)
        print(render_import(result, t), file=out)
        return EXIT_OK

    return _with_database(database_url, t, err, work)


def _with_database(
    database_url: str, t: Translator, err: TextIO, work: Callable[[Database], int]
) -> int:
    """Run `work` on the database of `database_url` (schema handled as by `plan import`)."""
    db: Database | None = None
    try:
        db = open_database_url(database_url)
        return work(db)
    except SQLAlchemyError as exc:
        print(database_error_text(t, exc), file=err)
        return EXIT_DATABASE
    finally:
        if db is not None:
            db.dispose()


def plan_export_map(
    path: Path | str,
    *,
    database_url: str,
    lang: str = "zh_CN",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Write the current plan's map (corrections and doubts included) to `path` (.xlsx)."""
    out, err = out or sys.stdout, err or sys.stderr
    t = get_translator(lang)

    def work(db: Database) -> int:
        plan_map = db.call(current_map)
        if plan_map is None:
            print(no_plan_text(t), file=err)
            return EXIT_BAD_MAP
        try:
            Path(path).write_bytes(map_workbook(t, plan_map))
        except OSError as exc:  # a folder that does not exist, no permission, a full disk
            print(write_error_text(t, str(path), exc), file=err)
            return EXIT_BAD_MAP
        print(render_map_export(t, plan_map, str(path)), file=out)
        return EXIT_OK

    return _with_database(database_url, t, err, work)


def plan_import_map(
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
        rows = read_map_sheet(Path(path), headings=every_heading())
    except MapSheetError as exc:
        print(sheet_error_text(t, exc), file=err)
        return EXIT_BAD_MAP

    def work(db: Database) -> int:
        result = db.call(import_map, rows=rows, now=utcnow())
        if result is None:
            print(no_plan_text(t), file=err)
            return EXIT_BAD_MAP
        print(render_map_import(t, result), file=err if result.problems else out)
        return EXIT_BAD_MAP if result.problems else EXIT_OK

    return _with_database(database_url, t, err, work)


def cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(lang=args.lang, out_dir=args.out, serve=args.serve, platform=args.platform)


def cmd_db(args: argparse.Namespace) -> int:
    settings = load_settings()
    sqlite_file(settings.database_url)
    if args.db_command == "backup":
        return backup.cmd_backup(settings, args.file)
    if args.db_command == "restore":
        return backup.cmd_restore(settings, args.file, force=args.force)
    upgrade(settings.database_url, revision=args.revision)
    print(f"database upgraded to {args.revision}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    return run_doctor(webhook=args.webhook)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bot.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the bot (long polling, or a webhook)")
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL of the webhook")
    run.add_argument("--listen", default=None, help="address to listen on (webhook)")
    run.add_argument("--port", type=int, default=None, help="port to listen on (webhook)")
    run.add_argument("--secret", default=None, help="secret token Telegram sends (webhook)")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check", help="say what is set up and what is missing, one line each")
    check.add_argument("--webhook", metavar="URL", default=None, help="as given to run")
    check.set_defaults(func=cmd_check)

    plan = sub.add_parser("plan", help="read a plan document")
    plan_sub = plan.add_subparsers(dest="plan_command", required=True)
    show = plan_sub.add_parser("show", help="print who leads and supports each measure")
    show.add_argument("--json", action="store_true", help="machine-readable JSON on stdout")
    show.add_argument("--lang", default=None, help="zh_CN or en (default: BOT_LOCALE, LANG)")
    show.add_argument("path")
    imp = plan_sub.add_parser("import", help="store a plan (or a revised version) in the database")
    imp.add_argument("--lang", default=None, help="zh_CN or en (default: BOT_LOCALE, LANG)")
    imp.add_argument("path")
    export = plan_sub.add_parser(
        "export-map", help="write the map (who leads what, deadlines, doubts) to an .xlsx"
    )
    export.add_argument("--lang", default=None, help="zh_CN or en (default: BOT_LOCALE, LANG)")
    export.add_argument("path")
    corrections = plan_sub.add_parser(
        "import-map", help="apply an edited map .xlsx (nothing is written if a row is bad)"
    )
    corrections.add_argument(
        "--lang", default=None, help="zh_CN or en (default: BOT_LOCALE, LANG)"
    )
    corrections.add_argument("path")
    plan.set_defaults(func=cmd_plan)

    demo = sub.add_parser("demo", help="run one whole cycle against a local Bot API simulator")
    demo.add_argument("--lang", default="zh_CN", help="zh_CN (default) or en")
    demo.add_argument("--out", default=None, help="folder for the ledger and the chart")
    demo.add_argument(
        "--platform",
        choices=["telegram", "dingtalk"],
        default="telegram",
        help="the chat platform to play it on, each with its local simulator",
    )
    demo.add_argument(
        "--serve",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep the bot and its dashboard running until Ctrl+C (default: in a terminal)",
    )
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply Alembic migrations")
    up.add_argument("revision", nargs="?", default="head")
    backup = db_sub.add_parser("backup", help="copy the database to FILE (the bot may run)")
    backup.add_argument("file")
    restore = db_sub.add_parser("restore", help="replace the database with a backup FILE")
    restore.add_argument("file")
    restore.add_argument("--force", action="store_true", help="even if it is not empty")
    db.set_defaults(func=cmd_db)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    # RetryAfter.retry_after as a timedelta: the behaviour python-telegram-bot moves to.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as exc:
        # One sentence in the operator's language; the token is never part of it.
        t = operator_translator(getattr(args, "lang", None))
        print(render_problems(t, exc.problems), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
