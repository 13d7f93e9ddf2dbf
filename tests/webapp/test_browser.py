"""The dashboard in a real browser, on the demo's data: Debian's Chromium driven by Playwright.

The demo runs in a thread of its own (bot, Bot API simulator and dashboard, membership asked
of the simulator as the bot asks Telegram); the browser opens the pages as a Mini App (a
signed `initData`), with a one-time login link, and as a kiosk. The numbers are checked
against the demo's final chat `/status`; refusals are checked; screenshots in zh and en,
light and dark, phone and big screen are written to `test-output/dashboard-screenshots/`.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from PIL import Image
from sqlmodel import select

from botapi_sim.updates import SimUser, private_chat
from demo import script
from demo.run import DemoResult, run_story
from demo.stage import Stage
from messages.vocabulary import REPORTING_ICONS, SIGNAL_ICONS
from models.plan import Department, Measure
from tests.support.paths import ROOT
from webapp.initdata import sign

SCREENSHOTS = Path(
    os.environ.get("DASHBOARD_SCREENSHOTS", ROOT / "test-output" / "dashboard-screenshots")
)
# The binary itself skips the launcher script (and its harmless shell warning).
CHROMIUM = next(
    (p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if Path(p).exists()), ""
)
PHONE = {"width": 390, "height": 844}
BIG_SCREEN = {"width": 1920, "height": 1080}
# Telegram's own theme colours, as its clients send them in themeParams.
THEMES = {
    "light": {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#999999",
              "link_color": "#2481cc", "button_color": "#2481cc", "button_text_color": "#ffffff",
              "secondary_bg_color": "#efeff3"},
    "dark": {"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499",
             "link_color": "#6ab3f3", "button_color": "#5288c1", "button_text_color": "#ffffff",
             "secondary_bg_color": "#232e3c"},
}

if not CHROMIUM and not os.environ.get("REQUIRE_BROWSER"):
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)
if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"):
    # The demo keeps its own SQLite file whatever the suite runs on: once is enough.
    pytest.skip("the browser tests run in the SQLite pass", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")


# --- the demo, kept running for the module ---------------------------------------------------


@dataclass
class Site:
    result: DemoResult
    stage: Stage
    loop: asyncio.AbstractEventLoop
    done: asyncio.Event
    errors: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return self.result.dashboard

    def send(self, chat: Any, user: SimUser, text: str) -> int:
        """A person posts in the running demo and the bot answers."""
        future = asyncio.run_coroutine_threadsafe(self.stage.send(chat, user, text), self.loop)
        return future.result(timeout=30)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("demo-web")
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def keep_running(result: DemoResult, stage: Stage) -> None:
        done = asyncio.Event()
        holder["site"] = Site(result, stage, asyncio.get_running_loop(), done)
        ready.set()
        await done.wait()

    def run() -> None:
        try:
            asyncio.run(run_story("zh_CN", folder, lambda _line: None, after=keep_running))
        except BaseException as exc:  # the test says what broke instead of waiting forever
            holder["error"] = exc
        finally:
            ready.set()

    thread = threading.Thread(target=run, name="demo-web", daemon=True)
    thread.start()
    assert ready.wait(120), "the demo did not finish its story in time"
    if "error" in holder:
        raise holder["error"]
    running: Site = holder["site"]
    yield running
    running.loop.call_soon_threadsafe(running.done.set)
    thread.join(30)
    assert not thread.is_alive()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


def init_data(user: SimUser, *, age: float = 0, token: str = script.DEMO_TOKEN) -> str:
    fields = {
        "auth_date": str(int(time.time() - age)),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user.id, "first_name": user.first_name,
                            "language_code": user.language_code}, ensure_ascii=False,
                           separators=(",", ":")),
    }
    return urlencode({**fields, "hash": sign(fields, token)}, quote_via=quote)


def mini_app(browser: Any, site: Site, user: SimUser, *, scheme: str = "light",
             viewport: dict[str, int] = PHONE, data: str | None = None) -> Any:
    """A page opened as Telegram opens the Mini App: `Telegram.WebApp` is there from the start."""
    context = browser.new_context(
        viewport=viewport, color_scheme=scheme, locale="zh-CN", reduced_motion="reduce"
    )
    webapp = {"initData": data if data is not None else init_data(user),
              "themeParams": THEMES[scheme], "colorScheme": scheme}
    context.add_init_script(f"window.Telegram = {{WebApp: {json.dumps(webapp)}}};")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.goto(site.base + "/app")
    return page


def signed_in(page: Any) -> None:
    page.wait_for_url(re.compile(r"/overview$"), timeout=10_000)
    page.wait_for_selector("html[data-ready]")


def coordinator() -> SimUser:
    return script.coordinator("zh_CN")


# --- the numbers agree with the chat's /status ------------------------------------------------


REPORTING_BY_ICON = {icon: state for state, icon in REPORTING_ICONS.items()}
SIGNAL_BY_ICON = {icon: signal for signal, icon in SIGNAL_ICONS.items()}
MEASURE_LINE = re.compile(
    r"^(?:(?P<closed>🏁)|(?P<reporting>[🟢🟡🔴⚪📵])(?P<progress>✅|🔄|📉|⚠️|⛔|➖))"
    r" (?P<label>（[^）]+）)"
)


def chat_status(text: str) -> dict[str, Any]:
    """The figures of the demo's final /status (plain text, as the chat shows it)."""
    reporting = re.search(
        r"报送：🟢 按时报送 (\d+) · 🟡 逾期报送 (\d+) · 🔴 逾期未报 (\d+) · 📵 未绑定 (\d+)"
        r" · ⚪ 未到期 (\d+)",
        text,
    )
    progress = re.search(r"^进展：(.+)$", text, re.M)
    tasks = re.search(
        r"按时 (\d+)，逾期报送 (\d+)，逾期未报 (\d+)，未到期 (\d+)，共 (\d+)；按时率 (\d+%)", text
    )
    assert reporting and progress and tasks, text
    measures: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for line in text.splitlines():
        head = MEASURE_LINE.match(line)
        if head:
            current = measures[head["label"]] = {
                "reporting": "closed" if head["closed"] else REPORTING_BY_ICON[head["reporting"]],
                "progress": "closed" if head["closed"] else SIGNAL_BY_ICON[head["progress"]],
                "tasks": {},
            }
            continue
        marks = re.match(r"^\s+(?:牵头|配合|负责)：(.+)$", line)
        if marks and current is not None:
            for part in marks.group(1).split("、"):
                name, icons = part.rsplit(" ", 1)
                icons = icons.removeprefix("↩️")
                current["tasks"][name] = REPORTING_BY_ICON[icons[0]]
    counts = {
        SIGNAL_BY_ICON[icon]: int(n)
        for icon, n in re.findall(r"(✅|🔄|📉|⚠️|⛔|➖|🏁) \S+ (\d+)", progress.group(1))
    }
    return {
        "reporting": [int(x) for x in reporting.groups()],
        "progress": counts,
        "tasks": [int(x) for x in tasks.groups()[:4]],
        "rate": tasks.group(6),
        "measures": measures,
    }


