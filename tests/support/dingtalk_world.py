"""A DingTalk organisation for tests: the simulator with people and groups, and the adapter
pointed at it by configuration (DINGTALK_OPENAPI_ENDPOINT / DINGTALK_OAPI_ENDPOINT).

    async with dingtalk_world() as world:
        await world.user_says(world.water, world.zhang, " （五）已完成")
        event = await world.next_event()
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from dingtalk_adapter.platform import DingTalkPlatform
from dingtalk_adapter.settings import DingTalkSettings, load_dingtalk_settings
from dingtalk_sim.gateway import Push
from dingtalk_sim.server import DingTalkSimulator
from dingtalk_sim.world import SimGroup, SimUser
from runtime.platform import ChatEvent, ChatKind, ChatRef
from runtime.platform.refs import DINGTALK

CARD_TEMPLATE = "duban-test-card.schema"
FAST_RECONNECT = (0.05, 0.1, 0.2)


@dataclass
class DingTalkWorld:
    sim: DingTalkSimulator
    platform: DingTalkPlatform
    zhang: SimUser  # the water department's liaison
    li: SimUser  # a coordinator
    wang: SimUser  # an admin
    water: SimGroup
    coordinators: SimGroup
    events: asyncio.Queue[ChatEvent] = field(default_factory=asyncio.Queue)
    runner: asyncio.Task[None] | None = None
    failing_sink: int = 0  # the next N events make the sink raise (a crash before storing)

    def chat(self, group: SimGroup) -> ChatRef:
        return ChatRef(DINGTALK, group.cid, ChatKind.GROUP)

    def private(self, user: SimUser) -> ChatRef:
        return ChatRef(DINGTALK, user.staff_id, ChatKind.PRIVATE)

    async def sink(self, event: ChatEvent) -> None:
        if self.failing_sink:
            self.failing_sink -= 1
            raise RuntimeError("simulated: the database is locked")
        await self.events.put(event)

    async def receive(self) -> None:
        """Start the adapter's Stream receiver and wait until it is connected."""
        self.runner = asyncio.create_task(self.platform.run(self.sink))
        await self.sim.wait_connected(timeout=10)

    async def stop_receiving(self) -> None:
        if self.runner is not None:
            self.runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.runner
            self.runner = None

    async def next_event(self, timeout: float = 5.0) -> ChatEvent:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def user_says(self, group: SimGroup | None, user: SimUser, text: str, **kw: Any) -> Push:
        return await self.sim.user_says(group, user, text, **kw)


def settings_for(sim: DingTalkSimulator, **overrides: str) -> DingTalkSettings:
    values = {
        "dingtalk_client_id": sim.client_id,
        "dingtalk_client_secret": sim.client_secret,
        "dingtalk_card_template_id": CARD_TEMPLATE,
        "dingtalk_openapi_endpoint": sim.base_url,
        "dingtalk_oapi_endpoint": sim.base_url,
    } | overrides
    return load_dingtalk_settings(_env_file=None, **values)


@asynccontextmanager
async def dingtalk_world(
    *, card_template: str = CARD_TEMPLATE, **sim_options: Any
) -> AsyncIterator[DingTalkWorld]:
    async with DingTalkSimulator(**sim_options) as sim:
        zhang = sim.add_user("0101", "张水利")
        li = sim.add_user("0201", "李协调")
        wang = sim.add_user("0301", "王管理")
        water = sim.add_group("省水利厅 督办群", [zhang, wang])
        water.admins.add(wang.staff_id)
        coordinators = sim.add_group("督办协调组", [li, wang])
        settings = settings_for(sim, dingtalk_card_template_id=card_template)
        platform = DingTalkPlatform(
            settings.credentials(),
            settings.endpoints(),
            card_template=settings.card_template(),
            reconnect_delays=FAST_RECONNECT,
        )
        world = DingTalkWorld(sim, platform, zhang, li, wang, water, coordinators)
        try:
            yield world
        finally:
            await world.stop_receiving()
            await platform.close()
