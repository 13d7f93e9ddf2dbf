"""A Bot API server of our own on 127.0.0.1: python-telegram-bot talks to it through `base_url`.

    async with BotApiSimulator(faults=FaultPlan(retry_after_rate=0.1, seed=7)) as sim:
        sim.add_chat(WATER_GROUP, members=[LIAISON_WATER])
        bot = Bot(TOKEN, base_url=sim.base_url, base_file_url=sim.base_file_url)
        sim.user_sends(WATER_GROUP, LIAISON_WATER, "（五）已完成")    # an update for getUpdates
        await sim.wait_bot_messages(WATER_GROUP, 1, timeout=5)     # the bot has answered
        print(render_transcript(sim.transcript), sim.stats.as_dict())

Faults (`FaultPlan`) and flood control (`RateLimits`) apply to sending methods only.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import socket
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from aiohttp import web

from botapi_sim.errors import ApiError, chat_migrated, kicked, too_many_requests
from botapi_sim.faults import SEND_METHODS, FaultKind, FaultPlan, FloodControl, RateLimits
from botapi_sim.methods import BotApiMethods
from botapi_sim.params import read_request
from botapi_sim.polling import UpdateQueue
from botapi_sim.stats import SimStats
from botapi_sim.transcript import TranscriptEntry, render_transcript
from botapi_sim.updates import SimChat, SimUser
from botapi_sim.world import CallbackQueryState, ChatRef, SimWorld, StoredFile, StoredMessage

SERVER_ERRORS = {500: "Internal Server Error", 502: "Bad Gateway"}


class BotApiSimulator:
    """A local Telegram for one bot: chats, people, updates, faults and rate limits.

    `start()` binds 127.0.0.1 on a free port and returns `base_url`
    ("http://127.0.0.1:PORT/bot"); give it to `Bot(..., base_url=...)` or
    `ApplicationBuilder().base_url(...)`. With `token` set, other tokens get 401.
    `clock` (seconds, monotonic) drives the flood-control windows. With `privacy_mode`, the
    bot gets from groups where it is no admin only commands, replies to it and @mentions,
    as Telegram's default privacy mode does; other messages stay in the transcript.
    """

    def __init__(
        self,
        *,
        faults: FaultPlan | None = None,
        rate_limits: RateLimits | None = None,
        token: str | None = None,
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
        privacy_mode: bool = False,
    ) -> None:
        self.faults = faults  # may be replaced between phases of a run
        self.token = token
        self.stats = SimStats()
        self._port = port
        self._clock = clock  # flood-control windows read it; tests may freeze it
        self._changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._last_activity = time.monotonic()
        self.queue = UpdateQueue(self._notify)
        self.world = SimWorld(self.queue, self.stats, self._notify)
        self.world.privacy_mode = privacy_mode
        self.methods = BotApiMethods(self.world, self.queue)
        self._flood: FloodControl | None = None
        self.rate_limits = rate_limits
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        # Errors answered to the next calls of a method, in order (see `answer_next`).
        self._scripted: dict[str, collections.deque[ApiError]] = {}
        # The client ends (host, port) of every connection a request came over: a test of a
        # proxy compares them with the proxy's own upstream connections.
        self.peers: set[tuple[str, int]] = set()

    # --- lifecycle ----------------------------------------------------------------------
    async def start(self) -> str:
        """Serve on 127.0.0.1 and return the `base_url` python-telegram-bot expects."""
        if self._runner is not None:
            return self.base_url
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        return self.base_url

    async def stop(self) -> None:
        """End long polls and slow answers, close the port."""
        self._closing.set()
        await self.queue.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiSimulator:
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
    def rate_limits(self) -> RateLimits | None:
        return self._flood.limits if self._flood else None

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits | None) -> None:
        """Turn flood control on (fresh windows) or off."""
        self._flood = FloodControl(limits) if limits else None

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self._port}/file/bot"

    # --- HTTP ---------------------------------------------------------------------------
    @staticmethod
    def _json(status: int, body: dict[str, Any]) -> web.Response:
        return web.Response(
            status=status,
            text=json.dumps(body, ensure_ascii=False),
            content_type="application/json",
        )

    def _token_ok(self, request: web.Request) -> bool:
        return self.token is None or request.match_info["token"] == self.token

    def _note_peer(self, request: web.Request) -> None:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer:
            self.peers.add((str(peer[0]), int(peer[1])))

    def answer_next(
        self,
        method: str,
        code: int,
        description: str,
        *,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """The next `times` calls of `method` get this error (e.g. 502 on getUpdates)."""
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        error = ApiError(code, description, parameters)
        self._scripted.setdefault(method, collections.deque()).extend([error] * times)

    def scripted_left(self, method: str) -> int:
        """How many of the errors given to `answer_next` for `method` are still to come."""
        return len(self._scripted.get(method, ()))

    async def _handle_method(self, request: web.Request) -> web.Response:
        self._note_peer(request)
        if not self._token_ok(request):
            return self._json(401, ApiError(401, "Unauthorized").to_json())
        method = request.match_info["method"]
        self.stats.requests[method] += 1
        scripted = self._scripted.get(method)
        if scripted:
            error = scripted.popleft()
            if method == "getUpdates":
                await asyncio.sleep(0.05)  # as a real server's error, not a tight loop
            return self._json(error.code, error.to_json())
        if method != "getUpdates":
            self._last_activity = time.monotonic()
        delay = 0.0
        try:
            params, files = await read_request(request)
            delay = self._gate(method, params)
        except ApiError as error:
            return self._json(error.code, error.to_json())
        try:
            result = await self.methods.call(method, params, files)
        except ApiError as error:
            if error.code not in (404, 409):
                # "Bad Request: can't parse entities: <where>" counts as one kind.
                self.stats.rejected[": ".join(error.description.split(": ")[:2])] += 1
            response = self._json(error.code, error.to_json())
        else:
            self._record_delivery(method, params)
            response = self._json(200, {"ok": True, "result": result})
        if delay:
            # The message is stored; only the answer comes too late for the client.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)
        return response

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        self._note_peer(request)
        if not self._token_ok(request):
            return web.Response(status=401, text="Unauthorized")
        path = request.match_info["path"]
        stored = next((f for f in self.world.files.values() if f.file_path == path), None)
        if stored is None:
            return self._json(404, ApiError(404, "Not Found").to_json())
        return web.Response(body=stored.data, content_type=stored.mime_type)

    # --- faults and flood control ---------------------------------------------------------
    def _chat_of(self, params: dict[str, Any]) -> tuple[int | None, bool]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            return None, False
        state = self.world.chats.get(chat_id)
        return chat_id, state.is_group if state is not None else chat_id < 0

    def _gate(self, method: str, params: dict[str, Any]) -> float:
        """Raise the injected fault or the flood-control 429; return a slow answer's delay."""
        if method not in SEND_METHODS:
            return 0.0
        chat_id, is_group = self._chat_of(params)
        delay = 0.0
        fault = self.faults.draw(method, chat_id) if self.faults else None
        if fault is not None and self.faults is not None:
            self.stats.faults[fault.kind.value] += 1
            if fault.kind is FaultKind.FORBIDDEN:
                state = self.world.chats.get(chat_id or 0)
                raise kicked(state.chat.type if state else "group")
            if fault.kind is FaultKind.MIGRATED and chat_id is not None:
                new_id = self.faults.migrated_chats[chat_id]
                state = self.world.chats.get(chat_id)
                if state is not None:
                    self.world.clone_as_supergroup(state, new_id)
                raise chat_migrated(new_id)
            if fault.kind is FaultKind.RETRY_AFTER:
                self.stats.too_many_requests += 1
                raise too_many_requests(self.faults.retry_after_seconds)
            if fault.kind is FaultKind.SERVER_ERROR:
                raise ApiError(fault.status, SERVER_ERRORS[fault.status])
            if fault.kind is FaultKind.SLOW:
                delay = self.faults.slow_seconds
        if self._flood is not None:
            wait = self._flood.check(method, chat_id, is_group, self._clock())
            if wait is not None:
                self.stats.too_many_requests += 1
                self.stats.rate_limited += 1
                raise too_many_requests(wait)
        return delay

    def _record_delivery(self, method: str, params: dict[str, Any]) -> None:
        if self._flood is not None:
            chat_id, is_group = self._chat_of(params)
            self._flood.record(method, chat_id, is_group, self._clock())

    # --- the simulated world: what people do --------------------------------------------
    def add_chat(
        self,
        chat: SimChat,
        *,
        bot_status: str = "member",
        members: Iterable[SimUser] = (),
        admins: Iterable[SimUser] = (),
    ) -> None:
        """Make a chat known with the bot in it (no update is sent; see `bot_added`)."""
        self.world.add_chat(chat, bot_status=bot_status, members=members, admins=admins)

    def user_sends(
        self,
        chat: ChatRef,
        user: SimUser,
        text: str | None = None,
        *,
        reply_to_message_id: int | None = None,
        photo: bytes | None = None,
        document: bytes | None = None,
        document_name: str = "report.pdf",
        caption: str | None = None,
    ) -> int:
        """A person posts into `chat`; returns the new message's id."""
        return self.world.user_sends(
            chat,
            user,
            text,
            reply_to_message_id=reply_to_message_id,
            photo=photo,
            document=document,
            document_name=document_name,
            caption=caption,
        )

    def user_edits(self, chat: ChatRef, user: SimUser, message_id: int, new_text: str) -> None:
        """A person edits one of their messages (an `edited_message` update)."""
        self.world.user_edits(chat, user, message_id, new_text)

    def user_presses(
        self,
        chat: ChatRef,
        user: SimUser,
        message_id: int,
        callback_data: str,
        *,
        check_button: bool = True,
    ) -> str:
        """A person presses an inline button of the bot's message; returns the query id."""
        return self.world.user_presses(
            chat, user, message_id, callback_data, check_button=check_button
        )

    def bot_removed(
        self, chat: ChatRef, *, by: SimUser | None = None, status: str = "kicked"
    ) -> None:
        """The bot is removed from `chat` (status "kicked" or "left"); sends then get 403."""
        self.world.bot_removed(chat, by=by, status=status)

    def bot_added(
        self, chat: ChatRef, *, by: SimUser | None = None, as_admin: bool = False
    ) -> None:
        """The bot is added to `chat` (registered if new)."""
        self.world.bot_added(chat, by=by, as_admin=as_admin)

    def migrate_group(self, chat: ChatRef, new_id: int, *, by: SimUser | None = None) -> None:
        """`chat` becomes supergroup `new_id`; sends to the old id get ChatMigrated."""
        self.world.migrate_group(chat, new_id, by=by)

    # --- looking at what happened -------------------------------------------------------
    def messages(self, chat: ChatRef) -> list[StoredMessage]:
        """Every message in `chat` (people's and the bot's, not deleted), oldest first."""
        return self.world.state(chat).live_messages()

    def bot_messages(self, chat: ChatRef) -> list[StoredMessage]:
        return [m for m in self.messages(chat) if m.by_bot]

    def bot_texts(self, chat: ChatRef) -> list[str]:
        """Plain texts (or captions) of the bot's messages in `chat`, oldest first."""
        return [m.text for m in self.bot_messages(chat)]

    def last_bot_message(self, chat: ChatRef) -> StoredMessage:
        found = self.bot_messages(chat)
        if not found:
            raise LookupError(f"the bot has sent nothing to {chat}")
        return found[-1]

    def message(self, chat: ChatRef, message_id: int) -> StoredMessage:
        found = self.world.find_message(self.world.state(chat), message_id)
        if found is None:
            raise LookupError(f"no message {message_id} in {chat}")
        return found

    def file(self, file_id: str) -> StoredFile:
        return self.world.files[file_id]

    def commands(
        self, *, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The command menu set with setMyCommands for this scope and language."""
        scope_key = json.dumps(scope or {"type": "default"}, sort_keys=True)
        return list(self.methods.commands.get((scope_key, language_code), []))

    def callback_answer(self, query_id: str) -> CallbackQueryState:
        return self.world.callback_queries[query_id]

    def chat_status(self, chat: ChatRef) -> str:
        """The bot's membership in `chat`: member, administrator, left or kicked."""
        return self.world.state(chat).bot_status

    @property
    def transcript(self) -> list[TranscriptEntry]:
        return self.world.transcript

    def render_transcript(self, *, chat_id: int | None = None) -> str:
        return render_transcript(self.world.transcript, chat_id=chat_id)

    @property
    def pending_updates(self) -> int:
        """Updates the bot has not confirmed yet."""
        return self.queue.pending

    # --- waiting ------------------------------------------------------------------------
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
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, 0.05))

    async def wait_consumed(self, timeout: float = 5.0) -> None:
        """Wait until the bot has fetched and confirmed every update sent so far."""
        await self.wait_for(lambda: self.queue.pending == 0, timeout)

    async def wait_bot_messages(
        self, chat: ChatRef, count: int, timeout: float = 5.0
    ) -> list[StoredMessage]:
        """Wait until the bot has `count` messages in `chat`; return them."""
        await self.wait_for(lambda: len(self.bot_messages(chat)) >= count, timeout)
        return self.bot_messages(chat)

    async def wait_quiet(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until all updates are confirmed and the bot made no call for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if self.queue.pending == 0 and now - self._last_activity >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(f"the bot did not go quiet within {timeout:g}s")
            await asyncio.sleep(min(quiet / 3, max(0.0, deadline - now)))


async def _serve(port: int) -> None:
    async with BotApiSimulator(port=port) as sim:
        print(f"Bot API simulator at {sim.base_url} (file downloads: {sim.base_file_url})")
        await asyncio.Event().wait()


def main() -> None:
    """`python -m botapi_sim.server --port 8081`: an empty simulator for manual runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port))


if __name__ == "__main__":
    main()
