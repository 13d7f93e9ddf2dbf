"""Every command a person can give the bot in a chat, as data: what runs it, what words it,
who may give it where. The platform-free dispatcher reads this table; Telegram's handlers
register the same functions one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from commands import admin, common, deadlines, plan_map, review, schedules, views
from coordination.roles import Need, Place
from messages import admin as admin_texts
from messages.bulletin import render_bulletin
from messages.chart import render_chart_answer
from messages.common import render_help, render_language, render_whoami
from messages.i18n import Translator
from messages.ledger import render_export
from messages.outgoing import Outgoing
from messages.plan_map import render_assign, render_plan
from messages.review import render_closing, render_deadline, render_leaders_chat
from messages.schedules import render_remind, render_schedule
from messages.views import render_view

# What a command may need beyond (session, roles, args, now), supplied by the dispatcher.
CALLER_ID = "caller_id"
CALLER_NAME = "caller_name"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    run: Callable[..., Any]
    render: Callable[[Translator, Any], Sequence[Outgoing]]
    need: Need = Need.EVERYONE
    place: Place = Place.ANYWHERE
    quote: bool = False  # the answer quotes the command where the platform can
    extra: tuple[str, ...] = ()  # CALLER_ID, CALLER_NAME
    # After it ran: the schedules changed (jobs to rebuild), or a cycle to send at once.
    changes_schedules: bool = False
    starts_cycle: bool = False
    sets_language: bool = False


ADMIN, COORDINATOR = Need.ADMIN, Need.COORDINATOR
GROUP, COORDINATION = Place.GROUP, Place.COORDINATION


def _view(name: str, run: Callable[..., Any], render: Callable[..., Any]) -> CommandSpec:
    return CommandSpec(name, run, render, need=COORDINATOR, place=COORDINATION, quote=True)


COMMANDS: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec("help", common.help_, render_help),
        CommandSpec("start", common.start, render_help, extra=(CALLER_ID,)),
        CommandSpec("whoami", common.whoami, render_whoami, extra=(CALLER_ID, CALLER_NAME)),
        CommandSpec("lang", common.language, render_language, sets_language=True),
        CommandSpec("bind", admin.bind, admin_texts.render_bind, need=ADMIN, place=GROUP),
        CommandSpec("unbind", admin.unbind, admin_texts.render_unbind, need=ADMIN, place=GROUP),
        CommandSpec("chats", admin.chats, admin_texts.render_chats, need=ADMIN),
        CommandSpec("admin", admin.admin, admin_texts.render_role, need=ADMIN),
        CommandSpec("coordinator", admin.coordinator, admin_texts.render_role, need=ADMIN),
        CommandSpec(
            "coordinators_chat",
            admin.coordinators_chat,
            admin_texts.render_coordinators_chat,
            need=ADMIN,
            place=GROUP,
        ),
        CommandSpec("measures", admin.measures, admin_texts.render_measures),
        CommandSpec("plan", plan_map.plan, render_plan, need=ADMIN),
        CommandSpec("assign", plan_map.assign, render_assign, need=ADMIN),
        CommandSpec(
            "schedule", schedules.schedule, render_schedule, need=ADMIN, changes_schedules=True
        ),
        CommandSpec(
            "remind", schedules.remind, render_remind, need=COORDINATOR, starts_cycle=True
        ),
        _view("status", views.status, render_view),
        _view("overdue", views.overdue, render_view),
        _view("history", views.history, render_view),
        _view("export", views.export, render_export),
        _view("chart", views.chart, render_chart_answer),
        _view("bulletin", views.bulletin, render_bulletin),
        _view("close", review.close, render_closing),
        _view("reopen", review.reopen, render_closing),
        CommandSpec("deadline", deadlines.deadline, render_deadline, need=ADMIN),
        CommandSpec(
            "leaders_chat", admin.leaders_chat, render_leaders_chat, need=ADMIN, place=GROUP
        ),
    )
}
