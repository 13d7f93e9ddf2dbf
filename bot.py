"""The 督办 bot: follow-up of a government policy plan in the departments' Telegram groups.

The command line; the application itself is assembled in `assembly/`. Usage:

    python bot.py demo [--lang en]          # a whole cycle against a local simulator, no token,
                                            # then its dashboard on 127.0.0.1 until Ctrl+C
    python bot.py run                       # long polling (TELEGRAM_BOT_TOKEN required)
    python bot.py run --webhook URL --listen 0.0.0.0 --port 8443
    python bot.py plan show [--json] PATH   # read a plan document, print who leads what
    python bot.py plan import PATH          # store a plan in the database
    python bot.py plan export-map FILE.xlsx # the map to check and correct in a spreadsheet
    python bot.py plan import-map FILE.xlsx # apply the corrected map
    python bot.py db upgrade                # apply Alembic migrations (PostgreSQL)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from assembly import build_application, ensure_bundled_plan, open_database, open_database_url
from commands.plan_map import current_map, import_map
from demo.run import run_demo
from messages.i18n import Translator, get_translator
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
from migrations.runner import upgrade
from models.clock import utcnow
from models.db import Database
from planreader.document import PlanDocument, PlanReadError
from planreader.importer import import_plan_document
from planreader.map_sheet import MapSheetError, read_map_sheet
from planreader.reader import read_plan
from settings import SettingsError, load_settings

EXIT_OK, EXIT_NOT_A_PLAN, EXIT_DATABASE = 0, 1, 3
EXIT_BAD_MAP = 1  # no plan yet, a file that is no map sheet, or a bad row


class _RedactToken(logging.Filter):
    """Keeps the bot token out of every log line (httpx logs request URLs with it).

    Tracebacks are redacted too: a network error's text may carry the request URL.
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        # The part after the colon is the secret; it may also appear URL-encoded on its own.
        self.secrets = [s for s in (token, token.partition(":")[2]) if len(s) >= 20]

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._redact(message) != message:
            record.msg, record.args = self._redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


def configure_logging(token: str = "", level: int = logging.INFO) -> None:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level, force=True
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if token:
        redact = _RedactToken(token)
        for handler in logging.getLogger().handlers:
            handler.addFilter(redact)


def webhook_secret(token: str) -> str:
    """The secret Telegram must send with every webhook update when `--secret` is not given.

    Derived from the token, so every instance behind a load balancer agrees on it without
    another setting; it reveals nothing of the token. Forged POSTs without it get 403.
    """
    return hashlib.sha256(f"duban-webhook:{token}".encode()).hexdigest()


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    token = settings.require_token()
    if args.secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", args.secret):
        raise SettingsError("--secret may only hold 1-256 letters, digits, _ and -")
    configure_logging(token)
    db = open_database(settings)
    ensure_bundled_plan(db)
    # Each process names itself in the deliveries it claims (several instances, one database).
    instance = f"{socket.gethostname()}:{os.getpid()}"
    application = build_application(settings, db, token=token, instance=instance)
    if args.webhook:
        application.run_webhook(
            listen=args.listen,
            port=args.port,
            # Listen on the public URL's path, so a load balancer can forward it unchanged.
            url_path=urlsplit(args.webhook).path.strip("/"),
            webhook_url=args.webhook,
            secret_token=args.secret or webhook_secret(token),
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    if args.plan_command == "show":
        return plan_show(args.path, as_json=args.json, lang=args.lang)
    settings = load_settings()
    if args.plan_command == "export-map":
        return plan_export_map(args.path, database_url=settings.database_url, lang=args.lang)
    if args.plan_command == "import-map":
        return plan_import_map(args.path, database_url=settings.database_url, lang=args.lang)
    return plan_import(args.path, database_url=settings.database_url, lang=args.lang)


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
    return run_demo(lang=args.lang, out_dir=args.out, serve=args.serve)


def cmd_db(args: argparse.Namespace) -> int:
    settings = load_settings()
    upgrade(settings.database_url, revision=args.revision)
    print(f"database upgraded to {args.revision}")
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bot.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the bot (long polling, or a webhook)")
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL of the webhook")
    run.add_argument("--listen", default="127.0.0.1", help="address to listen on (webhook)")
    run.add_argument("--port", type=int, default=8443, help="port to listen on (webhook)")
    run.add_argument("--secret", default="", help="secret token Telegram sends (webhook)")
    run.set_defaults(func=cmd_run)

    plan = sub.add_parser("plan", help="read a plan document")
    plan_sub = plan.add_subparsers(dest="plan_command", required=True)
    show = plan_sub.add_parser("show", help="print who leads and supports each measure")
    show.add_argument("--json", action="store_true", help="machine-readable JSON on stdout")
    show.add_argument("--lang", default="zh_CN", help="zh_CN (default) or en")
    show.add_argument("path")
    imp = plan_sub.add_parser("import", help="store a plan (or a revised version) in the database")
    imp.add_argument("--lang", default="zh_CN", help="zh_CN (default) or en")
    imp.add_argument("path")
    export = plan_sub.add_parser(
        "export-map", help="write the map (who leads what, deadlines, doubts) to an .xlsx"
    )
    export.add_argument("--lang", default="zh_CN", help="zh_CN (default) or en")
    export.add_argument("path")
    corrections = plan_sub.add_parser(
        "import-map", help="apply an edited map .xlsx (nothing is written if a row is bad)"
    )
    corrections.add_argument("--lang", default="zh_CN", help="zh_CN (default) or en")
    corrections.add_argument("path")
    plan.set_defaults(func=cmd_plan)

    demo = sub.add_parser("demo", help="run one whole cycle against a local Bot API simulator")
    demo.add_argument("--lang", default="zh_CN", help="zh_CN (default) or en")
    demo.add_argument("--out", default=None, help="folder for the ledger and the chart")
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
    db.set_defaults(func=cmd_db)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    # RetryAfter.retry_after as a timedelta: the behaviour python-telegram-bot moves to.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
