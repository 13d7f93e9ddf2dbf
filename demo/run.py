"""`python bot.py demo`: the real bot, a whole reporting cycle, a local Bot API simulator.

No token and no network: the bot long-polls a simulator on 127.0.0.1 whose people play
`demo/script.py`; everything printed comes from the simulator's record of what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from assembly import build_application, ensure_bundled_plan, open_database
from botapi_sim.server import BotApiSimulator
from botapi_sim.world import StoredMessage
from coordination.schedule_triggers import next_fire_times
from coordination.schedules import list_schedules
from delivery.jobs import TICK_JOB, job_name
from demo import script
from demo.dingtalk_run import run_dingtalk_story
from demo.review import return_report
from demo.simulated_time import SimulatedTime
from demo.stage import AnyApp, DemoError, ErrorCount, Stage, same_label
from messages import demo as says
from messages.i18n import SUPPORTED_LOCALES, get_translator, normalize_locale
from models.db import Database
from reports.cycles import current_cycle
from settings import SettingsError, load_settings
from webapp.server import WebServer, web_context

# The tick job is run by hand at the story's moments, never by the wall clock.
TICK_NEVER = 24 * 3600.0
KIOSK_LINK = re.compile(r"https?://\S+/kiosk/[A-Za-z0-9_-]+")


@dataclass
class DemoResult:
    """What a run produced (for the tests, and for the summary printed at the end)."""

    folder: Path
    transcript: list[str] = field(default_factory=list)
    status_text: str = ""
    ledger: Path | None = None
    chart: Path | None = None
    bulletin: Path | None = None
    reminders: dict[str, int] = field(default_factory=dict)
    # The dashboard the demo serves on 127.0.0.1, and the kiosk link /screen made.
    dashboard: str = ""
    kiosk: str = ""


# Called once the story is told, with the bot and the dashboard still running.
AfterStory = Callable[[DemoResult, Stage], Awaitable[None]]


class WarningLog(logging.FileHandler):
    """Warnings and errors of the bot go to `demo.log` in the output folder, counted, so the
    terminal shows the conversation; the summary says when there were any."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.setLevel(logging.WARNING)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        super().emit(record)


def output_folder(out_dir: str | None) -> Path:
    """`--out DIR`, or a new `demo-output/<date>-<time>/` (a suffix when the minute is taken)."""
    if out_dir:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    base = Path("demo-output") / datetime.now().strftime("%Y-%m-%d-%H%M")
    folder, number = base, 1
    while folder.exists():
        number += 1
        folder = base.with_name(f"{base.name}-{number}")
    folder.mkdir(parents=True)
    return folder


# --- the story ------------------------------------------------------------------------------


