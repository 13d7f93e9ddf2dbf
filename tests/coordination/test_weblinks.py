"""The dashboard's tokens: stored only as hashes, login links used once within ten minutes,
sessions that expire, kiosk links that can be revoked; and who the dashboard is open to.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from coordination.dashboard_access import (
    chats_to_ask,
    direct_viewer,
    viewer_from_memberships,
)
from coordination.weblinks import (
    ALREADY_REVOKED,
    NO_SUCH_KIOSK,
    REVOKED,
    app_url,
    create_kiosk,
    create_login_link,
    find_kiosk,
    find_session,
    kiosk_url,
    login_url,
    mini_app_allowed,
    open_session,
    redeem_login_link,
    revoke_kiosk,
    token_hash,
)
from models.chats import ROLE_COORDINATOR, Chat, ChatDepartment, UserRole
from models.plan import Department
from models.web import SESSION_LOGIN_LINK, SESSION_MINI_APP, KioskLink, WebLoginLink, WebSession

NOW = datetime(2026, 11, 20, 4, 0)


def test_a_login_link_is_stored_hashed_and_works_once(db) -> None:
    token = db.call(create_login_link, user_id=42, locale="en", now=NOW)
    stored = db.call(lambda s: s.exec(select(WebLoginLink)).all())
    assert [row.token_hash for row in stored] == [token_hash(token)]
    assert token not in stored[0].token_hash
    link = db.call(redeem_login_link, token=token, now=NOW + timedelta(minutes=3))
    assert link is not None and link.user_id == 42 and link.locale == "en"
    assert db.call(redeem_login_link, token=token, now=NOW + timedelta(minutes=4)) is None


def test_a_login_link_expires_after_ten_minutes(db) -> None:
    token = db.call(create_login_link, user_id=42, locale="zh_CN", now=NOW)
    later = NOW + timedelta(minutes=10, seconds=1)
    assert db.call(redeem_login_link, token=token, now=later) is None


@pytest.mark.parametrize("token", ["", "short", "x" * 500, "bad token with spaces!!!!!!!!!!!"])
def test_implausible_tokens_find_nothing(db, token) -> None:
    assert db.call(redeem_login_link, token=token, now=NOW) is None
    assert db.call(find_session, token=token, now=NOW) is None
    assert db.call(find_kiosk, token=token, now=NOW) is None


def test_sessions_last_their_kind_and_are_stored_hashed(db) -> None:
    browser, record = db.call(
        open_session, user_id=7, kind=SESSION_LOGIN_LINK, locale="zh_CN", now=NOW
    )
    mini_app, _ = db.call(open_session, user_id=7, kind=SESSION_MINI_APP, locale="en", now=NOW)
    assert record.expires_at - record.created_at == timedelta(hours=12)
    assert db.call(find_session, token=browser, now=NOW + timedelta(hours=11)) is not None
    assert db.call(find_session, token=browser, now=NOW + timedelta(hours=12)) is None
    assert db.call(find_session, token=mini_app, now=NOW + timedelta(hours=1)) is not None
    assert db.call(find_session, token=mini_app, now=NOW + timedelta(hours=3)) is None
    hashes = {row.token_hash for row in db.call(lambda s: s.exec(select(WebSession)).all())}
    assert hashes == {token_hash(browser), token_hash(mini_app)}


def test_a_revoked_kiosk_link_opens_nothing(db) -> None:
    token, kiosk = db.call(create_kiosk, created_by=1002, label="  大屏 \n 一号 ", locale="zh_CN",
                           now=NOW)
    assert kiosk.label == "大屏 一号"
    found = db.call(find_kiosk, token=token, now=NOW + timedelta(minutes=1))
    assert found is not None and found.last_seen_at == NOW + timedelta(minutes=1)
    assert db.call(revoke_kiosk, kiosk_id=kiosk.id, by=1001, now=NOW).outcome == REVOKED
    assert db.call(revoke_kiosk, kiosk_id=kiosk.id, by=1001, now=NOW).outcome == ALREADY_REVOKED
    assert db.call(revoke_kiosk, kiosk_id=999, by=1001, now=NOW).outcome == NO_SUCH_KIOSK
    assert db.call(find_kiosk, token=token, now=NOW) is None
    stored = db.call(lambda s: s.exec(select(KioskLink)).one())
    assert stored.revoked_by == 1001 and stored.token_hash == token_hash(token)


def test_viewers_by_role_and_by_the_chats_they_are_in(db) -> None:
    def setup(session) -> tuple[int, int]:
        water, energy = Department(name="省水利厅"), Department(name="省能源局")
        session.add_all([water, energy, UserRole(user_id=77, role=ROLE_COORDINATOR)])
        session.add_all([Chat(id=-1, title="协调组", is_coordinators=True),
                         Chat(id=-2, title="水利"), Chat(id=-3, title="能源", is_active=False)])
        session.flush()
        session.add_all([ChatDepartment(chat_id=-2, department_id=water.id),
                         ChatDepartment(chat_id=-3, department_id=energy.id)])
        return water.id, energy.id

    water, _energy = db.call(setup)
    assert db.call(direct_viewer, user_id=77, admin_ids=[]).everything
    assert db.call(direct_viewer, user_id=1, admin_ids=[1]).everything
    assert db.call(direct_viewer, user_id=5, admin_ids=[1]) is None
    chats = db.call(chats_to_ask)
    assert chats.coordinators == (-1,)
    assert chats.departments == {-2: (water,)}  # the inactive chat gives no role
    assert viewer_from_memberships(chats, user_id=5, member_of={-1}).everything
    liaison = viewer_from_memberships(chats, user_id=5, member_of={-2, -3})
    assert (liaison.everything, liaison.department_ids) == (False, frozenset({water}))
    assert not viewer_from_memberships(chats, user_id=5, member_of=set()).allowed


def test_links_keep_a_login_token_out_of_every_request_line() -> None:
    base = "https://duban.example.org/board/"
    assert app_url(base) == "https://duban.example.org/board/app"
    assert login_url(base, "abc") == "https://duban.example.org/board/login#abc"
    assert kiosk_url(base, "abc") == "https://duban.example.org/board/kiosk/abc"
    assert mini_app_allowed(base) and not mini_app_allowed("http://127.0.0.1:8080")
