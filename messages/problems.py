"""Every sentence an operator reads when the bot cannot start or a command cannot go on.

A problem is a kind and its values (plain data, raised by settings, start-up checks and the
command line); `render_problems` turns it into one sentence in the operator's language.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dotenv import dotenv_values

from messages.i18n import N_, Translator, get_translator, normalize_locale


@dataclass(frozen=True)
class Problem:
    """What went wrong (`kind`, a key of PROBLEMS) and the values its sentence names."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)


PROBLEMS: dict[str, str] = {
    "token_missing": N_(
        "TELEGRAM_BOT_TOKEN is not set. Ask @BotFather for a token and put it in the "
        "environment or in .env (see .env.example)."
    ),
    "token_malformed": N_(
        "TELEGRAM_BOT_TOKEN is malformed: a bot token looks like '123456789:AAE...' (digits, "
        "a colon, then at least 30 letters, digits, _ or -)."
    ),
    "token_rejected": N_(
        "Telegram rejected the token {token} (401 Unauthorized): copy the token again from "
        "@BotFather (/mybots, API Token) into TELEGRAM_BOT_TOKEN; a revoked token stops working."
    ),
    "token_revoked": N_(
        "Telegram no longer accepts the token {token} (401 Unauthorized): it was probably "
        "revoked in @BotFather. Put the new token in TELEGRAM_BOT_TOKEN and start again."
    ),
    "telegram_unreachable": N_(
        "Cannot reach Telegram at {server} after trying for {seconds} s ({reason}). Check the "
        "network, or set TELEGRAM_PROXY_URL if this network reaches Telegram only through a "
        "proxy."
    ),
    "telegram_unreachable_proxy": N_(
        "Cannot reach Telegram at {server} through the proxy {proxy} after trying for "
        "{seconds} s ({reason}). Check that the proxy runs and lets this machine through."
    ),
    "telegram_refused": N_(
        "Telegram refused the bot's first request ({reason}). Check TELEGRAM_API_BASE_URL."
    ),
    "admin_ids_bad": N_(
        "ADMIN_IDS: {value} is not a numeric Telegram user id (send /whoami to the bot to see "
        "yours)."
    ),
    "platform_unknown": N_(
        "PLATFORM: {value} is not a chat platform the bot serves; use telegram or dingtalk."
    ),
    "dingtalk_client_id_missing": N_(
        "DINGTALK_CLIENT_ID is not set: copy the Client ID of your DingTalk app ({console}, "
        "the app's 凭证与基础信息 page) into the environment or .env."
    ),
    "dingtalk_client_id_bad": N_(
        "DINGTALK_CLIENT_ID {value} is not a DingTalk Client ID (letters, digits, - and _, such "
        "as dingabcdefghij1234): copy it again from the app's 凭证与基础信息 page."
    ),
    "dingtalk_secret_missing": N_(
        "DINGTALK_CLIENT_SECRET is not set: copy the Client Secret of your DingTalk app "
        "({console}, the app's 凭证与基础信息 page) into the environment or .env."
    ),
    "dingtalk_secret_bad": N_(
        "DINGTALK_CLIENT_SECRET {secret} is malformed (it holds spaces or characters a DingTalk "
        "secret never has): copy it again from the app's 凭证与基础信息 page."
    ),
    "dingtalk_robot_code_bad": N_(
        "DINGTALK_ROBOT_CODE {value} is not a robot code: leave it empty for the robot of your "
        "own app (it uses the Client ID), or copy it from the robot's page."
    ),
    "dingtalk_admin_bad": N_(
        "DINGTALK_ADMIN_STAFF_IDS: {value} is not a staff id (the userid of DingTalk's address "
        "book: letters, digits, - and _; @ the bot with /whoami to see yours)."
    ),
    "dingtalk_template_bad": N_(
        "DINGTALK_CARD_TEMPLATE_ID {value} is not a card template id (such as "
        "1a2b3c4d-….schema): copy it from the template list of DingTalk's 卡片平台."
    ),
    "dingtalk_endpoint_bad": N_("{name}: {value} is not an http:// or https:// address."),
    "dingtalk_rejected": N_(
        "{reason}: copy DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET again from the app's "
        "凭证与基础信息 page (open-dev.dingtalk.com); a reset secret stops the old one."
    ),
    "dingtalk_unreachable": N_(
        "Cannot reach DingTalk at {server} ({reason}): check the network, or "
        "DINGTALK_OPENAPI_ENDPOINT if it is set."
    ),
    "timezone_unknown": N_(
        "BOT_TIMEZONE: unknown time zone {value}; use a name like Asia/Shanghai."
    ),
    "locale_unsupported": N_("{name}: unsupported language {value}; use zh_CN or en."),
    "number_bad": N_("{name} must be a number, not {value}."),
    "whole_number_bad": N_("{name} must be a whole number, not {value}."),
    "setting_bad": N_("{name}: {value} cannot be used ({detail})."),
    "api_url_bad": N_("TELEGRAM_API_BASE_URL: {value} is not an http:// or https:// address."),
    "proxy_bad": N_(
        "TELEGRAM_PROXY_URL: {value} is not a proxy address; use http://host:port, "
        "https://host:port or socks5://host:port (user:password@ may come before the host)."
    ),
    "webhook_url_bad": N_("WEBHOOK_URL: {value} is not an http:// or https:// address."),
    "secret_bad": N_(
        "The webhook secret (WEBHOOK_SECRET or --secret) may only hold 1-256 letters, digits, "
        "_ and -."
    ),
    "webhook_refused": N_(
        "Telegram refused the webhook {url} ({reason}). Telegram posts only to a public "
        "HTTPS address on port 443, 80, 88 or 8443."
    ),
    "port_bad": N_("The webhook port must be between 1 and 65535, not {value}."),
    "port_taken": N_(
        "Cannot listen on {address}: {reason}. Is another program (or another copy of the bot) "
        "using that port?"
    ),
    "dashboard_port_taken": N_(
        "The dashboard cannot listen on {address}: {reason}. Choose another WEBAPP_HOST or "
        "WEBAPP_PORT, or leave WEBAPP_URL empty to run without the dashboard."
    ),
    "database_url_malformed": N_(
        "DATABASE_URL: {value} is not a database address; use sqlite:///path/to/file.sqlite3 "
        "or postgresql://user:password@host/database."
    ),
    "database_url_unsupported": N_(
        "DATABASE_URL: {scheme} databases are not supported; use SQLite (sqlite:///file) or "
        "PostgreSQL (postgresql://user:password@host/database)."
    ),
    "sqlite_path_empty": N_(
        "DATABASE_URL: {value} names no file; use for example sqlite:///duban.sqlite3."
    ),
    "sqlite_memory": N_(
        "DATABASE_URL: an in-memory SQLite database forgets everything when the bot stops; "
        "name a file, for example sqlite:///duban.sqlite3."
    ),
    "sqlite_folder_missing": N_(
        "DATABASE_URL: the folder {folder} does not exist; create it (mkdir -p {folder}) or "
        "choose another path."
    ),
    "sqlite_folder_not_writable": N_(
        "DATABASE_URL: the folder {folder} is not writable by this user; SQLite needs to "
        "write its journal beside the file."
    ),
    "sqlite_not_a_file": N_("DATABASE_URL: {path} is not a file."),
    "database_unavailable": N_(
        "Cannot use the database {where}: {reason}. Check DATABASE_URL and that the server is "
        "running."
    ),
    "schema_empty": N_(
        "The database has no schema yet; this version of the bot needs revision {head}. Run "
        "`python bot.py db upgrade` (with the same DATABASE_URL) and start again."
    ),
    "schema_behind": N_(
        "The database schema is at revision {current}; this version of the bot needs revision "
        "{head}. Run `python bot.py db upgrade` (with the same DATABASE_URL) and start again."
    ),
    "schema_newer": N_(
        "The database schema is at revision {current}, newer than this version of the bot knows "
        "(its newest is {head}). Start the newer version of the bot."
    ),
    "migration_failed": N_("Cannot migrate the database: {reason}."),
    "backup_target_exists": N_(
        "{path} already exists; choose a new file name (a backup never overwrites a file)."
    ),
    "backup_folder_missing": N_("The folder {folder} does not exist."),
    "backup_not_sqlite": N_(
        "{path} is not a backup of this bot (not an SQLite database with the bot's tables)."
    ),
    "backup_file_missing": N_("{path} does not exist."),
    "restore_not_empty": N_(
        "The database {where} already holds {plans} plan(s) and {updates} progress record(s); "
        "stop the bot, then restore with --force to replace them."
    ),
    "plan_is_folder": N_("{path} is a folder; give the plan document inside it."),
    "plan_not_a_file": N_(
        "{path} is not a file (a device or a pipe); give the plan document (.docx, .pdf, "
        ".txt or .html)."
    ),
    "plan_pdf_damaged": N_(
        "{path} is a damaged PDF ({reason}); export it again from the original document or "
        "give the .docx."
    ),
    "io_failed": N_("Cannot write {path}: {reason}."),
}

