"""Who may run which command: every command × every kind of caller, through the real bot.

A refusal is one short polite message in the chat's language and changes nothing in the
database; an allowed command gets a real answer, never a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from botapi_sim.updates import SimChat, SimUser, private_chat
from coordination.admins import grant_role, set_coordinators_chat
from messages.i18n import get_translator
from models.chats import ROLE_COORDINATOR
from models.plan import Department
from models.progress import ProgressUpdate
from runtime import services
from tests.conftest import (
    ADMIN,
    COORD_GROUP,
    COORDINATOR,
    DEV_GROUP,
    LIAISON_WATER,
    STRANGER,
    UNBOUND_GROUP,
    WATER_GROUP,
)
from tests.support.harness import BotHarness
from tests.support.liaison_data import bind, make_cycle

REFUSALS = [
    "Sorry, only admins can use /{command}.",
    "Sorry, only admins and coordinators can use /{command}.",
    "Sorry, this is for coordinators only.",
    "/report is for department liaisons: please use it in your department's group chat.",
    "Sorry, /measures works in a department's bound group chat.",
    "Sorry, only admins and coordinators can look up another department's measures.",
]


@dataclass(frozen=True)
class Caller:
    name: str
    user: SimUser
    chat: SimChat
    locale: str  # the language the chat is answered in


ADMIN_PRIVATE = Caller("admin", ADMIN, private_chat(ADMIN), "zh_CN")
ADMIN_IN_GROUP = Caller("admin", ADMIN, UNBOUND_GROUP, "zh_CN")
CALLERS = {
    "coordinator": Caller("coordinator", COORDINATOR, private_chat(COORDINATOR), "zh_CN"),
    "liaison, own chat": Caller("liaison", LIAISON_WATER, WATER_GROUP, "zh_CN"),
    "liaison, another department's chat": Caller("liaison", LIAISON_WATER, DEV_GROUP, "zh_CN"),
    "stranger, private": Caller("stranger", STRANGER, private_chat(STRANGER), "en"),
    "stranger, unbound group": Caller("stranger", STRANGER, UNBOUND_GROUP, "zh_CN"),
}
GROUP_ONLY = {"bind", "unbind", "coordinators_chat", "leaders_chat"}

# command → (arguments, who may use it: "all", "admin", "coordinate", "liaison", "measures").
COMMANDS = {
    "start": ("", "all"),
    "help": ("", "all"),
    "lang": ("", "all"),
    "bind": ("省水利厅", "admin"),
    "unbind": ("", "admin"),
    "chats": ("", "admin"),
    "admin": ("add 4242", "admin"),
    "coordinator": ("add 4242", "admin"),
    "coordinators_chat": ("", "admin"),
    "schedule": ("add monthly 25 09:00", "admin"),
    "measures": ("", "measures"),
    "remind": ("", "coordinate"),
    "report": ("（五） 主体工程已完工", "liaison"),
    "status": ("", "coordinate"),
    "overdue": ("", "coordinate"),
    "history": ("5", "coordinate"),
    "export": ("", "coordinate"),
    "chart": ("", "coordinate"),
    "plan": ("", "admin"),
    "assign": ("（五） 牵头 省水利厅 配合 省财政厅", "admin"),
    "bulletin": ("", "coordinate"),
    "return": ("（五） 省水利厅 请补充数据", "coordinate"),
    "close": ("（五） 已验收", "coordinate"),
    "reopen": ("（五）", "coordinate"),
    "deadline": ("（五） 2030-06-30", "admin"),
    "leaders_chat": ("", "admin"),
}


def allowed(rule: str, caller: Caller) -> bool:
    if rule == "all":
        return True
    if rule == "admin":
        return caller.name == "admin"
    if rule == "coordinate":
        return caller.name in {"admin", "coordinator"}
    if rule == "liaison":
        return caller.name == "liaison"
    # /measures: liaisons see their chat's measures; admins and coordinators may name one.
    return caller.name in {"admin", "coordinator", "liaison"}


def refusal_texts(locale: str, command: str) -> set[str]:
    t = get_translator(locale, "Asia/Shanghai")
    return {t._(text).format(command=command) for text in REFUSALS}


def is_refusal(text: str, command: str) -> bool:
    return any(text in refusal_texts(locale, command) for locale in ("zh_CN", "en"))


# The bot's bookkeeping, not data a command may change: updates received, cache versions,
# and when a stranger in a chat was last answered.
BOOKKEEPING = {"inboxupdate", "dataversion", "strangeranswer"}


def row_counts(session) -> dict[str, int]:
    return {
        table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in SQLModel.metadata.sorted_tables
        if table.name not in BOOKKEEPING
    }


@pytest.fixture
async def bot(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as harness:

        def deployment(session) -> None:
            bind(session, WATER_GROUP.id, "省水利厅", title=WATER_GROUP.title)
            bind(session, DEV_GROUP.id, "省发展改革委", title=DEV_GROUP.title)
            make_cycle(session, deliveries={WATER_GROUP.id: 501, DEV_GROUP.id: 502})
            set_coordinators_chat(session, chat_id=COORD_GROUP.id, on=True, title="督办协调组")
            grant_role(session, user_id=COORDINATOR.id, role=ROLE_COORDINATOR)

        harness.db.call(deployment)
        harness.request.clear()
        yield harness


async def run_command(bot, command: str, caller: Caller) -> list[str]:
    """The problems with how `caller`'s /command was answered (empty when all is well)."""
    arguments, rule = COMMANDS[command]
    with bot.db.session() as session:
        before = row_counts(session)
    if caller.name == "stranger":
        # Strangers get one answer a minute: a minute passes between their commands here.
        services(bot.application).clock_offset += timedelta(minutes=1)
    mark = len(bot.request.calls)
    await bot.send(bot.updates.command(caller.chat, caller.user, command, arguments))
    answers = [
        c
        for c in bot.request.calls[mark:]
        if c.method in {"sendMessage", "sendDocument", "sendPhoto"} and c.chat_id == caller.chat.id
    ]
    texts = [c.text or "" for c in answers]
    if not answers:
        return [f"/{command}: no answer"]
    if allowed(rule, caller):
        return (
            [f"/{command}: refused {texts}"] if any(is_refusal(x, command) for x in texts) else []
        )
    problems = []
    others = [c for c in bot.request.calls[mark:] if c.chat_id not in (None, caller.chat.id)]
    if others:
        problems.append(f"/{command}: a refused command wrote to other chats")
    if len(answers) != 1:
        problems.append(f"/{command}: {len(answers)} answers to a refusal: {texts}")
    elif texts[0] not in refusal_texts(caller.locale, command) or len(texts[0]) >= 120:
        problems.append(f"/{command}: not one short refusal in {caller.locale}: {texts[0]!r}")
    with bot.db.session() as session:
        if row_counts(session) != before:
            problems.append(f"/{command}: a refused command changed the database")
    return problems


@pytest.mark.parametrize("who", ["admin", *CALLERS])
async def test_every_command_for_this_caller(bot, who: str) -> None:
    """One caller runs every command in turn; the whole row of the matrix is checked."""
    problems: list[str] = []
    for command in COMMANDS:
        if who == "admin":
            caller = ADMIN_IN_GROUP if command in GROUP_ONLY else ADMIN_PRIVATE
        else:
            caller = CALLERS[who]
        problems += await run_command(bot, command, caller)
    assert problems == []


async def test_a_liaison_reports_only_for_the_chat_they_write_in(bot) -> None:
    """The chat is the credential: in the other department's group the report is its."""
    await bot.command(DEV_GROUP, LIAISON_WATER, "report", "（二） 已完成前期工作")
    await bot.command(WATER_GROUP, LIAISON_WATER, "report", "（五） 主体工程已完工")
    with bot.db.session() as session:
        written = {
            (session.get(Department, u.department_id).name, u.chat_id)  # type: ignore[union-attr]
            for u in session.exec(select(ProgressUpdate)).scalars()
        }
    assert ("省水利厅", WATER_GROUP.id) in written
    assert all((name == "省水利厅") == (chat_id == WATER_GROUP.id) for name, chat_id in written), (
        written
    )
