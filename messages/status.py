"""The coordinators' views (status, a department, a measure, overdue, history) as HTML.

Both signals side by side everywhere: reporting (报送) first, progress (进展) second, with the
icons of `messages.vocabulary`. Every function takes a `Translator` and plain data from
`reports/`; everything that users typed or that comes from the plan is escaped here.
"""

from __future__ import annotations

import math
from datetime import datetime

from messages.deliveries import delivery_line
from messages.html import escape
from messages.i18n import Translator
from messages.review import action_line
from messages.vocabulary import (
    REPORTING_ICONS,
    REPORTING_STATES,
    RETURNED_ICON,
    SIGNAL_ICONS,
    SIGNALS,
    due_text,
    joined,
    legend,
    progress_detail,
    reporting_mark,
    reporting_name,
    role_name,
    shorten,
    signal_mark,
    signal_name,
    status_mark,
)
from models.plan import ROLE_LEAD, ROLE_SUPPORT
from reports.closures import Closure
from reports.history import ActionEntry, History, MeasureDetail, UpdateEntry
from reports.latest import Latest
from reports.progress_signal import SIGNAL_BEHIND, SIGNAL_CLOSED, SIGNAL_NONE, Progress
from reports.status import (
    TASK_LATE,
    TASK_ON_TIME,
    TASK_OVERDUE,
    TASK_PENDING,
    DepartmentView,
    MeasureState,
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
    """'🔄 推进中 60%': a reported status with its mark and percent."""
    label = status_mark(t, status)
    if percent is not None:
        label += " " + t.percent(percent / 100)
    return label


def signal_phrase(t: Translator, progress: Progress) -> str:
    """'📉 滞后 · 60%，序时进度 89%': the judged progress with its figures."""
    detail = progress_detail(t, progress)
    return signal_mark(t, progress.signal) + (f" · {detail}" if detail else "")


def closure_phrase(t: Translator, closure: Closure) -> str:
    """'办结 11月29日 10:00（刘 督查室）'."""
    text = t._("closed {moment}").format(moment=t.datetime(closure.closed_at, "short"))
    if closure.closed_by:
        text += t._(" by {who}").format(who=esc(closure.closed_by))
    return text


def cycle_line(t: Translator, fire_at: datetime, due_at: datetime, now: datetime) -> str:
    passed = t._("deadline passed") if now > due_at else t._("deadline not yet reached")
    return t._("Reminder of {fired}, deadline {due} ({state})").format(
        fired=t.datetime(fire_at, "short"), due=t.datetime(due_at, "short"), state=passed
    )


def with_role(t: Translator, name: str, role: str, responsible: bool = False) -> str:
    return t._("{name} ({role})").format(name=name, role=role_name(t, role, responsible))


def heading(word: str) -> str:
    """A role word at the head of a line: 'Lead: …' in English (Chinese has no case)."""
    return word[:1].upper() + word[1:]


def task_marks(task: TaskState) -> str:
    """🟢🔄 after a unit: its reporting, then its progress once a report counts; ↩️ first for a
    report returned for 补报."""
    marks = REPORTING_ICONS[task.state]
    if task.returned:
        return RETURNED_ICON + marks
    if task.reported and task.progress.signal != SIGNAL_NONE:
        marks += SIGNAL_ICONS[task.progress.signal]
    return marks


def measure_marks(measure: MeasureState) -> str:
    """🟢📉 before a measure: its reporting and its progress; 🏁 alone once closed."""
    if measure.closed:
        return SIGNAL_ICONS[SIGNAL_CLOSED]
    return REPORTING_ICONS[measure.reporting] + SIGNAL_ICONS[measure.progress.signal]


def _unit_lines(t: Translator, measure: MeasureState) -> list[str]:
    """One line per role: '牵头：省发展改革委 🟢🔄、省交通厅 📵'."""
    groups: dict[tuple[str, bool], list[str]] = {}
    for task in measure.tasks:
        key = (ROLE_LEAD if task.role == ROLE_LEAD else ROLE_SUPPORT, task.responsible)
        groups.setdefault(key, []).append(f"{esc(task.department)} {task_marks(task)}")
    for unit in measure.unbound:
        key = (ROLE_LEAD if unit.role == ROLE_LEAD else ROLE_SUPPORT, unit.responsible)
        groups.setdefault(key, []).append(f"{esc(unit.name)} {REPORTING_ICONS['unbound']}")
    order = [(ROLE_LEAD, True), (ROLE_SUPPORT, True), (ROLE_SUPPORT, False)]
    lines = []
    for key in order + [k for k in groups if k not in order]:
        if key in groups:
            role = heading(role_name(t, key[0], key[1]))
            units = joined(t, groups[key])
            lines.append("    " + t._("{role}: {units}").format(role=role, units=units))
    return lines


def measure_detail_phrase(t: Translator, measure: MeasureState) -> str:
    """What follows a measure's title: figures of its progress, the deadline passed, closing."""
    if measure.closure is not None:
        return " · " + closure_phrase(t, measure.closure)
    progress = measure.progress
    if progress.signal == SIGNAL_BEHIND and progress.expected == 100:
        due = due_text(t, measure.deadline, measure.deadline_text)
        return " · " + t._("past its deadline {due}").format(due=due)
    detail = progress_detail(t, progress)
    return f" · {detail}" if detail else ""


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


def reporting_counts_line(t: Translator, counts: dict[str, int]) -> str:
    colon = "：" if t.is_chinese else ": "
    return (
        t._("Reporting")
        + colon
        + " · ".join(
            f"{REPORTING_ICONS[k]} {reporting_name(t, k)} {counts[k]}" for k in REPORTING_STATES
        )
    )


def progress_counts_line(t: Translator, counts: dict[str, int]) -> str:
    colon = "：" if t.is_chinese else ": "
    shown = [s for s in SIGNALS if counts.get(s) or s != SIGNAL_CLOSED]
    return (
        t._("Progress")
        + colon
        + " · ".join(f"{SIGNAL_ICONS[s]} {signal_name(t, s)} {counts[s]}" for s in shown)
    )


def overview_header(t: Translator, overview: Overview) -> list[str]:
    assert overview.cycle is not None
    tasks = overview.task_counts()
    responsible = sum(tasks.values())
    return [
        "<b>" + t._("Progress of the current cycle") + "</b>",
        cycle_line(t, overview.cycle.fire_at, overview.cycle.due_at, overview.now),
        t.ngettext("{n} measure", "{n} measures", len(overview.measures)).format(
            n=len(overview.measures)
        ),
        reporting_counts_line(t, overview.reporting_counts()),
        progress_counts_line(t, overview.progress_counts()),
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
    """/status: both signals of every measure of the cycle, grouped by section."""
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
                f"{measure_marks(measure)} <b>{esc(measure.label)}</b>{esc(measure.title)}"
                + measure_detail_phrase(t, measure)
            )
            lines += _unit_lines(t, measure)
    lines += ["", "<i>" + legend(t) + "</i>"]
    return "\n".join(lines)


def days_overdue(due_at: datetime, now: datetime) -> int:
    """Whole days past the deadline, counting a started day (3 hours late is 1 day)."""
    return max(1, math.ceil((now - due_at).total_seconds() / 86400))


def _unbound_lines(t: Translator, overview: Overview) -> list[str]:
    """The units no chat reaches, with the measures they hold."""
    units = overview.unbound()
    if not units:
        return []
    lines = [
        "",
        f"{REPORTING_ICONS['unbound']} <b>"
        + t.ngettext(
            "{n} unit has no chat bound, so nobody asks it:",
            "{n} units have no chat bound, so nobody asks them:",
            len(units),
        ).format(n=len(units))
        + "</b>",
    ]
    for name, held in units:
        labels = "".join(esc(measure.label) for measure, _unit in held)
        lines.append(f"    {esc(name)}：{labels}" if t.is_chinese else f"    {esc(name)}: {labels}")
    lines.append(t._("An admin binds each unit's group with /bind; /chats lists them."))
    return lines


def render_overdue(t: Translator, overview: Overview) -> str:
    """/overdue: departments and the measures they have not reported, with days overdue; the
    units no chat reaches."""
    if overview.cycle is None:
        return render_no_cycle(t, overview.measure_count)
    cycle = overview.cycle
    head = [
        "<b>" + t._("Overdue reports") + "</b>",
        cycle_line(t, cycle.fire_at, cycle.due_at, overview.now),
    ]
    unbound = _unbound_lines(t, overview)
    if not overview.is_due:
        return "\n".join(
            [*head, t._("The deadline has not passed yet; nothing is overdue."), *unbound]
        )
    overdue = overview.overdue()
    if not overdue:
        return "\n".join(
            [*head, t._("Nothing is overdue: every department has reported. 🎉"), *unbound]
        )
    days = days_overdue(cycle.due_at, overview.now)
    by_department: dict[str, list[str]] = {}
    for measure, task in overdue:
        mark = f" {RETURNED_ICON}" if task.returned else ""
        by_department.setdefault(task.department, []).append(
            "    "
            + with_role(t, esc(measure.label) + esc(measure.title), task.role, task.responsible)
            + mark
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
            f"{REPORTING_ICONS[TASK_OVERDUE]} <b>"
            + esc(department)
            + "</b> · "
            + t.ngettext("{n} measure", "{n} measures", len(items)).format(n=len(items))
            + " · "
            + t.ngettext("{days} day overdue", "{days} days overdue", days).format(days=days),
            *items,
        ]
    return "\n".join([*lines, *unbound])


def latest_line(t: Translator, latest: Latest | None) -> str:
    """'🔄 推进中 60% · 11月26日 09:00 · 张三' or 'no report yet'; ↩️ when it was returned."""
    if latest is None:
        return t._("no report yet")
    parts = [
        progress_phrase(t, latest.status, latest.percent),
        t.datetime(latest.updated_at, "short"),
    ]
    if latest.user_name:
        parts.append(esc(latest.user_name))
    if latest.returned:
        parts.append(f"{RETURNED_ICON} " + t._("returned for a new report"))
    return " · ".join(parts)


def render_department(t: Translator, view: DepartmentView, now: datetime) -> str:
    """/status <department>: its measures, role, both signals, latest status, text and when."""
    lines = [
        "<b>"
        + esc(view.name)
        + "</b> · "
        + t.ngettext("{n} measure", "{n} measures", len(view.rows)).format(n=len(view.rows))
    ]
    if not view.reached:
        lines.append(
            f"{REPORTING_ICONS['unbound']} "
            + t._(
                "No chat is bound to this unit, so nobody asks it; an admin binds one with /bind."
            )
        )
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
        lines.append(
            f"<b>{esc(row.label)}</b>{esc(row.title)} · {role_name(t, row.role, row.responsible)}"
        )
        marks = []
        if row.task is not None:
            marks.append(reporting_mark(t, row.task))
        if row.closure is not None:
            marks.append(signal_mark(t, SIGNAL_CLOSED) + " " + closure_phrase(t, row.closure))
        else:
            marks.append(signal_phrase(t, row.progress))
        lines.append("    " + " · ".join(marks))
        lines.append("    " + latest_line(t, row.latest))
        if row.latest is not None and row.latest.text.strip():
            lines.append("    “" + quoted(row.latest.text) + "”")
    return "\n".join(lines)


def _edited(t: Translator, entry: UpdateEntry) -> str:
    if entry.edited_at is None:
        return ""
    return " · " + t._("edited {moment}").format(moment=t.datetime(entry.edited_at, "short"))


def _entry_lines(t: Translator, entry: UpdateEntry | ActionEntry, *, limit: int) -> list[str]:
    if isinstance(entry, ActionEntry):
        return [action_line(t, entry)]
    head = [t.datetime(entry.created_at, "short"), "<b>" + esc(entry.department) + "</b>"]
    if entry.user_name:
        head.append(esc(entry.user_name))
    detail = progress_phrase(t, entry.status, entry.percent)
    if entry.on_time is not None:
        state = TASK_ON_TIME if entry.on_time else TASK_LATE
        detail += " · " + reporting_mark(t, state)
    detail += _edited(t, entry)
    if entry.returned_at is not None:
        detail += f" · {RETURNED_ICON} " + t._("returned {moment}").format(
            moment=t.datetime(entry.returned_at, "short")
        )
    lines = [" · ".join(head), "    " + detail]
    if entry.text.strip():
        lines.append("    " + quoted(entry.text, limit))
    return lines


def _unit_heading(t: Translator, name: str, role: str, responsible: bool, marks: str) -> str:
    return with_role(t, esc(name), role, responsible) + (f" {marks}" if marks else "")


def render_measure(t: Translator, detail: MeasureDetail) -> str:
    """/status <measure>: deadline, both signals, who leads and supports, each unit's latest,
    recent reports and review acts."""
    lines = [f"<b>{esc(detail.label)}{esc(detail.title)}</b>"]
    if detail.section:
        lines.append("<i>" + esc(detail.section) + "</i>")
    due = due_text(t, detail.deadline, detail.deadline_text)
    if due:
        lines.append(t._("Due: {due}").format(due=due))
    colon = "：" if t.is_chinese else ": "
    if detail.closure is not None:
        lines.append(
            t._("Progress")
            + colon
            + signal_mark(t, SIGNAL_CLOSED)
            + " "
            + closure_phrase(t, detail.closure)
        )
    else:
        lines.append(t._("Progress") + colon + signal_phrase(t, detail.progress))
    none = t._("none")
    lead_word = heading(role_name(t, ROLE_LEAD))
    other_word = heading(role_name(t, ROLE_SUPPORT, detail.no_lead))
    lines.append(
        t._("{role}: {units}").format(
            role=lead_word, units=joined(t, [esc(n) for n in detail.leads]) or none
        )
    )
    lines.append(
        t._("{role}: {units}").format(
            role=other_word, units=joined(t, [esc(n) for n in detail.supports]) or none
        )
    )
    lines += ["", "<b>" + t._("Latest update of each department") + "</b>"]
    if not detail.departments:
        lines.append(t._("The plan names no department for this measure."))
    for item in detail.departments:
        marks = ""
        if item.task is not None:
            marks = REPORTING_ICONS[item.task]
        elif not item.reached:
            marks = REPORTING_ICONS["unbound"]
        if (
            item.latest is not None
            and not item.latest.returned
            and item.progress.signal != SIGNAL_NONE
        ):
            marks += SIGNAL_ICONS[item.progress.signal]
        lines.append(_unit_heading(t, item.name, item.role, item.responsible, marks))
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
    """/history <measure> [department]: every report and review act, newest first."""
    title = f"{esc(history.label)}{esc(history.title)}"
    if history.department:
        title += " · " + esc(history.department)
    lines = ["<b>" + t._("Update history") + "</b>", title]
    if not history.entries:
        lines.append(t._("No update has been recorded yet."))
        return "\n".join(lines)
    count = t.ngettext("{n} entry, newest first", "{n} entries, newest first", history.total)
    lines.append(count.format(n=history.total))
    if history.total > len(history.entries):
        lines.append(
            t._(
                "Showing the latest {shown}; the ledger (/export) has every report on its "
                "history sheet."
            ).format(shown=len(history.entries))
        )
    for entry in history.entries:
        lines.append("")
        lines += _entry_lines(t, entry, limit=HISTORY_TEXT)
    return "\n".join(lines)
