"""/schedule and /remind: reminder schedules kept by admins, a cycle started by hand.

A changed schedule goes into the job queue at once (`delivery.jobs.sync_jobs`); a cycle
started by /remind is sent before the answer says how many chats it reached.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from telegram.ext import Application, CommandHandler

from commands import schedules
from coordination.outbox import delivery_counts
from coordination.roles import Need
from delivery.jobs import sync_jobs
from delivery.worker import flush_outbox
from handlers.gate import Call, gated
from messages.schedules import render_remind, render_schedule
from models.schedules import STATUS_PENDING, STATUS_SENDING

AnyApp = Application[Any, Any, Any, Any, Any, Any]


@gated("schedule", need=Need.ADMIN)
async def schedule_command(call: Call) -> None:
    """/schedule add|list|pause|resume|delete (admins)."""
    answer = await call.run(schedules.schedule)
    if answer.changed:
        await sync_jobs(call.context.application)
    await call.reply(render_schedule, answer)


@gated("remind", need=Need.COORDINATOR)
async def remind_command(call: Call) -> None:
    """/remind [department]: start a cycle now (admins and coordinators)."""
    answer = await call.run(schedules.remind)
    if answer.cycle is not None and answer.cycle.chats:
        await flush_outbox(call.context.application)
        counts = await call.services.db.run(delivery_counts, cycle_id=answer.cycle.cycle_id)
        waiting = counts.get(STATUS_PENDING, 0) + counts.get(STATUS_SENDING, 0)
        answer = replace(answer, waiting=waiting)
    await call.reply(render_remind, answer)


def register(application: AnyApp) -> None:
    """/schedule and /remind."""
    application.add_handler(CommandHandler("schedule", schedule_command))
    application.add_handler(CommandHandler("remind", remind_command))
