"""The coordinators' views (status, a department, a measure, overdue, history) as HTML.

Every function takes a `Translator` and plain data from `reports/`; everything that users
typed or that comes from the plan is escaped here.
"""

from __future__ import annotations

import math
from datetime import datetime

from messages.html import escape
from messages.i18n import Translator
from messages.vocabulary import (
    ALERTING,
    LIGHT_ICONS,
    STATUS_ICONS,
    TASK_ICONS,
    TASK_NAMES,
    joined,
    role_name,
    shorten,
    status_name,
)
from reports.deliveries import DeliveryTally
from reports.history import History, MeasureDetail, UpdateEntry
from reports.status import (
    TASK_LATE,
    TASK_ON_TIME,
    TASK_OVERDUE,
    TASK_PENDING,
    DepartmentView,
    Latest,
    Overview,
    TaskState,
)

SHORT_TEXT = 80
HISTORY_TEXT = 600  # a history shows most of each update, still one page of many


def esc(text: str) -> str:
    return escape(text, quote=False)


def quoted(text: str, limit: int = SHORT_TEXT) -> str:
    """One line of at most `limit` characters (an ellipsis marks the cut), then escaped."""
    return esc(shorten(text, limit))


def progress_phrase(t: Translator, status: str, percent: int | None) -> str:
    """ "in progress 60%" / "推进中 60%"; at risk and blocked with their mark."""
    label = status_name(t, status)
    if percent is not None:
        label += " " + t.percent(percent / 100)
    return f"{STATUS_ICONS[status]} {label}" if status in ALERTING else label


def cycle_line(t: Translator, fire_at: datetime, due_at: datetime, now: datetime) -> str:
    passed = t._("deadline passed") if now > due_at else t._("deadline not yet reached")
    return t._("Reminder of {fired}, deadline {due} ({state})").format(
        fired=t.datetime(fire_at, "short"), due=t.datetime(due_at, "short"), state=passed
    )


def with_role(t: Translator, name: str, role: str, responsible: bool = False) -> str:
    return t._("{name} ({role})").format(name=name, role=role_name(t, role, responsible))


def legend(t: Translator) -> str:
    return t._(
        "🟢 all reported on time · 🟡 late, partly reported or at risk · 🔴 overdue or "
        "blocked · ⚪ not yet due\n✅ on time · 🕓 late · ❌ overdue · ⏳ not yet reported · "
        "⚠️ at risk · ⛔ blocked"
    )


def _task_mark(task: TaskState) -> str:
    mark = TASK_ICONS[task.state]
    if task.reported and task.latest is not None and task.latest.status in ALERTING:
        mark += STATUS_ICONS[task.latest.status]
    return f"{esc(task.department)} {mark}"


def render_no_cycle(t: Translator, measure_count: int) -> str:
    return "\n".join(
        [
            "<b>" + t._("No reminder has gone out yet") + "</b>",
            t.ngettext(
                "The plan has {n} measure.", "The plan has {n} measures.", measure_count
            ).format(n=measure_count),
            t._(
                "Start a cycle now with /remind, or set a regular one with /schedule "
                "(for example /schedule monthly 25 09:00)."
            ),
        ]
    )


def delivery_line(t: Translator, tally: DeliveryTally | None) -> str | None:
    """'Reminders: 118 of 120 chats reached, 1 waits out a rate limit, 1 failed'; None if none."""
    if tally is None or tally.total == 0:
        return None
    parts = [
        t.ngettext(
            "Reminders: {sent} of {total} chat reached",
            "Reminders: {sent} of {total} chats reached",
            tally.total,
        ).format(sent=tally.sent, total=tally.total)
    ]
    if tally.sending:
        parts.append(t._("{n} being sent").format(n=tally.sending))
    if tally.rate_limited:
        parts.append(t._("{n} waiting out a rate limit").format(n=tally.rate_limited))
    if tally.retrying:
        parts.append(t._("{n} retrying after an error").format(n=tally.retrying))
    if tally.failed:
        parts.append(t._("{n} failed (bot removed or chat gone)").format(n=tally.failed))
    if tally.skipped:
        parts.append(t._("{n} no longer needed").format(n=tally.skipped))
    return "📨 " + ("，" if t.is_chinese else ", ").join(parts)


