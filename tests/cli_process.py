"""`python bot.py …` as an operator types it: a clean environment, a folder, captured output.

For tests of what an operator reads (start-up failures, the doctor, backups, the guide).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.bot_process import ROOT, clean_env

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


async def run_cli(
    args: list[str], cwd: Path, env: dict[str, str], *, timeout: float = 90.0
) -> Outcome:
    """Run `python bot.py ARGS` to its end (bounded by `timeout`)."""
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
