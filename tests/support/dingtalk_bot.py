"""The whole bot on the DingTalk simulator, in this process: the services, jobs and outbox of
`assembly.build_dingtalk`, the Stream receiver on the official SDK, a fresh database.

    async with dingtalk_bot(tmp_path) as bot:
        await bot.say(bot.world.water, bot.world.wang, "/bind 省水利厅")
        text = await bot.next_text(bot.world.water)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assembly import DingTalkBot, build_dingtalk, ensure_bundled_plan
from dingtalk_sim.world import SimGroup, SimUser
from models.db import Database
from settings import load_settings
from tests.support.dingtalk_world import CARD_TEMPLATE, DingTalkWorld, dingtalk_world
from tests.support.harness import fresh_database, test_database_url


@dataclass
class RunningDingTalkBot:
    world: DingTalkWorld
    bot: DingTalkBot
    db: Database
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    runner: asyncio.Task[None] | None = None
    # How many robot messages and cards each group had when last read.
    seen: dict[str, int] = field(default_factory=dict)

    async def say(self, group: SimGroup | None, user: SimUser, text: str, **kw: Any) -> None:
        """`user` @s the robot in `group` (or writes to it in private) and the bot handles it."""
        push = await self.world.user_says(group, user, text, **kw)
        await self.settled(push)

    async def settled(self, push: Any) -> None:
        """The push was stored and acknowledged, and the bot has handled it."""
        await self.world.sim.wait_acked(push, timeout=15)
        await self.bot.inbox.idle(timeout=15)

    def shown(self, group: SimGroup) -> list[str]:
        """Everything the robot shows in the group, in order: messages and cards' text."""
        world = self.world.sim.world
        items = [(m.at, m.text) for m in world.messages_in(group.cid)]
        items += [(c.at, c.text) for c in world.cards_in(group.cid)]
        return [text for _, text in sorted(items, key=lambda item: item[0])]

    async def next_texts(self, group: SimGroup, count: int = 1, timeout: float = 15) -> list[str]:
        """The next `count` things the robot shows in the group (waiting for them)."""
        start = self.seen.get(group.cid, 0)
        await self.world.sim.wait_for(lambda: len(self.shown(group)) >= start + count, timeout)
        shown = self.shown(group)
        self.seen[group.cid] = len(shown)
        return shown[start:]

    async def next_text(self, group: SimGroup, timeout: float = 15) -> str:
        return (await self.next_texts(group, 1, timeout))[-1]

    def mark(self, group: SimGroup) -> None:
        self.seen[group.cid] = len(self.shown(group))


@asynccontextmanager
async def dingtalk_bot(
    tmp_path: Path,
    *,
    db: Database | None = None,
    card_template: str = CARD_TEMPLATE,
    **settings_overrides: Any,
) -> AsyncIterator[RunningDingTalkBot]:
    url = test_database_url(tmp_path)
    own_db = db is None
    if db is None:
        db = fresh_database(url)
        ensure_bundled_plan(db)
    settings = load_settings(
        _env_file=None, database_url=url, platform="dingtalk", **settings_overrides
    )
    async with dingtalk_world(card_template=card_template) as world:
        bot = build_dingtalk(
            settings, db, world.platform, admin_keys=(world.wang.staff_id,), instance="test-dt"
        )
        running = RunningDingTalkBot(world, bot, db)
        running.runner = asyncio.create_task(bot.run(running.stop))
        try:
            await world.sim.wait_connected(timeout=15)
            yield running
        finally:
            running.stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await running.runner
    if own_db:
        db.dispose()
