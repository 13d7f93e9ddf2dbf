"""The fan-out benchmark's Bot API simulator, in a process of its own (as Telegram is another
machine): rate-limited, counting what reaches the bound chats, timing an admin's commands.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHAT_ID_BASE = -1_003_000_000_000
GROUP_PER_MINUTE = 20
# A command unanswered this long counts as this long (the target is under 1 s).
PROBE_TIMEOUT_S = 30.0
# How often the admin sends a command during a fan-out.
PROBE_INTERVAL_S = 2.0
PROBE_COMMAND = "/status"  # what a coordinator asks during a fan-out


# --- the simulator's process ---------------------------------------------------------------
async def _serve(limit: int, chats: int, admin_id: int) -> None:
    """Serve until stdin closes; answer `stats` with what reached the bound chats.

    `probe COMMAND INTERVAL` starts the admin's commands, timed until `stats`.
    """
    from botapi_sim.faults import RateLimits
    from botapi_sim.server import BotApiSimulator
    from botapi_sim.updates import SimChat, SimUser, private_chat

    limits = RateLimits(global_per_second=limit, group_per_minute=GROUP_PER_MINUTE)
    admin = SimUser(id=admin_id, first_name="Admin")
    admin_chat = private_chat(admin)
    async with BotApiSimulator(rate_limits=limits) as sim:
        sim.add_chat(admin_chat)
        bound = set()
        for index in range(chats):
            chat_id = CHAT_ID_BASE - index
            sim.add_chat(SimChat(id=chat_id, title=f"督办群 {index}"))
            bound.add(chat_id)
        arrivals: list[float] = []
        count_delivery = sim.stats.count_delivery

        answered = asyncio.Event()  # a message reached the admin's chat
        latencies: list[float] = []
        probing: asyncio.Task[None] | None = None

        def timed(chat_id: int, content: tuple[Any, ...]) -> None:
            if chat_id in bound:
                arrivals.append(time.monotonic())
            elif chat_id == admin_id:
                answered.set()
            count_delivery(chat_id, content)

        async def probe(text: str, interval: float) -> None:
            """The admin sends `text` every `interval` s; each time, offered → first answer."""
            while True:
                answered.clear()
                offered = time.monotonic()
                sim.user_sends(admin_chat, admin, text)
                try:
                    await asyncio.wait_for(answered.wait(), PROBE_TIMEOUT_S)
                    latencies.append((time.monotonic() - offered) * 1000)
                except TimeoutError:
                    latencies.append(PROBE_TIMEOUT_S * 1000)  # counted as the worst case
                # Let a long answer's further pages arrive before the next command.
                await asyncio.sleep(max(0.5, interval - (time.monotonic() - offered)))

        sim.stats.count_delivery = timed  # type: ignore[method-assign]
        print(json.dumps({"base_url": sim.base_url}), flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            words = line.split()
            if words[:1] == ["probe"] and probing is None:
                probing = asyncio.create_task(probe(words[1], float(words[2])))
                continue
            if words != ["stats"]:
                continue
            if probing is not None:
                probing.cancel()
                probing = None
            delivered = {c: n for c, n in sim.stats.delivered.items() if c in bound}
            span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
            print(
                json.dumps(
                    {
                        "chats_reached": len(delivered),
                        "messages": sum(delivered.values()),
                        "duplicates": sum(
                            n for c, n in sim.stats.duplicates_by_chat.items() if c in bound
                        ),
                        "http_429": sim.stats.too_many_requests,
                        "rate_limited": sim.stats.rate_limited,
                        "span_s": span,
                        "command_latencies_ms": latencies,
                    }
                ),
                flush=True,
            )


class SimulatorProcess:
    """The simulator in a child process, driven over its stdin and stdout."""

    def __init__(self, limit: int, chats: int, admin_id: int) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.fanout_sim",
                "serve",
                "--limit",
                str(limit),
                "--chats",
                str(chats),
                "--admin",
                str(admin_id),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url = str(self._read()["base_url"])

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the simulator exited with {self.process.wait()}")
        return dict(json.loads(line))

    def _tell(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def probe(self, command: str, interval: float) -> None:
        """From now until `stats`, the admin sends `command` every `interval` seconds."""
        self._tell(f"probe {command} {interval}")

    def stats(self) -> dict[str, Any]:
        """What reached the bound chats; stops the probes."""
        self._tell("stats")
        return self._read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout_sim")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="the rate-limited simulator, driven over stdin")
    serve.add_argument("--limit", type=int, required=True)
    serve.add_argument("--chats", type=int, required=True)
    serve.add_argument("--admin", type=int, required=True)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.limit, args.chats, args.admin))
    return 0


if __name__ == "__main__":
    sys.exit(main())
