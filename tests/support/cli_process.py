"""`python bot.py …` as an operator types it: a clean environment, a folder, captured output.

For tests of what an operator reads (start-up failures, the doctor, backups, the guide).
`run_cli` forks its `bot.py` from one process that imported the bot once (`bot_fork`), so
a start-up failure costs milliseconds instead of seconds of imports; `fresh=True` starts a
new interpreter instead. `start_cli` (a bot left running) always starts a new one.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.bot_process import clean_env
from tests.support.paths import ROOT

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
SECRET_PART = TOKEN.split(":", 1)[1]


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def assert_clean_failure(self) -> str:
        """Exit code 2, no traceback, no token; returns the last line of standard error."""
        assert self.code == 2, (self.code, self.output)
        assert "Traceback" not in self.output, self.output
        assert SECRET_PART not in self.output, "the token must never be printed"
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert lines, "a failure says why"
        return lines[-1]


LAUNCHER_START_SECONDS = 120.0


class ForkingLauncher:
    """The `bot_fork` process of this test run, started on first use, one request at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[str] | None = None
        self.outputs = Path(tempfile.mkdtemp(prefix="bot-fork-"))
        self.count = 0

    def _started(self) -> subprocess.Popen[str]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.bot_fork"],
                cwd=ROOT,
                env=clean_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            # Importing takes seconds; a launcher that never gets ready is killed, not awaited.
            timer = threading.Timer(LAUNCHER_START_SECONDS, self.process.kill)
            timer.start()
            try:
                assert self._answer(self.process).get("ready"), "bot_fork imported the bot"
            finally:
                timer.cancel()
        return self.process

    def warm(self) -> None:
        """Start the launcher now, so that a later `run_cli` takes no import time."""
        with self.lock:
            self._started()

    def _answer(self, process: subprocess.Popen[str]) -> dict[str, Any]:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise AssertionError("the bot_fork process ended; see the test run's stderr")
        return json.loads(line)  # type: ignore[no-any-return]

    def run(self, args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Outcome:
        with self.lock:
            process = self._started()
            self.count += 1
            out, err = (self.outputs / f"{self.count}.{name}" for name in ("out", "err"))
            request = {
                "args": args, "cwd": str(cwd), "env": env, "stdout": str(out), "stderr": str(err)
            }
            assert process.stdin is not None
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            pid = self._answer(process)["pid"]
            timer = threading.Timer(timeout, os.kill, (pid, signal.SIGKILL))
            timer.start()
            try:
                code = int(self._answer(process)["code"])
            finally:
                timer.cancel()
        stdout, stderr = (p.read_text(encoding="utf-8", errors="replace") for p in (out, err))
        if code == -signal.SIGKILL:
            raise AssertionError(f"bot.py {' '.join(args)} did not end: {stderr}")
        return Outcome(code, stdout, stderr)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


LAUNCHER = ForkingLauncher()
atexit.register(LAUNCHER.close)


async def run_cli(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    *,
    timeout: float = 90.0,
    fresh: bool = False,
) -> Outcome:
    """Run `python bot.py ARGS` to its end (bounded by `timeout`).

    Forked from the launcher unless `fresh`: a new interpreter, which also shows anything
    printed while the bot's modules are imported.
    """
    if not fresh:
        return await asyncio.to_thread(LAUNCHER.run, args, cwd, env, timeout)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bot.py"),
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        raise AssertionError(f"bot.py {' '.join(args)} did not end: {err.decode()}") from None
    return Outcome(int(process.returncode or 0), out.decode(), err.decode())


@dataclass
class Running:
    """A `bot.py` in the background; its standard error goes to a file (never a full pipe)."""

    process: asyncio.subprocess.Process
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


async def start_cli(args: list[str], cwd: Path, env: dict[str, str], name: str = "bot") -> Running:
    """Start `python bot.py ARGS` in the background; output goes to `cwd/<name>.log`."""
    log = cwd / f"{name}.log"
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bot.py"),
            *args,
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    return Running(process, log)


async def finish(running: Running, *, terminate: bool = True, timeout: float = 60.0) -> Outcome:
    """SIGTERM (unless it ended by itself) and collect the outcome; SIGKILL if it hangs."""
    process = running.process
    if terminate and process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError("the bot did not stop:\n" + running.log_text()) from None
    return Outcome(int(process.returncode or 0), "", running.log_text())


def operator_env(**extra: str) -> dict[str, str]:
    """What a service manager passes, in English unless the test says otherwise."""
    values = {"BOT_LOCALE": "en", "STARTUP_WAIT_SECONDS": "3"}
    values.update(extra)
    return clean_env(**values)
