"""Two `python bot.py run --webhook` processes behind a load balancer, on one PostgreSQL.

Both fire the same schedule (a firing missed while they were down, caught up at start) and
both flush the same outbox: the cycle exists once and each chat gets one reminder, because
deliveries are claimed with `SELECT … FOR UPDATE SKIP LOCKED`. They keep one bot's pace (the
simulator allows exactly the bot's limit and answers 429 past it), and each claims only what
it can send soon, so the fan-out is shared. Updates reach either process through a small
round-robin balancer, as they would in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from botapi_sim.faults import RateLimits
from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimUser, private_chat
from delivery.worker import BATCH_SECONDS
from models.clock import utcnow
from models.db import Database
from models.schedules import STATUS_SENDING, Cycle, Delivery, ReminderSchedule
from settings import load_settings
from tests.support.balancer import RoundRobin, free_port
from tests.support.bot_process import clean_env, start_bot, stop_bot
from tests.support.fault_world import COORDINATORS, TOKEN, bind_chats, reminder_rows, reminders_in
from tests.support.paths import ROOT

ADMIN = SimUser(id=1001, first_name="Admin", username="admin_wang")
CHATS = 100
# The bot's limit, and the simulator's: two instances pacing alone would send twice this.
LIMIT = 10
TIMEZONE = "Asia/Shanghai"


def a_daily_schedule_that_fired_an_hour_ago(session) -> int:
    """As if both instances were down at the firing and start inside its reply window."""
    local = (utcnow() - timedelta(hours=1)).replace(tzinfo=None)
    from datetime import UTC
    from zoneinfo import ZoneInfo

    moment = local.replace(tzinfo=UTC).astimezone(ZoneInfo(TIMEZONE))
    schedule = ReminderSchedule(
        spec=f"daily {moment:%H:%M}",
        cron=f"{moment.minute} {moment.hour} * * *",
        timezone=TIMEZONE,
        due_days=3,
        skip_holidays=False,
        created_by=ADMIN.id,
        created_at=utcnow() - timedelta(days=2),
    )
    session.add(schedule)
    session.flush()
    assert schedule.id is not None
    return schedule.id


def claims_by_instance(session: Session) -> dict[str, int]:
    """Deliveries each instance holds claimed (in flight) right now."""
    rows = session.exec(
        select(Delivery.claimed_by, func.count())
        .where(Delivery.status == STATUS_SENDING)
        .group_by(Delivery.claimed_by)
    ).all()
    return {str(instance): int(n) for instance, n in rows}


def sent_reminders(session: Session) -> int:
    return int(
        session.exec(
            select(func.count()).where(Delivery.kind == "reminder", Delivery.status == "sent")
        ).one()
    )


async def until_sent(db: Database, count: int, timeout: float = 90) -> None:
    """Until `count` reminders are sent, asked from a thread: the simulator shares this event
    loop, and a loop blocked on the database would take the requests queued meanwhile as a
    burst."""
    deadline = time.monotonic() + timeout
    while await db.run(sent_reminders) < count:
        assert time.monotonic() < deadline, f"timed out waiting for {count} reminders"
        await asyncio.sleep(0.1)


async def most_claimed(db: Database, stop: asyncio.Event) -> dict[str, int]:
    """The most deliveries each instance held claimed at once, sampled until `stop`."""
    most: dict[str, int] = {}
    while not stop.is_set():
        for instance, n in (await db.run(claims_by_instance)).items():
            most[instance] = max(most.get(instance, 0), n)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.05)
    return most


async def wait_until(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.mark.postgres
@pytest.mark.slow
async def test_two_instances_on_one_postgresql_share_the_fan_out_at_one_bots_pace(
    tmp_path, pg_schema_url
):
    from assembly import ensure_bundled_plan
    from migrations.runner import upgrade

    url = pg_schema_url
    upgrade(url)  # as an operator does once, before the instances start
    db = Database.from_url(url)
    ensure_bundled_plan(db)
    chats = bind_chats(db, CHATS)
    schedule_id = db.call(a_daily_schedule_that_fired_an_hour_ago)
    assert load_settings(_env_file=None, database_url=url).database_url == url

    ports = [free_port(), free_port()]
    async with (
        BotApiSimulator(rate_limits=RateLimits(global_per_second=LIMIT), token=TOKEN) as sim,
        RoundRobin(ports) as balancer,
    ):
        for item in chats:
            sim.add_chat(item.chat, members=[item.liaison])
        sim.add_chat(COORDINATORS, members=[ADMIN])
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=sim.base_url,
            DATABASE_URL=url,
            ADMIN_IDS=str(ADMIN.id),
            # The fan-out takes about 10 s at the bot's pace: both instances are up long before.
            RATE_LIMIT_PER_SECOND=str(LIMIT),
        )
        public = f"http://127.0.0.1:{balancer.port}/duban/hook"
        logs = [tmp_path / f"bot{n}.log" for n in (1, 2)]
        processes = await asyncio.gather(
            *(
                start_bot(env, tmp_path, log, "--webhook", public, "--port", str(port))
                for log, port in zip(logs, ports, strict=True)
            )
        )
        sampled = asyncio.Event()
        sampler = asyncio.ensure_future(most_claimed(db, sampled))
        try:
            # 1. Both instances start inside the reply window of a firing they missed: both
            # open it (once) and both send it.
            await until_sent(db, CHATS)
            await wait_until(lambda: sim.queue.webhook is not None, timeout=30, what="webhook")
            # 2. An update reaches whichever instance the balancer picks, and is answered
            # once; the instance that takes /remind opens the cycle and answers at once, and
            # the other joins its fan-out within seconds.
            sim.user_sends(private_chat(ADMIN), ADMIN, "/help")
            sim.user_sends(private_chat(ADMIN), ADMIN, "/remind")
            await until_sent(db, 2 * CHATS)
            sampled.set()
            held = await sampler
            # The /help answer, /remind's answer, and its report once the fan-out is out.
            await sim.wait_bot_messages(private_chat(ADMIN), 3, timeout=30)
            await sim.wait_quiet(quiet=0.5, timeout=30)
        finally:
            sampled.set()
            codes = [await stop_bot(process) for process in processes]
        rows = db.call(reminder_rows)
        refused = sim.stats.too_many_requests
        cycles = db.call(
            lambda s: list(s.exec(select(Cycle).where(Cycle.schedule_id == schedule_id)).all())
        )
    db.dispose()
    outputs = [log.read_text(encoding="utf-8", errors="replace") for log in logs]
    assert codes == [0, 0], outputs
    assert all("Traceback" not in out for out in outputs), outputs

    assert len(cycles) == 1, "both instances fired the schedule; the cycle exists once"
    copies = {item.chat.id: len(reminders_in(sim, item.chat.id)) for item in chats}
    assert set(copies.values()) == {2}, {c: n for c, n in copies.items() if n != 2}
    # One bot's pace: not a single message past the limit the simulator counts.
    assert refused == 0, f"{refused} × 429 from two instances at one bot's limit"
    # Neither instance grabs a fan-out, whichever opened it: each claims about half a second
    # of its turns at a time, so each sends a fair part and a killed one strands only a few.
    shares: dict[int, dict[str, int]] = {}
    for row in rows:
        assert row.claimed_by is not None
        per_cycle = shares.setdefault(row.cycle_id, {})
        per_cycle[row.claimed_by] = per_cycle.get(row.claimed_by, 0) + 1
    assert len(shares) == 2
    for cycle_id, by_instance in shares.items():
        assert len(by_instance) == 2, f"cycle {cycle_id} was sent by one instance: {by_instance}"
        assert min(by_instance.values()) >= CHATS // 4, by_instance
    batch = math.ceil(LIMIT * BATCH_SECONDS)
    assert max(held.values()) <= 3 * batch, f"claims held at once: {held}"
    answers = [m.text for m in sim.bot_messages(private_chat(ADMIN))]
    assert len(answers) == 3, answers
    assert set(balancer.forwarded) == set(ports)
    print(
        f"\ntwo instances: {CHATS} chats at {LIMIT}/s, deliveries per instance per cycle "
        f"{[sorted(b.values()) for b in shares.values()]}, most claimed at once "
        f"{sorted(held.values())}, 429s {refused}, reminders per chat {set(copies.values())}"
    )


@pytest.mark.postgres
@pytest.mark.slow
async def test_three_instances_started_together_on_an_empty_postgresql_never_crash(
    tmp_path, pg_schema_url
):
    """Ten times: three `bot.py run --webhook` at the same moment on an empty database.

    The first-run work (the bundled plan) is done under an advisory lock and checked again
    once the lock is held: one instance imports, the others find the plan there.
    """
    from sqlmodel import func

    from models.plan import Department, Plan
    from tests.support.pg_database import reset_tables

    url = pg_schema_url
    # Three operators (or containers) upgrade the empty schema at once: one migrates.
    upgrades = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bot.py"),
            "db",
            "upgrade",
            env=clean_env(DATABASE_URL=url),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outputs = [(await p.communicate())[0].decode() for p in upgrades]
    assert [p.returncode for p in upgrades] == [0, 0, 0], outputs
    db = Database.from_url(url)
    departments_of_one_import: int | None = None
    async with BotApiSimulator(token=TOKEN) as sim:
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=sim.base_url,
            DATABASE_URL=url,
            ADMIN_IDS=str(ADMIN.id),
        )
        for round_number in range(10):
            reset_tables(db.engine)  # empty again: no plan, no chats
            before = sim.stats.requests["setWebhook"]
            ports = [free_port() for _ in range(3)]
            logs = [tmp_path / f"round{round_number}-bot{n}.log" for n in range(3)]
            processes = await asyncio.gather(
                *(
                    start_bot(
                        env,
                        tmp_path,
                        log,
                        "--webhook",
                        f"http://127.0.0.1:{port}/hook",
                        "--port",
                        str(port),
                    )
                    for log, port in zip(logs, ports, strict=True)
                )
            )
            try:
                await wait_until(
                    lambda before=before, started=processes: (
                        sim.stats.requests["setWebhook"] >= before + 3
                        or any(p.returncode is not None for p in started)
                    ),
                    timeout=120,
                    what="three instances to start",
                )
            finally:
                codes = [await stop_bot(process) for process in processes]
            outputs = [log.read_text(encoding="utf-8", errors="replace") for log in logs]
            assert codes == [0, 0, 0], outputs
            assert all("Traceback" not in out and "IntegrityError" not in out for out in outputs)
            plans = db.call(lambda s: s.exec(select(func.count()).select_from(Plan)).one())
            departments = db.call(
                lambda s: s.exec(select(func.count()).select_from(Department)).one()
            )
            assert plans == 1, f"round {round_number}: {plans} plans"
            departments_of_one_import = departments_of_one_import or departments
            assert departments == departments_of_one_import
    db.dispose()
    print(f"\nthree instances at once, ten rounds: one plan each time, {departments} departments")
