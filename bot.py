"""The 督办 bot: follow-up of a government policy plan in the departments' Telegram groups.

This is the only place the application is assembled. Usage:

    python bot.py demo [--lang en]          # a whole cycle against a local simulator, no token
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
import logging
import os
import re
import socket
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from handlers.runtime import Services
from models.db import Database
from settings import DEFAULT_PLAN, Settings, SettingsError, load_settings

log = logging.getLogger("duban")


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


def file_base_url(api_base_url: str) -> str:
    """Telegram serves files under /file/bot<token> beside /bot<token>."""
    if api_base_url.rstrip("/").endswith("/bot"):
        return api_base_url.rstrip("/")[: -len("/bot")] + "/file/bot"
    return api_base_url.rstrip("/") + "/file/bot"


def build_application(
    settings: Settings,
    db: Database,
    *,
    token: str,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limit: bool = True,
    instance: str = "bot",
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Assemble the Application: settings, defaults, limiter, handlers, jobs, error handler."""
    from handlers import (
        admin,
        common,
        coordinator,
        errors,
        liaison,
        membership,
        plan_map,
        scheduling,
    )

    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        # Files (a liaison's photo or document) come from the same server as the API.
        .base_file_url(file_base_url(settings.telegram_api_base_url))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    if rate_limit:
        # Telegram allows about 30 messages a second overall and 20 a minute into one group;
        # the limiter also waits out RetryAfter and tries again. The overall bucket holds one
        # message and refills every 1/L s: a bucket of L would let L go at once after a pause,
        # which a server counting a sliding second answers with 429 and a stop for everyone.
        builder = builder.rate_limiter(
            AIORateLimiter(
                overall_max_rate=1,
                overall_time_period=1 / settings.rate_limit_per_second,
                group_max_rate=20,
                group_time_period=60,
                max_retries=3,
            )
        )
    application = builder.build()
    application.bot_data["services"] = Services(settings=settings, db=db, instance=instance)

    # Order matters: membership and migration updates first (group -1) so a chat that moved
    # or dropped the bot is up to date before any command in the same batch is handled.
    membership.register(application)
    common.register(application)
    admin.register(application)
    scheduling.register(application)
    coordinator.register(application)
    plan_map.register(application)
    # Liaison replies last: it catches plain replies that no command handler took.
    liaison.register(application)
    errors.register(application)
    return application


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Command menus per language and scope, then the jobs rebuilt from the database."""
    from handlers import common, scheduling

    await common.set_command_menus(application)
    await scheduling.restore_jobs(application)


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.bot_data["services"].db.dispose()


def open_database(settings: Settings, *, create: bool = True) -> Database:
    """The database of `settings`, its schema brought to or checked at the newest migration.

    SQLite (one file, one process) is migrated in place. PostgreSQL may be shared by several
    instances, so it is only checked: when it is behind, `SchemaNotCurrent` (a SettingsError)
    asks the operator to run `python bot.py db upgrade` once, before the instances start.
    """
    from migrations.runner import require_current, upgrade_engine
    from models.db import is_postgres

    db = Database.from_url(settings.database_url)
    if create:
        try:
            if is_postgres(db.engine):
                require_current(db.engine)
            else:
                upgrade_engine(db.engine)
        except BaseException:
            db.dispose()
            raise
    return db


def ensure_bundled_plan(db: Database) -> None:
    """On first start with an empty database, import the plan that ships with the bot."""
    from planreader.importer import import_plan_file, plan_count

    if db.call(plan_count) == 0:
        result = import_plan_file(db, DEFAULT_PLAN)
        log.info("imported the bundled plan: %s", result.summary_line())


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
    from planreader import cli

    if args.plan_command == "show":
        return cli.cmd_show(args.path, as_json=args.json, lang=args.lang)
    settings = load_settings()
    if args.plan_command in {"export-map", "import-map"}:
        from planreader import map_cli

        command = (
            map_cli.cmd_export_map if args.plan_command == "export-map" else map_cli.cmd_import_map
        )
        return command(args.path, database_url=settings.database_url, lang=args.lang)
    return cli.cmd_import(args.path, database_url=settings.database_url, lang=args.lang)


def cmd_demo(args: argparse.Namespace) -> int:
    from demo.run import run_demo

    return run_demo(lang=args.lang, out_dir=args.out)


def cmd_db(args: argparse.Namespace) -> int:
    from migrations.runner import upgrade

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
