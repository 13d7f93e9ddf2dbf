"""The 督办 bot: follow-up of a government policy plan in the departments' Telegram groups.

This is the only place the application is assembled. Usage:

    python bot.py demo [--lang en]          # a whole cycle against a local simulator, no token
    python bot.py run                       # long polling (TELEGRAM_BOT_TOKEN required)
    python bot.py run --webhook URL --listen 0.0.0.0 --port 8443
    python bot.py plan show [--json] PATH   # read a plan document, print who leads what
    python bot.py plan import PATH          # store a plan in the database
    python bot.py db upgrade                # apply Alembic migrations (PostgreSQL)
    python bot.py db backup FILE            # a copy of the database while the bot runs
    python bot.py db restore FILE [--force] # back from a copy (SQLite)
    python bot.py check                     # the doctor: what is set up, what is missing
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
from collections.abc import Sequence
from typing import Any

from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from handlers.runtime import Services
from messages.i18n import normalize_locale
from messages.problems import operator_translator, render_problems
from models.db import Database
from operations import backup
from operations.database_check import check_database, sqlite_file
from operations.logs import configure_logging
from operations.plan_input import check_plan_file, quiet_pdf_library
from operations.service import serve, webhook_options, webhook_secret
from settings import DEFAULT_PLAN, Settings, SettingsError, load_settings

__all__ = ["build_application", "configure_logging", "open_database", "webhook_secret"]

log = logging.getLogger("duban")


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
    from handlers import admin, common, coordinator, errors, liaison, membership, scheduling

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
    elif settings.telegram_proxy_url:
        # Every call (getUpdates and file downloads too) goes through the proxy.
        proxy = settings.telegram_proxy_url
        builder = builder.proxy(proxy).get_updates_proxy(proxy)
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
    """The database of `settings`, its schema brought to or checked at the newest migration."""
    db = Database.from_url(settings.database_url)
    if create:
        try:
            prepare_schema(db)
        except BaseException:
            db.dispose()
            raise
    return db


def prepare_schema(db: Database) -> None:
    """Bring the schema to, or check it is at, the newest migration.

    SQLite (one file, one process) is migrated in place. PostgreSQL may be shared by several
    instances, so it is only checked: when it is behind, `SchemaNotCurrent` (a SettingsError)
    asks the operator to run `python bot.py db upgrade` once, before the instances start.
    """
    from migrations.runner import require_current, upgrade_engine
    from models.db import is_postgres

    if is_postgres(db.engine):
        require_current(db.engine)
    else:
        upgrade_engine(db.engine)


def ensure_bundled_plan(db: Database) -> None:
    """On first start with an empty database, import the plan that ships with the bot."""
    from planreader.importer import import_plan_file, plan_count

    if db.call(plan_count) == 0:
        result = import_plan_file(db, DEFAULT_PLAN)
        log.info("imported the bundled plan: %s", result.summary_line())


def cmd_run(args: argparse.Namespace) -> int:
    """Check everything that can fail at start, then run until SIGTERM (operations.service)."""
    settings = load_settings()
    token = settings.require_token()
    webhook = webhook_options(
        settings, token=token, url=args.webhook, listen=args.listen, port=args.port,
        secret=args.secret,
    )
    configure_logging(token)
    check_database(settings.database_url)
    db = Database.from_url(settings.database_url)  # nothing is created before `prepare`
    # Each process names itself in the deliveries it claims (several instances, one database).
    instance = f"{socket.gethostname()}:{os.getpid()}"
    application = build_application(settings, db, token=token, instance=instance)

    def prepare() -> None:
        prepare_schema(db)
        ensure_bundled_plan(db)

    asyncio.run(serve(application, settings=settings, prepare=prepare, webhook=webhook))
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
    from planreader import cli

    lang = require_locale(args.lang)
    check_plan_file(args.path)
    with quiet_pdf_library():
        if args.plan_command == "show":
            return cli.cmd_show(args.path, as_json=args.json, lang=lang)
        settings = load_settings()
        sqlite_file(settings.database_url)
        return cli.cmd_import(args.path, database_url=settings.database_url, lang=lang)


def cmd_demo(args: argparse.Namespace) -> int:
    from demo.run import run_demo

    return run_demo(lang=args.lang, out_dir=args.out)


def cmd_db(args: argparse.Namespace) -> int:
    from migrations.runner import upgrade

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
    # The doctor looks for a CJK font through matplotlib: loaded only for this command.
    from operations.doctor import run_doctor

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
    plan.set_defaults(func=cmd_plan)

    demo = sub.add_parser("demo", help="run one whole cycle against a local Bot API simulator")
    demo.add_argument("--lang", default="zh_CN", help="zh_CN (default) or en")
    demo.add_argument("--out", default=None, help="folder for the ledger and the chart")
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
