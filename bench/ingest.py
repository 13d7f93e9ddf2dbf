"""Benchmark 1: liaison replies to reminders through the real Application, against bare PTB.

Ours: `assembly.build_application` on a `RecordingRequest`, a SQLite file, the bundled plan, chats
bound with /bind and a cycle fired with /remind. Bare: one MessageHandler that only replies.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.figures import Figure, median, note, scratch_dir, spread
from bench.machine import peak_rss_mb
from botapi_sim.recording import RecordingRequest
from botapi_sim.updates import SimChat, SimUser, UpdateFactory, private_chat

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
ADMIN = SimUser(id=1001, first_name="Admin", username="admin_bench")
CHAT_ID_BASE = -1_001_000_000_000
# Department chats the replies come from (the departments named in the most measures).
CHAT_COUNT = 12
# Clearing the recorder's call list now and then keeps the harness's own memory flat.
CLEAR_EVERY = 500

StatusWords = ("已完成", "正在推进", "推进中，完成{pct}%", "遇到困难，资金滞后", "受阻，等待审批")


@dataclass
class BoundChat:
    chat: SimChat
    liaison: SimUser
    department: str
    # (number, numeral, label) of every measure the chat's department is named in.
    measures: list[tuple[int, str, str]]
    reminder: dict[str, Any] = field(default_factory=dict)  # the bot's message, as Telegram has it


@dataclass
class Rig:
    """An Application ready to receive updates, and the updates to feed it."""

    application: Application[Any, Any, Any, Any, Any, Any]
    request: RecordingRequest
    updates: list[dict[str, Any]]
    close: Callable[[], Coroutine[Any, Any, None]]
    count_records: Callable[[], int] = lambda: 0


def reply_text(chat: BoundChat, index: int) -> str:
    """A liaison's reply: one or two measures named in the ways liaisons write them."""
    number, numeral, label = chat.measures[index % len(chat.measures)]
    word = StatusWords[index % len(StatusWords)].format(pct=(index * 7) % 100)
    style = index % 5
    if style == 0 or len(chat.measures) == 1:
        return f"{label}{word}"
    if style == 1:
        return f"({number}) {word}，本月完成投资{index % 90 + 10}亿元"
    if style == 2:
        return f"第{numeral}项：{word}"
    if style == 3:
        return f"#{number} {word}"
    other = chat.measures[(index + 1) % len(chat.measures)]
    return f"{label}{word}。{other[2]}推进中，完成{(index * 3) % 100}%"


