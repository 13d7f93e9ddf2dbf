"""/start and /whoami as plain functions: the ids a set-up needs, what the chat is bound to
and whether it is the coordinators' chat."""

from __future__ import annotations

from datetime import datetime

from assembly import ensure_bundled_plan
from commands.common import Ids, start, whoami
from commands.gate import CommandArgs
from coordination.admins import set_coordinators_chat
from coordination.bindings import bind_departments
from coordination.roles import Roles

NOW = datetime(2026, 11, 20, 4, 0)
GROUP, COORDINATION = -100_001, -100_900
LIAISON = Roles(user_id=2001, chat_id=GROUP, department_ids=(1,))


def test_whoami_names_the_caller_the_chat_and_its_binding(db) -> None:
    ensure_bundled_plan(db)
    db.call(bind_departments, chat_id=GROUP, text="省水利厅", title="水利群")
    db.call(set_coordinators_chat, chat_id=COORDINATION, on=True, title="协调组")
    group = CommandArgs(chat_id=GROUP, chat_title="水利群", chat_type="supergroup")
    answer = db.call(
        whoami, roles=LIAISON, args=group, now=NOW, caller_id=2001, caller_name="张 水利"
    )
    assert (answer.user_id, answer.user_name, answer.chat_id) == (2001, "张 水利", GROUP)
    assert answer.in_group and answer.bound_to == ["省水利厅"]
    assert not answer.coordinators_chat
    coordination = CommandArgs(chat_id=COORDINATION, chat_type="supergroup")
    someone = Roles(user_id=1, chat_id=COORDINATION)
    answer = db.call(
        whoami, roles=someone, args=coordination, now=NOW, caller_id=1, caller_name=""
    )
    assert answer.coordinators_chat and answer.bound_to == []


def test_start_is_help_with_the_ids(db) -> None:
    private = CommandArgs(chat_id=9009, chat_type="private")
    stranger = Roles(user_id=9009, chat_id=9009)
    answer = db.call(start, roles=stranger, args=private, now=NOW, caller_id=9009)
    assert answer.ids == Ids(user_id=9009, chat_id=9009, in_group=False)
    assert not answer.in_group and answer.bound_to == []
