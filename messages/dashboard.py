"""What the bot says about the web dashboard: /dashboard's links, /screen's kiosk links.

Rendered from the answer records of `coordination/dashboard_access.py`; links are given
ready-made by the caller, everything else that varies (labels) is escaped here.
"""

from __future__ import annotations

import html

from coordination.dashboard_access import (
    DASHBOARD_GROUP,
    DASHBOARD_OFF,
    DASHBOARD_PRIVATE,
    SCREEN_CREATED,
    SCREEN_LIST,
    SCREEN_OFF,
    SCREEN_REVOKE,
    DashboardAnswer,
    ScreenAnswer,
)
from coordination.weblinks import ALREADY_REVOKED, NO_SUCH_KIOSK
from messages.i18n import Translator
from models.web import KioskLink


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def not_configured(t: Translator) -> str:
    return t._(
        "The web dashboard is not set up on this bot: the operator sets WEBAPP_URL (see the "
        "README) and restarts it."
    )


def menu_button_text(t: Translator) -> str:
    return t._("Dashboard")


def open_button(t: Translator) -> str:
    return t._("📊 Open the dashboard")


def browser_button(t: Translator) -> str:
    return t._("🖥 Log in from a browser")


def render_dashboard(t: Translator, answer: DashboardAnswer) -> str:
    if answer.kind == DASHBOARD_OFF:
        return not_configured(t)
    if answer.kind == DASHBOARD_GROUP:
        return t._(
            "The dashboard of the plan: open it with the button. It shows you what your role "
            "lets you see; a login link for a browser comes only in a private chat with me."
        )
    if answer.kind == DASHBOARD_PRIVATE:
        return "\n".join(
            [
                "<b>" + t._("The dashboard of the plan") + "</b>",
                t._("Open it inside Telegram with the first button."),
                t.ngettext(
                    "For a desktop browser use the second button: it logs in once and works "
                    "for {minutes} minute. Do not forward it.",
                    "For a desktop browser use the second button: it logs in once and works "
                    "for {minutes} minutes. Do not forward it.",
                    answer.minutes,
                ).format(minutes=answer.minutes),
            ]
        )
    return t._(
        "Sorry, the dashboard is for coordinators and for the liaisons of the departments' "
        "groups."
    )


def kiosk_name(t: Translator, kiosk: KioskLink) -> str:
    return esc(kiosk.label) if kiosk.label else t._("screen {number}").format(number=kiosk.id)


def kiosk_line(t: Translator, kiosk: KioskLink) -> str:
    parts = [f"#{kiosk.id} {kiosk_name(t, kiosk)}"]
    parts.append(t._("made {moment}").format(moment=t.datetime(kiosk.created_at, "short")))
    if kiosk.revoked_at is not None:
        parts.append(
            t._("revoked {moment}").format(moment=t.datetime(kiosk.revoked_at, "short"))
        )
    elif kiosk.last_seen_at is not None:
        parts.append(
            t._("last seen {moment}").format(moment=t.datetime(kiosk.last_seen_at, "short"))
        )
    else:
        parts.append(t._("never opened"))
    return " · ".join(parts)


def render_screen(t: Translator, answer: ScreenAnswer, *, kiosk_url: str = "") -> str:
    """The answer to /screen; `kiosk_url` is the new link when one was made."""
    if answer.kind == SCREEN_OFF:
        return not_configured(t)
    if answer.kind == SCREEN_CREATED and answer.kiosk is not None:
        return "\n".join(
            [
                "<b>"
                + t._("A big-screen link: {name}").format(name=kiosk_name(t, answer.kiosk))
                + "</b>",
                f'<a href="{html.escape(kiosk_url)}">{esc(kiosk_url)}</a>',
                t._(
                    "Open it in the office screen's browser: it shows the overview, read-only, "
                    "and refreshes itself every minute. Anyone with the link can see it, so do "
                    "not post it elsewhere; end it with /screen revoke {number}."
                ).format(number=answer.kiosk.id),
            ]
        )
    if answer.kind == SCREEN_LIST:
        if not answer.kiosks:
            return t._("No big-screen link yet. Make one with /screen [name].")
        lines = ["<b>" + t._("Big-screen links") + "</b>"]
        lines += [kiosk_line(t, kiosk) for kiosk in answer.kiosks]
        lines.append(t._("End one with /screen revoke N."))
        return "\n".join(lines)
    if answer.kind == SCREEN_REVOKE and answer.revocation is not None:
        revocation = answer.revocation
        if revocation.outcome == NO_SUCH_KIOSK or revocation.kiosk is None:
            return t._("There is no big-screen link with that number; /screen list shows them.")
        name = kiosk_name(t, revocation.kiosk)
        if revocation.outcome == ALREADY_REVOKED:
            return t._("#{number} {name} was revoked already.").format(
                number=revocation.kiosk.id, name=name
            )
        return t._(
            "#{number} {name} is revoked: the screen shows a notice at its next refresh."
        ).format(number=revocation.kiosk.id, name=name)
    return t._(
        "Usage: /screen [name] makes a big-screen link, /screen list shows them, "
        "/screen revoke N ends one."
    )


def coordinators_only(t: Translator) -> str:
    return t._("Sorry, this is for coordinators only.")


def ask_elsewhere(t: Translator) -> str:
    return t._(
        "Please ask me this in the coordinators' chat or in a private chat with me, so "
        "that the department groups stay uncluttered."
    )