def make_replies(
    chats: list[BoundChat], count: int, factory: UpdateFactory
) -> list[dict[str, Any]]:
    """`count` reply updates spread round-robin over the chats, each to the chat's reminder."""
    updates = []
    for index in range(count):
        chat = chats[index % len(chats)]
        updates.append(
            factory.message(
                chat.chat,
                chat.liaison,
                reply_text(chat, index // len(chats)),
                reply_to=chat.reminder,
            )
        )
    return updates


# --- ours ------------------------------------------------------------------------------
async def open_ours(workdir: Path, count: int, chat_count: int) -> Rig:
    """The real bot on a fresh SQLite file, chats bound and one cycle sent; replies ready."""
    from assembly import build_application, ensure_bundled_plan
    from models.db import Database, create_schema
    from settings import load_settings

    url = f"sqlite:///{workdir / 'bot.sqlite3'}"
    db = Database.from_url(url)
    create_schema(db.engine)
    ensure_bundled_plan(db)
    settings = load_settings(
        _env_file=None, telegram_bot_token=TOKEN, database_url=url, admin_ids=[ADMIN.id]
    )
    request = RecordingRequest()
    application = build_application(
        settings, db, token=TOKEN, request=request, rate_limit=False, instance="bench"
    )
    await application.initialize()
    await application.post_init(application)  # type: ignore[misc]
    await application.start()
    factory = UpdateFactory()

    async def send(update: dict[str, Any]) -> None:
        await application.process_update(Update.de_json(update, application.bot))

    departments = db.call(_departments_with_measures)[:chat_count]
    chats: list[BoundChat] = []
    for index, (name, measures) in enumerate(departments):
        chat = SimChat(id=CHAT_ID_BASE - index, title=f"{name} 督办群")
        liaison = SimUser(id=3000 + index, first_name="联络员", last_name=str(index))
        await send(factory.my_chat_member(chat, ADMIN, old="left", new="member"))
        await send(factory.command(chat, ADMIN, "bind", name))
        chats.append(BoundChat(chat, liaison, name, measures))
    await send(factory.command(private_chat(ADMIN), ADMIN, "remind"))
    await _wait_for_reminders(db, request, chats)
    request.clear()
    records_before = db.call(_count_records)

    async def close() -> None:
        await application.stop()
        await application.shutdown()
        await application.post_shutdown(application)  # type: ignore[misc]

    return Rig(
        application,
        request,
        make_replies(chats, count, factory),
        close,
        lambda: db.call(_count_records) - records_before,
    )


def _departments_with_measures(session: Any) -> list[tuple[str, list[tuple[int, str, str]]]]:
    """Departments named in the plan, most measures first, with those measures."""
    from models.plan import KIND_DEPARTMENT, Assignment, Department, Measure

    rows = session.exec(
        select(Department.name, Measure.number, Measure.numeral, Measure.label)
        .join(Assignment, col(Assignment.department_id) == Department.id)
        .join(Measure, col(Measure.id) == Assignment.measure_id)
        .where(Department.kind == KIND_DEPARTMENT, col(Measure.is_active))
        .order_by(Department.id, Measure.number)
    ).all()
    by_department: dict[str, list[tuple[int, str, str]]] = {}
    for name, number, numeral, label in rows:
        by_department.setdefault(name, []).append((number, numeral, label))
    return sorted(by_department.items(), key=lambda item: -len(item[1]))


def _sent_reminders(session: Any, *, chat_ids: list[int]) -> dict[int, int]:
    from models.schedules import STATUS_SENT, Delivery

    rows = session.exec(
        select(Delivery.chat_id, Delivery.message_id).where(
            col(Delivery.chat_id).in_(chat_ids),
            Delivery.status == STATUS_SENT,
            col(Delivery.message_id).is_not(None),
        )
    ).all()
    return {int(chat_id): int(message_id) for chat_id, message_id in rows}


def _count_records(session: Any) -> int:
    from sqlalchemy import func

    from models.progress import ProgressUpdate

    return int(session.exec(select(func.count()).select_from(ProgressUpdate)).one())


async def _wait_for_reminders(
    db: Any, request: RecordingRequest, chats: list[BoundChat], timeout: float = 60.0
) -> None:
    """Wait until every bound chat's reminder is sent, and keep the message Telegram returned."""
    deadline = time.monotonic() + timeout
    chat_ids = [c.chat.id for c in chats]
    while True:
        sent = await db.run(_sent_reminders, chat_ids=chat_ids)
        if len(sent) == len(chats):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(sent)} of {len(chats)} reminders were sent")
        await asyncio.sleep(0.05)
    messages = {
        (c.chat_id, c.params["_result"]["message_id"]): c.params["_result"]
        for c in request.calls
        if "_result" in c.params
    }
    for chat in chats:
        chat.reminder = messages[(chat.chat.id, sent[chat.chat.id])]


