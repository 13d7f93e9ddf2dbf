"""A process that has imported bot.py once and forks a fresh `python bot.py ARGS` per request.

Importing the bot (Telegram, SQLAlchemy, Alembic, matplotlib…) takes seconds; a command that
fails at start takes milliseconds. Tests that run `bot.py` many times (start-up failures, the
doctor, backups, a bot left running) ask this process instead of starting Python each time:
each request is a child forked after the imports, in the request's folder and environment,
with standard input from /dev/null and its output in files. The child then runs bot.py as
`__main__` and ends as any interpreter does (exit code, traceback, atexit, finalisation).

Protocol, one JSON object per line. This process says {"ready": true} once imported. The
test writes {"id", "args", "cwd", "env", "stdout", "stderr", "append"}; this process answers
{"id", "pid"} at once and {"id", "code"} when that child ends, children running side by side.
Run as `python -m tests.support.bot_fork` with the repository on PYTHONPATH; at the end of
its input it kills the children still running and exits.
"""

from __future__ import annotations

import gc
import json
import os
import runpy
import selectors
import signal
import sys
from pathlib import Path
from typing import Any

import bot  # noqa: F401  (the point of this process: every module bot.py needs, imported once)

BOT_PY = Path(__file__).resolve().parents[2] / "bot.py"


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class Launcher:
    """Reads requests, forks children, reports each child's end (SIGCHLD wakes the loop)."""

    def __init__(self) -> None:
        self.children: dict[int, Any] = {}  # pid → the request's id
        self.pending = b""
        self.wake_r, self.wake_w = os.pipe()
        for fd in (self.wake_r, self.wake_w):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so the wake-up fd is written
        self.selector = selectors.DefaultSelector()
        self.selector.register(0, selectors.EVENT_READ)
        self.selector.register(self.wake_r, selectors.EVENT_READ)

    def serve(self) -> dict[str, Any]:
        """Serve until the input ends; return (in a child only) the request it is to run."""
        while True:
            for key, _ in self.selector.select():
                if key.fd == self.wake_r:
                    while True:
                        try:
                            if not os.read(self.wake_r, 512):
                                break
                        except BlockingIOError:
                            break
                    self.reap()
                    continue
                chunk = os.read(0, 1 << 16)
                if not chunk:
                    self.end()
                self.pending += chunk
                while b"\n" in self.pending:
                    line, self.pending = self.pending.split(b"\n", 1)
                    request = json.loads(line)
                    sys.stderr.flush()
                    pid = os.fork()
                    if pid == 0:
                        self.leave()
                        return request  # type: ignore[no-any-return]
                    self.children[pid] = request["id"]
                    say({"id": request["id"], "pid": pid})

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            request_id = self.children.pop(pid, None)
            if request_id is not None:
                say({"id": request_id, "code": os.waitstatus_to_exitcode(status)})

    def leave(self) -> None:
        """In a child: none of the launcher's machinery stays."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        self.selector.close()
        os.close(self.wake_r)
        os.close(self.wake_w)
        gc.enable()

    def end(self) -> None:
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        sys.exit(0)


def become(request: dict[str, Any]) -> None:
    """Turn this child into `python bot.py ARGS` started in the request's folder."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if request.get("append") else os.O_TRUNC)
    stdin = os.open(os.devnull, os.O_RDONLY)
    stdout = os.open(request["stdout"], flags, 0o644)
    stderr = stdout if request["stderr"] == request["stdout"] else os.open(
        request["stderr"], flags, 0o644
    )
    for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
        os.dup2(fd, target)
    for fd in {stdin, stdout, stderr}:
        os.close(fd)
    # The parent's stdin object may hold read-ahead of its pipe: the child reads /dev/null.
    sys.stdin = open(0, encoding=sys.stdin.encoding, closefd=False)
    sys.argv = [str(BOT_PY), *request["args"]]
    sys.path[0] = str(BOT_PY.parent)


if __name__ == "__main__":
    # The imported modules' objects are kept out of the collector: a collection in a child
    # would otherwise touch, and so copy, every page of the parent's memory (seconds).
    gc.disable()
    gc.freeze()
    launcher = Launcher()
    say({"ready": True})
    become(launcher.serve())
    # bot.py ends with sys.exit(main()): the child exits like a fresh interpreter would.
    runpy.run_path(str(BOT_PY), run_name="__main__")
