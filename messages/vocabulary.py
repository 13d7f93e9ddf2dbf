"""The words and marks every area shares: status names and icons, role labels, lists, dates.

One table each, so a status reads the same in an acknowledgement, a view and the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from babel.dates import format_skeleton

from coordination.roles import Roles
from messages.html import escape
from messages.i18n import N_, Translator
from models.clock import as_aware_utc
from models.plan import ROLE_LEAD
from models.progress import PROGRESS_AT_RISK, PROGRESS_BLOCKED, PROGRESS_DONE, PROGRESS_IN_PROGRESS
from reports.cycles import OUTCOME_LATE, OUTCOME_MISSING, OUTCOME_ON_TIME, OUTCOME_OPEN
from reports.status import (
    LIGHT_GREEN,
    LIGHT_RED,
    LIGHT_WHITE,
    LIGHT_YELLOW,
    TASK_LATE,
    TASK_ON_TIME,
    TASK_OVERDUE,
    TASK_PENDING,
)

STATUS_NAMES = {
    PROGRESS_DONE: N_("done"),
    PROGRESS_IN_PROGRESS: N_("in progress"),
    PROGRESS_AT_RISK: N_("at risk"),
    PROGRESS_BLOCKED: N_("blocked"),
}
STATUS_ICONS = {
    PROGRESS_DONE: "✅",
    PROGRESS_IN_PROGRESS: "🔄",
    PROGRESS_AT_RISK: "⚠️",
    PROGRESS_BLOCKED: "⛔",
}
# Statuses that views flag with their icon; done and in progress need no mark there.
ALERTING = (PROGRESS_AT_RISK, PROGRESS_BLOCKED)

# How a department's task in a cycle stands, and how a past cycle's task ended.
TASK_NAMES = {
    TASK_ON_TIME: N_("reported on time"),
    TASK_LATE: N_("reported late"),
    TASK_OVERDUE: N_("overdue"),
    TASK_PENDING: N_("not yet reported"),
}
OUTCOME_NAMES = {
    OUTCOME_ON_TIME: TASK_NAMES[TASK_ON_TIME],
    OUTCOME_LATE: TASK_NAMES[TASK_LATE],
    OUTCOME_MISSING: TASK_NAMES[TASK_OVERDUE],
    OUTCOME_OPEN: TASK_NAMES[TASK_PENDING],
}
TASK_ICONS = {TASK_ON_TIME: "✅", TASK_LATE: "🕓", TASK_OVERDUE: "❌", TASK_PENDING: "⏳"}
LIGHT_ICONS = {LIGHT_GREEN: "🟢", LIGHT_YELLOW: "🟡", LIGHT_RED: "🔴", LIGHT_WHITE: "⚪"}

# Roles: short in views and the ledger (lead, support), a phrase beside a measure in
# reminders and /measures (lead role, support role); the same words in Chinese (牵头, 配合).
ROLE_NAMES = {ROLE_LEAD: N_("lead")}
ROLE_PHRASES = {ROLE_LEAD: N_("lead role")}
SUPPORT_NAME = N_("support")
SUPPORT_PHRASE = N_("support role")
RESPONSIBLE = N_("responsible role")  # 负责: a department of a clause that names no lead


def person_roles(t: Translator, roles: Roles) -> list[str]:
    """What a person is in a chat: admin, coordinator (when not an admin), liaison."""
    names = []
    if roles.is_admin:
        names.append(t._("admin"))
    if roles.can_coordinate and not roles.is_admin:
        names.append(t._("coordinator"))
    if roles.is_liaison:
        names.append(t._("liaison"))
    return names


def status_name(t: Translator, status: str) -> str:
    """已完成 / in progress …; a status the bot does not know is shown as stored (escaped)."""
    return t._(STATUS_NAMES[status]) if status in STATUS_NAMES else escape(status, quote=False)


def role_name(t: Translator, role: str, responsible: bool = False) -> str:
    """牵头 / 配合, or 负责 for a department of a clause that names no lead (short form)."""
    if role == ROLE_LEAD:
        return t._(ROLE_NAMES[ROLE_LEAD])
    return t._(RESPONSIBLE) if responsible else t._(SUPPORT_NAME)


def role_phrase(t: Translator, role: str, responsible: bool) -> str:
    """The role beside a measure in a reminder or in /measures."""
    if role == ROLE_LEAD:
        return t._(ROLE_PHRASES[ROLE_LEAD])
    return t._(RESPONSIBLE) if responsible else t._(SUPPORT_PHRASE)


DUE = N_("Due: {due}")  # a measure's time limit: 完成时限：2022年底前


def due_text(t: Translator, deadline: date | None, written: str | None) -> str:
    """A measure's time limit, escaped: in Chinese as the plan wrote it (2022年底前), else the
    date in the reader's format; a kind without a date as written (长期坚持); empty if none."""
    if written and (t.is_chinese or deadline is None):
        return escape(written, quote=False)
    return t.date(deadline, "long") if deadline is not None else ""


def due_phrase(t: Translator, deadline: date | None, written: str | None) -> str:
    """' · 完成时限：2022年底前' after a measure in a reminder or /measures; empty without one."""
    due = due_text(t, deadline, written)
    return " · " + t._(DUE).format(due=due) if due else ""


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters; an ellipsis marks a cut. Not escaped."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: max(limit - 1, 0)].rstrip() + "…" if limit else ""


def joined(t: Translator, items: Iterable[str]) -> str:
    """A list as the reader writes it: 甲、乙 in Chinese, "a, b" in English."""
    return ("、" if t.is_chinese else ", ").join(items)


def gap(label: str) -> str:
    """No space after a bracketed label: "（五）建设…" reads as one phrase; "5. Title" needs one."""
    return "" if label.endswith(("）", ")")) else " "


def moment_text(t: Translator, moment: datetime, *, with_year: bool = True) -> str:
    """'2026年10月28日周三 09:00' / 'Wed, Oct 28, 2026 09:00' in the translator's zone."""
    local = as_aware_utc(moment).astimezone(t.tz)
    day = format_skeleton("yMMMEd" if with_year else "MMMEd", local, locale=t.babel_locale)
    return f"{day} {format_skeleton('Hm', local, locale=t.babel_locale)}"
