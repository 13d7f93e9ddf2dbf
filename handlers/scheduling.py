"""/schedule and /remind: reminder schedules kept by admins, a cycle started by hand.

A changed schedule is put into the job queue at once (`delivery.jobs.sync_jobs`).
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from coordination.cycles import open_manual_cycle
from coordination.outbox import delivery_counts
from coordination.schedule_spec import (
    FORM_WORDS,
    USAGE,
    SpecError,
    next_fire_times,
    parse_schedule_args,
)
from coordination.schedules import (
    ScheduleView,
    UnknownDepartment,
    add_schedule,
    delete_schedule,
    list_schedules,
    resolve_department,
    set_paused,
)
from delivery.jobs import sync_jobs
from delivery.worker import flush_outbox
from handlers.access import (
    answer,
    refuse_admin_only,
    refuse_coordinators_only,
    roles_of,
    translator,
)
from messages.i18n import Translator, get_translator
from messages.reminders import moment_text
from models.schedules import SCHEDULE_DIGEST, SCOPE_LEAD, STATUS_PENDING, STATUS_SENDING
from runtime import services

AnyApp = Application[Any, Any, Any, Any, Any, Any]


# --- /schedule -------------------------------------------------------------------------


def describe(t: Translator, schedule: ScheduleView, *, now: Any) -> str:
    """One schedule, for /schedule list and the answer to add/pause/resume."""
    kind = t._("digest (通报)") if schedule.kind == SCHEDULE_DIGEST else t._("reminder")
    scope = t._("leads only") if schedule.scope == SCOPE_LEAD else t._("leads and supports")
    target = html.escape(schedule.department) if schedule.department else t._("every bound chat")
    parts = [
        f"<b>#{schedule.id}</b> {html.escape(schedule.spec)} · {kind}",
        t._("cron {cron} · time zone {zone}").format(
            cron=html.escape(schedule.cron), zone=html.escape(schedule.timezone)
        ),
    ]
    if schedule.kind != SCHEDULE_DIGEST:
        parts.append(
            t.ngettext(
                "reply window {days} day", "reply window {days} days", schedule.due_days
            ).format(days=schedule.due_days)
            + " · "
            + scope
            + " · "
            + target
        )
    parts.append(
        t._("moves to the next working day on holidays")
        if schedule.skip_holidays
        else t._("fires on holidays too")
    )
    if schedule.paused:
        parts.append(t._("⏸ paused"))
    return "\n".join(parts)


def next_times_text(t: Translator, schedule: ScheduleView, *, now: Any) -> str:
    tz_t = get_translator(t.locale, schedule.timezone)
    times = next_fire_times(
        schedule.cron, schedule.timezone, skip_holidays=schedule.skip_holidays, after=now, count=3
    )
    lines = [t._("Next fire times:")]
    for nominal, actual in times:
        line = "• " + moment_text(tz_t, actual)
        if actual != nominal:
            line += " " + t._("(moved from {date}, a day off)").format(
                date=moment_text(tz_t, nominal, with_year=False)
            )
        lines.append(line)
    return "\n".join(lines)


def _schedule_id(text: str | None) -> int | None:
    if not text:
        return None
    cleaned = text.strip().lstrip("#＃")
    return int(cleaned) if cleaned.isdecimal() and len(cleaned) < 10 else None


async def schedule_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/schedule add|list|pause|resume|delete (admins)."""
    t = await translator(update, context)
    roles = await roles_of(update, context)
    if not roles.is_admin:
        await refuse_admin_only(update, context, t, "schedule")
        return
    svc = services(context)
    message = update.effective_message
    assert message is not None
    text = (message.text or "").split(maxsplit=1)
    args = text[1] if len(text) > 1 else ""
    action, _, rest = args.strip().partition(" ")
    action = action.lower()
    if action in FORM_WORDS:
        # "/schedule monthly 25 09:00" is read as "/schedule add monthly 25 09:00".
        action, rest = "add", args.strip()
    now = svc.now()
    if action in {"add", "新增", "添加"}:
        await _schedule_add(update, context, t, rest)
    elif action in {"list", "列表", ""}:
        schedules = await svc.db.run(list_schedules)
        if not schedules:
            await answer(
                update,
                context,
                t._("No schedules yet. Add one, for example: /schedule add monthly 25 09:00"),
            )
            return
        blocks = [describe(t, s, now=now) for s in schedules]
        await answer(update, context, "\n\n".join(blocks)[:4000])
    elif action in {"pause", "resume", "delete", "暂停", "恢复", "删除"}:
        schedule_id = _schedule_id(rest)
        if schedule_id is None:
            await answer(
                update,
                context,
                t._("Give the schedule's number, for example: /schedule {action} 1").format(
                    action=html.escape(action)
                ),
            )
            return
        if action in {"delete", "删除"}:
            view = await svc.db.run(delete_schedule, schedule_id=schedule_id)
        else:
            view = await svc.db.run(
                set_paused, schedule_id=schedule_id, paused=action in {"pause", "暂停"}
            )
        if view is None:
            await answer(
                update,
                context,
                t._("There is no schedule #{id}. See /schedule list.").format(id=schedule_id),
            )
            return
        await sync_jobs(context.application)
        if action in {"delete", "删除"}:
            reply = t._("Schedule #{id} deleted; past cycles and their reports are kept.")
        elif view.paused:
            reply = t._("Schedule #{id} paused: it will not fire until /schedule resume {id}.")
        else:
            reply = t._("Schedule #{id} resumed.")
        reply = reply.format(id=schedule_id)
        if not view.paused and action not in {"delete", "删除"}:
            reply += "\n" + next_times_text(t, view, now=now)
        await answer(update, context, reply)
    else:
        await answer(
            update,
            context,
            t._("Unknown /schedule action: {action}.").format(action=html.escape(action))
            + "\n"
            + html.escape(t._(USAGE)),
        )


