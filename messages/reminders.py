"""Rendering the messages of a cycle: the reminder, the nudge and the overdue digest.

Every function takes a `Translator` (the chat's locale and the schedule's time zone) and
plain data; plan text is HTML-escaped here, and a reminder always fits one message.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_skeleton

from messages.i18n import N_, Translator
from models.clock import as_aware_utc
from models.plan import ROLE_LEAD

MESSAGE_LIMIT = 4096
# Title lengths tried, longest first, until the message fits.
TITLE_WIDTHS = (None, 40, 24, 14, 8, 0)

ROLE_LEAD_TEXT = N_("lead role")  # 牵头
ROLE_RESPONSIBLE_TEXT = N_("responsible role")  # 负责 (a clause that names no lead)
ROLE_SUPPORT_TEXT = N_("support role")  # 配合


@dataclass(frozen=True)
class TaskLine:
    label: str
    title: str
    role: str
    responsible: bool
    deadline: date | None = None
    deadline_text: str | None = None


@dataclass(frozen=True)
class DepartmentTasks:
    name: str
    tasks: Sequence[TaskLine]


def bold(text: str) -> str:
    """`text` escaped and in bold."""
    return f"<b>{html.escape(text)}</b>"


def moment_text(t: Translator, moment: datetime, *, with_year: bool = True) -> str:
    """'2026年10月28日周三 09:00' / 'Wed, Oct 28, 2026 09:00' in the translator's zone."""
    local = as_aware_utc(moment).astimezone(t.tz)
    day = format_skeleton("yMMMEd" if with_year else "MMMEd", local, locale=t.babel_locale)
    return f"{day} {format_skeleton('Hm', local, locale=t.babel_locale)}"


def role_text(t: Translator, task: TaskLine) -> str:
    if task.role == ROLE_LEAD:
        return t._(ROLE_LEAD_TEXT)
    return t._(ROLE_RESPONSIBLE_TEXT) if task.responsible else t._(ROLE_SUPPORT_TEXT)


def due_suffix(t: Translator, task: TaskLine) -> str:
    """ · 完成时限：2023年6月30日, or the kind as written (长期坚持); empty without one."""
    if task.deadline is not None:
        due = t.date(task.deadline, "long")
    elif task.deadline_text:
        due = html.escape(task.deadline_text)
    else:
        return ""
    return " · " + t._("Due: {due}").format(due=due)


def _short(title: str, width: int | None) -> str:
    if width is None or len(title) <= width:
        return title
    return title[: max(width - 1, 0)] + "…" if width else ""


def _task_lines(
    t: Translator, departments: Sequence[DepartmentTasks], width: int | None
) -> list[str]:
    lines: list[str] = []
    for department in departments:
        lines.append("")
        lines.append(f"<b>{html.escape(department.name)}</b>")
        for task in department.tasks:
            title = _short(task.title, width)
            # "（五）建设…" reads as one phrase; "5. Title" needs the space.
            gap = "" if task.label.endswith(("）", ")")) else " "
            title_part = f"{gap}{html.escape(title)}" if title else ""
            lines.append(f"{html.escape(task.label)}{title_part} · {role_text(t, task)}")
    return lines


def _fit(
    head: list[str],
    t: Translator,
    departments: Sequence[DepartmentTasks],
    tail: list[str],
    limit: int,
) -> str:
    """Join the parts, shortening measure titles until the text fits `limit`."""
    text = ""
    for width in TITLE_WIDTHS:
        text = "\n".join([*head, *_task_lines(t, departments, width), "", *tail]).rstrip()
        if len(text) <= limit:
            return text
    # Even bare labels do not fit (hundreds of measures): cut at a line boundary.
    cut = text[: limit - 2].rsplit("\n", 1)[0]
    return cut + "\n…"


def render_reminder(
    t: Translator,
    *,
    departments: Sequence[DepartmentTasks],
    due_at: datetime,
    plan_title: str = "",
    limit: int = MESSAGE_LIMIT,
) -> str:
    """The one reminder a chat gets in a cycle: its departments' measures and how to answer."""
    count = sum(len(d.tasks) for d in departments)
    head = [bold(t._("Progress report requested"))]
    if plan_title:
        head.append(html.escape(plan_title))
    head.append(
        t.ngettext(
            "Please report on this measure by {deadline}.",
            "Please report on these {count} measures by {deadline}.",
            count,
        ).format(count=count, deadline=f"<b>{moment_text(t, due_at)}</b>")
    )
    tail = [
        t._(
            "How to answer: reply to this message. When you report on several measures, "
            "name each one, for example: （五）completed …；（六）60%, in progress …"
        ),
    ]
    return _fit(head, t, departments, tail, limit)


def render_nudge(
    t: Translator,
    *,
    departments: Sequence[DepartmentTasks],
    due_at: datetime,
    limit: int = MESSAGE_LIMIT,
) -> str:
    """The reminder before the deadline, naming only the measures still missing."""
    count = sum(len(d.tasks) for d in departments)
    head = [
        bold(t._("Reminder: reports still missing")),
        t.ngettext(
            "The deadline is {deadline}; this measure has no report yet:",
            "The deadline is {deadline}; these {count} measures have no report yet:",
            count,
        ).format(count=count, deadline=f"<b>{moment_text(t, due_at)}</b>"),
    ]
    tail = [t._("Reply to the reminder above (or to this message) with the progress.")]
    return _fit(head, t, departments, tail, limit)


def render_overdue(
    t: Translator,
    *,
    departments: Sequence[DepartmentTasks],
    due_at: datetime,
    total_tasks: int,
    limit: int = MESSAGE_LIMIT,
) -> str:
    """The digest for coordinators after the deadline: who is overdue, on which measures."""
    overdue = sum(len(d.tasks) for d in departments)
    title = bold(t._("Overdue after the deadline"))
    deadline = moment_text(t, due_at)
    if not overdue:
        return "\n".join(
            [
                title,
                t.ngettext(
                    "Deadline {deadline}: the {total} requested report arrived on time.",
                    "Deadline {deadline}: all {total} requested reports arrived on time.",
                    total_tasks,
                ).format(total=total_tasks, deadline=deadline),
            ]
        )
    head = [
        title,
        t.ngettext(
            "Deadline {deadline}: {overdue} of {total} reports is missing.",
            "Deadline {deadline}: {overdue} of {total} reports are missing.",
            overdue,
        ).format(overdue=overdue, total=total_tasks, deadline=deadline),
        t.ngettext(
            "{count} department is overdue:",
            "{count} departments are overdue:",
            len(departments),
        ).format(count=len(departments)),
    ]
    return _fit(head, t, departments, [], limit)
