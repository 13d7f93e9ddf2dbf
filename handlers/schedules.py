"""/schedule and /remind: reminder schedules kept by admins, a cycle started by hand.

A changed schedule goes into the job queue at once (`delivery.jobs.sync_jobs`); a cycle
started by /remind is queued and answered at once: the outbox worker sends it in the
background and reports in the same chat once it is out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from telegram.ext import Application, CommandHandler

from commands import schedules
from coordination.pace import HEADROOM
from coordination.roles import Need
from delivery.jobs import sync_jobs
from delivery.worker import outbox
from handlers.gate import Call, gated
from messages.schedules import render_remind, render_schedule

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
    queued = answer.cycle is not None and answer.cycle.chats > 0
    if answer.cycle is not None and queued:
        rate = call.services.settings.rate_limit_per_second * HEADROOM
        answer = replace(answer, seconds=answer.cycle.chats / rate)
    # Answered first, so the answer comes before the report that follows the fan-out.
    await call.reply(render_remind, answer)
    if queued:
        outbox(call.context.application).wake()


def register(application: AnyApp) -> None:
    """/schedule and /remind."""
    application.add_handler(CommandHandler("schedule", schedule_command))
    application.add_handler(CommandHandler("remind", remind_command))
