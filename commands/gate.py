"""What every command receives, and the plain half of the access gate.

`run_gated` resolves the caller's roles, applies `coordination.roles.access` and, when
allowed, runs the command, all in the one session of the update.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from coordination.roles import Access, Need, Place, Roles, access, resolve_roles

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


def run_gated(
    session: Session,
    command: Callable[..., Any],
    *,
    user_id: int | None,
    args: CommandArgs,
    now: datetime,
    need: Need = Need.EVERYONE,
    place: Place = Place.ANYWHERE,
    **extra: Any,
) -> Gated:
    """Check the caller's access, then run `command(session, roles=…, args=…, now=…)`."""
    roles = resolve_roles(session, user_id=user_id, chat_id=args.chat_id, admin_ids=args.admin_ids)
    verdict = access(roles, need=need, place=place, private=args.private, in_group=args.in_group)
    if verdict != Access.OK:
        return Gated(verdict)
    return Gated(Access.OK, command(session, roles=roles, args=args, now=now, **extra))


def roles_of(session: Session, *, user_id: int | None, args: CommandArgs) -> Roles:
    """The caller's roles in the chat of `args` (for handlers that decide for themselves)."""
    return resolve_roles(session, user_id=user_id, chat_id=args.chat_id, admin_ids=args.admin_ids)