async def _schedule_add(
    update: Update, context: ContextTypes.DEFAULT_TYPE, t: Translator, rest: str
) -> None:
    svc = services(context)
    try:
        spec = parse_schedule_args(rest, default_timezone=svc.settings.bot_timezone)
    except SpecError as exc:
        params = {k: html.escape(str(v)) for k, v in exc.params.items()}
        reason = html.escape(t._(exc.msgid)).format(**params)
        usage = "" if exc.msgid == USAGE else "\n" + html.escape(t._(USAGE))
        await answer(
            update, context, t._("Schedule not added: {reason}").format(reason=reason) + usage
        )
        return
    user = update.effective_user
    try:
        view = await svc.db.run(add_schedule, spec=spec, created_by=user.id if user else None)
    except UnknownDepartment as exc:
        await answer(update, context, unknown_department_text(t, exc))
        return
    await sync_jobs(context.application)
    await answer(
        update,
        context,
        t._("Schedule added.")
        + "\n"
        + describe(t, view, now=svc.now())
        + "\n"
        + next_times_text(t, view, now=svc.now()),
    )


def unknown_department_text(t: Translator, exc: UnknownDepartment) -> str:
    if exc.is_group:
        return t._("{name} is a group of departments; name one of its members.").format(
            name=html.escape(exc.name)
        )
    if exc.suggestions:
        return t._("No department called {name}. Did you mean: {suggestions}?").format(
            name=html.escape(exc.name),
            suggestions="、".join(html.escape(s) for s in exc.suggestions),
        )
    return t._("No department called {name}. /chats lists the departments.").format(
        name=html.escape(exc.name)
    )


# --- /remind ---------------------------------------------------------------------------


async def remind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/remind [department]: start a cycle now (admins and coordinators)."""
    t = await translator(update, context)
    roles = await roles_of(update, context)
    if not roles.can_coordinate:
        await refuse_coordinators_only(update, context, t, "remind")
        return
    svc = services(context)
    name = " ".join(context.args or []).strip()
    department_id = None
    if name:
        try:
            department = await svc.db.run(resolve_department, name)
        except UnknownDepartment as exc:
            await answer(update, context, unknown_department_text(t, exc))
            return
        department_id = department.id
    user = update.effective_user
    outcome = await svc.db.run(
        open_manual_cycle,
        now=svc.now(),
        department_id=department_id,
        created_by=user.id if user else None,
    )
    if outcome.chats == 0:
        await answer(
            update,
            context,
            t._(
                "No reminder sent: no bound chat has measures to "
                "report. Bind department chats first with /bind."
            ),
        )
        return
    await flush_outbox(context.application)
    counts = await svc.db.run(delivery_counts, cycle_id=outcome.cycle_id)
    assert outcome.due_at is not None
    text = t.ngettext(
        "Reminder sent to {chats} chat ({tasks} measures to report); deadline {deadline}.",
        "Reminder sent to {chats} chats ({tasks} measures to report); deadline {deadline}.",
        outcome.chats,
    ).format(chats=outcome.chats, tasks=outcome.tasks, deadline=moment_text(t, outcome.due_at))
    waiting = counts.get(STATUS_PENDING, 0) + counts.get(STATUS_SENDING, 0)
    if waiting > 0:
        text += "\n" + t.ngettext(
            "{count} chat could not be reached yet; the bot keeps trying.",
            "{count} chats could not be reached yet; the bot keeps trying.",
            waiting,
        ).format(count=waiting)
    await answer(update, context, text)


def register(application: AnyApp) -> None:
    """/schedule and /remind."""
    application.add_handler(CommandHandler("schedule", schedule_command))
    application.add_handler(CommandHandler("remind", remind_command))