PAGE_FIGURES = """() => {
  const kpi = (k) => document.querySelector(`[data-kpi="${k}"]`).textContent.trim();
  const rows = [...document.querySelectorAll('#measures-table tbody tr')].map((tr) => ({
    label: tr.querySelector('.measure-cell b').textContent.trim(),
    reporting: tr.dataset.closed ? 'closed' : tr.dataset.reporting,
    progress: tr.dataset.progress,
    tasks: Object.fromEntries([...tr.querySelectorAll('li[data-task]')].map(
      (li) => [li.querySelector('a').textContent.trim(), li.dataset.task])),
  }));
  return {
    reporting: ['on_time', 'late', 'overdue', 'unbound', 'pending'].map(
      (k) => Number(kpi('reporting-' + k))),
    progress: Object.fromEntries([...document.querySelectorAll('[data-kpi^="progress-"]')].map(
      (el) => [el.dataset.kpi.slice('progress-'.length), Number(el.textContent.trim())])),
    tasks: ['on_time', 'late', 'overdue', 'pending'].map((k) => Number(kpi('task-' + k))),
    rate: kpi('on-time-rate'),
    measures: Object.fromEntries(rows.map((r) => [r.label, {
      reporting: r.reporting, progress: r.progress, tasks: r.tasks}])),
    charts: [...document.querySelectorAll('canvas[data-chart]')].map((c) => c.width > 0),
  };
}"""


