"""The simulator's Stream gateway: the official SDK, unmodified, connects to it through its own
DINGTALK_OPENAPI_ENDPOINT variable; tickets, acks, redelivery and disconnects behave as
DingTalk's protocol description says."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from dingtalk_sim import frames
from dingtalk_sim.server import DingTalkSimulator
from dingtalk_sim.world import Card
from tests.support.paths import ROOT

STOCK_CLIENT = ROOT / "tests" / "support" / "stock_sdk_client.py"


class StockClient:
    """The SDK's own client in a process of its own; its JSON lines as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:
        assert self.process.stdout is not None
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
            if not line:
                raise EOFError("the SDK client ended")
            if line.startswith(b"{"):
                return dict(json.loads(line))


@pytest.fixture
async def sim() -> AsyncIterator[DingTalkSimulator]:
    async with DingTalkSimulator(event_retry_seconds=0.3, disconnect_grace=0.5) as simulator:
        yield simulator


@pytest.fixture
async def stock(sim: DingTalkSimulator) -> AsyncIterator[StockClient]:
    env = {**os.environ, "DINGTALK_OPENAPI_ENDPOINT": sim.base_url, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(STOCK_CLIENT),
        sim.client_id,
        sim.client_secret,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        yield StockClient(process)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


async def test_the_official_sdk_connects_and_receives_a_message_that_at_s_the_robot(
    sim: DingTalkSimulator, stock: StockClient
) -> None:
    zhang = sim.add_user("0101", "张水利")
    water = sim.add_group("省水利厅 督办群", [zhang])
    assert (await stock.next())["kind"] == "token"  # the SDK's own token call, at the stub
    await sim.wait_connected(timeout=15)
    push = await sim.user_says(water, zhang, " （五）已完成")
    got = await stock.next()
    assert got == {
        "kind": "robot",
        "text": " （五）已完成",
        "staff_id": "0101",
        "conversation_id": water.cid,
        "at_list": True,
    }
    await sim.wait_acked(push)
    assert push.ack is not None and push.ack.code == 200
    assert push.ack.data == {"response": "OK"}


async def test_the_official_sdk_reads_card_presses_and_events(
    sim: DingTalkSimulator, stock: StockClient
) -> None:
    zhang = sim.add_user("0101", "张水利")
    water = sim.add_group("省水利厅 督办群", [zhang])
    await stock.next()
    await sim.wait_connected(timeout=15)
    card = Card("track-9", "tpl", "STREAM", 0.0, {"markdown": "?"}, cid=water.cid)
    await sim.press(card, zhang, params={"payload": "rc:1:5"}, action_ids=("b0_0",))
    assert await stock.next() == {
        "kind": "card",
        "out_track_id": "track-9",
        "user_id": "0101",
        "params": {"payload": "rc:1:5"},
    }
    push = await sim.group_event("chat_quit", water, users=(zhang,))
    event = await stock.next()
    assert event["event_type"] == "chat_quit"
    assert event["data"]["OpenConversationId"] == water.cid
    await sim.wait_acked(push)
    assert push.done and push.attempts == 1


async def test_the_official_sdk_reconnects_after_a_system_disconnect(
    sim: DingTalkSimulator, stock: StockClient
) -> None:
    zhang = sim.add_user("0101", "张水利")
    water = sim.add_group("群", [zhang])
    await stock.next()
    await sim.wait_connected(timeout=15)
    await sim.disconnect_all()
    await sim.wait_for(lambda: len(sim.gateway.connections) >= 2, timeout=15)
    await sim.wait_connected()
    await sim.user_says(water, zhang, " 重连之后")
    assert (await stock.next())["text"] == " 重连之后"


async def open_ticket(sim: DingTalkSimulator, **body: Any) -> tuple[int, dict[str, Any]]:
    payload = {
        "clientId": sim.client_id,
        "clientSecret": sim.client_secret,
        "subscriptions": [{"type": "CALLBACK", "topic": frames.TOPIC_ROBOT}],
    } | body
    async with aiohttp.ClientSession() as http:
        url = sim.base_url + "/v1.0/gateway/connections/open"
        async with http.post(url, json=payload) as response:
            return response.status, await response.json()


async def test_a_ticket_needs_the_apps_credentials(sim: DingTalkSimulator) -> None:
    status, body = await open_ticket(sim, clientSecret="wrong")
    assert status == 401 and body["code"] == "InvalidAuthentication"
    status, body = await open_ticket(sim, subscriptions=[{"type": "EVENT", "topic": "x"}])
    assert status == 400
    status, body = await open_ticket(sim)
    assert status == 200
    assert body["endpoint"].startswith("ws://127.0.0.1:") and body["ticket"]


async def test_a_ticket_opens_one_connection_only(sim: DingTalkSimulator) -> None:
    _, body = await open_ticket(sim)
    uri = f"{body['endpoint']}?ticket={body['ticket']}"
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(uri) as ws:
            await sim.wait_connected()
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(uri)
            assert refused.value.status == 401
            await ws.close()


async def test_an_event_not_acknowledged_is_pushed_again_with_the_same_id(
    sim: DingTalkSimulator,
) -> None:
    water = sim.add_group("群")
    _, body = await open_ticket(sim, subscriptions=[{"type": "EVENT", "topic": "*"}])
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(f"{body['endpoint']}?ticket={body['ticket']}") as ws:
            push = await sim.group_event("chat_disband", water)
            first = json.loads((await ws.receive(timeout=5)).data)
            again = json.loads((await ws.receive(timeout=5)).data)  # no ack: pushed again
            assert first["headers"]["messageId"] == again["headers"]["messageId"]
            assert first["headers"]["eventType"] == "chat_disband"
            later = {
                "code": 200,
                "headers": {"messageId": push.message_id},
                "message": "OK",
                "data": json.dumps({"status": "LATER"}),
            }
            await ws.send_str(json.dumps(later))
            third = json.loads((await ws.receive(timeout=5)).data)  # LATER: pushed again
            assert third["headers"]["messageId"] == push.message_id
            ok = later | {"data": json.dumps({"status": "SUCCESS"})}
            await ws.send_str(json.dumps(ok))
            await sim.wait_for(lambda: push.done)
            assert push.attempts == 3
            with pytest.raises(asyncio.TimeoutError):
                await ws.receive(timeout=0.8)  # taken: never again


async def test_pushes_wait_for_a_subscriber_unless_callbacks_are_fire_and_forget() -> None:
    async with DingTalkSimulator(drop_offline_callbacks=True) as sim:
        zhang = sim.add_user("1", "张")
        water = sim.add_group("群", [zhang])
        lost = await sim.user_says(water, zhang, " 没人在线")
        event = await sim.group_event("chat_quit", water, users=(zhang,))
        assert sim.gateway.dropped == [lost] and list(sim.gateway.waiting) == [event]
        _, body = await open_ticket(sim, subscriptions=[{"type": "EVENT", "topic": "*"}])
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(f"{body['endpoint']}?ticket={body['ticket']}") as ws:
                frame = json.loads((await ws.receive(timeout=5)).data)
                assert frame["headers"]["messageId"] == event.message_id
                await ws.close()
