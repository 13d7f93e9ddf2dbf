"""The test run's side of `bot_fork`: one launcher process, children forked from it on request.

`LAUNCHER.spawn` starts `bot.py ARGS` as a fork of a process that has already imported the
bot, and returns a `ForkedBot` that behaves like an asyncio subprocess (pid, returncode,
wait, send_signal, kill). The launcher starts on first use and ends with the test run.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from tests.support.bot_process import clean_env
from tests.support.paths import ROOT

# Importing the bot takes seconds; a launcher that is not ready after this is killed.
LAUNCHER_START_SECONDS = 120.0


class ForkedBot:
    """A `bot.py` forked by the launcher; it is the launcher's child, so its end comes from it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.ended = threading.Event()

    def _end(self, code: int) -> None:
        self.returncode = code
        self.ended.set()

    async def wait(self) -> int:
        while not self.ended.is_set():
            await asyncio.sleep(0.05)
        assert self.returncode is not None
        return self.returncode

    def wait_blocking(self, timeout: float) -> bool:
        return self.ended.wait(timeout)

    def send_signal(self, number: int) -> None:
        if not self.ended.is_set():
            try:
                os.kill(self.pid, number)
            except ProcessLookupError:
                pass  # ended this instant; the launcher reports it

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkingLauncher:
    """Talks to the `bot_fork` process: requests out, pids and exit codes back (a reader thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[str] | None = None
        self.ids = itertools.count(1)
        self.waiting: dict[int, tuple[threading.Event, list[ForkedBot]]] = {}
        self.running: dict[int, ForkedBot] = {}

    def _started(self) -> subprocess.Popen[str]:
        if self.process is not None and self.process.poll() is None:
            return self.process
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.bot_fork"],
            cwd=ROOT,
            env=clean_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        timer = threading.Timer(LAUNCHER_START_SECONDS, process.kill)
        timer.start()
        try:
            assert process.stdout is not None
            ready = process.stdout.readline()
        finally:
            timer.cancel()
        if not ready or not json.loads(ready).get("ready"):
            raise AssertionError("bot_fork did not start; see the test run's standard error")
        self.process = process
        threading.Thread(target=self._read, args=(process,), daemon=True).start()
        return process

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            message: dict[str, Any] = json.loads(line)
            with self.lock:
                if "pid" in message:
                    event, holder = self.waiting.pop(message["id"])
                    child = ForkedBot(int(message["pid"]))
                    self.running[message["id"]] = child
                    holder.append(child)
                    event.set()
                else:
                    self.running.pop(message["id"])._end(int(message["code"]))
        with self.lock:  # the launcher ended: nothing it started can be waited for any more
            for event, _holder in self.waiting.values():
                event.set()
            for child in self.running.values():
                child._end(-signal.SIGKILL)

    def warm(self) -> None:
        """Start the launcher now, so that a later `spawn` takes no import time."""
        with self.lock:
            self._started()

    def spawn(
        self,
        args: list[str],
        cwd: Path,
        env: dict[str, str],
        *,
        stdout: Path,
        stderr: Path,
        append: bool = False,
    ) -> ForkedBot:
        """Fork `bot.py ARGS` in `cwd` with exactly `env`; its output goes to the files."""
        event: threading.Event = threading.Event()
        holder: list[ForkedBot] = []
        with self.lock:
            process = self._started()
            request_id = next(self.ids)
            self.waiting[request_id] = (event, holder)
            request = {
                "id": request_id, "args": args, "cwd": str(cwd), "env": env,
                "stdout": str(stdout), "stderr": str(stderr), "append": append,
            }
            assert process.stdin is not None
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        if not event.wait(30) or not holder:
            raise AssertionError("bot_fork did not fork; see the test run's standard error")
        return holder[0]

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # the launcher kills what still runs, and exits
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


LAUNCHER = ForkingLauncher()
atexit.register(LAUNCHER.close)
