"""What the bot says about the web dashboard: /dashboard's buttons, /screen's kiosk links,
the menu button's label.

Rendered from the answer records of `commands/dashboard.py`; links come ready-made in the
answer, everything else that varies (a screen's name) is escaped here.
"""

from __future__ import annotations

from commands.dashboard import DashboardAnswer, DashboardOutcome, ScreenAnswer, ScreenOutcome
from coordination.weblinks import ALREADY_REVOKED, NO_SUCH_KIOSK
from messages.html import bold, escape
from messages.i18n import Translator
from messages.outgoing import BUTTON_APP, BUTTON_LINK, Button, Outgoing, button_rows
from models.web import KioskLink


def not_configured(t: Translator) -> str:
    return t._(
        "The web dashboard is not set up on this bot: the operator sets WEBAPP_URL (see the "
        "README) and restarts it."
    )


def menu_button_text(t: Translator) -> str:
    """The label of the private chats' menu button that opens the Mini App."""
    return t._("Dashboard")


def render_dashboard(t: Translator, answer: DashboardAnswer) -> list[Outgoing]:
    """/dashboard: the buttons that open the dashboard, or why there are none."""
    open_label = t._("📊 Open the dashboard")
    if answer.outcome == DashboardOutcome.OFF:
        return [Outgoing(not_configured(t))]
    if answer.outcome == DashboardOutcome.GROUP:
        text = t._(
            "The dashboard of the plan: open it with the button. It shows you what your role "
            "lets you see; a login link for a browser comes only in a private chat with me."
        )
        button = Button(open_label, answer.group_url, BUTTON_LINK)
        return [Outgoing(text, button_rows([[button]]), link_preview=False)]
    if answer.outcome == DashboardOutcome.PRIVATE:
        text = "\n".join(
            [
                bold(t._("The dashboard of the plan")),
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
        rows = [
            [Button(open_label, answer.app_url, BUTTON_APP)] if answer.app_url else [],
            [Button(t._("🖥 Log in from a browser"), answer.login_url, BUTTON_LINK)],
        ]
        return [Outgoing(text, button_rows(rows), link_preview=False)]
    return [
        Outgoing(
            t._(
                "Sorry, the dashboard is for coordinators and for the liaisons of the "
                "departments' groups."
            )
        )
    ]


def kiosk_name(t: Translator, kiosk: KioskLink) -> str:
    if kiosk.label:
        return escape(kiosk.label, quote=False)
    return t._("screen {number}").format(number=kiosk.id)


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


def render_screen(t: Translator, answer: ScreenAnswer) -> list[Outgoing]:
    """/screen: a new kiosk link (never previewed: the link is the key), the list, a revocation."""
    return [Outgoing(screen_text(t, answer), link_preview=False)]


def screen_text(t: Translator, answer: ScreenAnswer) -> str:
    if answer.outcome == ScreenOutcome.OFF:
        return not_configured(t)
    if answer.outcome == ScreenOutcome.CREATED and answer.kiosk is not None:
        return "\n".join(
            [
                # Not `bold`: the name is escaped already.
                "<b>"
                + t._("A big-screen link: {name}").format(name=kiosk_name(t, answer.kiosk))
                + "</b>",
                f'<a href="{escape(answer.url)}">{escape(answer.url, quote=False)}</a>',
                t._(
                    "Open it in the office screen's browser: it shows the overview, read-only, "
                    "and refreshes itself every minute. Anyone with the link can see it, so do "
                    "not post it elsewhere; end it with /screen revoke {number}."
                ).format(number=answer.kiosk.id),
            ]
        )
    if answer.outcome == ScreenOutcome.LISTED:
        if not answer.kiosks:
            return t._("No big-screen link yet. Make one with /screen [name].")
        lines = [bold(t._("Big-screen links"))]
        lines += [kiosk_line(t, kiosk) for kiosk in answer.kiosks]
        lines.append(t._("End one with /screen revoke N."))
        return "\n".join(lines)
    if answer.outcome == ScreenOutcome.REVOKED and answer.revocation is not None:
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
