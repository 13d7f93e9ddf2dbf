"""The dashboard's server without a browser: safety headers, cookies, refusals, limits.

A real aiohttp server on a free port of 127.0.0.1 over a real database; membership is
answered by a stand-in that plays Telegram's getChatMember.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import aiohttp
import pytest

from coordination.weblinks import create_kiosk, create_login_link, revoke_kiosk
from models.chats import ROLE_COORDINATOR, UserRole
from models.clock import utcnow
from runtime.chat_members import MembershipCache
from settings import load_settings
from tests.support.coordinator_data import NASTY, NOW, WATER, build_sample
from tests.support.harness import TEST_TOKEN, fresh_database, test_database_url
from webapp.context import WebContext
from webapp.initdata import sign
from webapp.server import WebServer

COORDINATOR_ID, LIAISON_ID, STRANGER_ID = 1002, 2001, 9009


class Members:
    """getChatMember as Telegram answers it, for the chats of the sample."""

    def __init__(self, members: dict[int, set[int]]) -> None:
        self.members = members

    async def __call__(self, chat_id: int, user_id: int) -> bool | None:
        return user_id in self.members.get(chat_id, set())


def signed(user_id: int, *, age: float = 0, token: str = TEST_TOKEN) -> str:
    fields = {"auth_date": str(int(time.time() - age)),
              "user": json.dumps({"id": user_id, "first_name": "x", "language_code": "en"})}
    return urlencode({**fields, "hash": sign(fields, token)}, quote_via=quote)


@pytest.fixture
async def served(tmp_path: Path):
    db = fresh_database(test_database_url(tmp_path))
    sample = db.call(build_sample)
    db.call(lambda s: s.add(UserRole(user_id=COORDINATOR_ID, role=ROLE_COORDINATOR)))
    settings = load_settings(_env_file=None, telegram_bot_token=TEST_TOKEN,
                             database_url=test_database_url(tmp_path),
                             webapp_url="https://duban.example.org",
                             webapp_requests_per_minute=30)
    members = Members({-100_001: {LIAISON_ID}})  # the water department's group
    ctx = WebContext(settings=settings, db=db, bot_token=TEST_TOKEN, now=lambda: NOW,
                     membership=MembershipCache(members))
    server = WebServer(ctx)
    port = await server.start("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{port}", db, sample, ctx
    finally:
        await server.stop()
        db.dispose()


def client(**kwargs) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), **kwargs)


def keep_cookie(http: aiohttp.ClientSession, response: aiohttp.ClientResponse) -> None:
    """Keep the session cookie as a browser does on 127.0.0.1 (Python's cookie parser knows
    no `Partitioned` and keeps no Secure cookie over plain HTTP)."""
    for header in response.headers.getall("Set-Cookie", []):
        name, _, rest = header.partition("=")
        http.cookie_jar.update_cookies({name: rest.split(";")[0]})


async def sign_in(
    http: aiohttp.ClientSession, base: str, user_id: int, **kwargs
) -> aiohttp.ClientResponse:
    response = await http.post(
        f"{base}/auth/telegram", data={"init_data": signed(user_id, **kwargs)}
    )
    keep_cookie(http, response)
    return response


async def test_every_response_carries_the_safety_headers(served) -> None:
    base, *_ = served
    async with client() as http:
        for path in ("/overview", "/app", "/static/app.js", "/no/such/page"):
            async with http.get(base + path) as response:
                csp = response.headers["Content-Security-Policy"]
                assert "default-src 'none'" in csp and "script-src 'self'" in csp
                assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert response.headers["Referrer-Policy"] == "no-referrer"
        async with http.get(base + "/no/such/page") as response:
            assert response.status == 404 and "没有这个页面" in await response.text()


async def test_pages_have_no_inline_script_and_escape_what_users_typed(served) -> None:
    base, *_ = served
    async with client() as http:
        (await sign_in(http, base, COORDINATOR_ID)).release()
        async with http.get(base + "/overview") as response:
            page = await response.text()
    assert response.status == 200
    assert "<script>" not in page and "<script >" not in page
    assert "科创&lt;b&gt;中心&lt;/b&gt;&amp;&lt;/a&gt;" in page and NASTY not in page


async def test_a_mini_app_sign_in_sets_a_safe_cookie(served) -> None:
    base, *_ = served
    async with client() as http:
        response = await sign_in(http, base, COORDINATOR_ID)
        assert response.status == 200 and (await response.json())["ok"] is True
        cookie = response.headers["Set-Cookie"]
        for part in ("HttpOnly", "Secure", "SameSite=None", "Partitioned", "Path=/"):
            assert part in cookie
        async with http.get(base + "/overview") as page:
            assert page.status == 200 and "Progress of the current cycle" in await page.text()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (lambda: signed(COORDINATOR_ID, token="123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"),
         "signature on this request is not valid"),
        (lambda: signed(COORDINATOR_ID, age=3700), "too old"),
        (lambda: signed(COORDINATOR_ID).replace("1002", "1001"), "not valid"),
        (lambda: "", "not valid"),
    ],
)
async def test_forged_or_stale_data_opens_no_session(served, data, words) -> None:
    base, *_ = served
    async with client(headers={"Accept-Language": "en"}) as http:
        async with http.post(f"{base}/auth/telegram", data={"init_data": data()}) as response:
            answer = await response.json()
            assert response.status == 403 and answer["ok"] is False
            assert words in answer["text"]
            assert "Set-Cookie" not in response.headers
        async with http.get(base + "/overview") as page:
            assert page.status == 401


async def test_a_stranger_is_refused_and_a_liaison_sees_only_their_department(served) -> None:
    base, _db, sample, _ctx = served
    async with client() as http:
        async with await sign_in(http, base, STRANGER_ID) as response:
            assert response.status == 403
    async with client() as http:
        (await sign_in(http, base, LIAISON_ID)).release()
        water = sample.departments[WATER]
        async with http.get(f"{base}/department/{water}") as page:
            assert page.status == 200
        other = sample.departments["省发展改革委"]
        async with http.get(f"{base}/department/{other}") as page:
            assert page.status == 403 and "this one is not among them" in await page.text()
        async with http.get(f"{base}/measure/{sample.measures[3]}") as page:
            assert page.status == 403  # (三) names no department of theirs
        async with http.get(f"{base}/measure/{sample.measures[5]}") as page:
            text = await page.text()
            assert page.status == 200 and "征地受阻" in text and "省自然资源厅" not in text.split(
                "Every report")[1]


async def test_bad_ids_are_not_found_not_errors(served) -> None:
    base, *_ = served
    async with client() as http:
        (await sign_in(http, base, COORDINATOR_ID)).release()
        bad = ("/department/abc", "/department/99999", "/measure/１２", "/measure/" + "9" * 30)
        for path in bad:
            async with http.get(base + path) as page:
                assert page.status == 404, path


async def test_a_login_link_works_once_and_its_cookie_is_lax(served) -> None:
    base, db, *_ = served
    token = db.call(create_login_link, user_id=COORDINATOR_ID, locale="zh_CN", now=utcnow())
    async with client() as http:
        async with http.post(f"{base}/auth/login", data={"token": token}) as response:
            assert response.status == 200
            assert "SameSite=Lax" in response.headers["Set-Cookie"]
            keep_cookie(http, response)
        async with http.get(base + "/overview") as page:
            assert "本轮督办进展" in await page.text()  # the link's language
        async with http.post(f"{base}/auth/login", data={"token": token}) as again:
            assert again.status == 403


async def test_a_kiosk_link_shows_the_overview_until_revoked(served) -> None:
    base, db, *_ = served
    token, kiosk = db.call(create_kiosk, created_by=COORDINATOR_ID, label="大屏", locale="en",
                           now=utcnow())
    async with client() as http:
        async with http.get(f"{base}/kiosk/{token}") as page:
            text = await page.text()
            assert page.status == 200 and 'http-equiv="refresh" content="60"' in text
            assert "Progress of the current cycle" in text
        db.call(revoke_kiosk, kiosk_id=kiosk.id, by=COORDINATOR_ID, now=utcnow())
        async with http.get(f"{base}/kiosk/{token}") as page:
            assert page.status == 403 and "refresh" not in await page.text()
        async with http.get(f"{base}/kiosk/not-a-token") as page:
            assert page.status == 403


async def test_a_client_over_its_limit_is_told_to_wait(served) -> None:
    base, *_ = served
    statuses = []
    async with client() as http:
        for _ in range(40):
            async with http.get(base + "/overview") as page:
                statuses.append(page.status)
                if page.status == 429:
                    assert int(page.headers["Retry-After"]) >= 1
                    break
    assert statuses[-1] == 429 and len(statuses) > 25  # 30 a minute, then 429
