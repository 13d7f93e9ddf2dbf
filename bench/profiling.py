"""Where the time goes: pyinstrument profiles of the ingestion, fan-out and status benchmarks.

`python -m bench --profile ingest|fanout|status` writes text profiles to bench-output/profile/.
pyinstrument samples one thread, so database work (normally in `Database.run`'s worker
threads) is run inline on the event loop while profiling; the "as run" ingest profile shows
the same loop with the threads, where database time appears as awaiting `Database.run`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.figures import note, output_dir, scratch_dir

PROFILES = ("ingest", "fanout", "status")


@contextlib.contextmanager
def database_inline() -> Iterator[None]:
    """Run `Database.run` work on the calling thread, where the profiler can see it."""
    from models.db import Database

    original = Database.run

    async def run_inline(self: Database, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return self.call(fn, *args, **kwargs)

    Database.run = run_inline  # type: ignore[method-assign]
    try:
        yield
    finally:
        Database.run = original  # type: ignore[method-assign]


def _profiler() -> Any:
    from pyinstrument import Profiler

    return Profiler(interval=0.0005, async_mode="enabled")


async def _ingest(count: int, *, inline_db: bool) -> str:
    from bench import ingest

    with scratch_dir("profile") as workdir:
        rig = await ingest.open_ours(workdir, count, ingest.CHAT_COUNT)
        try:
            with database_inline() if inline_db else contextlib.nullcontext():
                profiler = _profiler()
                profiler.start()
                result = await ingest.feed(rig)
                profiler.stop()
        finally:
            await rig.close()
    note(
        f"profiled {count} replies ({'database inline' if inline_db else 'as run'}): "
        f"{result.updates_per_s:.0f}/s under the profiler"
    )
    return str(profiler.output_text(unicode=True, color=False, show_all=False))


async def _fanout(chats: int, limit: int) -> str:
    from bench import fanout

    profiler = _profiler()
    with scratch_dir("profile") as workdir, database_inline():
        result = await fanout.fan_out(workdir, chats=chats, limit=limit, profiler=profiler)
    note(
        f"profiled a fan-out to {chats} chats at {limit}/s: {result['messages']} messages in "
        f"{result['span_s']:.1f} s"
    )
    return str(profiler.output_text(unicode=True, color=False, show_all=False))


def _status(samples: int) -> str:
    from bench.scale_data import ensure_database
    from bench.status_scale import LARGE, busiest_departments, status_pages
    from messages.i18n import get_translator
    from models.clock import utcnow
    from models.db import Database

    db = Database.from_url(f"sqlite:///{ensure_database(LARGE)}")
    t = get_translator("zh_CN", "Asia/Shanghai")
    name = db.call(busiest_departments, count=1)[0]
    db.call(status_pages, argument="", now=utcnow(), t=t)
    profiler = _profiler()
    profiler.start()
    for _ in range(samples):
        db.call(status_pages, argument="", now=utcnow(), t=t)
        db.call(status_pages, argument=name, now=utcnow(), t=t)
    profiler.stop()
    db.dispose()
    return str(profiler.output_text(unicode=True, color=False, show_all=False))


def profile(name: str, *, smoke: bool = False) -> list[Path]:
    """Write the profiles of benchmark `name`; returns their paths."""
    texts: dict[str, str] = {}
    if name == "ingest":
        count = 200 if smoke else 3_000
        texts["ingest-as-run"] = asyncio.run(_ingest(count, inline_db=False))
        texts["ingest-inline-db"] = asyncio.run(_ingest(count, inline_db=True))
    elif name == "fanout":
        texts["fanout-inline-db"] = asyncio.run(_fanout(60, 30) if smoke else _fanout(500, 200))
    elif name == "status":
        texts["status-1m"] = _status(3 if smoke else 20)
    else:
        raise ValueError(f"no profile for {name}; choose from {', '.join(PROFILES)}")
    written = []
    for stem, text in texts.items():
        path = output_dir("profile") / f"{stem}.txt"
        path.write_text(text, encoding="utf-8")
        note(f"wrote {path}")
        written.append(path)
    return written
