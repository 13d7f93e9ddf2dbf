"""/schedule and /remind, and the jobs: one per schedule (`reminder:{id}`) plus the tick.

The database is the source of truth: `restore_jobs` rebuilds every job at start and opens
a cycle missed while the bot was down; the tick (every 30 s) re-reads the schedules, makes
nudges and overdue digests that are due, and flushes the outbox.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from coordination.cycles import FIRE_GRACE, catch_up_missed, fire_schedule, open_manual_cycle
from coordination.follow_up import create_due_nudges, create_overdue_digests
from coordination.outbox import delivery_counts
from coordination.schedule_spec import (
    FORM_WORDS,
    USAGE,
    SpecError,
    WorkingDayTrigger,
    next_fire_times,
    parse_schedule_args,
)
from coordination.schedules import (
    ScheduleView,
    UnknownDepartment,
    add_schedule,
    delete_schedule,
    list_schedules,
    live_schedules,
    resolve_department,
    set_paused,
)
from handlers.access import (
    answer,
    refuse_admin_only,
    refuse_coordinators_only,
    roles_of,
    translator,
)
from handlers.outbox import flush_outbox, release_stale_deliveries
from handlers.runtime import services
from messages.i18n import Translator, get_translator
from messages.reminders import moment_text
from models.schedules import SCHEDULE_DIGEST, SCOPE_LEAD, STATUS_PENDING, STATUS_SENDING

log = logging.getLogger(__name__)

TICK_JOB = "tick"

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def job_name(schedule_id: int) -> str:
    return f"reminder:{schedule_id}"


# --- jobs ------------------------------------------------------------------------------


async def reminder_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A schedule fired: open its cycle (once, whatever the number of processes) and send."""
    svc = services(context)
    assert context.job is not None
    schedule_id, _signature = context.job.data  # type: ignore[misc]
    outcome = await svc.db.run(
        fire_schedule,
        schedule_id=schedule_id,
        now=svc.now(),
        fallback_chat_ids=svc.settings.admin_ids,
    )
    if outcome is not None:
        log.info(
            "schedule %s fired: cycle %s (%s)",
            schedule_id,
            outcome.cycle_id,
            "new" if outcome.created else "already open",
        )
    await flush_outbox(context.application)


async def tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The periodic tick: see `run_tick`."""
    await run_tick(context.application)


async def run_tick(application: AnyApp) -> None:
    """Stale claims back to pending, jobs in line with the database, follow-ups, send."""
    svc = services(application)
    await release_stale_deliveries(application)
    await sync_jobs(application)
    now = svc.now()
    await svc.db.run(create_due_nudges, now=now)
    await svc.db.run(create_overdue_digests, now=now, fallback_chat_ids=svc.settings.admin_ids)
    await flush_outbox(application)


def _install(application: AnyApp, schedule: ScheduleView) -> None:
    job_queue = application.job_queue
    assert job_queue is not None
    for job in job_queue.get_jobs_by_name(job_name(schedule.id)):
        job.schedule_removal()
    trigger = WorkingDayTrigger(
        schedule.cron, schedule.timezone, skip_holidays=schedule.skip_holidays
    )
    job_queue.run_custom(
        reminder_job,
        job_kwargs={
            "trigger": trigger,
            # A busy loop or a slow start must not make a firing vanish.
            "misfire_grace_time": int(FIRE_GRACE.total_seconds()),
            "coalesce": True,
        },
        data=(schedule.id, schedule.signature),
        name=job_name(schedule.id),
    )


def _remove(application: AnyApp, schedule_id: int) -> None:
    job_queue = application.job_queue
    assert job_queue is not None
    for job in job_queue.get_jobs_by_name(job_name(schedule_id)):
        job.schedule_removal()


async def sync_jobs(application: AnyApp) -> None:
    """Make the jobs match the schedules in the database (other processes may edit them)."""
    svc = services(application)
    job_queue = application.job_queue
    if job_queue is None:
        return
    wanted = {s.id: s for s in await svc.db.run(live_schedules)}
    present: dict[int, Any] = {}
    for job in job_queue.jobs():
        if job.name and job.name.startswith("reminder:") and not job.removed:
            present[int(job.name.split(":", 1)[1])] = job
    for schedule_id, job in present.items():
        schedule = wanted.get(schedule_id)
        if schedule is None:
            job.schedule_removal()
        elif job.data != (schedule.id, schedule.signature):
            _install(application, schedule)
    for schedule_id, schedule in wanted.items():
        if schedule_id not in present:
            _install(application, schedule)


async def restore_jobs(application: AnyApp) -> None:
    """At start: rebuild the jobs, open a missed cycle, send what is owed, start the tick."""
    svc = services(application)
    if application.job_queue is None:
        log.error("no JobQueue: install python-telegram-bot[job-queue]; reminders are off")
        return
    await release_stale_deliveries(application)
    await sync_jobs(application)
    opened = await svc.db.run(
        catch_up_missed, now=svc.now(), fallback_chat_ids=svc.settings.admin_ids
    )
    if opened:
        log.info("opened %d cycle(s) missed while the bot was down", len(opened))
    await flush_outbox(application)
    interval = float(svc.settings.outbox_tick_seconds)
    for job in application.job_queue.get_jobs_by_name(TICK_JOB):
        job.schedule_removal()
    if interval > 0:
        application.job_queue.run_repeating(
            tick_job, interval=interval, first=interval, name=TICK_JOB
        )


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