async def play(stage: Any, lang: str, result: DemoResult) -> None:
    """The whole cycle: bind, schedule and a deadline, fire, replies, a return and its 补报,
    nudge, deadline, a late reply, a 销号, the views and the documents.

    `stage` is the Telegram `Stage` or the `DingTalkStage`: the same story on either."""
    t = stage.t
    admin, coordinator = script.admin(lang), script.coordinator(lang)
    coordinators = script.coordinators_chat(lang)
    chats = {d.key: d.chat(lang) for d in script.DEPARTMENT_CHATS}
    liaisons = {d.key: d.liaison(lang) for d in script.DEPARTMENT_CHATS}
    lines = script.LINES[lang]

    for department in script.DEPARTMENT_CHATS:
        stage.add_chat(chats[department.key], members=[liaisons[department.key]], admins=[admin])
    stage.add_chat(coordinators, members=[coordinator], admins=[admin])

    stage.heading(t._(says.BIND))
    for department in script.DEPARTMENT_CHATS:
        await stage.send(chats[department.key], admin, f"/bind {department.departments}")
    stage.heading(t._(says.COORDINATORS))
    await stage.send(coordinators, admin, "/coordinators_chat")
    await stage.send(coordinators, admin, f"/schedule {script.SCHEDULE_ARGS}")
    await stage.send(coordinators, admin, f"/deadline {script.DEADLINE_ARGS}")

    schedules = stage.db.call(list_schedules)
    if len(schedules) != 1:
        raise DemoError(t._(says.NO_SCHEDULE))
    schedule = schedules[0]
    _nominal, fire_at = next_fire_times(
        schedule.cron,
        schedule.timezone,
        skip_holidays=schedule.skip_holidays,
        after=stage.clock.now(),
        count=1,
    )[0]

    # The schedule fires: its own job, at its own time.
    stage.clock.travel_to(fire_at + timedelta(seconds=5))
    stage.heading(t._(says.FIRES).format(moment=stage.moment(fire_at)))
    before = {key: len(stage.bot_messages(chat)) for key, chat in chats.items()}
    await stage.run_job(job_name(schedule.id))
    reminders: dict[str, StoredMessage] = {}
    for key, chat in chats.items():
        fresh = stage.bot_messages(chat)[before[key] :]
        result.reminders[key] = len(fresh)
        if len(fresh) != 1:
            raise DemoError(t._(says.REMINDERS_NOT_ONE).format(chat=chat.title, count=len(fresh)))
        reminders[key] = fresh[0]
    cycle = stage.db.call(current_cycle, now=stage.clock.now())
    if cycle is None or cycle.nudge_at is None:
        raise DemoError(t._(says.NO_CYCLE))

    stage.heading(t._(says.REPLIES))

    async def reply(key: str, line: str, at: datetime, to: StoredMessage | None = None) -> int:
        stage.clock.travel_to(at)
        target = to or reminders[key]
        return await stage.send(chats[key], liaisons[key], lines[line], reply_to=target.message_id)

    await reply("water", "water", fire_at + timedelta(hours=2))
    await reply("energy_land", "energy_land", fire_at + timedelta(hours=3))
    asked = await reply("development", "development", fire_at + timedelta(hours=5))
    # The question is the answer whose buttons name measures.
    prompt = next(
        (
            m
            for m in stage.answers_after(chats["development"], asked)
            if any(same_label(str(b.get("text")), script.DEVELOPMENT_CHOICE) for b in m.buttons)
        ),
        None,
    )
    if prompt is None:
        raise DemoError(t._(says.NO_QUESTION).format(chat=chats["development"].title))
    await stage.press(
        chats["development"], liaisons["development"], prompt, script.DEVELOPMENT_CHOICE
    )
    await reply("industry", "industry", fire_at + timedelta(days=1))
    culture = await reply("culture", "culture", fire_at + timedelta(days=1, hours=2))
    stage.clock.travel_to(fire_at + timedelta(days=1, hours=3))
    await stage.edit(chats["culture"], liaisons["culture"], culture, lines["culture_edit"])

    # The coordinators find (三)'s report vague, return it with a reason; the 补报 follows.
    # (On DingTalk the 退回 buttons are not wired yet: the story goes on without them.)
    if stage.reviews_by_button:
        stage.heading(t._(says.RETURN))
        stage.clock.travel_to(fire_at + timedelta(days=1, hours=4))
        await return_report(stage, coordinators, coordinator, chats["development"])
        notice = stage.bot_messages(chats["development"])[-1]
        at = fire_at + timedelta(days=1, hours=6)
        await reply("development", "development_again", at, to=notice)

    # The tick job, at the nudge time: chats still missing measures get one nudge each.
    stage.clock.travel_to(cycle.nudge_at + timedelta(minutes=1))
    stage.heading(t._(says.NUDGES).format(moment=stage.moment(cycle.nudge_at)))
    before = {key: len(stage.bot_messages(chat)) for key, chat in chats.items()}
    await stage.run_job(TICK_JOB)
    nudge = next(iter(stage.bot_messages(chats["development"])[before["development"] :]), None)
    if nudge is None:
        raise DemoError(t._(says.NO_NUDGE).format(chat=chats["development"].title))
    await reply("development", "development_nudged", cycle.nudge_at + timedelta(hours=1), to=nudge)

    # The deadline passes: the tick job sends the overdue digest to the coordinators.
    stage.clock.travel_to(cycle.due_at + timedelta(minutes=1))
    stage.heading(t._(says.DEADLINE).format(moment=stage.moment(cycle.due_at)))
    before_digest = len(stage.bot_messages(coordinators))
    await stage.run_job(TICK_JOB)
    if len(stage.bot_messages(coordinators)) == before_digest:
        raise DemoError(t._(says.NO_DIGEST))

    stage.heading(t._(says.LATE))
    stage.clock.travel_to(cycle.due_at + timedelta(days=1))
    await stage.send(
        chats["commerce"],
        liaisons["commerce"],
        lines["commerce"],
        reply_to=reminders["commerce"].message_id,
    )

    stage.heading(t._(says.CLOSE))
    stage.clock.travel_to(cycle.due_at + timedelta(days=1, minutes=30))
    await stage.send(coordinators, coordinator, f"/close {script.CLOSED} {script.CLOSE_NOTE[lang]}")

    stage.heading(t._(says.VIEWS))
    stage.clock.travel_to(cycle.due_at + timedelta(days=1, hours=1))
    asked = await stage.send(coordinators, coordinator, "/status")
    result.status_text = "\n\n".join(m.text for m in stage.answers_after(coordinators, asked))
    await stage.send(coordinators, coordinator, "/overdue")
    asked = await stage.send(coordinators, coordinator, "/export")
    ledger = next((m for m in stage.answers_after(coordinators, asked) if m.file), None)
    asked = await stage.send(coordinators, coordinator, "/chart")
    chart = next((m for m in stage.answers_after(coordinators, asked) if m.file), None)
    asked = await stage.send(coordinators, coordinator, "/bulletin")
    bulletin = next((m for m in stage.answers_after(coordinators, asked) if m.file), None)
    if stage.has_dashboard:
        stage.heading(t._(says.SCREEN))
        asked = await stage.send(coordinators, coordinator, "/screen " + t._(says.SCREEN_NAME))
        result.kiosk = next(
            (
                found.group(0)
                for m in stage.answers_after(coordinators, asked)
                if (found := KIOSK_LINK.search(m.text))
            ),
            "",
        )
    stage.flush()

    stage.emit("")
    stage.emit("── " + t._(says.FINAL_STATUS))
    stage.emit(result.status_text)
    if ledger is None or ledger.file is None:
        raise DemoError(t._(says.NO_LEDGER))
    if chart is None or chart.file is None:
        raise DemoError(t._(says.NO_CHART))
    if bulletin is None or bulletin.file is None:
        raise DemoError(t._(says.NO_BULLETIN))
    if stage.has_dashboard and not result.kiosk:
        raise DemoError(t._(says.NO_KIOSK))
    result.ledger = result.folder / (ledger.file.file_name or "ledger.xlsx")
    result.ledger.write_bytes(ledger.file.data)
    result.chart = result.folder / (chart.file.file_name or "chart.png")
    result.chart.write_bytes(chart.file.data)
    result.bulletin = result.folder / (bulletin.file.file_name or "bulletin.docx")
    result.bulletin.write_bytes(bulletin.file.data)


