"""Admin commands: binding chats to departments, roles, the coordinators' and leaders' chats,
/measures.

/bind, /unbind, /coordinators_chat, /leaders_chat work in a group; /chats, /admin,
/coordinator anywhere;
/measures lists a bound chat's measures (or a named department's, for coordinators).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler

from commands import admin
from coordination.roles import Need, Place
from handlers.gate import command
from messages.admin import (
    render_bind,
    render_chats,
    render_coordinators_chat,
    render_measures,
    render_role,
    render_unbind,
)
from messages.review import render_leaders_chat

AnyApp = Application[Any, Any, Any, Any, Any, Any]
ADMIN, GROUP = Need.ADMIN, Place.GROUP

bind_command = command("bind", admin.bind, render_bind, need=ADMIN, place=GROUP)
unbind_command = command("unbind", admin.unbind, render_unbind, need=ADMIN, place=GROUP)
chats_command = command("chats", admin.chats, render_chats, need=ADMIN)
admin_command = command("admin", admin.admin, render_role, need=ADMIN)
coordinator_command = command("coordinator", admin.coordinator, render_role, need=ADMIN)
coordinators_chat_command = command(
    "coordinators_chat", admin.coordinators_chat, render_coordinators_chat, need=ADMIN, place=GROUP
)
leaders_chat_command = command(
    "leaders_chat", admin.leaders_chat, render_leaders_chat, need=ADMIN, place=GROUP
)
# Liaisons see their chat's measures, coordinators any department's: the command decides.
measures_command = command("measures", admin.measures, render_measures)


def register(application: AnyApp) -> None:
    """Admin commands and /measures."""
    application.add_handler(CommandHandler("bind", bind_command))
    application.add_handler(CommandHandler("unbind", unbind_command))
    application.add_handler(CommandHandler("chats", chats_command))
    application.add_handler(CommandHandler("admin", admin_command))
    application.add_handler(CommandHandler("coordinator", coordinator_command))
    application.add_handler(CommandHandler("coordinators_chat", coordinators_chat_command))
    application.add_handler(CommandHandler("leaders_chat", leaders_chat_command))
    application.add_handler(CommandHandler("measures", measures_command))
