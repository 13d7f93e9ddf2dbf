"""Which process holds what: a bot process is named "host:pid", so a restarted bot can tell
at once that the process whose updates it finds unfinished on its own host is gone.
"""

from __future__ import annotations

import os
import socket


def instance_name() -> str:
    """This process's name in the claims it makes (inbox rows, deliveries)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def is_gone(name: str, *, me: str) -> bool:
    """True only when `name` is surely dead: a process of this host whose pid has no process,
    or an earlier process with this very name (a container restarted with the same pid).

    Any other name (another host, a test's) is judged by its lease alone.
    """
    if name == me:
        return True
    host, _, pid = name.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    return int(pid) != os.getpid() and not _alive(int(pid))
