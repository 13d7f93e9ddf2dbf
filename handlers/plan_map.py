"""/plan and /assign: admins see where the reader is unsure and correct the map.

Thin: the gate lets only admins through, `commands/plan_map.py` answers in one session and
`messages/plan_map.py` words the answer.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler

from commands import plan_map
from coordination.roles import Need
from handlers.gate import command
from messages.plan_map import render_assign, render_plan

AnyApp = Application[Any, Any, Any, Any, Any, Any]

plan_command = command("plan", plan_map.plan, render_plan, need=Need.ADMIN)
assign_command = command("assign", plan_map.assign, render_assign, need=Need.ADMIN)


def register(application: AnyApp) -> None:
    """/plan and /assign."""
    application.add_handler(CommandHandler("plan", plan_command))
    application.add_handler(CommandHandler("assign", assign_command))
