"""Where the time of reply ingestion goes: pyinstrument profiles of benchmark 1's loop.

`python -m bench --profile` writes two text profiles under bench-output/profile/: the bot as
it runs, and the same with database work run inline, since pyinstrument samples one thread.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from bench.figures import note, output_dir


async def _profiled_feed(workdir: Path, count: int, *, inline_db: bool) -> str:
    from pyinstrument import Profiler

    from bench import ingest
    from models.db import Database

    original = Database.run

    async def run_inline(self: Database, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return self.call(fn, *args, **kwargs)

    rig = await ingest.open_ours(workdir, count, ingest.CHAT_COUNT)
    try:
        if inline_db:
            Database.run = run_inline  # type: ignore[method-assign]
        profiler = Profiler(interval=0.0005, async_mode="enabled")
        profiler.start()
        rate = await ingest.feed(rig)
        profiler.stop()
    finally:
        Database.run = original  # type: ignore[method-assign]
        await rig.close()
    note(
        f"profiled {count} replies ({'database inline' if inline_db else 'as run'}): "
        f"{rate:.0f}/s under the profiler"
    )
    return profiler.output_text(unicode=True, color=False, show_all=False)


def profile_ingest(*, smoke: bool = False) -> list[Path]:
    count = 200 if smoke else 3_000
    out = output_dir("profile")
    written = []
    for inline_db in (False, True):
        workdir = output_dir("profile", "work")
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        text = asyncio.run(_profiled_feed(workdir, count, inline_db=inline_db))
        shutil.rmtree(workdir, ignore_errors=True)
        path = out / f"ingest-{'inline-db' if inline_db else 'as-run'}.txt"
        path.write_text(text, encoding="utf-8")
        written.append(path)
        note(f"wrote {path}")
    return written
