"""Updates reach the bot through the inbox: stored before the receiver confirms them, handled
once, per chat in order and chats in parallel, and finished at the next start after a crash.

The real Application takes update JSON through `Inbox.accept_update`, the sink of both
receivers; Bot API calls are caught below the Bot; the database is a real file (or the
PostgreSQL of TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from botapi_sim.recording import RecordingRequest
from coordination import inbox as rows
from intake import inbox_of
from intake.instances import instance_name
from models.clock import utcnow
from models.inbox import InboxUpdate
from models.progress import ProgressUpdate
from tests.conftest import (
    ADMIN,
    DEV_GROUP,
    LIAISON_DEV,
    LIAISON_WATER,
    STRANGER,
    UNBOUND_GROUP,
    WATER_GROUP,
)
from tests.support.harness import BotHarness
from tests.support.liaison_data import bind, make_cycle

REMINDER = {WATER_GROUP.id: 501, DEV_GROUP.id: 502}


def setup_chats(session: Session) -> None:
    bind(session, WATER_GROUP.id, "省水利厅")
    bind(session, DEV_GROUP.id, "省发展改革委")
    make_cycle(session, deliveries=REMINDER)


def inbox_rows(bot: BotHarness) -> list[InboxUpdate]:
    with bot.db.session() as session:
        return list(session.exec(select(InboxUpdate).order_by(InboxUpdate.update_id)).all())


def recorded_texts(bot: BotHarness, chat_id: int) -> list[str]:
    with bot.db.session() as session:
        return list(
            session.exec(
                select(ProgressUpdate.text)
                .where(ProgressUpdate.chat_id == chat_id)
                .order_by(ProgressUpdate.id)
            ).all()
        )


def acks(bot: BotHarness, chat_id: int) -> list[str]:
    return [text for text in bot.request.texts(chat_id) if "已记录" in text]


def reply(bot: BotHarness, chat, user, text: str) -> dict[str, Any]:
    return bot.updates.message(chat, user, text, reply_to=REMINDER[chat.id])


@pytest.fixture
async def bot(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as harness:
        harness.db.call(setup_chats)
        harness.request.clear()
        yield harness


async def test_an_update_is_in_the_database_when_the_sink_returns_and_done_once_handled(bot):
    update = reply(bot, WATER_GROUP, LIAISON_WATER, "（五）已完成")
    await bot.accept(update, wait=False)
    # What a receiver confirms to Telegram right after this is already stored.
    (row,) = inbox_rows(bot)
    assert row.update_id == update["update_id"]
    assert json.loads(row.payload)["message"]["text"] == "（五）已完成"
    await bot.settled()
    (row,) = inbox_rows(bot)
    assert row.done_at is not None
    assert recorded_texts(bot, WATER_GROUP.id) == ["已完成"]
    assert len(acks(bot, WATER_GROUP.id)) == 1


async def test_an_update_sent_again_is_handled_once(bot):
    update = reply(bot, WATER_GROUP, LIAISON_WATER, "（五）已完成")
    command = bot.updates.command(WATER_GROUP, LIAISON_WATER, "measures")
    # A poll fetched again before its offset moved, a webhook POST retried: the same JSON.
    await bot.accept(update, command, update, command)
    await bot.accept(update, command)
    assert recorded_texts(bot, WATER_GROUP.id) == ["已完成"]
    assert len(acks(bot, WATER_GROUP.id)) == 1
    assert len([t for t in bot.request.texts(WATER_GROUP.id) if "（五）" in t and "牵头" in t]) == 1
    assert [row.done_at is not None for row in inbox_rows(bot)] == [True, True]
    assert inbox_of(bot.application).copies == 4


async def test_replies_arriving_together_are_committed_together_and_each_acknowledged(bot):
    writes = bot.application.bot_data["services"].writes
    before = writes.batches
    updates = [
        reply(bot, chat, user, f"（{n}）推进中")
        for n in ("五", "十七")
        for chat, user in ((WATER_GROUP, LIAISON_WATER), (DEV_GROUP, LIAISON_DEV))
    ]
    await bot.accept(*updates)
    assert len(recorded_texts(bot, WATER_GROUP.id)) == 2
    assert len(recorded_texts(bot, DEV_GROUP.id)) >= 1
    assert len(acks(bot, WATER_GROUP.id)) == 2
    # Four inbox rows and their replies took fewer transactions than one each.
    assert writes.batches - before < 2 * len(updates)


async def test_a_slow_chat_holds_up_only_its_own_answers(tmp_path):
    class HeldRequest(RecordingRequest):
        """Sends into the water group wait until the test lets them go."""

        def __init__(self) -> None:
            super().__init__()
            self.gate = asyncio.Event()

        async def do_request(self, url: str, method: str, request_data: Any = None, **kw: Any):
            params = request_data.parameters if request_data is not None else {}
            if str(params.get("chat_id")) == str(WATER_GROUP.id):
                await self.gate.wait()
            return await super().do_request(url, method, request_data, **kw)

    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        bot.db.call(setup_chats)
        held = HeldRequest()
        bot.application.bot._request = (held, held)  # type: ignore[attr-defined]
        bot.request = held
        first = reply(bot, WATER_GROUP, LIAISON_WATER, "（五）推进中")
        second = reply(bot, WATER_GROUP, LIAISON_WATER, "（五）已完成")
        other = reply(bot, DEV_GROUP, LIAISON_DEV, "（五）推进中")
        await bot.accept(first, second, other, wait=False)

        async def acknowledged(chat_id: int) -> None:
            while not acks(bot, chat_id):
                await asyncio.sleep(0.01)

        # The other department is answered while the water group waits for its sends.
        await asyncio.wait_for(acknowledged(DEV_GROUP.id), 10)
        assert acks(bot, WATER_GROUP.id) == []
        # The water group's replies are both recorded, in order, while its answers wait.
        async def handled() -> None:
            while inbox_of(bot.application).held:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(handled(), 10)
        assert recorded_texts(bot, WATER_GROUP.id) == ["推进中", "已完成"]
        assert acks(bot, WATER_GROUP.id) == []
        held.gate.set()
        await bot.settled()
        assert recorded_texts(bot, WATER_GROUP.id) == ["推进中", "已完成"]
        water = [c for c in held.sent("sendMessage", WATER_GROUP.id) if "已记录" in c.text]
        assert ["推进中" in water[0].text, "已完成" in water[1].text] == [True, True]


def _dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    return int(finished.stdout)


async def test_updates_a_killed_process_left_are_handled_first_at_start_in_order(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as first:
        first.db.call(setup_chats)
        db = first.db
        dead = instance_name().rpartition(":")[0] + f":{_dead_pid()}"
        texts = ["（五）推进中", "（五）遇到困难，资金滞后", "（五）已完成"]
        stored = [reply(first, WATER_GROUP, LIAISON_WATER, text) for text in texts]
        stored.append(first.updates.command(DEV_GROUP, LIAISON_DEV, "measures"))
        # What the killed process had stored and confirmed, and not yet handled.
        for update in stored:
            db.call(rows.receive, update_id=update["update_id"], payload=json.dumps(update),
                    instance=dead, now=utcnow())
        live = reply(first, DEV_GROUP, LIAISON_DEV, "（五）推进中")
        db.call(rows.receive, update_id=live["update_id"], payload=json.dumps(live),
                instance="another-host:77", now=utcnow())
        async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], db=db) as bot:
            await bot.settled()
            assert recorded_texts(bot, WATER_GROUP.id) == ["推进中", "遇到困难，资金滞后", "已完成"]
            ack_texts = acks(bot, WATER_GROUP.id)
            assert [t.count("已记录") for t in ack_texts] == [1, 1, 1]
            assert "推进中" in ack_texts[0] and "已完成" in ack_texts[2]
            assert any("牵头" in t for t in bot.request.texts(DEV_GROUP.id))
            # Another host's process renews its claim: its update is not taken from it...
            assert recorded_texts(bot, DEV_GROUP.id) == []
            done = {row.update_id: row.done_at is not None for row in inbox_rows(bot)}
            assert done[live["update_id"]] is False
            # ...until its lease runs out without a renewal.
            def age_claim(session: Session) -> None:
                row = session.get(InboxUpdate, live["update_id"])
                assert row is not None and row.claimed_at is not None
                row.claimed_at -= rows.DEFAULT_LEASE + timedelta(seconds=1)
                session.add(row)

            db.call(age_claim)
            await inbox_of(bot.application).tick()
            await bot.settled()
            assert recorded_texts(bot, DEV_GROUP.id) == ["推进中"]
            assert all(row.done_at is not None for row in inbox_rows(bot))


async def test_a_change_is_made_once_even_if_its_update_comes_back(bot):
    """/bind commits its change with the done mark: a copy of it changes nothing again."""
    update = bot.updates.command(UNBOUND_GROUP, ADMIN, "bind", "省能源局")
    await bot.accept(update)
    (row,) = [r for r in inbox_rows(bot) if r.update_id == update["update_id"]]
    assert row.done_at is not None
    # Forget that the process handled it (as after a crash right after the commit).
    def unclaim(session: Session) -> None:
        stored = session.get(InboxUpdate, update["update_id"])
        assert stored is not None
        stored.claimed_by, stored.claimed_at = None, None
        session.add(stored)

    bot.db.call(unclaim)
    mark = len(bot.request.calls)
    await bot.accept(update)
    assert bot.replies_since(mark) == []


async def test_old_finished_updates_are_pruned(bot):
    await bot.accept(reply(bot, WATER_GROUP, LIAISON_WATER, "（五）已完成"))

    def age(session: Session) -> None:
        for row in session.exec(select(InboxUpdate)).all():
            assert row.done_at is not None
            row.done_at -= rows.KEEP_DONE + timedelta(minutes=1)
            session.add(row)

    bot.db.call(age)
    await inbox_of(bot.application).tick()
    assert inbox_rows(bot) == []


async def test_a_flood_from_a_stranger_gets_one_answer_a_minute_and_stalls_no_one(bot):
    flood = [bot.updates.command(UNBOUND_GROUP, STRANGER, "help") for _ in range(25)]
    status = bot.updates.command(WATER_GROUP, LIAISON_WATER, "measures")
    await bot.accept(*flood, status)
    assert len(bot.request.texts(UNBOUND_GROUP.id)) == 1
    assert len(bot.request.texts(WATER_GROUP.id)) == 1
    assert all(row.done_at is not None for row in inbox_rows(bot))


async def test_something_that_is_not_an_update_is_refused(bot):
    from intake.inbox import MalformedUpdate

    for body in ({"message": {}}, {"update_id": "7"}, [1, 2]):
        with pytest.raises(MalformedUpdate):
            await inbox_of(bot.application).accept_update(body)  # type: ignore[arg-type]
    assert inbox_rows(bot) == []


async def test_when_the_database_cannot_store_an_update_the_receiver_is_told(bot, monkeypatch):
    """The sink raises, so the poller does not move its offset (the webhook answers 500):
    Telegram keeps the update and it comes again once the database is back."""
    from sqlalchemy.exc import OperationalError

    writes = bot.application.bot_data["services"].writes

    async def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("INSERT INTO inboxupdate", {}, Exception("disk I/O error"))

    update = reply(bot, WATER_GROUP, LIAISON_WATER, "（五）已完成")
    monkeypatch.setattr(writes, "run_merged", unavailable)
    with pytest.raises(OperationalError):
        await inbox_of(bot.application).accept_update(update)
    assert inbox_rows(bot) == [] and bot.request.calls == []
    monkeypatch.undo()
    await bot.accept(update)
    assert recorded_texts(bot, WATER_GROUP.id) == ["已完成"]


async def test_an_update_that_cannot_be_read_is_set_aside_not_retried_forever(bot):
    broken = {"update_id": 4242, "message": {"text": "no chat, no date"}}
    await bot.accept(broken)
    (row,) = inbox_rows(bot)
    assert row.done_at is not None  # it stays for inspection, and is not handled again
    assert bot.request.calls == []


async def test_an_update_whose_handler_fails_is_apologised_for_once_and_not_handled_again(
    tmp_path, monkeypatch
):
    import handlers.liaison as liaison

    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        bot.db.call(setup_chats)

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("a bug in the reply reader")

        monkeypatch.setattr(liaison, "incoming", broken)
        await bot.accept(reply(bot, WATER_GROUP, LIAISON_WATER, "（五）已完成"))
        (apology,) = bot.request.texts(WATER_GROUP.id)
        assert "出了点问题" in apology
        assert [row.done_at is not None for row in inbox_rows(bot)] == [True]
        # Started again (the same database): nothing is left to handle.
        async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], db=bot.db) as again:
            await again.settled()
            assert again.request.texts(WATER_GROUP.id) == []
