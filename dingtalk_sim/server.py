"""A DingTalk of our own on 127.0.0.1: the Stream gateway and the OpenAPI in one server.

    async with DingTalkSimulator() as sim:
        water = sim.add_group("省水利厅 督办群", [zhang])
        # point the bot here: DINGTALK_OPENAPI_ENDPOINT=DINGTALK_OAPI_ENDPOINT=sim.base_url
        push = await sim.user_says(water, zhang, " （五）已完成")   # zhang @-s the robot
        await sim.wait_acked(push)
        await sim.wait_messages(water, 1)                           # the robot answered
        print(sim.world.messages_in(water.cid)[-1].text)

The official SDK (dingtalk-stream) connects to it unchanged when DINGTALK_OPENAPI_ENDPOINT
names `base_url` (the SDK reads that variable); nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from dingtalk_sim import frames
from dingtalk_sim.gateway import Push, StreamGateway
from dingtalk_sim.limits import Faults, RateLimits, RateWindows
from dingtalk_sim.openapi import Answer, OpenApiStub
from dingtalk_sim.world import Card, SentMessage, SimGroup, SimUser, SimWorld

TOKEN_HEADER = "x-acs-dingtalk-access-token"
CLIENT_ID = "dingsimclientid0001"
CLIENT_SECRET = "SimSecret_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"


class DingTalkSimulator:
    """One app's DingTalk: people, groups, the robot's records, pushes, faults, limits.

    `clock` (seconds, monotonic) drives the rate windows and token lifetimes; tests may
    freeze it. `event_retry_seconds`: how long an EVENT waits for its ack before it is
    pushed again. `ping_interval`: SYSTEM pings (None: none). `disconnect_grace`: how long
    after a SYSTEM disconnect the gateway closes the connection itself.
    """

    def __init__(
        self,
        *,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        robot_code: str = "",
        rate_limits: RateLimits | None = None,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.monotonic,
        event_retry_seconds: float = 3.0,
        ping_interval: float | None = None,
        disconnect_grace: float = 10.0,
        drop_offline_callbacks: bool = False,
        card_templates: frozenset[str] = frozenset(),
        port: int = 0,
    ) -> None:
        self.world = SimWorld(client_id, client_secret, robot_code or client_id)
        self.clock = clock
        self.faults = faults or Faults()
        self.windows = RateWindows(rate_limits or RateLimits(), clock)
        self._changed = asyncio.Event()
        self.gateway = StreamGateway(
            self.world,
            clock=clock,
            event_retry_seconds=event_retry_seconds,
            ping_interval=ping_interval,
            disconnect_grace=disconnect_grace,
            drop_offline_callbacks=drop_offline_callbacks,
            notify=self._notify,
        )
        self.api = OpenApiStub(
            self.world, self.windows, self.faults, clock, strict_templates=card_templates
        )
        self._port = port
        self._runner: web.AppRunner | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> str:
        """Serve on 127.0.0.1; `base_url` stands for both api. and oapi.dingtalk.com."""
        if self._runner is not None:
            return self.base_url
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1.0/gateway/connections/open", self._open_connection)
        app.router.add_get("/connect", self.gateway.handle_ws)
        app.router.add_post("/v1.0/oauth2/accessToken", self._access_token)
        app.router.add_post("/media/upload", self._upload)
        app.router.add_route("*", "/v1.0/{tail:.+}", self._openapi)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._port))
        self._port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        self.gateway.endpoint = f"ws://127.0.0.1:{self._port}/connect"
        self.gateway.start()
        return self.base_url

    async def stop(self) -> None:
        await self.gateway.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DingTalkSimulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def client_id(self) -> str:
        return self.world.client_id

    @property
    def client_secret(self) -> str:
        return self.world.client_secret

    @property
    def robot_code(self) -> str:
        return self.world.robot_code

    # --- HTTP ---------------------------------------------------------------------------------

    async def _open_connection(self, request: web.Request) -> web.Response:
        status, body = self.gateway.open_connection(await _json(request))
        self.api.calls.append((request.path, status))
        return web.json_response(body, status=status)

    async def _access_token(self, request: web.Request) -> web.Response:
        return await self._answer(request, self.api.access_token(await _json(request)))

    async def _openapi(self, request: web.Request) -> web.Response:
        answer = self.api.call(
            request.path, request.method, request.headers.get(TOKEN_HEADER), await _json(request)
        )
        return await self._answer(request, answer)

    async def _upload(self, request: web.Request) -> web.Response:
        media_type = request.query.get("type", "")
        name, content = "", b""
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            media_type = media_type or str(form.get("type", ""))
            media = form.get("media")
            if isinstance(media, web.FileField):
                name, content = media.filename or "", media.file.read()
        answer = self.api.upload(request.query.get("access_token"), media_type, name, content)
        return await self._answer(request, answer)

    async def _answer(self, request: web.Request, answer: Answer) -> web.Response:
        self.api.calls.append((request.path, answer.status))
        self._notify()
        if answer.delay:
            await asyncio.sleep(answer.delay)
        headers = {"Retry-After": f"{answer.retry_after:g}"} if answer.retry_after else {}
        return web.json_response(answer.body, status=answer.status, headers=headers)

    # --- the organisation ---------------------------------------------------------------------

    def add_user(self, staff_id: str, name: str) -> SimUser:
        return self.world.add_user(staff_id, name)

    def add_group(self, title: str, members: list[SimUser] | tuple[SimUser, ...] = ()) -> SimGroup:
        return self.world.add_group(title, members)

    async def remove_robot(self, group: SimGroup) -> None:
        """An admin takes the robot out of the group: sending there fails from now on."""
        group.robot_in = False
        self._notify()

    async def disband(self, group: SimGroup, by: SimUser | None = None) -> Push:
        group.disbanded = True
        return await self.group_event("chat_disband", group, operator=by)

    # --- pushes: what people do ---------------------------------------------------------------

    async def user_says(
        self,
        group: SimGroup | None,
        user: SimUser,
        text: str,
        *,
        at_robot: bool = True,
        at_users: tuple[SimUser, ...] = (),
    ) -> Push:
        """`user` writes to the robot: in `group` @-ing it (the text arrives without the
        mention), or in the private chat with it when `group` is None."""
        data = frames.robot_message(
            self.world, user, text, group=group, at_robot=at_robot, at_users=at_users
        )
        return await self.push_callback(frames.TOPIC_ROBOT, data)

    async def user_sends_picture(self, group: SimGroup | None, user: SimUser) -> Push:
        content = {"downloadCode": f"dl{self.world.next_id('')}", "pictureDownloadCode": "p"}
        data = frames.robot_message(
            self.world, user, "", group=group, msgtype="picture", content=content
        )
        return await self.push_callback(frames.TOPIC_ROBOT, data)

    async def press(
        self,
        card: Card,
        user: SimUser,
        *,
        params: dict[str, Any],
        action_ids: tuple[str, ...] = (),
    ) -> Push:
        """A press on the card with the given callback parameters."""
        group = self.world.groups.get(card.cid or "")
        data = frames.card_click(
            self.world,
            user,
            out_track_id=card.out_track_id,
            params=params,
            action_ids=action_ids,
            group=group,
        )
        return await self.push_callback(frames.TOPIC_CARD, data)

    async def press_button(self, card: Card, user: SimUser, label: str) -> Push:
        """A press on the callback button labelled `label` that the card shows now (the house
        template: its `buttons` parameter, rows of {text, kind, payload})."""
        for r, row in enumerate(card.buttons):
            for c, button in enumerate(row):
                if button.get("text") == label and button.get("kind") == "callback":
                    params = {"payload": button.get("payload", "")}
                    return await self.press(card, user, params=params, action_ids=(f"b{r}_{c}",))
        shown = [b.get("text") for row in card.buttons for b in row]
        raise LookupError(f"the card shows no callback button {label!r} (it shows {shown})")

    async def group_event(
        self,
        event_type: str,
        group: SimGroup,
        *,
        users: tuple[SimUser, ...] = (),
        operator: SimUser | None = None,
    ) -> Push:
        if event_type == "chat_add_member":
            group.members |= {u.staff_id for u in users}
        elif event_type in ("chat_remove_member", "chat_quit"):
            group.members -= {u.staff_id for u in users}
        data, headers = frames.group_event(
            self.world, event_type, group, users=users, operator=operator
        )
        return await self.gateway.push(frames.frame(frames.EVENT, "*", data, **headers))

    async def push_callback(self, topic: str, data: dict[str, Any]) -> Push:
        return await self.gateway.push(frames.frame(frames.CALLBACK, topic, data))

    # --- the connection -----------------------------------------------------------------------

    async def disconnect_all(self, reason: str = "connection is expired") -> None:
        for connection in self.gateway.live:
            await self.gateway.disconnect(connection, reason)

    async def drop_connections(self) -> None:
        for connection in self.gateway.live:
            await self.gateway.drop(connection)

    async def ping_all(self) -> list[Push]:
        return [await self.gateway.ping(c) for c in self.gateway.live]

    # --- waiting ------------------------------------------------------------------------------

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Return once `predicate()` is true (checked on every change); TimeoutError else."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout:g}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))

    async def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: len(self.gateway.live) >= count, timeout)

    async def wait_acked(self, push: Push, timeout: float = 5.0) -> Push:
        await self.wait_for(lambda: push.ack is not None, timeout)
        return push

    async def wait_messages(
        self, group: SimGroup, count: int, timeout: float = 5.0
    ) -> list[SentMessage]:
        await self.wait_for(lambda: len(self.world.messages_in(group.cid)) >= count, timeout)
        return self.world.messages_in(group.cid)

    async def wait_cards(self, group: SimGroup, count: int, timeout: float = 5.0) -> list[Card]:
        await self.wait_for(lambda: len(self.world.cards_in(group.cid)) >= count, timeout)
        return self.world.cards_in(group.cid)


async def _json(request: web.Request) -> Any:
    raw = await request.read()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


async def _serve(port: int) -> None:
    async with DingTalkSimulator(port=port) as sim:
        print(
            f"DingTalk simulator at {sim.base_url}: DINGTALK_OPENAPI_ENDPOINT="
            f"DINGTALK_OAPI_ENDPOINT={sim.base_url} DINGTALK_CLIENT_ID={sim.client_id} "
            f"DINGTALK_CLIENT_SECRET={sim.client_secret}"
        )
        await asyncio.Event().wait()


def main() -> None:
    """`python -m dingtalk_sim.server --port 8082`: an empty simulator for manual runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port))


if __name__ == "__main__":
    main()
