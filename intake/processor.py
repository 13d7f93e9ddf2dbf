"""Updates handled concurrently where they cannot conflict: one chat's in order, chats in
parallel (python-telegram-bot's `concurrent_updates` hook).

An update waits only for the earlier updates of its own chat, never for another chat's work.
Once it was handled, `after(update)` runs (the inbox marks it done there).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# python-telegram-bot's own bound counts updates waiting for their chat too; so many never
# wait at once (the inbox holds back a flood before that), so it never keeps a chat waiting.
WAITING_LIMIT = 1_000_000

After = Callable[[object], Awaitable[None]]


def chat_key(update: object) -> int | None:
    """The chat whose updates must be handled in order (the user's, for inline queries)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


@dataclass
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """One lane per chat: the lane's lock is taken in arrival order (asyncio locks are fair),
    so a chat's updates run one after another while other chats' run beside them."""

    def __init__(self) -> None:
        super().__init__(max_concurrent_updates=WAITING_LIMIT)
        self._lanes: dict[int | None, _Lane] = {}
        self.after: After | None = None

    @property
    def busy_chats(self) -> int:
        return len(self._lanes)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
        lane.users += 1
        try:
            async with lane.lock:
                try:
                    await coroutine
                finally:
                    # Settled even after an error (the error handler answered it): an update
                    # that always fails must not be handled again at every start.
                    if self.after is not None and not _cancelled():
                        await self.after(update)
        finally:
            lane.users -= 1
            if lane.users == 0:
                del self._lanes[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: the application waits for the updates in hand before this."""


def _cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