# --- set-up and tear-down -------------------------------------------------------------------


async def run_story(
    lang: str,
    folder: Path,
    write: Callable[[str], None],
    *,
    start: datetime | None = None,
    after: AfterStory | None = None,
) -> DemoResult:
    """Start the simulator, the real application and its dashboard, play the story, call
    `after` (the summary, the browser tests), stop everything.

    `start` (naive UTC) sets the story's first moment; by default it begins now.
    """
    t = get_translator(lang)
    result = DemoResult(folder=folder)
    sim = BotApiSimulator(token=script.DEMO_TOKEN)
    base_url = await sim.start()
    application: AnyApp | None = None
    db: Database | None = None
    dashboard: WebServer | None = None
    database = folder / "demo.sqlite3"
    try:
        # A fresh database every run, also in a folder an earlier run used (--out).
        for stale in (database, folder / "demo.sqlite3-wal", folder / "demo.sqlite3-shm"):
            stale.unlink(missing_ok=True)
        settings = load_settings(
            database_url=f"sqlite:///{database.resolve()}",
            admin_ids=[script.ADMIN_ID],
            telegram_api_base_url=base_url,
            bot_locale=lang,
            outbox_tick_seconds=TICK_NEVER,
            # Errors are told to an operator chat when one is set; the simulator has none.
            operator_chat_id=None,
        )
        db = await asyncio.to_thread(open_database, settings)
        await asyncio.to_thread(ensure_bundled_plan, db)
        application = build_application(settings, db, token=script.DEMO_TOKEN)
        write(t._(says.POLLS).format(url=base_url, path=database))
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        dashboard = await start_dashboard(application, result)
        clock = SimulatedTime(sim, application.bot_data["services"])
        if start is not None:
            clock.travel_to(start)
        errors = ErrorCount()
        logging.getLogger().addHandler(errors)
        stage = Stage(sim, application, clock, t, write, errors=lambda: errors.count)
        try:
            await play(stage, lang, result)
        finally:
            logging.getLogger().removeHandler(errors)
            stage.flush()
            result.transcript = stage.lines
        if after is not None:
            await after(result, stage)
    finally:
        if dashboard is not None:
            await dashboard.stop()
        await _stop(application, db)
        await sim.stop()
    return result


