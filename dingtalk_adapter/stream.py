"""The Stream connection, built on the official SDK (dingtalk-stream): pushes in, acks out.

The SDK gives the frames, the handlers and the routing (`route_message`: a push to its
handler, the handler's answer back as the ack). Its own `start()` loop is not used: it
opens the connection with a blocking request inside the event loop, swallows cancellation
and waits ten seconds after every drop. `StreamReceiver.run()` keeps the SDK's routing and
adds what a bot that must not lose work needs:

- the connection ticket asked for without blocking, at DINGTALK_OPENAPI_ENDPOINT;
- pings and disconnects answered at once, while messages and events are handed to the sink
  one at a time, in order, and acknowledged only after the sink returned;
- an EVENT the sink could not take is acknowledged LATER, so DingTalk pushes it again;
- cancellation ends it after the pushes already received were handed over (a few seconds);
- reconnection after a drop or a SYSTEM disconnect, backing off while DingTalk is away;
  credentials DingTalk refuses end it with `CredentialsRejected`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import quote_plus

import httpx
import websockets
from dingtalk_stream import (
    AckMessage,
    CallbackHandler,
    CallbackMessage,
    ChatbotMessage,
    Credential,
    DingTalkStreamClient,
    EventHandler,
    EventMessage,
    SystemMessage,
)
from dingtalk_stream.frames import Headers
from dingtalk_stream.version import VERSION_STRING

from dingtalk_adapter import inbound
from dingtalk_adapter.settings import Credentials, Endpoints, mask_secret
from runtime.platform import (
    ChatEvent,
    CredentialsRejected,
    EventSink,
    PlatformError,
    TemporaryFailure,
)

log = logging.getLogger(__name__)

OPEN_CONNECTION_PATH = "/v1.0/gateway/connections/open"
RECONNECT_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
# On cancellation, how long the pushes already received may take to reach the sink.
DRAIN_SECONDS = 5.0

ResolveChat = Callable[[str], Awaitable[str]]


class _RobotMessages(CallbackHandler):
    """CALLBACK /v1.0/im/bot/messages/get: a person wrote to the robot."""

    def __init__(self, receiver: StreamReceiver) -> None:
        super().__init__()
        self.receiver = receiver

    async def process(self, message: CallbackMessage) -> tuple[int, str]:
        event = inbound.incoming_message(message.data)
        return await self.receiver.hand_over(event, message.headers.message_id)


class _CardPresses(CallbackHandler):
    """CALLBACK /v1.0/card/instances/callback: a card's callback button was pressed."""

    def __init__(self, receiver: StreamReceiver) -> None:
        super().__init__()
        self.receiver = receiver

    async def process(self, message: CallbackMessage) -> tuple[int, str]:
        press_id = str(message.headers.message_id or "")
        event = inbound.button_press(message.data, press_id=press_id)
        return await self.receiver.hand_over(event, press_id)


class _GroupEvents(EventHandler):
    """EVENT (topic *): the group events; others are acknowledged and left alone."""

    def __init__(self, receiver: StreamReceiver) -> None:
        super().__init__()
        self.receiver = receiver

    async def process(self, event: EventMessage) -> tuple[int, str]:
        event_type = str(event.headers.event_type or event.data.get("EventType") or "")
        if event_type not in inbound.GROUP_EVENT_KINDS:
            return AckMessage.STATUS_OK, "SUCCESS"
        cid, chat_id = inbound.event_chat(event.data)
        if not cid and chat_id and self.receiver.resolve_chat is not None:
            try:
                cid = await self.receiver.resolve_chat(chat_id)
            except PlatformError:
                log.warning("could not find the group of chatId %s; later", chat_id, exc_info=True)
                return AckMessage.STATUS_OK, "LATER"
        if not cid:
            log.warning("group event %s names no group: %s", event_type, event.data)
            return AckMessage.STATUS_OK, "SUCCESS"
        change = inbound.membership_change(
            event_type,
            event.data,
            chat=inbound.group(cid),
            event_id=str(event.headers.event_id or ""),
        )
        code, _ = await self.receiver.hand_over(change, str(event.headers.message_id or ""))
        return AckMessage.STATUS_OK, "SUCCESS" if code == AckMessage.STATUS_OK else "LATER"

    async def raw_process(self, event_message: EventMessage) -> AckMessage:
        # The ack of an event says SUCCESS or LATER in its data (the SDK echoes the event).
        code, status = await self.process(event_message)
        ack = AckMessage()
        ack.code = code
        ack.headers.message_id = event_message.headers.message_id
        ack.headers.content_type = Headers.CONTENT_TYPE_APPLICATION_JSON
        ack.message = "OK"
        ack.data = {"status": status, "message": status.lower()}
        return ack


