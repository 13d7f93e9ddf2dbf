"""The two bots benchmark 1 feeds: ours (the real Application, a SQLite file, the bundled plan,
chats bound and a cycle sent) and bare python-telegram-bot, with the replies for them.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from botapi_sim.recording import RecordingRequest
from botapi_sim.updates import SimChat, SimUser, UpdateFactory, private_chat
from intake import inbox_of

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
ADMIN = SimUser(id=1001, first_name="Admin", username="admin_bench")
CHAT_ID_BASE = -1_001_000_000_000

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
    # Ours: the sink receivers hand updates to; None for bare PTB (its updater's queue).
    accept: Callable[[dict[str, Any]], Coroutine[Any, Any, None]] | None = None
    idle: Callable[[], bool] = lambda: True
    commits: Callable[[], tuple[int, int]] = lambda: (0, 0)  # (transactions, works)
    unfinished: Callable[[], int] = lambda: 0


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

    inbox = inbox_of(application)
    writes = application.bot_data["services"].writes
    factory.update_ids = itertools.count(10_000_000)  # above the set-up's, as Telegram's grow
    return Rig(
        application,
        request,
        make_replies(chats, count, factory),
        close,
        lambda: db.call(_count_records) - records_before,
        accept=inbox.accept_update,
        idle=lambda: not inbox.held,
        commits=lambda: (writes.batches, writes.works),
        unfinished=lambda: db.call(_count_unfinished),
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


def _count_unfinished(session: Any) -> int:
    from sqlalchemy import func

    from models.inbox import InboxUpdate

    return int(
        session.exec(
            select(func.count()).select_from(InboxUpdate).where(col(InboxUpdate.done_at).is_(None))
        ).one()
    )


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