def test_the_overview_shows_what_the_chat_status_shows(browser, site) -> None:
    page = mini_app(browser, site, coordinator(), viewport=BIG_SCREEN)
    signed_in(page)
    expected = chat_status(site.result.status_text)
    shown = page.evaluate(PAGE_FIGURES)
    assert shown["reporting"] == expected["reporting"]
    nonzero = {k: v for k, v in expected["progress"].items() if v}
    assert {k: v for k, v in shown["progress"].items() if v} == nonzero
    assert shown["tasks"] == expected["tasks"]
    assert shown["rate"] == expected["rate"]
    assert shown["measures"] == expected["measures"]
    assert shown["charts"] == [True, True, True]
    assert page.errors == []
    page.context.close()


def test_a_chart_has_its_numbers_in_a_table_and_tables_sort_and_filter(browser, site) -> None:
    page = mini_app(browser, site, coordinator(), viewport=BIG_SCREEN)
    signed_in(page)
    trend = page.locator("#trend-table tbody tr")
    assert trend.count() >= 1
    table = page.locator("#measures-table")
    table.locator("thead th").nth(1).click()  # by reporting, worst first
    first = table.locator("tbody tr").first.get_attribute("data-reporting")
    assert first == "overdue"
    page.fill("input[data-filter-for='measures-table']", "省教育厅")
    visible = table.locator("tbody tr:visible")
    assert visible.count() >= 1
    assert all("省教育厅" in visible.nth(i).inner_text() for i in range(visible.count()))
    page.context.close()


def test_every_page_in_both_languages_themes_and_sizes(browser, site, shots) -> None:
    """Screenshots a person can look at, and no page with a script error."""
    page = mini_app(browser, site, coordinator(), viewport=BIG_SCREEN)
    signed_in(page)
    department = page.locator("#departments-table a").first.get_attribute("href")
    measure = page.locator("#measures-table .measure-cell a").first.get_attribute("href")
    page.context.close()
    pages = {"overview": "/overview", "overdue": "/overdue", "department": department,
             "measure": measure}
    for scheme in ("light", "dark"):
        for size, viewport in (("phone", PHONE), ("big", BIG_SCREEN)):
            page = mini_app(browser, site, coordinator(), scheme=scheme, viewport=viewport)
            signed_in(page)
            for lang in ("zh_CN", "en"):
                for name, path in pages.items():
                    page.goto(f"{site.base}{path}?lang={lang}")
                    page.wait_for_selector("html[data-ready]")
                    theme = page.evaluate("document.documentElement.dataset.theme")
                    assert theme == scheme  # Telegram's theme is followed
                    if lang == "en":
                        assert "督办看板" not in page.locator("header").inner_text()
                    page.screenshot(path=shots / f"{name}-{lang}-{scheme}-{size}.png",
                                    full_page=True)
                kiosk = site.result.kiosk + f"?lang={lang}"
                page.goto(kiosk)
                page.wait_for_selector("html[data-ready]")
                page.screenshot(path=shots / f"kiosk-{lang}-{scheme}-{size}.png",
                                full_page=size == "phone")
            assert page.errors == []
            page.context.close()
    assert len(list(shots.glob("*.png"))) == 5 * 2 * 2 * 2


# --- who sees what -------------------------------------------------------------------------


def refusal(page: Any) -> str:
    page.wait_for_selector("#launch-error:not([hidden]), #launch-missing:not([hidden])")
    return page.locator("#launch").inner_text()


def test_forged_and_stale_sign_ins_are_refused(browser, site) -> None:
    user = coordinator()
    forged = init_data(user).replace(f"%22id%22%3A{user.id}", "%22id%22%3A1001")
    page = mini_app(browser, site, user, data=forged)
    assert "签名无效" in refusal(page)
    page.context.close()
    other_bot = init_data(user, token="700000002:another-bot-entirely-its-own-token")
    page = mini_app(browser, site, user, data=other_bot)
    assert "签名无效" in refusal(page)
    page.context.close()
    page = mini_app(browser, site, user, data=init_data(user, age=2 * 3600))
    assert "已过期" in refusal(page)
    assert "/overview" not in page.url
    page.goto(site.base + "/overview")
    assert "请从 Telegram 打开督办看板" in page.inner_text("main")
    page.context.close()
    page = mini_app(browser, site, user, data="")
    assert "请从 Telegram 打开督办看板" in refusal(page)
    page.context.close()


def test_someone_in_no_chat_of_the_plan_is_refused(browser, site) -> None:
    stranger = SimUser(id=9009, first_name="路人", language_code="zh-hans")
    page = mini_app(browser, site, stranger)
    assert "无权查看" in refusal(page)
    page.context.close()


