"""A round-robin HTTP load balancer in front of several `bot.py run --webhook` processes, as
production puts one before its instances; and free ports for them.

A backend that is down answers 502, so the Bot API simulator delivers the update again and
the balancer hands it to the next instance, as Telegram's retries would.
"""

from __future__ import annotations

import itertools
import socket

import aiohttp
from aiohttp import web


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RoundRobin:
    """Each POST goes to the next backend port on 127.0.0.1."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = itertools.cycle(backends)
        self.forwarded: list[int] = []
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    async def _forward(self, request: web.Request) -> web.Response:
        port = next(self.backends)
        self.forwarded.append(port)
        headers = {
            k: v for k, v in request.headers.items() if k.lower().startswith(("x-", "content-t"))
        }
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.post(
                    f"http://127.0.0.1:{port}{request.path}",
                    data=await request.read(),
                    headers=headers,
                ) as answer,
            ):
                return web.Response(status=answer.status, body=await answer.read())
        except aiohttp.ClientError:
            return web.Response(status=502, text="backend down")

    async def __aenter__(self) -> RoundRobin:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()