async def start_dashboard(application: AnyApp, result: DemoResult) -> WebServer:
    """The web dashboard on a free port of 127.0.0.1, on the bot's (simulated) clock.

    Membership is asked of the simulator, as the real bot asks Telegram.
    """
    server = WebServer(web_context(application))
    port = await server.start("127.0.0.1", 0)
    result.dashboard = f"http://127.0.0.1:{port}"
    # /dashboard and /screen make their links from it.
    application.bot_data["services"].settings.webapp_url = result.dashboard
    return server


async def _stop(application: AnyApp | None, db: Database | None) -> None:
    """Stop polling, the application and its jobs, and close the database."""
    if application is None:
        if db is not None:
            db.dispose()
        return
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def until_stopped() -> None:
    """Wait for Ctrl+C (or a TERM signal), then let everything stop in order."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)


def run_demo(
    *,
    lang: str = "zh_CN",
    out_dir: str | None = None,
    start: datetime | None = None,
    serve: bool | None = None,
    platform: str = "telegram",
) -> int:
    """Run the demo; print the transcript, the final /status, the files' paths and the
    dashboard's kiosk link. `serve` keeps the bot and the dashboard running until Ctrl+C
    (by default when a person watches: a terminal on both ends).

    `start` (naive UTC) fixes the story's dates, so two runs print the same transcript.

    Returns 0 on success, 1 when a step failed (with a message saying which), 2 for bad input.
    """
    locale = normalize_locale(lang, "")
    if locale not in SUPPORTED_LOCALES:
        print(
            f"error: unsupported language {lang!r}; use zh_CN or en"
            f" (不支持的语言 {lang!r}，请用 zh_CN 或 en)",
            file=sys.stderr,
        )
        return 2
    if serve is None:
        serve = sys.stdin.isatty() and sys.stdout.isatty()
    t = get_translator(locale)
    started = time.monotonic()
    try:
        folder = output_folder(out_dir)
    except OSError as exc:
        print(
            t._(says.CANNOT_WRITE).format(path=out_dir, reason=exc.strerror or exc),
            file=sys.stderr,
        )
        return 2

    def write(line: str) -> None:
        print(line, flush=True)

    write(t._(says.INTRO))
    log_handler = WarningLog(folder / "demo.log")
    logging.getLogger().addHandler(log_handler)

    async def summary(result: DemoResult, _stage: Stage) -> None:
        """The files and the links, while the dashboard still runs; then serve if asked."""
        (folder / "transcript.txt").write_text(
            "\n".join(result.transcript) + "\n", encoding="utf-8"
        )
        write("")
        write(t._(says.LEDGER).format(path=result.ledger))
        write(t._(says.CHART).format(path=result.chart))
        write(t._(says.BULLETIN).format(path=result.bulletin))
        write(t._(says.TRANSCRIPT).format(path=folder / "transcript.txt"))
        if result.kiosk:
            write(t._(says.KIOSK).format(url=result.kiosk))
        if log_handler.count:
            write(says.warnings_logged(t, log_handler.count, folder / "demo.log"))
        write(t._(says.RAN).format(seconds=t.number(round(time.monotonic() - started, 1))))
        if serve and result.kiosk:
            write(t._(says.SERVING))
            await until_stopped()

    try:
        if platform == "dingtalk":
            asyncio.run(
                run_dingtalk_story(
                    locale, folder, write, play=play, result=DemoResult(folder=folder),
                    start=start, after=summary,
                )
            )
        else:
            asyncio.run(run_story(locale, folder, write, start=start, after=summary))
    except KeyboardInterrupt:
        return 0  # the way to end a demo that serves its dashboard
    except SettingsError:
        raise  # bot.py says what is wrong with the settings and exits with 2
    except Exception as exc:
        if isinstance(exc, DemoError):
            reason = str(exc)
        else:
            # Whatever broke, the newcomer gets one line here and the traceback in demo.log.
            logging.getLogger("demo").exception("the demo failed")
            reason = f"{type(exc).__name__}: {exc}"
        print(t._(says.FAILED).format(reason=reason), file=sys.stderr)
        if log_handler.count:
            print(t._(says.DETAILS).format(path=folder / "demo.log"), file=sys.stderr)
        return 1
    finally:
        logging.getLogger().removeHandler(log_handler)
        log_handler.close()
    return 0
