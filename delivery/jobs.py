"""The bot's jobs: each schedule fires its own reminder job, and a periodic tick catches up.

Jobs are rebuilt from the database (the source of truth) at start and whenever schedules
change; the tick returns stale claims, makes nudges and overdue digests that are due, and
wakes the outbox worker (`delivery.worker`), which sends in the background.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application, ContextTypes

from coordination.cycles import FIRE_GRACE, catch_up_missed, fire_schedule
from coordination.follow_up import create_due_nudges, create_overdue_digests
from coordination.schedule_triggers import WorkingDayTrigger
from coordination.schedules import ScheduleView, live_schedules
from delivery.worker import flush_outbox, outbox, release_stale_deliveries
from runtime import services

log = logging.getLogger(__name__)

TICK_JOB = "tick"

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def job_name(schedule_id: int) -> str:
    return f"reminder:{schedule_id}"


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
    # The job ends when the cycle is out (it runs beside the updates, holding nothing up).
    await flush_outbox(context.application)


async def tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The periodic tick: see `run_tick` (it does not wait for the sends)."""
    await run_tick(context.application, wait=False)


async def run_tick(application: AnyApp, *, wait: bool = True) -> None:
    """Stale claims back to pending, jobs in line with the database, follow-ups, send.

    With `wait`, returns once the outbox has sent what is due (tests); the tick job only
    wakes the worker, so a long fan-out never makes the next tick wait.
    """
    svc = services(application)
    await release_stale_deliveries(application)
    await sync_jobs(application)
    now = svc.now()
    await svc.db.run(create_due_nudges, now=now)
    await svc.db.run(create_overdue_digests, now=now, fallback_chat_ids=svc.settings.admin_ids)
    if svc.pace is not None:
        await svc.pace.prune()
    if wait:
        await flush_outbox(application)
    else:
        outbox(application).wake()


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
    # What is owed goes out in the background once the application runs.
    outbox(application).wake()
    interval = float(svc.settings.outbox_tick_seconds)
    for job in application.job_queue.get_jobs_by_name(TICK_JOB):
        job.schedule_removal()
    if interval > 0:
        application.job_queue.run_repeating(
            tick_job, interval=interval, first=interval, name=TICK_JOB
        )