class StreamReceiver(DingTalkStreamClient):
    """One app's Stream connection, handing every push to `sink` as a boundary record."""

    def __init__(
        self,
        credentials: Credentials,
        endpoints: Endpoints,
        sink: EventSink,
        *,
        http: httpx.AsyncClient,
        resolve_chat: ResolveChat | None = None,
        reconnect_delays: Sequence[float] = RECONNECT_DELAYS,
    ) -> None:
        super().__init__(Credential(credentials.client_id, credentials.client_secret), log)
        self.credentials = credentials
        self.endpoints = endpoints
        self.sink = sink
        self.http = http
        self.resolve_chat = resolve_chat
        self.reconnect_delays = tuple(reconnect_delays)
        self.connections = 0  # connections made so far
        self.connected = asyncio.Event()
        self.register_callback_handler(ChatbotMessage.TOPIC, _RobotMessages(self))
        self.register_callback_handler(CallbackHandler.TOPIC_CARD_CALLBACK, _CardPresses(self))
        self.register_all_event_handler(_GroupEvents(self))

    async def hand_over(self, event: ChatEvent | None, message_id: str | None) -> tuple[int, str]:
        """Give one record to the sink; the ack code for it."""
        if event is None:
            return AckMessage.STATUS_OK, "ignored"
        try:
            await self.sink(event)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the bot could not take DingTalk push %s", message_id)
            return AckMessage.STATUS_SYSTEM_EXCEPTION, "internal error"
        return AckMessage.STATUS_OK, "OK"

    # --- step one: the ticket -----------------------------------------------------------------

    async def open_ticket(self) -> tuple[str, str]:
        """Ask DingTalk where to connect: (endpoint, ticket)."""
        topics = [{"type": "EVENT", "topic": "*"}] + [
            {"type": "CALLBACK", "topic": topic} for topic in self.callback_handler_map
        ]
        body = {
            "clientId": self.credentials.client_id,
            "clientSecret": self.credentials.client_secret,
            "subscriptions": topics,
            "ua": f"dingtalk-sdk-python/v{VERSION_STRING}-duban",
            "localIp": "",
        }
        url = self.endpoints.api + OPEN_CONNECTION_PATH
        try:
            response = await self.http.post(url, json=body)
        except httpx.TransportError as exc:
            raise TemporaryFailure(f"cannot reach DingTalk at {url}: {exc!r}") from exc
        if response.status_code in (400, 401, 403):
            raise CredentialsRejected(
                f"DingTalk refused the Stream connection for client id "
                f"{self.credentials.client_id} with the secret "
                f"{mask_secret(self.credentials.client_secret)} "
                f"(HTTP {response.status_code}: {_message_of(response)})"
            )
        if response.status_code >= 300:
            raise TemporaryFailure(
                f"DingTalk answered the Stream connection with HTTP {response.status_code}"
            )
        try:
            answer = response.json()
            return str(answer["endpoint"]), str(answer["ticket"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise TemporaryFailure(f"unexpected connection answer: {response.text[:200]}") from exc

    # --- step two: the connection -------------------------------------------------------------

    async def run(self) -> None:
        """Receive until cancelled (or until DingTalk refuses the credentials)."""
        self.pre_start()
        failures = 0
        while True:
            try:
                endpoint, ticket = await self.open_ticket()
                uri = f"{endpoint}?ticket={quote_plus(ticket)}"
                async with websockets.connect(uri, open_timeout=15, close_timeout=2) as ws:
                    self.websocket = ws
                    self.connections += 1
                    self.connected.set()
                    failures = 0
                    log.info("connected to DingTalk's Stream gateway (%s)", endpoint)
                    await self._serve(ws)
                log.info("DingTalk closed the Stream connection; connecting again")
            except (TemporaryFailure, OSError, websockets.exceptions.WebSocketException) as exc:
                log.warning("DingTalk Stream connection failed: %s", exc)
                failures += 1
            finally:
                self.websocket = None
                self.connected.clear()
            await asyncio.sleep(self._delay(failures))

    def _delay(self, failures: int) -> float:
        if failures == 0:
            return 0.0  # a clean disconnect: again at once
        base = self.reconnect_delays[min(failures, len(self.reconnect_delays)) - 1]
        return base * random.uniform(0.8, 1.2)

    async def _serve(self, ws: Any) -> None:
        """Answer SYSTEM frames at once; hand the rest over in order through one worker."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        worker = asyncio.create_task(self._work(queue), name="dingtalk-stream-worker")
        try:
            async for raw in ws:
                try:
                    frame = json.loads(raw)
                except (TypeError, json.JSONDecodeError):
                    log.warning("not a Stream frame: %r", raw[:200])
                    continue
                if frame.get("type") == SystemMessage.TYPE:
                    if await self._system(ws, frame):
                        log.info("DingTalk asks to reconnect: %s", frame.get("data"))
                        break
                else:
                    queue.put_nowait(frame)
        finally:
            # What arrived is handed over before the connection goes (bounded: the sink may
            # be stuck); its acks may no longer reach DingTalk, which then pushes events again.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(queue.join()), DRAIN_SECONDS)
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def _system(self, ws: Any, frame: dict[str, Any]) -> bool:
        """Answer a SYSTEM frame; True when it asks to reconnect."""
        message = SystemMessage.from_dict(frame)
        if message.headers.topic == SystemMessage.TOPIC_DISCONNECT:
            return True  # no answer is expected: DingTalk closes the connection after 10 s
        # A ping (or a topic newer than this code): acknowledged as the SDK's handler does,
        # without the SDK's warning about an "unknown topic" at every ping.
        ack = await self.system_handler.raw_process(message)
        await ws.send(json.dumps(ack.to_dict()))
        return False

    async def _work(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            frame = await queue.get()
            try:
                await self.route_message(frame)
            except websockets.exceptions.ConnectionClosed:
                log.info("ack of %s not sent: the connection closed", _message_id(frame))
            except Exception:
                log.exception("DingTalk push %s failed", _message_id(frame))
            finally:
                queue.task_done()


def _message_id(frame: dict[str, Any]) -> str:
    headers = frame.get("headers")
    return str(headers.get("messageId")) if isinstance(headers, dict) else "?"


def _message_of(response: httpx.Response) -> str:
    try:
        body = response.json()
    except json.JSONDecodeError:
        return response.text[:120]
    if isinstance(body, dict):
        return str(body.get("code") or "") + (
            ": " + str(body["message"]) if body.get("message") else ""
        )
    return str(body)[:120]
