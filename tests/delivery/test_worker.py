"""Faults while sending the outbox: nothing lost, nothing sent twice, chats that moved."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from botapi_sim.updates import private_chat
from coordination.outbox import claim_due
from delivery.jobs import run_tick
from models.chats import Chat, ChatDepartment
from models.clock import utcnow
from models.schedules import Delivery
from tests.conftest import ADMIN, COORD_GROUP, DEV_GROUP, WATER_GROUP
from tests.support.cycle_helpers import travel
from tests.support.harness import BotHarness


async def start_cycle(bot, *failure, **options) -> None:
    """Bind the water group, then /remind with the first send to it failing as given."""
    await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
    await bot.command(COORD_GROUP, ADMIN, "coordinators_chat")
    bot.request.clear()
    if failure:
        bot.request.fail_next("sendMessage", *failure, chat_id=WATER_GROUP.id, **options)
    await bot.command(private_chat(ADMIN), ADMIN, "remind")


def delivery(bot, chat_id: int | None = None) -> Delivery:
    with bot.db.session() as session:
        query = select(Delivery).where(Delivery.kind == "reminder")
        if chat_id is not None:
            query = query.where(Delivery.chat_id == chat_id)
        return session.exec(query).one()


async def test_retry_after_leaves_the_delivery_pending_until_the_wait_is_over(
    tmp_path, monkeypatch
):
    # PTB 22 warns about RetryAfter's int type unless opted in; warnings are errors here.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await start_cycle(bot, 429, "Too Many Requests: retry after 30", retry_after=30)
        row = delivery(bot)
        assert row.status == "pending" and row.message_id is None
        assert row.not_before > utcnow() + timedelta(seconds=20)
        # /remind answered at once; its report, once the fan-out settled, says who waits.
        assert "等待 Telegram 限速解除" in bot.request.texts(ADMIN.id)[-1]
        await run_tick(bot.application)  # too early: still waiting
        assert delivery(bot).status == "pending"
        travel(bot, utcnow() + timedelta(seconds=31))
        await run_tick(bot.application)
        await run_tick(bot.application)
        row = delivery(bot)
        assert row.status == "sent" and row.message_id is not None
        # One refused attempt, then exactly one message that arrived.
        calls = bot.request.sent("sendMessage", WATER_GROUP.id)
        assert len(calls) == 2 and len([c for c in calls if "_result" in c.params]) == 1


async def test_network_errors_back_off_and_retry_never_lost(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await start_cycle(bot, 502, "Bad Gateway")
        row = delivery(bot)
        assert (row.status, row.attempts) == ("pending", 1)
        assert "NetworkError" in (row.last_error or "")
        bot.request.fail_next("sendMessage", 502, "Bad Gateway")
        travel(bot, row.not_before + timedelta(seconds=1))
        await run_tick(bot.application)
        row2 = delivery(bot)
        assert (row2.status, row2.attempts) == ("pending", 2)
        assert row2.not_before - row.not_before > timedelta(seconds=15)  # backing off
        travel(bot, row2.not_before + timedelta(seconds=1))
        await run_tick(bot.application)
        assert delivery(bot).status == "sent"


async def test_forbidden_marks_the_chat_inactive_and_tells_coordinators_once(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await start_cycle(bot, 403, "Forbidden: bot was kicked from the supergroup chat")
        row = delivery(bot)
        assert row.status == "failed" and row.last_error.startswith("forbidden")
        with bot.db.session() as session:
            assert session.get(Chat, WATER_GROUP.id).is_active is False
        notices = bot.request.texts(COORD_GROUP.id)
        assert len(notices) == 1 and "省水利厅" in notices[0] and "移出" in notices[0]
        # The next cycle does not try the lost chat and does not repeat the notice.
        answer = await bot.command(private_chat(ADMIN), ADMIN, "remind")
        assert "没有已绑定" in answer
        assert len(bot.request.texts(COORD_GROUP.id)) == 1
        assert len(bot.request.sent("sendMessage", WATER_GROUP.id)) == 1  # the refused one


async def test_the_notice_of_a_lost_chat_survives_a_network_error(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        await bot.command(COORD_GROUP, ADMIN, "coordinators_chat")
        bot.request.clear()
        # The reminder is refused (kicked), then the first try of the notice hits a 502.
        bot.request.fail_next(
            "sendMessage", 403, "Forbidden: bot was kicked from the group", chat_id=WATER_GROUP.id
        )
        bot.request.fail_next("sendMessage", 502, "Bad Gateway", chat_id=COORD_GROUP.id)
        await bot.command(private_chat(ADMIN), ADMIN, "remind")
        tries = bot.request.sent("sendMessage", COORD_GROUP.id)
        assert [c for c in tries if "_result" in c.params] == []
        # The notice waits in the outbox like a reminder, and the tick sends it once.
        with bot.db.session() as session:
            notice = session.exec(select(Delivery).where(Delivery.kind == "notice")).one()
        assert notice.status == "pending" and "NetworkError" in (notice.last_error or "")
        travel(bot, notice.not_before + timedelta(seconds=1))
        await run_tick(bot.application)
        await run_tick(bot.application)
        tries = bot.request.sent("sendMessage", COORD_GROUP.id)
        arrived = [c.text for c in tries if "_result" in c.params]
        assert len(tries) == 2
        assert len(arrived) == 1 and "省水利厅" in arrived[0] and "移出" in arrived[0]


async def test_flood_control_delays_the_notice_of_a_lost_chat_without_losing_it(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        bot.request.clear()
        # No coordinators' chat: the admin of ADMIN_IDS is told, after a RetryAfter.
        bot.request.fail_next(
            "sendMessage", 403, "Forbidden: bot was kicked from the group", chat_id=WATER_GROUP.id
        )
        bot.request.fail_next(
            "sendMessage",
            429,
            "Too Many Requests: retry after 5",
            retry_after=5,
            chat_id=ADMIN.id,
            containing="机器人已被移出群",
        )
        await bot.command(private_chat(ADMIN), ADMIN, "remind")
        told = [c for c in bot.request.sent("sendMessage", ADMIN.id) if "_result" in c.params]
        assert all("机器人已被移出群" not in c.text for c in told)
        travel(bot, utcnow() + timedelta(seconds=6))
        await run_tick(bot.application)
        told = [c.text for c in bot.request.sent("sendMessage", ADMIN.id) if "_result" in c.params]
        assert len([text for text in told if "机器人已被移出群" in text]) == 1


async def test_chat_migrated_moves_the_binding_and_sends_to_the_new_id(tmp_path):
    new_id = -100_555_001
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await start_cycle(
            bot, 400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to=new_id
        )
        row = delivery(bot)
        assert (row.chat_id, row.status) == (new_id, "sent")
        assert len(bot.request.texts(new_id)) == 1
        with bot.db.session() as session:
            bound = session.exec(select(ChatDepartment.chat_id)).all()
            old = session.get(Chat, WATER_GROUP.id)
        assert bound == [new_id]
        assert old.migrated_to == new_id and not old.is_active


async def test_chat_not_found_fails_the_delivery_with_the_reason(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await start_cycle(bot, 400, "Bad Request: chat not found")
        row = delivery(bot)
        assert row.status == "failed" and "chat not found" in row.last_error.lower()


async def test_a_delivery_left_in_flight_by_a_killed_process_is_sent_after_the_lease(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        svc = bot.application.bot_data["services"]
        bot.request.fail_next("sendMessage", 502, "Bad Gateway", chat_id=WATER_GROUP.id)
        await bot.command(private_chat(ADMIN), ADMIN, "remind")
        with bot.db.session() as session:
            row = session.exec(select(Delivery).where(Delivery.kind == "reminder")).one()
            row.status, row.claimed_by, row.claimed_at = "sending", "killed", utcnow()
            row.not_before = utcnow()
            session.add(row)
            session.commit()
        await run_tick(bot.application)  # within the lease: left alone
        assert delivery(bot).status == "sending"
        travel(bot, utcnow() + timedelta(minutes=3))
        await run_tick(bot.application)
        assert delivery(bot).status == "sent"
        assert svc.instance != "killed"


async def test_a_claimed_delivery_cannot_be_claimed_again(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        bot.request.fail_next("sendMessage", 502, "Bad Gateway", chat_id=WATER_GROUP.id)
        await bot.command(private_chat(ADMIN), ADMIN, "remind")
        later = utcnow() + timedelta(hours=2)
        first = bot.db.call(claim_due, instance="a", now=later)
        second = bot.db.call(claim_due, instance="b", now=later)
        assert len(first) == 1 and second == []


async def test_on_postgresql_a_row_locked_by_one_process_is_skipped_by_another(tmp_path):
    from models.db import is_postgres

    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as bot:
        if not is_postgres(bot.db.engine):
            import pytest

            pytest.skip("row locks: PostgreSQL only (SQLite claims by conditional update)")
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        await bot.command(DEV_GROUP, ADMIN, "bind", "省发展改革委")
        bot.request.fail_next("sendMessage", 502, "Bad Gateway", chat_id=WATER_GROUP.id)
        bot.request.fail_next("sendMessage", 502, "Bad Gateway", chat_id=DEV_GROUP.id)
        await bot.command(private_chat(ADMIN), ADMIN, "remind")
        later = utcnow() + timedelta(hours=2)
        with bot.db.session() as first, bot.db.session() as second:
            mine = claim_due(first, instance="a", now=later, limit=1)  # not committed yet
            theirs = claim_due(second, instance="b", now=later, limit=5)
            assert len(mine) == 1 and len(theirs) == 1 and mine != theirs
            first.commit()
            second.commit()


async def test_a_live_process_waiting_longer_than_the_lease_keeps_its_claim(tmp_path, monkeypatch):
    # Telegram answers the water group's reminder only after 4.5 s, longer than the 3 s lease.
    # The sending process renews its claim meanwhile, so a tick in between must not hand the
    # delivery back for a second copy.
    import asyncio

    from botapi_sim.recording import RecordingRequest
    from delivery.worker import release_stale_deliveries

    original = RecordingRequest.do_request

    async def slow(self, url, method, request_data=None, *args, **kwargs):
        if url.endswith("/sendMessage") and request_data is not None:
            if str(request_data.parameters.get("chat_id")) == str(WATER_GROUP.id):
                await asyncio.sleep(4.5)
        return await original(self, url, method, request_data, *args, **kwargs)

    monkeypatch.setattr(RecordingRequest, "do_request", slow)
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], delivery_lease_seconds=3) as bot:
        await bot.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
        bot.request.clear()
        remind = asyncio.create_task(bot.command(private_chat(ADMIN), ADMIN, "remind"))
        await asyncio.sleep(3.6)
        assert delivery(bot).status == "sending"
        assert await release_stale_deliveries(bot.application) == 0
        await remind
        await run_tick(bot.application)
        assert delivery(bot).status == "sent"
        assert len(bot.request.sent("sendMessage", WATER_GROUP.id)) == 1
