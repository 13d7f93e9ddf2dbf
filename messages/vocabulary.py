"""The words and marks every area shares: the two signals (reporting 报送, progress 进展) with
their names and icons, the status a liaison reported, role words, lists, dates.

One table each, and each icon with one meaning everywhere, so a measure reads the same in a
reminder, an acknowledgement, /status, the chart, the ledger, the 通报 and the dashboard.
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
from reports.progress_signal import (
    SIGNAL_BEHIND,
    SIGNAL_BLOCKED,
    SIGNAL_CLOSED,
    SIGNAL_DIFFICULT,
    SIGNAL_DONE,
    SIGNAL_NONE,
    SIGNAL_ON_TRACK,
    SIGNALS,
    Progress,
)
from reports.status import (
    REPORTING_STATES,
    TASK_LATE,
    TASK_ON_TIME,
    TASK_OVERDUE,
    TASK_PENDING,
    TASK_UNBOUND,
)

# --- what a liaison reported (the status buttons under an acknowledgement) ---------------
STATUS_NAMES = {
    PROGRESS_DONE: N_("done"),
    PROGRESS_IN_PROGRESS: N_("in progress"),
    PROGRESS_AT_RISK: N_("at risk"),
    PROGRESS_BLOCKED: N_("blocked"),
}
# The same marks as the progress signals they become (in progress is judged on track or
# behind, so it keeps the on-track mark).
STATUS_ICONS = {
    PROGRESS_DONE: "✅",
    PROGRESS_IN_PROGRESS: "🔄",
    PROGRESS_AT_RISK: "⚠️",
    PROGRESS_BLOCKED: "⛔",
}

# --- 进展: how the work stands, as judged (reports/progress_signal.py) -------------------
SIGNAL_NAMES = {
    SIGNAL_DONE: STATUS_NAMES[PROGRESS_DONE],
    SIGNAL_ON_TRACK: N_("on track"),
    SIGNAL_BEHIND: N_("behind schedule"),
    SIGNAL_DIFFICULT: STATUS_NAMES[PROGRESS_AT_RISK],
    SIGNAL_BLOCKED: STATUS_NAMES[PROGRESS_BLOCKED],
    SIGNAL_NONE: N_("not reported"),
    SIGNAL_CLOSED: N_("closed"),
}
SIGNAL_ICONS = {
    SIGNAL_DONE: STATUS_ICONS[PROGRESS_DONE],
    SIGNAL_ON_TRACK: STATUS_ICONS[PROGRESS_IN_PROGRESS],
    SIGNAL_BEHIND: "📉",
    SIGNAL_DIFFICULT: STATUS_ICONS[PROGRESS_AT_RISK],
    SIGNAL_BLOCKED: STATUS_ICONS[PROGRESS_BLOCKED],
    SIGNAL_NONE: "➖",
    SIGNAL_CLOSED: "🏁",
}

# --- 报送: how a unit's report (and a measure's, its worst unit's) stands in the cycle ----
REPORTING_NAMES = {
    TASK_ON_TIME: N_("reported on time"),
    TASK_LATE: N_("reported late"),
    TASK_OVERDUE: N_("overdue"),
    TASK_PENDING: N_("not yet due"),
    TASK_UNBOUND: N_("no chat bound"),
}
REPORTING_ICONS = {
    TASK_ON_TIME: "🟢",
    TASK_LATE: "🟡",
    TASK_OVERDUE: "🔴",
    TASK_PENDING: "⚪",
    TASK_UNBOUND: "📵",
}
RETURNED_ICON = "↩️"  # a report returned for 补报, not yet sent again
RETURNED_NAME = N_("returned for a new report")
# How a past cycle's task ended: the same words as the reporting of the current one.
OUTCOME_NAMES = {
    OUTCOME_ON_TIME: REPORTING_NAMES[TASK_ON_TIME],
    OUTCOME_LATE: REPORTING_NAMES[TASK_LATE],
    OUTCOME_MISSING: REPORTING_NAMES[TASK_OVERDUE],
    OUTCOME_OPEN: REPORTING_NAMES[TASK_PENDING],
}
# Kept for callers that name reporting states "tasks".
TASK_NAMES = REPORTING_NAMES
TASK_ICONS = REPORTING_ICONS

# --- roles: one word each, in every view, reminder, the ledger and `plan show` ----------
ROLE_WORDS = {ROLE_LEAD: N_("lead")}
SUPPORT_WORD = N_("support")
RESPONSIBLE_WORD = N_("responsible")  # 负责: a unit of a clause that names no lead


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


def status_mark(t: Translator, status: str) -> str:
    """'🔄 推进中': a reported status with its icon."""
    icon = STATUS_ICONS.get(status, "")
    return f"{icon} {status_name(t, status)}" if icon else status_name(t, status)


def signal_name(t: Translator, signal: str) -> str:
    return t._(SIGNAL_NAMES[signal])


def signal_mark(t: Translator, signal: str) -> str:
    """'📉 滞后': a progress signal with its icon."""
    return f"{SIGNAL_ICONS[signal]} {signal_name(t, signal)}"


def reporting_name(t: Translator, state: str) -> str:
    return t._(REPORTING_NAMES[state])


def reporting_mark(t: Translator, state: str) -> str:
    """'🟢 按时报送': a reporting state with its icon."""
    return f"{REPORTING_ICONS[state]} {reporting_name(t, state)}"


def role_name(t: Translator, role: str, responsible: bool = False) -> str:
    """牵头 / 配合, or 负责 for a unit of a clause that names no lead."""
    if role == ROLE_LEAD:
        return t._(ROLE_WORDS[ROLE_LEAD])
    return t._(RESPONSIBLE_WORD) if responsible else t._(SUPPORT_WORD)


# The one role word beside a measure in a reminder or /measures, as in the views.
role_phrase = role_name


def progress_detail(t: Translator, progress: Progress) -> str:
    """'60%，序时进度 89%' — the percent and the share of time elapsed, when known."""
    parts = []
    if progress.percent is not None and progress.signal not in (SIGNAL_DONE, SIGNAL_CLOSED):
        parts.append(t.percent(progress.percent / 100))
    if progress.expected is not None and progress.signal in (SIGNAL_ON_TRACK, SIGNAL_BEHIND):
        parts.append(
            t._("time elapsed {percent}").format(percent=t.percent(progress.expected / 100))
        )
    return ("，" if t.is_chinese else ", ").join(parts)


def aside(t: Translator, text: str) -> str:
    """'（…）' after a word in Chinese, ' (…)' in English; empty for no text."""
    if not text:
        return ""
    return f"（{text}）" if t.is_chinese else f" ({text})"


def legend(t: Translator) -> str:
    """Both signals' icons, one line each."""
    colon = "：" if t.is_chinese else ": "
    reporting = " · ".join(reporting_mark(t, state) for state in REPORTING_STATES)
    reporting += f" · {RETURNED_ICON} {t._(RETURNED_NAME)}"
    progress = " · ".join(signal_mark(t, signal) for signal in SIGNALS)
    return "\n".join(
        [
            t._("Reporting") + colon + reporting,
            t._("Progress") + colon + progress,
        ]
    )


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
