"""A process that has imported bot.py once and forks a fresh `python bot.py ARGS` per request.

Importing the bot (Telegram, SQLAlchemy, Alembic, matplotlib…) takes seconds; a command that
fails at start takes milliseconds. Tests that run `bot.py` to its end many times (start-up
failures, the doctor, backups) ask this process instead of starting Python each time: each
request is a child forked after the imports, in the request's folder and environment, with
standard input from /dev/null and its output in files. The child then runs bot.py as
`__main__` and ends as any interpreter does (exit code, traceback, atexit, finalisation).

Protocol, one JSON object per line: this process says {"ready": true} once imported; the
test writes {"args", "cwd", "env", "stdout", "stderr"}; this process answers {"pid": …} at
once and {"code": …} when the child ends.
Run as `python -m tests.support.bot_fork` with the repository on PYTHONPATH.
"""

from __future__ import annotations

import gc
import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any

import bot  # noqa: F401  (the point of this process: every module bot.py needs, imported once)

BOT_PY = Path(__file__).resolve().parents[2] / "bot.py"


def serve() -> dict[str, Any]:
    """Fork a child per request; return (in the child only) the request it is to run."""
    # The imported modules' objects are kept out of the collector: a collection in a child
    # would otherwise touch, and so copy, every page of the parent's memory (seconds).
    gc.disable()
    gc.freeze()
    answers = sys.stdout
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    for line in sys.stdin:
        request = json.loads(line)
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            gc.enable()
            return request  # type: ignore[no-any-return]
        answers.write(json.dumps({"pid": pid}) + "\n")
        answers.flush()
        _, status = os.waitpid(pid, 0)
        answers.write(json.dumps({"code": os.waitstatus_to_exitcode(status)}) + "\n")
        answers.flush()
    sys.exit(0)


def become(request: dict[str, Any]) -> None:
    """Turn this child into `python bot.py ARGS` started in the request's folder."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    stdin = os.open(os.devnull, os.O_RDONLY)
    stdout = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    stderr = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
        os.dup2(fd, target)
        os.close(fd)
    # The parent's stdin object may hold read-ahead of its pipe: the child reads /dev/null.
    sys.stdin = open(0, encoding=sys.stdin.encoding, closefd=False)
    sys.argv = [str(BOT_PY), *request["args"]]
    sys.path[0] = str(BOT_PY.parent)


if __name__ == "__main__":
    become(serve())
    # bot.py ends with sys.exit(main()): the child exits like a fresh interpreter would.
    runpy.run_path(str(BOT_PY), run_name="__main__")
