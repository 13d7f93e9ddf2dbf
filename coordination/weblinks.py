"""Tokens of the web dashboard: one-time login links, browser sessions and kiosk links, and
the addresses made of them and WEBAPP_URL.

A token is shown once (in the link or the cookie) and only its SHA-256 is stored; a login
link is redeemed by one conditional UPDATE, so two browsers racing for it get one session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from models.web import SESSION_LOGIN_LINK, KioskLink, WebLoginLink, WebSession

LOGIN_LINK_LIFETIME = timedelta(minutes=10)
# A Mini App is re-signed by Telegram on every open; a login-link browser keeps a work day.
SESSION_LIFETIME = {SESSION_LOGIN_LINK: timedelta(hours=12)}
DEFAULT_SESSION_LIFETIME = timedelta(hours=2)
# How often a kiosk's "last seen" is written (a screen refreshes every minute).
KIOSK_SEEN_EVERY = timedelta(minutes=5)
TOKEN_BYTES = 32
LABEL_LIMIT = 100


def new_token() -> str:
    """43 URL-safe characters, 256 random bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _plausible(token: str) -> bool:
    # Anything else is refused before touching the database (and its indexes).
    return 20 <= len(token) <= 100 and all(c.isalnum() or c in "-_" for c in token)


# --- addresses -------------------------------------------------------------------------------

APP_PATH = "/app"  # what Telegram opens (menu button, inline button, t.me/<bot>/<app>)
LOGIN_PATH = "/login"  # the token follows in the fragment, never sent in a request line
KIOSK_PATH = "/kiosk/"


def app_url(base: str) -> str:
    return base.rstrip("/") + APP_PATH


def login_url(base: str, token: str) -> str:
    # In the fragment: no proxy, log or link preview sees it, and fetching the page alone
    # does not use the link up; the page's script hands it over with a POST.
    return f"{base.rstrip('/')}{LOGIN_PATH}#{token}"


def kiosk_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}{KIOSK_PATH}{token}"


def mini_app_allowed(base: str) -> bool:
    """Telegram opens only HTTPS pages as Mini Apps (app buttons, the menu button)."""
    return base.startswith("https://")


# --- login links and sessions ---------------------------------------------------------------


def create_login_link(session: Session, *, user_id: int, locale: str, now: datetime) -> str:
    """A new one-time login link's token; expired links of everyone are cleared on the way."""
    session.execute(delete(WebLoginLink).where(col(WebLoginLink.expires_at) < now))
    token = new_token()
    session.add(
        WebLoginLink(
            token_hash=token_hash(token),
            user_id=user_id,
            locale=locale,
            created_at=now,
            expires_at=now + LOGIN_LINK_LIFETIME,
        )
    )
    return token


def redeem_login_link(session: Session, *, token: str, now: datetime) -> WebLoginLink | None:
    """The link's record if it was unused and fresh, now marked used; None otherwise."""
    if not _plausible(token):
        return None
    digest = token_hash(token)
    claimed = session.execute(
        update(WebLoginLink)
        .where(
            col(WebLoginLink.token_hash) == digest,
            col(WebLoginLink.used_at).is_(None),
            col(WebLoginLink.expires_at) > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return None
    return session.exec(select(WebLoginLink).where(WebLoginLink.token_hash == digest)).first()


def open_session(
    session: Session, *, user_id: int, kind: str, locale: str, now: datetime
) -> tuple[str, WebSession]:
    """A new browser session: its cookie token and record (expired sessions are cleared)."""
    session.execute(delete(WebSession).where(col(WebSession.expires_at) < now))
    token = new_token()
    record = WebSession(
        token_hash=token_hash(token),
        user_id=user_id,
        kind=kind,
        locale=locale,
        created_at=now,
        expires_at=now + SESSION_LIFETIME.get(kind, DEFAULT_SESSION_LIFETIME),
    )
    session.add(record)
    return token, record


def find_session(session: Session, *, token: str, now: datetime) -> WebSession | None:
    if not _plausible(token):
        return None
    record = session.exec(
        select(WebSession).where(WebSession.token_hash == token_hash(token))
    ).first()
    if record is None or record.expires_at <= now:
        return None
    return record


def close_session(session: Session, *, token: str) -> None:
    if _plausible(token):
        session.execute(delete(WebSession).where(col(WebSession.token_hash) == token_hash(token)))


# --- kiosk links ------------------------------------------------------------------------------


def create_kiosk(
    session: Session, *, created_by: int, label: str, locale: str, now: datetime
) -> tuple[str, KioskLink]:
    token = new_token()
    kiosk = KioskLink(
        token_hash=token_hash(token),
        label=" ".join(label.split())[:LABEL_LIMIT],
        locale=locale,
        created_by=created_by,
        created_at=now,
    )
    session.add(kiosk)
    session.flush()
    return token, kiosk


def find_kiosk(session: Session, *, token: str, now: datetime) -> KioskLink | None:
    """The kiosk of `token` unless revoked; notes when it was last seen (not every minute)."""
    if not _plausible(token):
        return None
    kiosk = session.exec(select(KioskLink).where(KioskLink.token_hash == token_hash(token))).first()
    if kiosk is None or kiosk.revoked_at is not None:
        return None
    if kiosk.last_seen_at is None or now - kiosk.last_seen_at >= KIOSK_SEEN_EVERY:
        kiosk.last_seen_at = now
        session.add(kiosk)
    return kiosk


def list_kiosks(session: Session) -> list[KioskLink]:
    """Live kiosks first (newest first), then the revoked ones."""
    kiosks = session.exec(select(KioskLink).order_by(col(KioskLink.id).desc())).all()
    return sorted(kiosks, key=lambda k: k.revoked_at is not None)


REVOKED = "revoked"
ALREADY_REVOKED = "already"
NO_SUCH_KIOSK = "missing"


@dataclass(frozen=True)
class Revocation:
    outcome: str  # REVOKED, ALREADY_REVOKED or NO_SUCH_KIOSK
    kiosk: KioskLink | None = None


def revoke_kiosk(session: Session, *, kiosk_id: int, by: int, now: datetime) -> Revocation:
    kiosk = session.get(KioskLink, kiosk_id)
    if kiosk is None:
        return Revocation(NO_SUCH_KIOSK)
    if kiosk.revoked_at is not None:
        return Revocation(ALREADY_REVOKED, kiosk)
    kiosk.revoked_at = now
    kiosk.revoked_by = by
    session.add(kiosk)
    return Revocation(REVOKED, kiosk)
