"""`python bot.py …` as an operator types it: a clean environment, a folder, captured output.

For tests of what an operator reads (start-up failures, the doctor, backups, the guide).
Both `run_cli` (to its end) and `start_cli` (left running) fork their `bot.py` from one
process that imported the bot once (`fork_launcher`, `bot_fork`): a start costs
milliseconds instead of seconds of imports. `fresh=True` starts a new interpreter instead,
as an operator does, for the tests that are about exactly that.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.bot_process import clean_env
from tests.support.fork_launcher import LAUNCHER, ForkedBot
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
        return await _run_forked(args, cwd, env, timeout)
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

    process: asyncio.subprocess.Process | ForkedBot
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


async def start_cli(
    args: list[str], cwd: Path, env: dict[str, str], name: str = "bot", *, fresh: bool = False
) -> Running:
    """Start `python bot.py ARGS` in the background; output goes to `cwd/<name>.log`.

    Forked from the launcher unless `fresh` (a new interpreter, as an operator starts it).
    """
    log = cwd / f"{name}.log"
    if not fresh:
        child = await asyncio.to_thread(
            LAUNCHER.spawn, args, cwd, env, stdout=log, stderr=log, append=True
        )
        return Running(child, log)
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


async def _run_forked(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="bot-fork-") as folder:
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        child = await asyncio.to_thread(LAUNCHER.spawn, args, cwd, env, stdout=out, stderr=err)
        try:
            code = await asyncio.wait_for(child.wait(), timeout)
        except TimeoutError:
            child.kill()
            await child.wait()
            raise AssertionError(
                f"bot.py {' '.join(args)} did not end: {err.read_text(errors='replace')}"
            ) from None
        stdout, stderr = (p.read_text(encoding="utf-8", errors="replace") for p in (out, err))
    return Outcome(code, stdout, stderr)


def operator_env(**extra: str) -> dict[str, str]:
    """What a service manager passes, in English unless the test says otherwise."""
    values = {"BOT_LOCALE": "en", "STARTUP_WAIT_SECONDS": "3"}
    values.update(extra)
    return clean_env(**values)
