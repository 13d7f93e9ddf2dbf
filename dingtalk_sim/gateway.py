"""The Stream gateway: connection tickets, WebSocket sessions, pushes and their acks.

`POST /v1.0/gateway/connections/open` checks the app's credentials and subscriptions and
answers {endpoint, ticket}; the client opens `endpoint?ticket=…` (a ticket is good for one
connection within 90 seconds). Pushes go to a connection subscribed to their type and topic
(several: one at a time, in turn). Nothing is lost while no client is connected: pushes wait
for one, unless `drop_offline_callbacks` (DingTalk's robot messages are fire-and-forget).
An EVENT not acknowledged with code 200 (or acknowledged with status LATER) is pushed again
after `event_retry_seconds`, as DingTalk does; CALLBACKs are pushed once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from dingtalk_sim import frames
from dingtalk_sim.world import SimWorld

log = logging.getLogger(__name__)

TICKET_SECONDS = 90.0
EVENT_ATTEMPTS = 6


@dataclass(frozen=True)
class Ack:
    code: int
    message: str
    data: Any  # the `data` string parsed as JSON where it is JSON
    at: float


@dataclass
class Push:
    """One frame for the client and what became of it."""

    frame: dict[str, Any]
    kind: str
    topic: str
    attempts: int = 0
    last_sent: float | None = None
    connection: int | None = None
    ack: Ack | None = None
    redeliver_at: float | None = None

    @property
    def message_id(self) -> str:
        return str(self.frame["headers"]["messageId"])

    @property
    def data(self) -> dict[str, Any]:
        return dict(json.loads(self.frame["data"]))

    @property
    def done(self) -> bool:
        """Acknowledged as taken (an EVENT acknowledged with LATER is not)."""
        if self.ack is None or self.ack.code != 200:
            return False
        status = self.ack.data.get("status") if isinstance(self.ack.data, dict) else None
        return status != "LATER"


@dataclass
class Connection:
    number: int
    ws: web.WebSocketResponse
    subscriptions: frozenset[tuple[str, str]]
    ua: str
    local_ip: str
    opened_at: float
    closed_at: float | None = None
    sent: list[str] = field(default_factory=list)  # message ids pushed on it

    def wants(self, kind: str, topic: str) -> bool:
        if kind == frames.SYSTEM:
            return True
        if kind == frames.EVENT:
            return (frames.EVENT, "*") in self.subscriptions
        return (kind, topic) in self.subscriptions


@dataclass
class _Ticket:
    subscriptions: frozenset[tuple[str, str]]
    ua: str
    local_ip: str
    issued_at: float
    used: bool = False


class StreamGateway:
    """The gateway half of the simulator (the OpenAPI half is `dingtalk_sim.openapi`)."""

    def __init__(
        self,
        world: SimWorld,
        *,
        clock: Callable[[], float] = time.monotonic,
        event_retry_seconds: float = 3.0,
        ping_interval: float | None = None,
        disconnect_grace: float = 10.0,
        drop_offline_callbacks: bool = False,
        notify: Callable[[], None] = lambda: None,
    ) -> None:
        self.world = world
        self.clock = clock
        self.event_retry_seconds = event_retry_seconds
        self.ping_interval = ping_interval
        self.disconnect_grace = disconnect_grace
        self.drop_offline_callbacks = drop_offline_callbacks
        self._notify = notify
        self.endpoint = ""  # ws://127.0.0.1:PORT/connect, set when the server starts
        self.tickets: dict[str, _Ticket] = {}
        self.connections: list[Connection] = []
        self.pushes: dict[str, Push] = {}  # by message id, in push order
        self.waiting: deque[Push] = deque()  # no connection wanted them yet
        self.dropped: list[Push] = []  # callbacks pushed while nobody listened
        self.refused_tickets = 0
        self._turn = 0
        self._numbers = 0
        self._ticker: asyncio.Task[None] | None = None
        self._closers: set[asyncio.Task[None]] = set()

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick(), name="dingtalk-sim-gateway")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for task in list(self._closers):
            task.cancel()
        for connection in self.live:
            await connection.ws.close()

    @property
    def live(self) -> list[Connection]:
        return [c for c in self.connections if c.closed_at is None]

    # --- step one: the connection ticket -------------------------------------------------------

    def open_connection(self, body: Any) -> tuple[int, dict[str, Any]]:
        """Check credentials and subscriptions; a ticket and the endpoint to use it on."""
        if not isinstance(body, dict):
            return 400, {"code": "invalidParameter", "message": "body must be a JSON object"}
        if body.get("clientId") != self.world.client_id or (
            body.get("clientSecret") != self.world.client_secret
        ):
            self.refused_tickets += 1
            return 401, {
                "code": "InvalidAuthentication",
                "message": "clientId或clientSecret无效 (simulated)",
            }
        subscriptions = body.get("subscriptions")
        if not isinstance(subscriptions, list) or not subscriptions:
            return 400, {"code": "invalidParameter", "message": "subscriptions is required"}
        wanted: set[tuple[str, str]] = set()
        for item in subscriptions:
            kind = item.get("type") if isinstance(item, dict) else None
            topic = item.get("topic") if isinstance(item, dict) else None
            if kind not in (frames.EVENT, frames.CALLBACK) or not isinstance(topic, str):
                return 400, {"code": "invalidParameter", "message": f"bad subscription {item!r}"}
            if kind == frames.EVENT and topic != "*":
                return 400, {"code": "invalidParameter", "message": "EVENT topic must be *"}
            wanted.add((kind, topic))
        ticket = secrets.token_hex(16)
        self.tickets[ticket] = _Ticket(
            frozenset(wanted),
            str(body.get("ua", "")),
            str(body.get("localIp", "")),
            self.clock(),
        )
        return 200, {"endpoint": self.endpoint, "ticket": ticket}

    # --- step two: the WebSocket ---------------------------------------------------------------

    async def handle_ws(self, request: web.Request) -> web.StreamResponse:
        ticket = self.tickets.get(request.query.get("ticket", ""))
        if ticket is None or ticket.used or self.clock() - ticket.issued_at > TICKET_SECONDS:
            self.refused_tickets += 1
            raise web.HTTPUnauthorized(text="invalid or used ticket")
        ticket.used = True
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._numbers += 1
        connection = Connection(
            self._numbers, ws, ticket.subscriptions, ticket.ua, ticket.local_ip, self.clock()
        )
        self.connections.append(connection)
        self._notify()
        await self._flush_waiting()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._take_ack(message.data)
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            connection.closed_at = self.clock()
            self._orphaned(connection)
            self._notify()
        return ws

    def _take_ack(self, raw: str) -> None:
        try:
            answer = json.loads(raw)
            message_id = answer["headers"]["messageId"]
        except (json.JSONDecodeError, KeyError, TypeError):
            log.warning("simulator: not an ack: %r", raw[:200])
            return
        push = self.pushes.get(message_id)
        if push is None:
            return
        data: Any = answer.get("data")
        if isinstance(data, str):
            with contextlib.suppress(json.JSONDecodeError):
                data = json.loads(data)
        push.ack = Ack(
            int(answer.get("code", 0)), str(answer.get("message", "")), data, self.clock()
        )
        if push.kind == frames.EVENT and not push.done:
            push.redeliver_at = self.clock() + self.event_retry_seconds
        self._notify()

    def _orphaned(self, connection: Connection) -> None:
        """A connection closed: its unacknowledged EVENTs go again, to whoever listens."""
        for message_id in connection.sent:
            push = self.pushes[message_id]
            if push.kind == frames.EVENT and not push.done and push.connection == connection.number:
                push.redeliver_at = self.clock()

    # --- pushing -------------------------------------------------------------------------------

    async def push(self, frame: dict[str, Any]) -> Push:
        """Send a frame to a subscribed connection now, or when one comes."""
        kind, topic = frame["type"], frame["headers"]["topic"]
        push = Push(frame, kind, topic)
        self.pushes[push.message_id] = push
        if not await self._send(push):
            if kind == frames.CALLBACK and self.drop_offline_callbacks:
                self.dropped.append(push)
            else:
                self.waiting.append(push)
        self._notify()
        return push

    async def _send(self, push: Push, connection: Connection | None = None) -> bool:
        candidates = (
            [connection] if connection else [c for c in self.live if c.wants(push.kind, push.topic)]
        )
        if not candidates:
            return False
        self._turn += 1
        chosen = candidates[self._turn % len(candidates)]
        try:
            await chosen.ws.send_str(json.dumps(push.frame, ensure_ascii=False))
        except (ConnectionResetError, RuntimeError):
            return False
        push.attempts += 1
        push.last_sent = self.clock()
        push.connection = chosen.number
        chosen.sent.append(push.message_id)
        if push.kind == frames.EVENT:
            push.redeliver_at = self.clock() + self.event_retry_seconds
        return True

    async def _flush_waiting(self) -> None:
        still: deque[Push] = deque()
        while self.waiting:
            push = self.waiting.popleft()
            if not await self._send(push):
                still.append(push)
        self.waiting = still

    async def ping(self, connection: Connection) -> Push:
        push = Push(frames.ping(), frames.SYSTEM, frames.TOPIC_PING)
        self.pushes[push.message_id] = push
        await self._send(push, connection)
        return push

    async def disconnect(
        self, connection: Connection, reason: str = "connection is expired"
    ) -> None:
        """Ask the client to reconnect (SYSTEM disconnect), then close after the grace."""
        push = Push(frames.disconnect(reason), frames.SYSTEM, frames.TOPIC_DISCONNECT)
        self.pushes[push.message_id] = push
        await self._send(push, connection)

        async def close_later() -> None:
            await asyncio.sleep(self.disconnect_grace)
            await connection.ws.close()

        self._closers.add(task := asyncio.create_task(close_later()))
        task.add_done_callback(self._closers.discard)

    async def drop(self, connection: Connection) -> None:
        """Close the connection without warning (a network failure)."""
        await connection.ws.close(code=1011, message=b"simulated drop")

    async def _tick(self) -> None:
        last_ping = self.clock()
        while True:
            await asyncio.sleep(0.05)
            now = self.clock()
            for push in list(self.pushes.values()):
                if (
                    push.kind == frames.EVENT
                    and not push.done
                    and push.redeliver_at is not None
                    and push.redeliver_at <= now
                    and push.attempts < EVENT_ATTEMPTS
                ):
                    push.redeliver_at = None
                    if not await self._send(push) and push not in self.waiting:
                        self.waiting.append(push)
                    self._notify()
            if self.ping_interval is not None and now - last_ping >= self.ping_interval:
                last_ping = now
                for connection in self.live:
                    await self.ping(connection)
