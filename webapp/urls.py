"""The dashboard's addresses, made from WEBAPP_URL: the Mini App, login and kiosk links."""

from __future__ import annotations

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


def group_link(bot_username: str, short_name: str = "") -> str:
    """A link that works in groups: the named Mini App, else a private chat with the bot."""
    if short_name:
        return f"https://t.me/{bot_username}/{short_name}"
    return f"https://t.me/{bot_username}?start=dashboard"


def mini_app_allowed(base: str) -> bool:
    """Telegram opens only HTTPS pages as Mini Apps (web_app buttons, the menu button)."""
    return base.startswith("https://")
