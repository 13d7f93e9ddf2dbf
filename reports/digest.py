"""The 通报 a digest schedule posts to the coordinators' chats: overview and overdue list.

`render_digest` returns HTML message texts, each within Telegram's 4,096 characters.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from coordination.cycle_state import current_cycle
from messages.i18n import Translator
from messages.status import render_overdue, render_overview
from reports.paging import split_html
from reports.status import cycle_overview


def render_digest(session: Session, *, t: Translator, now: datetime) -> list[str]:
    """The overview of the current cycle, then its overdue list, as messages to send in order."""
    cycle = current_cycle(session, now=now)
    overview = cycle_overview(session, cycle=cycle, now=now)
    title = "<b>" + t._("📣 Progress digest") + "</b> · " + t.date(now, "long")
    messages = split_html(title + "\n\n" + render_overview(t, overview))
    if cycle is not None:
        messages += split_html(render_overdue(t, overview))
    return messages
