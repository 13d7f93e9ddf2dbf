"""Which of the role-giving chats a user is in, asked of the chat platform and kept a while,
and the dashboard viewer that makes of them.

The bot's roles come from chats (the coordinators' chat, the departments' groups), and only
the platform knows who is in them: one question per chat, a few at a time, cached per user.
The question itself (`Ask`) is the adapter's: `delivery.bot_api.is_member` for Telegram.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable

from coordination.dashboard_access import (
    NOBODY,
    Viewer,
    chats_to_ask,
    direct_viewer,
    viewer_from_memberships,
)
from models.db import Database

# (chat id, user id) → in the chat; None when the platform could not say.
Ask = Callable[[int, int], Awaitable[bool | None]]

MEMBER_TTL_SECONDS = 300.0
# A failed question (network, rate limit) is asked again soon rather than trusted for long.
FAILED_TTL_SECONDS = 30.0
PARALLEL_QUESTIONS = 8


class MembershipCache:
    """`member_of(user_id, chat_ids)`: the chats among `chat_ids` the user is in."""

    def __init__(
        self,
        ask: Ask,
        *,
        ttl: float = MEMBER_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ask = ask
        self.ttl = ttl
        self.clock = clock
        self._known: dict[tuple[int, int], tuple[bool, float]] = {}
        self._limit = asyncio.Semaphore(PARALLEL_QUESTIONS)

    async def member_of(self, user_id: int, chat_ids: Iterable[int]) -> set[int]:
        now = self.clock()
        wanted = list(dict.fromkeys(chat_ids))
        unknown = [c for c in wanted if self._known.get((user_id, c), (False, 0.0))[1] <= now]
        if unknown:
            answers = await asyncio.gather(*(self._ask(user_id, chat) for chat in unknown))
            for chat, present in zip(unknown, answers, strict=True):
                ttl = self.ttl if present is not None else FAILED_TTL_SECONDS
                self._known[(user_id, chat)] = (bool(present), now + ttl)
        if len(self._known) > 50_000:  # a long-running bot: drop what has expired
            self._known = {k: v for k, v in self._known.items() if v[1] > now}
        return {c for c in wanted if self._known[(user_id, c)][0]}

    async def _ask(self, user_id: int, chat_id: int) -> bool | None:
        async with self._limit:
            return await self.ask(chat_id, user_id)

    def forget(self, user_id: int | None = None) -> None:
        if user_id is None:
            self._known.clear()
        else:
            self._known = {k: v for k, v in self._known.items() if k[0] != user_id}


async def resolve_viewer(
    db: Database, *, user_id: int, admin_ids: Iterable[int], membership: MembershipCache | None
) -> Viewer:
    """The user's roles: named ones from the database, else the chats they are a member of."""
    viewer = await db.run(direct_viewer, user_id=user_id, admin_ids=list(admin_ids))
    if viewer is not None:
        return viewer
    if membership is None:
        return NOBODY
    chats = await db.run(chats_to_ask)
    member_of = await membership.member_of(user_id, chats.chat_ids)
    return viewer_from_memberships(chats, user_id=user_id, member_of=member_of)
