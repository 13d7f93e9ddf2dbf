"""What the outbox sends, rendered: the reminder, the nudge, the overdue list, the digest (with
its 通报 document), the notice that a chat dropped the bot, and /remind's report once its
fan-out is out.

Every function takes a `Translator` (the chat's locale and the schedule's time zone) and
plain data; plan text is HTML-escaped here, and a reminder always fits one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from coordination.duties import DepartmentTasks
from coordination.outbox_content import (
    ChatLost,
    Content,
    Digest,
    FanOutReport,
    Nudge,
    OverdueList,
    Reminder,
)
from messages.digest import render_digest
from messages.html import MESSAGE_LIMIT, bold, cut_lines, escape
from messages.i18n import Translator
from messages.outgoing import Outgoing
from messages.schedules import render_fanout_report
from messages.vocabulary import due_phrase, gap, moment_text, role_name, shorten

# Title lengths tried, longest first, until the message fits.
TITLE_WIDTHS = (None, 40, 24, 14, 8, 0)


def _task_lines(
    t: Translator, departments: Sequence[DepartmentTasks], width: int | None
) -> list[str]:
    lines: list[str] = []
    for department in departments:
        lines.append("")
        lines.append(f"<b>{escape(department.name)}</b>")
        for task in department.tasks:
            title = task.title if width is None else shorten(task.title, width)
            title_part = f"{gap(task.label)}{escape(title)}" if title else ""
            role = role_name(t, task.role, task.responsible)
            due = due_phrase(t, task.deadline, task.deadline_text)
            lines.append(f"{escape(task.label)}{title_part} · {role}{due}")
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
    return cut_lines(text, limit)


def render_reminder(
    t: Translator,
    *,
    departments: Sequence[DepartmentTasks],
    due_at: datetime,
    plan_title: str = "",
    limit: int = MESSAGE_LIMIT,
    answer_by_mention: bool = False,
) -> str:
    """The one reminder a chat gets in a cycle: its departments' measures and how to answer
    (a reply to it; an @-mention of the bot where replies do not reach the bot: DingTalk)."""
    count = sum(len(d.tasks) for d in departments)
    head = [bold(t._("Progress report requested"))]
    if plan_title:
        head.append(escape(plan_title))
    head.append(
        t.ngettext(
            "Please report on this measure by {deadline}.",
            "Please report on these {count} measures by {deadline}.",
            count,
        ).format(count=count, deadline=f"<b>{moment_text(t, due_at)}</b>")
    )
    if answer_by_mention:
        how = t._(
            "How to answer: @ me in this group with your report. When you report on several "
            "measures, name each one in the same message, for example: @me （五）completed …；"
            "（六）60%, in progress …"
        )
    else:
        how = t._(
            "How to answer: reply to this message. When you report on several measures, "
            "name each one, for example: （五）completed …；（六）60%, in progress …"
        )
    return _fit(head, t, departments, [how], limit)


def render_nudge(
    t: Translator,
    *,
    departments: Sequence[DepartmentTasks],
    due_at: datetime,
    limit: int = MESSAGE_LIMIT,
    answer_by_mention: bool = False,
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
    if answer_by_mention:
        tail = [t._("@ me in this group with the progress.")]
    else:
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


def render_chat_lost(t: Translator, lost: ChatLost) -> str:
    """To the coordinators: a chat dropped the bot, so its reminders stop."""
    departments = "、".join(escape(n) for n in lost.departments) or "—"
    return t._(
        "⚠️ The bot was removed from the chat {chat} ({departments}). Its reminders "
        "are stopped until someone adds the bot back."
    ).format(chat=f"<b>{escape(lost.title)}</b>", departments=departments)


def render_content(
    t: Translator, content: Content, *, answer_by_mention: bool = False
) -> list[Outgoing]:
    """The message(s) a delivery sends, in order (a digest ends with its document);
    `answer_by_mention` where only messages that @ the bot reach it (the platform's
    capabilities say so)."""
    if isinstance(content, Reminder):
        text = render_reminder(
            t,
            departments=content.departments,
            due_at=content.due_at,
            plan_title=content.plan_title,
            answer_by_mention=answer_by_mention,
        )
    elif isinstance(content, Nudge):
        text = render_nudge(
            t,
            departments=content.departments,
            due_at=content.due_at,
            answer_by_mention=answer_by_mention,
        )
    elif isinstance(content, OverdueList):
        text = render_overdue(
            t,
            departments=content.departments,
            due_at=content.due_at,
            total_tasks=content.total_tasks,
        )
    elif isinstance(content, Digest):
        return render_digest(t, content)
    elif isinstance(content, FanOutReport):
        text = render_fanout_report(t, content)
    else:
        text = render_chat_lost(t, content)
    return [Outgoing(text)]
