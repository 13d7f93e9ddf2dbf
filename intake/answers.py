"""Answers sent off a chat's lane: the chat's next update is handled while an answer still
waits for the group's rate limit, and one chat's answers leave in the order they were made.

A liaison's reply is committed (with its inbox row's done mark) before its acknowledgement is
queued here; the acknowledgement of a group that floods then paces only itself, never how
fast the group's replies are recorded. A process killed meanwhile loses the acknowledgement,
never the record (acknowledged at most once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
Answer = Callable[[], Awaitable[object]]


class AnswerLanes:
    """One chain of answers per chat; `drained()` waits for every answer queued so far."""

    def __init__(self) -> None:
        self._tails: dict[int, asyncio.Task[None]] = {}
        self._queued: set[asyncio.Task[None]] = set()

    def attach(self, application: AnyApp) -> None:
        application.bot_data["answers"] = self

    @property
    def waiting(self) -> int:
        """Chats with an answer not yet sent."""
        return len(self._tails)

    def send_later(self, chat_id: int, answer: Answer) -> None:
        """Run `answer()` after the answers already queued for `chat_id`."""
        previous = self._tails.get(chat_id)

        async def run() -> None:
            if previous is not None:
                await asyncio.wait({previous})
            try:
                await answer()
            except Exception:
                log.exception("could not answer in chat %s", chat_id)

        task = asyncio.ensure_future(run())
        self._tails[chat_id] = task
        self._queued.add(task)

        def forget(done: asyncio.Task[None]) -> None:
            self._queued.discard(done)
            if self._tails.get(chat_id) is done:
                del self._tails[chat_id]

        task.add_done_callback(forget)

    async def drained(self) -> None:
        """Return once every answer queued (also while waiting) has been sent or given up."""
        while self._tails:
            await asyncio.wait(set(self._tails.values()))

    async def drain(self, timeout: float) -> int:
        """At stop: wait up to `timeout` seconds, then drop what is left (the records are
        committed; a group that flooded the bot may owe minutes of answers at its pace).
        Returns how many answers were dropped."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drained(), timeout)
        left = list(self._queued)
        for task in left:
            task.cancel()
        if left:
            await asyncio.wait(left)
            log.warning(
                "stopping: %d acknowledgement(s) not sent (their replies are recorded)", len(left)
            )
        return len(left)


def answers_of(application: AnyApp) -> AnswerLanes:
    return application.bot_data["answers"]  # type: ignore[no-any-return]