def overview_header(t: Translator, overview: Overview) -> list[str]:
    assert overview.cycle is not None
    counts = overview.light_counts()
    tasks = overview.task_counts()
    responsible = sum(tasks.values())
    return [
        "<b>" + t._("Progress of the current cycle") + "</b>",
        cycle_line(t, overview.cycle.fire_at, overview.cycle.due_at, overview.now),
        t.ngettext(
            "{lights} ({n} measure)", "{lights} ({n} measures)", len(overview.measures)
        ).format(
            lights="  ".join(f"{LIGHT_ICONS[k]} {v}" for k, v in counts.items()),
            n=len(overview.measures),
        ),
        t._(
            "Responsible reports: {on_time} on time, {late} late, {overdue} overdue, "
            "{pending} not yet due, of {total}; on-time rate {rate}"
        ).format(
            on_time=tasks[TASK_ON_TIME],
            late=tasks[TASK_LATE],
            overdue=tasks[TASK_OVERDUE],
            pending=tasks[TASK_PENDING],
            total=responsible,
            rate="<b>" + t.percent(overview.on_time_rate()) + "</b>",
        ),
        *filter(None, [delivery_line(t, overview.deliveries)]),
    ]


def render_overview(t: Translator, overview: Overview) -> str:
    """/status: the lights of every measure of the cycle, grouped by section."""
    if overview.cycle is None:
        return render_no_cycle(t, overview.measure_count)
    lines = overview_header(t, overview)
    if not overview.measures:
        lines += ["", t._("This cycle asks no department for a report.")]
    for section in overview.sections:
        lines.append("")
        if section.title:
            lines.append(f"<b>{esc(section.numeral)}、{esc(section.title)}</b>")
        for measure in section.measures:
            lines.append(
                f"{LIGHT_ICONS[measure.light]} <b>{esc(measure.label)}</b>{esc(measure.title)}"
            )
            if measure.responsible:
                lines.append(
                    "    "
                    + t._("Responsible: {departments}").format(
                        departments=joined(t, [_task_mark(task) for task in measure.responsible])
                    )
                )
            if measure.supporting:
                lines.append(
                    "    "
                    + t._("Supporting: {departments}").format(
                        departments=joined(t, [_task_mark(task) for task in measure.supporting])
                    )
                )
    lines += ["", "<i>" + legend(t) + "</i>"]
    return "\n".join(lines)


def days_overdue(due_at: datetime, now: datetime) -> int:
    """Whole days past the deadline, counting a started day (3 hours late is 1 day)."""
    return max(1, math.ceil((now - due_at).total_seconds() / 86400))


