"""What every command receives, and the plain half of the access gate.

`run_gated` resolves the caller's roles, applies `coordination.roles.access` and, when
allowed, runs the command, all in the one session of the update. A command that changed
something marks its update done in the inbox in that same transaction (`settles`): the change
is made once even if the process dies before the answer is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from coordination.chats import may_answer_stranger
from coordination.inbox import mark_done
from coordination.roles import Access, Need, Place, Roles, access, resolve_roles
from models.db import wrote

GROUP_TYPES = ("group", "supergroup")


@dataclass(frozen=True)
class CommandArgs:
    """A command's arguments and where it was said, as the handler read them from the update."""

    text: str = ""  # everything after the command, as typed (line breaks kept)
    chat_id: int | None = None
    chat_title: str = ""
    chat_type: str = "private"  # private, group, supergroup or channel
    user_name: str = ""  # who gave the command, as a review act records it: '刘 督查室'
    # The person the command answers (a reply to their message), when not a bot.
    replied_user_id: int | None = None
    replied_user_name: str = ""
    # From the settings: the admins of ADMIN_IDS, the time zone of new schedules, and the
    # web dashboard's public address (WEBAPP_URL; empty when the bot serves none).
    admin_ids: tuple[int, ...] = ()
    timezone: str = "Asia/Shanghai"
    dashboard_url: str = ""
    # Only messages that @ the bot reach it in groups (DingTalk): people report by @-mention,
    # not by replying; from the platform's capabilities.
    answer_by_mention: bool = False

    @property
    def words(self) -> list[str]:
        return self.text.split()

    @property
    def in_group(self) -> bool:
        return self.chat_type in GROUP_TYPES

    @property
    def private(self) -> bool:
        return self.chat_type == "private"


@dataclass(frozen=True)
class Gated:
    """The verdict and, when allowed, the command's answer."""

    access: Access
    answer: Any = None
    # The update's inbox row was marked done with the command's change.
    settled: bool = False
    # A stranger's flood: answered once a minute, and this is not that once.
    quiet: bool = False


def run_gated(
    session: Session,
    command: Callable[..., Any],
    *,
    user_id: int | None,
    args: CommandArgs,
    now: datetime,
    need: Need = Need.EVERYONE,
    place: Place = Place.ANYWHERE,
    settles: int | None = None,
    quiet_strangers: bool = True,
    **extra: Any,
) -> Gated:
    """Check the caller's access, then run `command(session, roles=…, args=…, now=…)`.

    With `settles`, a command that wrote marks that inbox update done in its transaction.
    Strangers (no role, in a chat no department owns) get one answer per chat per minute.
    """
    roles = resolve_roles(session, user_id=user_id, chat_id=args.chat_id, admin_ids=args.admin_ids)
    if quiet_strangers and roles.is_stranger and args.chat_id is not None:
        if not may_answer_stranger(session, chat_id=args.chat_id, now=now):
            return Gated(Access.OK, quiet=True)
    verdict = access(roles, need=need, place=place, private=args.private, in_group=args.in_group)
    if verdict != Access.OK:
        return Gated(verdict)
    answer = command(session, roles=roles, args=args, now=now, **extra)
    settled = settles is not None and wrote(session)
    if settled:
        assert settles is not None
        mark_done(session, [settles])
    return Gated(Access.OK, answer, settled=settled)


def caller_roles(session: Session, *, roles: Roles, args: CommandArgs, now: datetime) -> Roles:
    """A command that only says who the caller is (for handlers that decide for themselves,
    through the gate's flood rule)."""
    return roles


def roles_of(session: Session, *, user_id: int | None, args: CommandArgs) -> Roles:
    """The caller's roles in the chat of `args` (for handlers that decide for themselves)."""
    return resolve_roles(session, user_id=user_id, chat_id=args.chat_id, admin_ids=args.admin_ids)
