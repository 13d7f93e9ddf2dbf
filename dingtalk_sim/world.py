"""The simulated organisation: one app with its robot, people, groups, and what the robot did.

Everything the OpenAPI stub takes is recorded here: messages sent (and recalled), uploads,
cards and each of their updates, so a test reads what people would see in a group.
"""

from __future__ import annotations

import itertools
import json
import secrets
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SimUser:
    """A person of the organisation: `staff_id` is the userId DingTalk's APIs take."""

    staff_id: str
    name: str

    @property
    def dingtalk_id(self) -> str:
        # The opaque per-organisation id DingTalk puts in senderId and atUsers.
        return f"$:LWCP_v1:$sim{self.staff_id}"


@dataclass
class SimGroup:
    """A group chat: its `openConversationId` (`cid…`), its older `chatId`, who is in it."""

    cid: str
    chat_id: str
    title: str
    members: set[str] = field(default_factory=set)  # staff ids
    admins: set[str] = field(default_factory=set)
    robot_in: bool = True  # the robot was added to the group (智能群助手)
    disbanded: bool = False

    @property
    def reachable(self) -> bool:
        return self.robot_in and not self.disbanded


@dataclass
class SentMessage:
    """One robot message: to a group (`cid`) or to people (`user_ids`)."""

    key: str  # processQueryKey
    msg_key: str
    param: dict[str, Any]
    at: float
    cid: str | None = None
    user_ids: tuple[str, ...] = ()
    recalled: bool = False

    @property
    def text(self) -> str:
        """What a reader sees first: the Markdown text, the plain text or the file's name."""
        for name in ("text", "content", "fileName", "photoURL"):
            value = self.param.get(name)
            if isinstance(value, str):
                return value
        return ""


@dataclass
class Upload:
    media_id: str
    media_type: str
    name: str
    content: bytes


@dataclass
class Card:
    """An interactive card: its template, the parameters it shows now, and every version."""

    out_track_id: str
    template_id: str
    callback_type: str
    at: float
    params: dict[str, str]
    cid: str | None = None
    user_id: str | None = None
    history: list[dict[str, str]] = field(default_factory=list)  # params before each update

    @property
    def buttons(self) -> list[list[dict[str, str]]]:
        """The rows of buttons the card shows (the house template's `buttons` parameter)."""
        raw = self.params.get("buttons") or "[]"
        try:
            rows = json.loads(raw)
        except json.JSONDecodeError:
            return []
        return rows if isinstance(rows, list) else []

    @property
    def text(self) -> str:
        return self.params.get("markdown", "")


@dataclass
class SimWorld:
    """The app (credentials, robot code), the organisation and the robot's records."""

    client_id: str
    client_secret: str
    robot_code: str
    corp_id: str = "dingcorpsim0001"
    users: dict[str, SimUser] = field(default_factory=dict)
    groups: dict[str, SimGroup] = field(default_factory=dict)  # by cid
    messages: list[SentMessage] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._numbers):06d}{secrets.token_hex(4)}"

    # --- the organisation ---------------------------------------------------------------------

    def add_user(self, staff_id: str, name: str) -> SimUser:
        user = SimUser(staff_id, name)
        self.users[staff_id] = user
        return user

    def add_group(
        self, title: str, members: list[SimUser] | tuple[SimUser, ...] = (), *, cid: str = ""
    ) -> SimGroup:
        number = len(self.groups) + 1
        group = SimGroup(
            cid=cid or f"cidSim{number:04d}{secrets.token_hex(6)}==",
            chat_id=f"chat{secrets.token_hex(16)}",
            title=title,
            members={u.staff_id for u in members},
        )
        for user in members:
            self.users.setdefault(user.staff_id, user)
        self.groups[group.cid] = group
        return group

    def group_by_chat_id(self, chat_id: str) -> SimGroup | None:
        return next((g for g in self.groups.values() if g.chat_id == chat_id), None)

    # --- what the robot did -------------------------------------------------------------------

    def messages_in(self, cid: str, *, recalled: bool = False) -> list[SentMessage]:
        """Messages the robot sent to the group, in order (recalled ones only if asked)."""
        return [m for m in self.messages if m.cid == cid and (recalled or not m.recalled)]

    def messages_to(self, staff_id: str) -> list[SentMessage]:
        return [m for m in self.messages if staff_id in m.user_ids and not m.recalled]

    def cards_in(self, cid: str) -> list[Card]:
        return [c for c in self.cards.values() if c.cid == cid]