# --- bare ------------------------------------------------------------------------------
async def _only_reply(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer every message, and nothing else."""
    assert update.effective_message is not None
    await update.effective_message.reply_text("收到")


async def open_bare(count: int, chat_count: int) -> Rig:
    """python-telegram-bot with a single MessageHandler, fed the same kind of replies."""
    request = RecordingRequest()
    application = (
        ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
    )
    application.add_handler(MessageHandler(filters.ALL, _only_reply))
    await application.initialize()
    await application.start()
    factory = UpdateFactory()
    chats = []
    for index in range(chat_count):
        chat = SimChat(id=CHAT_ID_BASE - index, title=f"chat {index}")
        message = await application.bot.send_message(chat.id, "提醒")
        chats.append(
            BoundChat(
                chat,
                SimUser(id=3000 + index, first_name="联络员"),
                "",
                [(5, "五", "（五）"), (6, "六", "（六）")],
                reminder=message.to_dict(),
            )
        )
    request.clear()

    async def close() -> None:
        await application.stop()
        await application.shutdown()

    return Rig(application, request, make_replies(chats, count, factory), close)


# --- the measurement ---------------------------------------------------------------------
@dataclass(frozen=True)
class FeedResult:
    updates_per_s: float  # wall clock
    cpu_ms_per_update: float  # CPU of the whole process (event loop and database threads)
    records: int = 0
    peak_rss_mb: float = 0.0  # of the process that ran it, read after the run


async def feed(rig: Rig) -> FeedResult:
    """Feed every update as polling would, one after another."""
    application = rig.application
    gc.collect()
    start, cpu_start = time.perf_counter(), time.process_time()
    for index, data in enumerate(rig.updates):
        await application.process_update(Update.de_json(data, application.bot))
        if index % CLEAR_EVERY == 0:
            rig.request.clear()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return FeedResult(len(rig.updates) / elapsed, cpu * 1000 / len(rig.updates))


async def run_ours_once(workdir: Path, count: int, chat_count: int) -> FeedResult:
    """The real bot's speed, and the progress records it wrote."""
    rig = await open_ours(workdir, count, chat_count)
    try:
        result = await feed(rig)
        return replace(result, records=rig.count_records())
    finally:
        await rig.close()


async def run_bare_once(count: int, chat_count: int) -> FeedResult:
    rig = await open_bare(count, chat_count)
    try:
        return await feed(rig)
    finally:
        await rig.close()


def run_case(kind: str, count: int) -> FeedResult:
    """One run of `kind` ("ours" or "bare") in a fresh process, so runs never share a heap
    and the process's peak memory is that of benchmark 1 alone (read by benchmark 4)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest", kind, "--count", str(count)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ingest {kind} run failed:\n{done.stderr[-3000:]}")
    return FeedResult(**json.loads(done.stdout.strip().splitlines()[-1]))


# Runs of the last `run()` in this process: benchmark 4 reads their peak memory.
LAST_RUNS: dict[str, Any] = {}


def run(*, smoke: bool = False, runs: int | None = None) -> list[Figure]:
    count = 200 if smoke else 10_000
    runs = runs or (1 if smoke else 3)
    ours: list[FeedResult] = []
    bare: list[FeedResult] = []
    for attempt in range(runs):
        # Side by side, alternating, so drift in the machine's speed hits both alike.
        bare.append(run_case("bare", count))
        ours.append(run_case("ours", count))
        note(
            f"ingest run {attempt + 1}/{runs}: bare {bare[-1].updates_per_s:.0f}/s "
            f"({bare[-1].cpu_ms_per_update:.2f} ms CPU each), ours {ours[-1].updates_per_s:.0f}/s "
            f"({ours[-1].cpu_ms_per_update:.2f} ms CPU each), "
            f"{ours[-1].records} records from {count} replies; "
            f"peak memory bare {bare[-1].peak_rss_mb:.1f} MiB, ours {ours[-1].peak_rss_mb:.1f} MiB"
        )
    LAST_RUNS.update(count=count, ours=ours, bare=bare)
    records = [r.records for r in ours]
    if min(records) < count:
        raise RuntimeError(
            f"the bot recorded {min(records)} progress updates from {count} "
            "replies: the benchmark would measure replies that were dropped"
        )
    ours_rates = [r.updates_per_s for r in ours]
    bare_rates = [r.updates_per_s for r in bare]
    ours_cpu = [r.cpu_ms_per_update for r in ours]
    bare_cpu = [r.cpu_ms_per_update for r in bare]
    return [
        Figure(
            "ingest.ours_updates_per_s",
            median(ours_rates),
            "updates/s",
            f"median of {runs} {spread(ours_rates)}",
        ),
        Figure(
            "ingest.bare_updates_per_s",
            median(bare_rates),
            "updates/s",
            f"median of {runs} {spread(bare_rates)}",
        ),
        Figure("ingest.ratio", median(ours_rates) / median(bare_rates), "", "target ≥ 0.5"),
        Figure(
            "ingest.ours_cpu_ms_per_update",
            median(ours_cpu),
            "ms",
            f"process CPU per update, median of {runs} {spread(ours_cpu)}",
        ),
        Figure(
            "ingest.bare_cpu_ms_per_update",
            median(bare_cpu),
            "ms",
            f"process CPU per update, median of {runs} {spread(bare_cpu)}",
        ),
        Figure(
            "ingest.cpu_ratio",
            median(bare_cpu) / median(ours_cpu),
            "",
            "bare CPU / ours CPU per update: the ratio with other load on the machine removed",
        ),
        Figure(
            "ingest.records_per_reply",
            median(records) / count,
            "",
            "progress records written per reply (a reply may name two measures)",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest", description="one ingestion run, in this process"
    )
    parser.add_argument("kind", choices=["ours", "bare"])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args(argv)
    if args.kind == "bare":
        result = asyncio.run(run_bare_once(args.count, CHAT_COUNT))
    else:
        with scratch_dir("ingest") as workdir:
            result = asyncio.run(run_ours_once(workdir, args.count, CHAT_COUNT))
    print(json.dumps(asdict(replace(result, peak_rss_mb=peak_rss_mb()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
