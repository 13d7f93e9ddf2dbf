"""The lines of `python bot.py check`: one per finding, ✓ ⚠ ✗, and what to do for each ✗.

A finding is plain data (a status, a kind, its values) made by `operations.doctor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from messages.i18n import N_, Translator
from messages.problems import render_problems

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class Finding:
    status: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


def ok(kind: str, **params: Any) -> Finding:
    return Finding(OK, kind, params)


def warn(kind: str, **params: Any) -> Finding:
    return Finding(WARN, kind, params)


def fail(kind: str, **params: Any) -> Finding:
    return Finding(FAIL, kind, params)


MARKS = {OK: "✓", WARN: "⚠", FAIL: "✗"}

FINDINGS: dict[str, str] = {
    "settings": N_("Settings are valid."),
    "proxy_none": N_("No proxy: Telegram is reached directly at {server}."),
    "proxy": N_("Every request to Telegram goes through the proxy {proxy}."),
    "proxy_socks_missing": N_(
        "A SOCKS proxy needs the socksio package: pip install 'python-telegram-bot[socks]'."
    ),
    "token": N_("Telegram accepts the token {token}: the bot is @{username} ({name})."),
    "join_groups": N_("The bot may be added to groups."),
    "cannot_join_groups": N_(
        "The bot cannot be added to groups: in @BotFather send /setjoingroups, choose the bot, "
        "Enable."
    ),
    "privacy_on": N_(
        "Privacy mode is on: in groups the bot sees commands, replies to its messages and "
        "mentions, which is all it needs."
    ),
    "privacy_off": N_("Privacy mode is off: the bot sees every message in its groups."),
    "polling": N_("Long polling: no webhook is set at Telegram."),
    "polling_webhook_set": N_(
        "Telegram has a webhook set ({url}); `bot.py run` without --webhook removes it at start."
    ),
    "webhook_up": N_("The webhook server answers at {url}."),
    "webhook_down": N_(
        "Nothing answers at {url}: start the bot (systemctl start duban-bot) and check "
        "WEBHOOK_LISTEN and WEBHOOK_PORT."
    ),
    "webhook_unhealthy": N_(
        "The webhook server at {url} answers {status}: the bot cannot reach its database or "
        "is stopping; see its log (journalctl -u duban-bot)."
    ),
    "webhook_set": N_("Telegram posts to {url}; {pending} update(s) waiting."),
    "webhook_not_set": N_(
        "Telegram does not post to {url} (its webhook is {current}): start the bot with this "
        "WEBHOOK_URL; it sets the webhook."
    ),
    "webhook_error": N_(
        "Telegram could not deliver to {url} {minutes} min ago: {error}. Check the reverse "
        "proxy, its TLS certificate and that it forwards to WEBHOOK_LISTEN:WEBHOOK_PORT."
    ),
    "database_missing": N_(
        "The database file {path} does not exist yet: `python bot.py run` creates it at first "
        "start (or run `python bot.py db upgrade`)."
    ),
    "database": N_(
        "The database {where} is reachable; its schema is current (revision {revision})."
    ),
    "database_empty": N_(
        "The database {where} has no schema: run `python bot.py db upgrade` (the same "
        "DATABASE_URL)."
    ),
    "database_behind": N_(
        "The database {where} is at revision {current}; the bot migrates it to {head} at its next "
        "start (take a backup first: python bot.py db backup FILE)."
    ),
    "state_skipped": N_(
        "Plan, admins, chats and schedules not checked: the database is not ready."
    ),
    "no_plan": N_(
        "No plan in the database: `python bot.py run` imports the bundled plan on first start, "
        "or import yours with `python bot.py plan import FILE`."
    ),
    "plan": N_("Plan {doc_number}: {measures} measures."),
    "no_admin": N_(
        "No admin: send /whoami to the bot in a private chat, put that user id in ADMIN_IDS and "
        "restart the bot."
    ),
    "admins": N_("Admins: {ids}{more_text}."),
    "dingtalk_admins": N_("Admins by DingTalk staff id (DINGTALK_ADMIN_STAFF_IDS): {ids}."),
    "dingtalk_app": N_("DingTalk accepts the app {client_id} (robot {robot})."),
    "dingtalk_stream": N_(
        "The Stream gateway gives the app a connection: no public address is needed."
    ),
    "dingtalk_cards": N_("Buttons come as interactive cards from the template {template}."),
    "dingtalk_no_cards": N_(
        "No DINGTALK_CARD_TEMPLATE_ID: messages go without buttons (reports are still "
        "recorded, but nobody can tap which measure a report is about or correct a status). "
        "Create a card template in DingTalk's 卡片平台 (README, Running it on DingTalk)."
    ),
    "no_coordinators_chat": N_(
        "No coordinators' chat: add the bot to the coordinators' group and send "
        "/coordinators_chat there."
    ),
    "coordinators_chat": N_("Coordinators' chat: {titles}{more_text}."),
    "no_chats_bound": N_(
        "No group is bound to a department: add the bot to each department's group and send "
        "/bind followed by the department's name there."
    ),
    "chats_bound": N_("{chats} group(s) bound to {departments} department(s)."),
    "chats_gone": N_(
        "{count} bound group(s) removed the bot and get no reminders: {titles}{more_text}."
    ),
    "departments_unbound": N_(
        "{count} department(s) with measures have no group and get no reminders: "
        "{names}{more_text} (/chats lists them)."
    ),
    "departments_all_bound": N_("Every department with measures has a group."),
    "no_schedule": N_(
        "No reminder schedule: send /schedule add monthly 25 09:00 in the coordinators' chat."
    ),
    "schedule_reminder": N_("Schedule #{id} ({spec}): next reminder {next}."),
    "schedule_digest": N_("Schedule #{id} ({spec}): next digest {next}."),
    "schedule_paused": N_("Schedule #{id} ({spec}) is paused: /schedule resume {id}."),
    "font": N_("Charts use the CJK font {family}."),
    "font_missing": N_(
        "No CJK font: charts label departments D1, D2…; install one (sudo apt-get install "
        "fonts-wqy-microhei) and restart the bot."
    ),
    "holidays": N_("Holiday data for {year} is there."),
    "holidays_missing": N_(
        "No holiday data for {year}: reminders only skip weekends; upgrade the package "
        "(pip install -U chinese-calendar) and restart the bot."
    ),
    "holidays_next_missing": N_(
        "No holiday data for {year} yet (the State Council publishes it around November): "
        "upgrade chinese-calendar when it is out."
    ),
}


def render_finding(t: Translator, finding: Finding) -> str:
    mark = MARKS[finding.status]
    if finding.kind == "problem":
        return f"{mark} {render_problems(t, finding.params['problems'])}"
    values = {key: _value(t, value) for key, value in finding.params.items()}
    more = finding.params.get("more") or 0
    values["more_text"] = t._(" and {n} more").format(n=more) if more else ""
    return f"{mark} {t._(FINDINGS[finding.kind]).format(**values)}"


def _value(t: Translator, value: Any) -> Any:
    if hasattr(value, "isoformat") and hasattr(value, "hour"):
        return t.datetime(value, "short")
    if value is None:
        return "—"
    return value


def render_findings(t: Translator, findings: Sequence[Finding]) -> str:
    lines = [render_finding(t, f) for f in findings]
    failures = sum(1 for f in findings if f.status == FAIL)
    warnings = sum(1 for f in findings if f.status == WARN)
    lines.append("")
    if failures:
        lines.append(
            t.ngettext(
                "{n} thing to fix (✗), then run the check again.",
                "{n} things to fix (✗), then run the check again.",
                failures,
            ).format(n=failures)
        )
    else:
        lines.append(t._("Nothing to fix."))
    if warnings:
        lines.append(
            t.ngettext("{n} thing to look at (⚠).", "{n} things to look at (⚠).", warnings).format(
                n=warnings
            )
        )
    return "\n".join(lines)
