"""DingTalk's events through the inbox: stored before DingTalk learns they arrived, handled
again after a process died holding them, copies dropped, one chat's events in order."""

from __future__ import annotations

import asyncio
import contextlib

from sqlmodel import select

from assembly import build_dingtalk, ensure_bundled_plan
from dispatch.inbox import event_number
from models.inbox import InboxUpdate
from models.progress import ProgressUpdate
from runtime.platform import ChatKind, ChatRef, IncomingMessage, MessageRef, UserRef
from settings import load_settings
from tests.support.dingtalk_world import dingtalk_world
from tests.support.harness import fresh_database, test_database_url


async def never(_event: object) -> None:
    await asyncio.Event().wait()  # the process dies while handling it


async def test_an_event_stored_by_a_process_that_died_is_handled_at_the_next_start(tmp_path):
    url = test_database_url(tmp_path)
    db = fresh_database(url)
    ensure_bundled_plan(db)
    settings = load_settings(_env_file=None, database_url=url, platform="dingtalk")
    async with dingtalk_world() as world:
        first = build_dingtalk(settings, db, world.platform, admin_keys=("0301",), instance="a")
        stop = asyncio.Event()
        runner = asyncio.create_task(first.run(stop))
        await world.sim.wait_connected(timeout=15)
        await world.sim.wait_acked(await world.user_says(world.water, world.wang, "/bind 省水利厅"))
        await first.inbox.idle()
        first.dispatcher.on_message = never  # type: ignore[method-assign]
        push = await world.user_says(world.water, world.zhang, "（五）已完成主体工程")
        await world.sim.wait_acked(push, timeout=15)  # stored, so DingTalk was told
        rows = db.call(lambda s: s.exec(select(InboxUpdate)).all())
        assert [r.done_at is None for r in rows if r.update_id < 0].count(True) == 1
        # The process dies: nothing it held gets done.
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await world.stop_receiving()
        assert db.call(lambda s: s.exec(select(ProgressUpdate)).all()) == []

        second = build_dingtalk(settings, db, world.platform, admin_keys=("0301",), instance="a")
        stop = asyncio.Event()
        runner = asyncio.create_task(second.run(stop))
        try:
            await world.sim.wait_connected(timeout=15)
            await second.inbox.idle()
            records = db.call(lambda s: s.exec(select(ProgressUpdate)).all())
            assert [r.text for r in records] == ["已完成主体工程"]
            answers = [m.text for m in world.sim.world.messages_in(world.water.cid)]
            cards = [c.text for c in world.sim.world.cards_in(world.water.cid)]
            assert any("已记录" in text for text in answers + cards)
            done = db.call(lambda s: s.exec(select(InboxUpdate)).all())
            assert all(r.done_at is not None for r in done)
        finally:
            stop.set()
            await runner
    db.dispose()


def test_an_events_inbox_key_is_negative_and_the_same_for_a_copy():
    group = ChatRef("dingtalk", "cid1==", ChatKind.GROUP)
    message = IncomingMessage(
        chat=group, sender=UserRef("dingtalk", "0101"), message=MessageRef(group, "msgA"),
        text="（五）已完成", sent_at=None,  # type: ignore[arg-type]
    )
    other = IncomingMessage(
        chat=group, sender=UserRef("dingtalk", "0101"), message=MessageRef(group, "msgB"),
        text="（五）已完成", sent_at=None,  # type: ignore[arg-type]
    )
    assert event_number(message) < 0
    assert event_number(message) == event_number(message)
    assert event_number(message) != event_number(other)
