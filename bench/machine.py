"""What the figures were measured on: cores, Python, SQLite and the packages that matter.

Printed to stderr by `python -m bench` and stored with the figures by `--json`.
"""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "python-telegram-bot",
    "SQLAlchemy",
    "sqlmodel",
    "aiohttp",
    "httpx",
    "aiolimiter",
    "APScheduler",
    "Babel",
    "pydantic",
    "pyinstrument",
)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def describe() -> dict[str, str]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": str(os.cpu_count()),
        "load_average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        **{package: _version(package) for package in PACKAGES},
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB.

    Linux's `ru_maxrss` survives exec, so a child started from a big parent would report the
    parent's size; the high-water mark of this process's own memory (VmHWM) does not.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
