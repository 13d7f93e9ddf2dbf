"""A small HTTP and SOCKS5 proxy on 127.0.0.1 for tests: it forwards and remembers.

HTTP: absolute-form requests (http:// targets, one request per connection) and CONNECT
tunnels; SOCKS5: CONNECT with no authentication or user/password. With `credentials`, a
client must give them (407 or a SOCKS refusal otherwise). `upstream_ends` holds the local
(host, port) of every connection the proxy opened onward, so a server can tell which of its
clients came through the proxy.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import struct
from dataclasses import dataclass, field


@dataclass
class LocalProxy:
    kind: str  # "http" or "socks5"
    credentials: tuple[str, str] | None = None
    port: int = 0
    upstream_ends: set[tuple[str, int]] = field(default_factory=set)
    connections: int = 0
    refused: int = 0
    _server: asyncio.base_events.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        auth = f"{self.credentials[0]}:{self.credentials[1]}@" if self.credentials else ""
        return f"{self.kind}://{auth}127.0.0.1:{self.port}"

    async def __aenter__(self) -> LocalProxy:
        handler = self._http if self.kind == "http" else self._socks5
        self._server = await asyncio.start_server(handler, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()

    async def _open(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(host, port)
        local = writer.get_extra_info("sockname")
        self.upstream_ends.add((str(local[0]), int(local[1])))
        return reader, writer

    async def _pipe(
        self,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        async def copy(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    target.close()

        await asyncio.gather(copy(client[0], upstream[1]), copy(upstream[0], client[1]))

    # --- HTTP -------------------------------------------------------------------------------
    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers = [line for line in lines[1:] if line]
        if self.credentials and not self._authorized(headers):
            self.refused += 1
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                         b"Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = await self._open(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await self._pipe((reader, writer), upstream)
            return
        rest = target.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        upstream = await self._open(host, int(port or 80))
        kept = [
            h for h in headers
            if h.split(":", 1)[0].lower() not in {"connection", "proxy-connection",
                                                  "proxy-authorization", "keep-alive"}
        ]
        # One request per connection: the server closes after answering, so does the client.
        forwarded = [f"{method} /{path} {version}", *kept, "Connection: close", "", ""]
        upstream[1].write("\r\n".join(forwarded).encode("latin-1"))
        await upstream[1].drain()
        await self._pipe((reader, writer), upstream)

    def _authorized(self, headers: list[str]) -> bool:
        assert self.credentials is not None
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return any(
            h.split(":", 1)[0].lower() == "proxy-authorization"
            and h.split(":", 1)[1].strip() == f"Basic {expected}"
            for h in headers
        )

    # --- SOCKS5 -----------------------------------------------------------------------------
    async def _socks5(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            version, count = await reader.readexactly(2)
            methods = await reader.readexactly(count)
            wanted = 0x02 if self.credentials else 0x00
            if version != 5 or wanted not in methods:
                self.refused += 1
                writer.write(b"\x05\xff")
                await writer.drain()
                writer.close()
                return
            writer.write(bytes([5, wanted]))
            if self.credentials:
                _ver, name_len = await reader.readexactly(2)
                name = (await reader.readexactly(name_len)).decode()
                (password_len,) = await reader.readexactly(1)
                password = (await reader.readexactly(password_len)).decode()
                good = (name, password) == self.credentials
                writer.write(bytes([1, 0 if good else 1]))
                if not good:
                    self.refused += 1
                    await writer.drain()
                    writer.close()
                    return
            _ver, command, _rsv, kind = await reader.readexactly(4)
            if kind == 1:
                host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
            elif kind == 3:
                (length,) = await reader.readexactly(1)
                host = (await reader.readexactly(length)).decode()
            else:
                host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
            (port,) = struct.unpack("!H", await reader.readexactly(2))
            if command != 1:
                writer.write(b"\x05\x07\x00\x01" + bytes(6))
                await writer.drain()
                writer.close()
                return
            upstream = await self._open(host, port)
            writer.write(b"\x05\x00\x00\x01" + bytes(4) + b"\x00\x00")
            await writer.drain()
        except asyncio.IncompleteReadError:
            writer.close()
            return
        await self._pipe((reader, writer), upstream)
