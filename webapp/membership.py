"""Which of the role-giving chats a user is a member of, asked of Telegram and kept a while.

The bot's roles come from chats (the coordinators' chat, the departments' groups), and only
Telegram knows who is in them: `getChatMember` per chat, a few at a time, cached per user.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from telegram import ChatMember, ChatMemberRestricted
from telegram.error import BadRequest, Forbidden, TelegramError

log = logging.getLogger(__name__)

MEMBER_TTL_SECONDS = 300.0
# A failed question (network, rate limit) is asked again soon rather than trusted for long.
FAILED_TTL_SECONDS = 30.0
PARALLEL_QUESTIONS = 8
PRESENT = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


def is_present(member: ChatMember) -> bool:
    """In the chat now: owner, administrator, member, or restricted but still a member."""
    if member.status in PRESENT:
        return True
    return isinstance(member, ChatMemberRestricted) and member.is_member


class MembershipCache:
    """`member_of(user_id, chat_ids)`: the chats among `chat_ids` the user is in."""

    def __init__(
        self,
        bot: Any,
        *,
        ttl: float = MEMBER_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
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
            for chat, (present, ttl) in zip(unknown, answers, strict=True):
                self._known[(user_id, chat)] = (present, now + ttl)
        if len(self._known) > 50_000:  # a long-running bot: drop what has expired
            self._known = {k: v for k, v in self._known.items() if v[1] > now}
        return {c for c in wanted if self._known[(user_id, c)][0]}

    async def _ask(self, user_id: int, chat_id: int) -> tuple[bool, float]:
        async with self._limit:
            try:
                member = await self.bot.get_chat_member(chat_id, user_id)
            except (BadRequest, Forbidden) as exc:
                # Not in the chat, or the bot was removed from it: no role there.
                log.debug("getChatMember %s %s: %s", chat_id, user_id, exc)
                return False, self.ttl
            except TelegramError as exc:
                log.warning("could not ask Telegram who is in chat %s: %s", chat_id, exc)
                return False, FAILED_TTL_SECONDS
        return is_present(member), self.ttl

    def forget(self, user_id: int | None = None) -> None:
        if user_id is None:
            self._known.clear()
        else:
            self._known = {k: v for k, v in self._known.items() if k[0] != user_id}


SHARED = "webapp_membership"


def shared_membership(application: Any) -> MembershipCache:
    """One cache per bot, shared by the dashboard's pages and the /dashboard command."""
    cache = application.bot_data.get(SHARED)
    if cache is None:
        cache = application.bot_data[SHARED] = MembershipCache(application.bot)
    return cache  # type: ignore[no-any-return]
