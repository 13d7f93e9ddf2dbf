"""/dashboard (the web dashboard's links for whoever may see it) and /screen [name] | list |
revoke N (read-only links for the office's big screen, coordinators).

The dashboard is offered only when the bot serves one (`args.dashboard_url`, WEBAPP_URL);
/screen's verbs, English and Chinese, live here with its parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from commands.gate import CommandArgs
from coordination.roles import Roles
from coordination.weblinks import (
    LOGIN_LINK_LIFETIME,
    Revocation,
    app_url,
    create_kiosk,
    create_login_link,
    kiosk_url,
    list_kiosks,
    login_url,
    mini_app_allowed,
    revoke_kiosk,
)
from models.web import KioskLink

LIST_WORDS = ("list", "ls", "列表", "清单")
REVOKE_WORDS = ("revoke", "delete", "remove", "撤销", "吊销", "删除")
LOGIN_MINUTES = int(LOGIN_LINK_LIFETIME.total_seconds() // 60)


class DashboardOutcome(StrEnum):
    OFF = "off"  # WEBAPP_URL is not set
    PRIVATE = "private"  # the Mini App and a one-time login link for a browser
    GROUP = "group"  # a plain link: no secret in a group
    REFUSED = "refused"  # no role that sees anything


@dataclass(frozen=True)
class DashboardAnswer:
    outcome: DashboardOutcome
    app_url: str = ""  # the Mini App (private chats, HTTPS only)
    login_url: str = ""  # one-time, for a desktop browser (private chats)
    group_url: str = ""  # opens the app from a group, with no secret in it
    minutes: int = LOGIN_MINUTES  # how long the login link works


def dashboard(
    session: Session,
    *,
    roles: Roles,
    args: CommandArgs,
    now: datetime,
    allowed: bool,
    locale: str,
    group_url: str,
) -> DashboardAnswer:
    """/dashboard: in private the Mini App and a one-time login link; in a group, a link only.

    `allowed`: the caller may see some of the dashboard (their roles, asked of the platform
    by the handler in private chats); `locale` is the language the login link opens in;
    `group_url` is the platform's link that opens the app from a group.
    """
    base = args.dashboard_url
    if not base:
        return DashboardAnswer(DashboardOutcome.OFF)
    if not args.private:
        return DashboardAnswer(DashboardOutcome.GROUP, group_url=group_url)
    if roles.user_id is None or not allowed:
        return DashboardAnswer(DashboardOutcome.REFUSED)
    token = create_login_link(session, user_id=roles.user_id, locale=locale, now=now)
    return DashboardAnswer(
        DashboardOutcome.PRIVATE,
        app_url=app_url(base) if mini_app_allowed(base) else "",
        login_url=login_url(base, token),
    )


class ScreenOutcome(StrEnum):
    OFF = "off"  # WEBAPP_URL is not set
    CREATED = "created"
    LISTED = "listed"
    REVOKED = "revoked"  # `revocation` says how it went
    USAGE = "usage"  # revoke without a number


@dataclass(frozen=True)
class ScreenAnswer:
    outcome: ScreenOutcome
    url: str = ""  # the new kiosk link (CREATED)
    kiosk: KioskLink | None = None
    kiosks: list[KioskLink] = field(default_factory=list)
    revocation: Revocation | None = None


def kiosk_number(text: str) -> int | None:
    """`3` or `#3` → 3; None for anything else (ASCII digits only, at most nine)."""
    number = text.lstrip("#＃")
    if not (number.isascii() and number.isdecimal()) or len(number) > 9:
        return None
    return int(number)


def screen(
    session: Session, *, roles: Roles, args: CommandArgs, now: datetime, locale: str
) -> ScreenAnswer:
    """/screen [name] makes a kiosk link, /screen list shows them, /screen revoke N ends one.

    `locale` is the language the big screen shows until its viewer picks another.
    """
    if not args.dashboard_url:
        return ScreenAnswer(ScreenOutcome.OFF)
    assert roles.user_id is not None  # the gate lets only coordinators in
    words = args.words
    verb = words[0].lower() if words else ""
    if verb in LIST_WORDS and len(words) == 1:
        return ScreenAnswer(ScreenOutcome.LISTED, kiosks=list_kiosks(session))
    if verb in REVOKE_WORDS:
        number = kiosk_number(words[1]) if len(words) == 2 else None
        if number is None:
            return ScreenAnswer(ScreenOutcome.USAGE)
        revocation = revoke_kiosk(session, kiosk_id=number, by=roles.user_id, now=now)
        return ScreenAnswer(ScreenOutcome.REVOKED, revocation=revocation)
    token, kiosk = create_kiosk(
        session, created_by=roles.user_id, label=args.text, locale=locale, now=now
    )
    return ScreenAnswer(
        ScreenOutcome.CREATED, url=kiosk_url(args.dashboard_url, token), kiosk=kiosk
    )
