"""/dashboard and /screen as plain functions: who gets a login link and where, and kiosk links
made, listed and revoked with the words people type in either language."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from commands.dashboard import DashboardOutcome, ScreenOutcome, dashboard, screen
from commands.gate import CommandArgs
from coordination.roles import Roles
from coordination.weblinks import ALREADY_REVOKED, REVOKED, redeem_login_link
from models.web import WebLoginLink

NOW = datetime(2026, 11, 20, 4, 0)
BASE = "https://duban.example.org"
COORDINATOR = Roles(user_id=1002, chat_id=1002, is_coordinator=True)


def private(text: str = "", base: str = BASE) -> CommandArgs:
    return CommandArgs(text=text, chat_id=1002, chat_type="private", dashboard_url=base)


def test_screen_makes_lists_and_revokes(db) -> None:
    def run(text: str, base: str = BASE):
        return db.call(screen, roles=COORDINATOR, args=private(text, base), now=NOW,
                       locale="zh_CN")

    made = run("会议室   大屏")
    assert made.outcome == ScreenOutcome.CREATED and made.kiosk.label == "会议室 大屏"
    assert made.url.startswith(BASE + "/kiosk/") and len(made.url) > len(BASE) + 40
    assert run("").outcome == ScreenOutcome.CREATED
    listed = run("list")
    assert listed.outcome == ScreenOutcome.LISTED
    assert [k.label for k in listed.kiosks] == ["", "会议室 大屏"]
    assert run(f"revoke {made.kiosk.id}").revocation.outcome == REVOKED
    assert run(f"撤销 ＃{made.kiosk.id}").revocation.outcome == ALREADY_REVOKED
    assert run("列表").kiosks[-1].revoked_at is not None  # revoked ones listed last
    for bad in ("revoke", "revoke x", "revoke 1 2", "revoke ²", "revoke 99999999999"):
        assert run(bad).outcome == ScreenOutcome.USAGE
    assert run("revoke 12").outcome == ScreenOutcome.REVOKED
    assert run("", base="").outcome == ScreenOutcome.OFF


def test_dashboard_gives_a_login_link_only_in_private_and_only_to_those_it_is_open_to(db) -> None:
    def run(args: CommandArgs | None = None, allowed: bool = True):
        return db.call(dashboard, roles=COORDINATOR, args=args or private(), now=NOW,
                       allowed=allowed, locale="en", group_url="https://t.me/duban_bot/board")

    answer = run()
    assert answer.outcome == DashboardOutcome.PRIVATE and answer.minutes == 10
    assert answer.app_url == BASE + "/app"
    token = answer.login_url.removeprefix(BASE + "/login#")
    assert token != answer.login_url
    group = run(CommandArgs(chat_id=-5, chat_type="supergroup", dashboard_url=BASE))
    assert group.outcome == DashboardOutcome.GROUP
    assert (group.group_url, group.login_url) == ("https://t.me/duban_bot/board", "")
    assert run(allowed=False).outcome == DashboardOutcome.REFUSED
    assert run(private(base="")).outcome == DashboardOutcome.OFF
    # Telegram opens no Mini App over plain HTTP: only the browser's login link then.
    plain = run(private(base="http://127.0.0.1:8080"))
    assert plain.app_url == "" and plain.login_url.startswith("http://127.0.0.1:8080/login#")
    links = db.call(lambda s: s.exec(select(WebLoginLink)).all())
    assert len(links) == 2  # only the private, allowed answers made a link
    redeemed = db.call(redeem_login_link, token=token, now=NOW)
    assert redeemed is not None and (redeemed.user_id, redeemed.locale) == (1002, "en")
