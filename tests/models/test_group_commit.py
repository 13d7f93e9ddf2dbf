"""Group commit: the work of many callers in one transaction, each result only once it is
committed, and one caller's failure never undoing another's work.

On the harness's database: a SQLite file, or the PostgreSQL of TEST_DATABASE_URL.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session, select

from models.chats import UserRole
from models.group_commit import GroupCommit
from tests.support import harness


def add_role(session: Session, *, user_id: int) -> int:
    session.add(UserRole(user_id=user_id, role="coordinator"))
    session.flush()
    return user_id


def refuse(session: Session, *, user_id: int) -> int:
    session.add(UserRole(user_id=user_id, role="coordinator"))
    raise ValueError("this caller's work is wrong")


def role_ids(session: Session) -> list[int]:
    return sorted(session.exec(select(UserRole.user_id)).all())


@pytest.fixture
def db(tmp_path):
    database = harness.fresh_database(harness.test_database_url(tmp_path))
    yield database
    database.dispose()


async def test_work_arriving_together_commits_in_one_transaction(db):
    settled: list[list[int]] = []
    writes = GroupCommit(db, settle=lambda _session, ids: settled.append(sorted(ids)))
    for user_id in (1, 2, 3):
        writes.watch(100 + user_id)
    results = await asyncio.gather(
        *(writes.run(add_role, user_id=u, settles=100 + u) for u in (1, 2, 3))
    )
    assert results == [1, 2, 3]
    assert db.call(role_ids) == [1, 2, 3]
    assert (writes.batches, writes.works) == (1, 3)
    assert settled == [[101, 102, 103]]  # the done marks in that same transaction
    assert [writes.settled(100 + u) for u in (1, 2, 3)] == [True, True, True]
    assert writes.settled(101) is False  # asked once, forgotten


async def test_a_failing_caller_fails_alone_and_the_others_commit(db):
    settled: list[int] = []
    writes = GroupCommit(db, settle=lambda _session, ids: settled.extend(ids))
    outcomes = await asyncio.gather(
        writes.run(add_role, user_id=1, settles=11),
        writes.run(refuse, user_id=2, settles=12),
        writes.run(add_role, user_id=3, settles=13),
        return_exceptions=True,
    )
    assert outcomes[0] == 1 and outcomes[2] == 3
    assert isinstance(outcomes[1], ValueError)
    assert db.call(role_ids) == [1, 3]
    # The failed one is not marked done: its update is handled again later.
    assert 12 not in settled and {11, 13} <= set(settled)


async def test_merged_work_is_one_call_for_every_item_of_the_transaction(db):
    calls: list[list[int]] = []

    def store_all(session: Session, items: list[int]) -> list[bool]:
        calls.append(list(items))
        for item in items:
            session.add(UserRole(user_id=item, role="admin"))
        return [item % 2 == 0 for item in items]

    writes = GroupCommit(db)
    answers = await asyncio.gather(*(writes.run_merged(store_all, i) for i in (4, 5, 6)))
    assert answers == [True, False, True]
    assert calls == [[4, 5, 6]]
    assert db.call(role_ids) == [4, 5, 6]