def render_overdue(t: Translator, overview: Overview) -> str:
    """/overdue: departments and the measures they have not reported, with days overdue."""
    if overview.cycle is None:
        return render_no_cycle(t, overview.measure_count)
    cycle = overview.cycle
    head = [
        "<b>" + t._("Overdue reports") + "</b>",
        cycle_line(t, cycle.fire_at, cycle.due_at, overview.now),
    ]
    if not overview.is_due:
        return "\n".join([*head, t._("The deadline has not passed yet; nothing is overdue.")])
    overdue = overview.overdue()
    if not overdue:
        return "\n".join([*head, t._("Nothing is overdue: every department has reported. 🎉")])
    days = days_overdue(cycle.due_at, overview.now)
    by_department: dict[str, list[str]] = {}
    for measure, task in overdue:
        by_department.setdefault(task.department, []).append(
            "    "
            + with_role(t, esc(measure.label) + esc(measure.title), task.role, task.responsible)
        )
    lines = [
        *head,
        t.ngettext("{n} report missing", "{n} reports missing", len(overdue)).format(n=len(overdue))
        + " · "
        + t.ngettext("{days} day past the deadline", "{days} days past the deadline", days).format(
            days=days
        ),
    ]
    for department, items in sorted(by_department.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines += [
            "",
            "❌ <b>"
            + esc(department)
            + "</b> · "
            + t.ngettext("{n} measure", "{n} measures", len(items)).format(n=len(items))
            + " · "
            + t.ngettext("{days} day overdue", "{days} days overdue", days).format(days=days),
            *items,
        ]
    return "\n".join(lines)


def latest_line(t: Translator, latest: Latest | None) -> str:
    """ "in progress 60% · 11月26日 09:00 · 张三" or "no report yet"."""
    if latest is None:
        return t._("no report yet")
    parts = [
        progress_phrase(t, latest.status, latest.percent),
        t.datetime(latest.updated_at, "short"),
    ]
    if latest.user_name:
        parts.append(esc(latest.user_name))
    return " · ".join(parts)


def render_department(t: Translator, view: DepartmentView, now: datetime) -> str:
    """/status <department>: its measures, role, latest status, percent, text and when."""
    lines = [
        "<b>"
        + esc(view.name)
        + "</b> · "
        + t.ngettext("{n} measure", "{n} measures", len(view.rows)).format(n=len(view.rows))
    ]
    if view.cycle is not None:
        asked = [row for row in view.rows if row.task is not None]
        reported = [row for row in asked if row.task in (TASK_ON_TIME, TASK_LATE)]
        lines.append(cycle_line(t, view.cycle.fire_at, view.cycle.due_at, now))
        lines.append(
            t._("This cycle: {reported} of {asked} reported").format(
                reported=len(reported), asked=len(asked)
            )
        )
        sent = delivery_line(t, view.deliveries)
        if sent is not None:
            lines.append(sent)
    if not view.rows:
        lines += ["", t._("The plan names this department for no measure.")]
    for row in view.rows:
        lines.append("")
        lines.append(f"<b>{esc(row.label)}</b>{esc(row.title)} · {role_name(t, row.role)}")
        if row.task is not None:
            lines.append(f"    {TASK_ICONS[row.task]} {t._(TASK_NAMES[row.task])}")
        lines.append("    " + latest_line(t, row.latest))
        if row.latest is not None and row.latest.text.strip():
            lines.append("    “" + quoted(row.latest.text) + "”")
    return "\n".join(lines)


def _entry_lines(t: Translator, entry: UpdateEntry, *, limit: int) -> list[str]:
    head = [t.datetime(entry.created_at, "short"), "<b>" + esc(entry.department) + "</b>"]
    if entry.user_name:
        head.append(esc(entry.user_name))
    detail = progress_phrase(t, entry.status, entry.percent)
    if entry.on_time is not None:
        detail += " · " + (t._("on time") if entry.on_time else t._("late"))
    if entry.edited:
        detail += " · " + t._("edited")
    lines = [" · ".join(head), "    " + detail]
    if entry.text.strip():
        lines.append("    " + quoted(entry.text, limit))
    return lines


def render_measure(t: Translator, detail: MeasureDetail) -> str:
    """/status <measure>: title, leads and supports, each department's latest, recent updates."""
    lines = [f"<b>{esc(detail.label)}{esc(detail.title)}</b>"]
    if detail.section:
        lines.append("<i>" + esc(detail.section) + "</i>")
    none = t._("none")
    lines.append(
        t._("Leads: {departments}").format(
            departments=joined(t, [esc(n) for n in detail.leads]) or none
        )
    )
    lines.append(
        t._("Supports: {departments}").format(
            departments=joined(t, [esc(n) for n in detail.supports]) or none
        )
    )
    lines += ["", "<b>" + t._("Latest update of each department") + "</b>"]
    if not detail.departments:
        lines.append(t._("The plan names no department for this measure."))
    for item in detail.departments:
        mark = f" {TASK_ICONS[item.task]}" if item.task else ""
        lines.append(with_role(t, esc(item.name), item.role) + mark)
        lines.append("    " + latest_line(t, item.latest))
        if item.latest is not None and item.latest.text.strip():
            lines.append("    “" + quoted(item.latest.text) + "”")
    lines += ["", "<b>" + t._("Recent updates") + "</b>"]
    if not detail.recent:
        lines.append(t._("No update has been recorded for this measure yet."))
    for entry in detail.recent:
        lines += _entry_lines(t, entry, limit=SHORT_TEXT)
    return "\n".join(lines)


def render_history(t: Translator, history: History) -> str:
    """/history <measure> [department]: every update, newest first."""
    title = f"{esc(history.label)}{esc(history.title)}"
    if history.department:
        title += " · " + esc(history.department)
    lines = ["<b>" + t._("Update history") + "</b>", title]
    if not history.entries:
        lines.append(t._("No update has been recorded yet."))
        return "\n".join(lines)
    count = t.ngettext("{n} update, newest first", "{n} updates, newest first", history.total)
    lines.append(count.format(n=history.total))
    if history.total > len(history.entries):
        lines.append(
            t._("Showing the latest {shown}; the ledger (/export) has them all.").format(
                shown=len(history.entries)
            )
        )
    for entry in history.entries:
        lines.append("")
        lines += _entry_lines(t, entry, limit=HISTORY_TEXT)
    return "\n".join(lines)
