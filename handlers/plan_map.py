"""/plan and /assign: admins see where the reader is unsure and correct the map (admins).

Thin callbacks: the caller's roles and the command run in one database session
(`coordination/plan_map.py`), the answer is rendered by `messages/plan_map.py` and sent.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from coordination.plan_map import AssignAnswer, PlanAnswer, assign_command, plan_command
from coordination.roles import resolve_roles
from handlers.access import answer, translator
from handlers.runtime import services
from messages.i18n import N_
from messages.plan_map import render_assign, render_plan

AnyApp = Application[Any, Any, Any, Any, Any, Any]

# (command, arguments shown in /help, description), for the menus and /help of admins.
COMMANDS = [
    ("plan", N_("[measure|all]"), N_("the plan's map and where the reader is unsure")),
    ("assign", N_("<measure> 牵头 <department> 配合 <department>"), N_("correct a measure's map")),
]


def _args(update: Update) -> str:
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message else []
    return parts[1].strip() if len(parts) > 1 else ""


async def plan_handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/plan [measure|all] (admins)."""
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    args = _args(update)

    def run(session: Session) -> PlanAnswer:
        roles = resolve_roles(
            session,
            user_id=user.id if user else None,
            chat_id=chat.id if chat else None,
            admin_ids=svc.settings.admin_ids,
        )
        return plan_command(session, roles=roles, args=args, now=svc.now())

    result = await svc.db.run(run)
    t = await translator(update, context)
    for page in render_plan(t, result):
        await answer(update, context, page)


async def assign_handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/assign <measure> 牵头 <department> 配合 <department> (admins)."""
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    args = _args(update)

    def run(session: Session) -> AssignAnswer:
        roles = resolve_roles(
            session,
            user_id=user.id if user else None,
            chat_id=chat.id if chat else None,
            admin_ids=svc.settings.admin_ids,
        )
        return assign_command(
            session, roles=roles, args=args, now=svc.now(), user_id=user.id if user else None
        )

    result = await svc.db.run(run)
    t = await translator(update, context)
    for page in render_assign(t, result):
        await answer(update, context, page)


def register(application: AnyApp) -> None:
    """/plan and /assign."""
    application.add_handler(CommandHandler("plan", plan_handler))
    application.add_handler(CommandHandler("assign", assign_handler))
