"""`python bot.py run` as a child process of a test: clean environment, log to a file.

The log goes to a file, not a pipe, so a chatty bot never blocks on a full pipe buffer.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.support.paths import ROOT


def clean_env(**extra: str) -> dict[str, str]:
    """The variables a service manager would pass, plus `extra` (no developer .env)."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "PYENV_VERSION")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


async def start_bot(
    env: dict[str, str], cwd: Path, log: Path, *args: str
) -> asyncio.subprocess.Process:
    """Start `python bot.py run ARGS`; its output is appended to `log`."""
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bot.py"),
            "run",
            *args,
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )


async def stop_bot(process: asyncio.subprocess.Process, timeout: float = 30.0) -> int:
    """SIGTERM and wait, as a service manager stops the bot; SIGKILL if it hangs."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError("the bot did not stop within 30 s of SIGTERM") from None


async def kill_bot(process: asyncio.subprocess.Process) -> None:
    """SIGKILL: no shutdown code runs, as when the machine loses power."""
    if process.returncode is None:
        process.kill()
    await process.wait()
