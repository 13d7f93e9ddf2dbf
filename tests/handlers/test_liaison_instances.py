"""Two bot processes on one database: what one changes (a binding, a plan, a new cycle) is
what the other's next reply counts for, although each keeps the chats' reply scopes cached.

Each process is a real Application; they share the database as two instances would.
"""

from __future__ import annotations

from sqlmodel import Session, select

from botapi_sim.updates import private_chat
from models.plan import Department
from models.progress import ProgressUpdate
from models.schedules import Cycle
from tests.conftest import ADMIN, LIAISON_WATER, WATER_GROUP
from tests.support.harness import BotHarness


def recorded(bot: BotHarness) -> list[tuple[str, int | None, str]]:
    """(department, cycle, text) of each record, oldest first."""
    with bot.db.session() as session:
        rows = session.exec(
            select(Department.name, ProgressUpdate.cycle_id, ProgressUpdate.text)
            .join(Department, Department.id == ProgressUpdate.department_id)
            .order_by(ProgressUpdate.id)
        ).all()
    return [tuple(row) for row in rows]


async def reply(bot: BotHarness, text: str) -> None:
    """The water group's liaison answers a message of the bot (not a reminder)."""
    await bot.send(bot.updates.message(WATER_GROUP, LIAISON_WATER, text, reply_to=7))


def latest_cycle(session: Session) -> int:
    cycle = session.exec(select(Cycle).order_by(Cycle.id.desc())).first()  # type: ignore[union-attr]
    assert cycle is not None and cycle.id is not None
    return cycle.id


async def test_a_change_made_by_another_instance_is_seen_by_the_next_reply(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as one:
        async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], db=one.db) as other:
            other.updates = one.updates  # one Telegram: update ids never repeat
            await other.command(WATER_GROUP, ADMIN, "bind", "省水利厅")
            await other.command(private_chat(ADMIN), ADMIN, "remind")
            first_cycle = one.db.call(latest_cycle)
            await reply(one, "（五）推进中")
            # Bound to a second department by the other process: the next reply of this chat
            # about that department's measure counts for it.
            await other.command(WATER_GROUP, ADMIN, "bind", "省能源局")
            await reply(one, "（六）已完成")
            # A new cycle opened by the other process: a reply to no reminder counts for it.
            await other.command(private_chat(ADMIN), ADMIN, "remind")
            second_cycle = one.db.call(latest_cycle)
            await reply(one, "（五）已完成")
            # Unbound by the other process: this chat reports on nothing any more.
            await other.command(WATER_GROUP, ADMIN, "unbind")
            await reply(one, "（五）受阻")
            assert recorded(one) == [
                ("省水利厅", first_cycle, "推进中"),
                ("省能源局", None, "已完成"),  # bound after the cycle: not asked in it
                ("省水利厅", second_cycle, "已完成"),
            ]
            assert second_cycle != first_cycle