# The sentences of several problems at once are joined like a list in the reader's language.
_JOINERS = {True: "；", False: "; "}


def render_problem(t: Translator | None, problem: Problem) -> str:
    """One problem as a sentence (English when `t` is None); an unknown kind is the text."""
    t = t or get_translator("en")
    msgid = PROBLEMS.get(problem.kind)
    if msgid is None:
        return problem.kind
    values = {key: _shown(value) for key, value in problem.params.items()}
    return t._(msgid).format(**values)


def render_problems(t: Translator | None, problems: Iterable[Problem]) -> str:
    t = t or get_translator("en")
    return _JOINERS[t.is_chinese].join(render_problem(t, p) for p in problems)


def _shown(value: Any) -> Any:
    # Strings are quoted so that an empty or spaced value is seen as typed.
    if isinstance(value, str) and (not value or value.strip() != value):
        return repr(value)
    return value


def operator_translator(preferred: str | None = None, tz: str = "Asia/Shanghai") -> Translator:
    """The language of the person at the terminal.

    `--lang` when given, else BOT_LOCALE (when it names a supported language), else the
    terminal's locale (LC_ALL, LC_MESSAGES, LANG), else Chinese, the bot's first language.
    """
    candidates = [preferred, os.environ.get("BOT_LOCALE"), _env_file_locale()]
    for candidate in [*candidates, *_terminal_locales()]:
        locale = normalize_locale(candidate, "") if candidate else ""
        if locale:
            return get_translator(locale, tz)
    return get_translator("zh_CN", tz)


def _env_file_locale() -> str | None:
    """BOT_LOCALE from `.env` in the working directory, read as the settings read it."""
    if not os.path.isfile(".env"):
        return None
    try:
        return dotenv_values(".env").get("BOT_LOCALE")
    except (OSError, UnicodeDecodeError):
        return None


def _terminal_locales() -> list[str | None]:
    return [os.environ.get(name) for name in ("LC_ALL", "LC_MESSAGES", "LANG")]