def test_a_liaison_sees_only_their_own_department(browser, site) -> None:
    liaison = script.WATER.liaison("zh_CN")
    page = mini_app(browser, site, liaison)
    signed_in(page)
    assert page.locator("#my-departments tbody tr").count() == 1
    assert page.locator("#my-departments").inner_text().count("省水利厅") == 1
    page.click("#my-departments a")
    page.wait_for_selector("html[data-ready]")
    assert page.locator("h1").inner_text().startswith("省水利厅")
    others = site.stage.db.call(
        lambda s: s.exec(select(Department.id).where(Department.name == "省教育厅")).one()
    )
    response = page.goto(f"{site.base}/department/{others}")
    assert response.status == 403
    assert "此单位不在其中" in page.inner_text("main")
    overdue = page.goto(f"{site.base}/overdue")
    assert overdue.status == 200
    assert "省教育厅" not in page.inner_text("main")  # another department's overdue report
    page.context.close()


def test_a_one_time_login_link_opens_one_browser_session(browser, site) -> None:
    user = coordinator()
    chat = private_chat(user)
    asked = site.send(chat, user, "/dashboard")
    answer = site.stage.answers_after(chat, asked)[-1]
    link = next(b["url"] for b in answer.buttons if "/login#" in str(b.get("url", "")))
    context = browser.new_context(viewport=BIG_SCREEN)
    page = context.new_page()
    page.goto(link)
    signed_in(page)
    assert "#" not in page.url
    cookie = next(c for c in context.cookies() if c["name"] == "duban_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    context.close()
    again = browser.new_context(locale="en-GB").new_page()
    again.goto(link)
    # Nobody signed in: the browser's language is all there is to go by.
    assert "This login link does not work any more" in refusal(again)
    again.context.close()


def test_a_revoked_kiosk_link_shows_a_notice_instead_of_the_plan(browser, site) -> None:
    coordinators = script.coordinators_chat("zh_CN")
    asked = site.send(coordinators, coordinator(), "/screen 临时大屏")
    made = site.stage.answers_after(coordinators, asked)[-1].text
    url = re.search(r"https?://\S+/kiosk/[A-Za-z0-9_-]+", made).group(0)
    number = re.search(r"/screen revoke (\d+)", made).group(1)
    page = browser.new_context(viewport=BIG_SCREEN, locale="zh-CN").new_page()
    first = page.goto(url)
    assert first.status == 200 and page.locator(".tile").count() == len(
        chat_status(site.result.status_text)["measures"]
    )
    refresh = page.locator("meta[http-equiv='refresh']").get_attribute("content")
    assert int(refresh) == 60
    site.send(coordinators, coordinator(), f"/screen revoke {number}")
    again = page.goto(url)
    assert again.status == 403
    assert "此大屏链接已失效" in page.inner_text("main")
    assert page.locator(".tile").count() == 0
    page.context.close()


def test_a_photo_sent_with_a_report_can_be_opened_from_the_timeline(browser, site) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(picture, "JPEG")
    sent = picture.getvalue()
    chat, liaison = script.WATER.chat("zh_CN"), script.WATER.liaison("zh_CN")

    async def reply_with_photo() -> None:
        sim = site.stage.sim
        reminder = next(m for m in sim.bot_messages(chat) if "督办提醒" in m.text)
        asked = sim.user_sends(chat, liaison, photo=sent, caption="（五）现场照片：主体工程已完工",
                               reply_to_message_id=reminder.message_id)
        await sim.wait_for(lambda: bool(site.stage.answers_after(chat, asked)), timeout=10)

    asyncio.run_coroutine_threadsafe(reply_with_photo(), site.loop).result(timeout=30)
    measure = site.stage.db.call(
        lambda s: s.exec(select(Measure.id).where(Measure.label == "（五）")).first()
    )
    page = mini_app(browser, site, coordinator(), viewport=BIG_SCREEN)
    signed_in(page)
    page.goto(f"{site.base}/measure/{measure}")
    link = page.locator(".timeline a.file").first
    assert "图片" in link.inner_text()
    href = link.get_attribute("href")
    response = page.request.get(site.base + href)
    assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
    assert response.body() == sent
    page.context.close()
    # Another department's liaison may not fetch it.
    other = mini_app(browser, site, script.CULTURE.liaison("zh_CN"))
    signed_in(other)
    refused = other.request.get(site.base + href)
    assert refused.status == 403
    other.context.close()
