"""Group commit: session functions of many callers run in one transaction with one commit.

Replies that arrive together (from many chats) are written together; each caller gets its
result only once the shared transaction has committed. A batch that fails is run again one
function at a time, so one caller's error never undoes another's work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlmodel import Session

from models.db import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
# Settles: marks inbox rows done in the transaction of the work that handled them.
Settle = Callable[[Session, list[int]], None]
# More work than this waits for the next transaction (keeps one transaction short).
MAX_BATCH = 256


# Work that many callers hand in one item each, done for all of them with one call (one
# statement): `many(session, items) -> one result per item`.
Many = Callable[[Session, list[Any]], list[Any]]


@dataclass
class _Work:
    fn: Callable[..., Any] | None
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    settles: int | None
    future: asyncio.Future[Any] = field(repr=False)
    many: Many | None = None
    item: Any = None


def _nothing(_session: Session) -> None:
    """The work of an update whose only effect is its done mark."""


class GroupCommit:
    """Runs `fn(session, ...)` for many callers in shared transactions, one batch at a time.

    `settles=update_id` marks that inbox row done in the same transaction (with `settle`).
    While one batch commits in a worker thread, new work queues up for the next one, so the
    batch grows with the load and an idle bot commits each piece of work at once.
    """

    def __init__(self, db: Database, *, settle: Settle | None = None) -> None:
        self.db = db
        self._settle = settle
        self._queue: list[_Work] = []
        self._worker: asyncio.Task[None] | None = None
        # update id → settled yet; only the updates someone waits to settle are kept.
        self._watched: dict[int, bool] = {}
        self.batches = 0
        self.works = 0

    async def run(
        self, fn: Callable[..., T], /, *args: Any, settles: int | None = None, **kwargs: Any
    ) -> T:
        """`fn(session, *args, **kwargs)`'s result, once the transaction holding it committed."""
        loop = asyncio.get_running_loop()
        work = _Work(fn, args, kwargs, settles, loop.create_future())
        self._queue.append(work)
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._drain(), name="group-commit")
        return await work.future  # type: ignore[no-any-return]

    async def run_merged(self, many: Many, item: Any) -> Any:
        """`item`'s result of `many(session, items)`, where `items` are all the items handed to
        the same `many` for this transaction (one INSERT for all the updates of a batch)."""
        loop = asyncio.get_running_loop()
        work = _Work(None, (), {}, None, loop.create_future(), many=many, item=item)
        self._queue.append(work)
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._drain(), name="group-commit")
        return await work.future

    async def settle(self, update_id: int) -> None:
        """Mark an update done that changed nothing itself (it was answered, or ignored)."""
        await self.run(_nothing, settles=update_id)

    # --- who settled what ----------------------------------------------------------------

    def watch(self, update_id: int) -> None:
        """Remember whether `update_id` gets settled by the work that handles it."""
        self._watched[update_id] = False

    def note_settled(self, update_id: int) -> None:
        """`update_id` was marked done in a transaction of its own making (a command's)."""
        if update_id in self._watched:
            self._watched[update_id] = True

    def settled(self, update_id: int) -> bool:
        """Whether the watched `update_id` was settled; it is watched no more."""
        return self._watched.pop(update_id, False)

    async def close(self) -> None:
        """Wait for the work already queued."""
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    # --- the batches ---------------------------------------------------------------------

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                outcomes = await self.db.in_thread(self._commit, batch)
            except Exception as error:  # the thread pool is gone: nothing was written
                outcomes = [(False, error)] * len(batch)
            self._deliver(batch, outcomes)

    def _deliver(self, batch: list[_Work], outcomes: list[tuple[bool, Any]]) -> None:
        self.batches += 1
        self.works += len(batch)
        for work, (ok, value) in zip(batch, outcomes, strict=True):
            if ok and work.settles is not None:
                self.note_settled(work.settles)
            if work.future.done():  # its caller gave up waiting
                continue
            if ok:
                work.future.set_result(value)
            else:
                work.future.set_exception(value)

    def _commit(self, batch: list[_Work]) -> list[tuple[bool, Any]]:
        """Run the batch in one transaction (in a worker thread); on an error, each alone."""
        try:
            with self.db.session() as session:
                results = self._run_all(session, batch)
                settled = [work.settles for work in batch if work.settles is not None]
                if settled and self._settle is not None:
                    self._settle(session, settled)
                session.commit()
        except Exception as error:
            if len(batch) == 1:
                return [(False, error)]
            log.info("a batch of %d failed (%s); committing each alone", len(batch), error)
            return [self._commit([work])[0] for work in batch]
        return [(True, result) for result in results]

    @staticmethod
    def _run_all(session: Session, batch: list[_Work]) -> list[Any]:
        """Each work's result, in order; merged works run once per `many`, where the first
        of them stands."""
        results: list[Any] = [None] * len(batch)
        merged: dict[Many, list[int]] = {}
        for index, work in enumerate(batch):
            if work.many is not None:
                merged.setdefault(work.many, []).append(index)
        for index, work in enumerate(batch):
            if work.many is None:
                assert work.fn is not None
                results[index] = work.fn(session, *work.args, **work.kwargs)
            elif merged[work.many][0] == index:
                indexes = merged[work.many]
                answers = work.many(session, [batch[i].item for i in indexes])
                for position, answer in zip(indexes, answers, strict=True):
                    results[position] = answer
        return results
