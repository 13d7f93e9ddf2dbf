"""Builders for update JSON shaped exactly like what Telegram sends.

`UpdateFactory` numbers updates and messages; commands get the `bot_command` entity that
`CommandHandler` needs. Feed the result to `Update.de_json(data, bot)`.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from botapi_sim.recording import BOT_USERNAME, bot_user


@dataclass
class SimUser:
    id: int
    first_name: str
    last_name: str = ""
    username: str | None = None
    language_code: str | None = "zh-hans"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class SimChat:
    id: int
    title: str = ""
    type: str = "supergroup"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.title or "user"
        else:
            data["title"] = self.title
        return data


def private_chat(user: SimUser) -> SimChat:
    return SimChat(id=user.id, title=user.first_name, type="private")


def command_entities(text: str) -> list[dict[str, Any]]:
    """The `bot_command` entity for a text starting with `/`, as Telegram marks it."""
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]


@dataclass
class UpdateFactory:
    """Makes update dicts with increasing update and message ids."""

    update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    message_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _update(self, **payload: Any) -> dict[str, Any]:
        return {"update_id": next(self.update_ids), **payload}

    def message_json(
        self,
        chat: SimChat,
        user: SimUser,
        text: str | None = None,
        *,
        reply_to: dict[str, Any] | int | None = None,
        photo_file_id: str | None = None,
        document_file_id: str | None = None,
        caption: str | None = None,
        message_id: int | None = None,
        date: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": message_id if message_id is not None else next(self.message_ids),
            "date": date if date is not None else int(time.time()),
            "chat": chat.to_json(),
            "from": user.to_json(),
        }
        if text is not None:
            message["text"] = text
            entities = command_entities(text)
            if entities:
                message["entities"] = entities
        if photo_file_id:
            message["photo"] = [
                {
                    "file_id": photo_file_id + "-s",
                    "file_unique_id": photo_file_id + "s",
                    "width": 90,
                    "height": 60,
                },
                {
                    "file_id": photo_file_id,
                    "file_unique_id": photo_file_id + "l",
                    "width": 1280,
                    "height": 960,
                },
            ]
        if document_file_id:
            message["document"] = {
                "file_id": document_file_id,
                "file_unique_id": document_file_id + "u",
                "file_name": "report.pdf",
                "mime_type": "application/pdf",
            }
        if caption is not None:
            message["caption"] = caption
        if reply_to is not None:
            if isinstance(reply_to, int):
                reply_to = {
                    "message_id": reply_to,
                    "date": int(time.time()),
                    "chat": chat.to_json(),
                    "from": bot_user(),
                    "text": "…",
                }
            message["reply_to_message"] = reply_to
        if extra:
            message.update(extra)
        return message

    def message(
        self, chat: SimChat, user: SimUser, text: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return self._update(message=self.message_json(chat, user, text, **kwargs))

    def command(
        self, chat: SimChat, user: SimUser, command: str, args: str = "", **kwargs: Any
    ) -> dict[str, Any]:
        """`/command args`; in groups Telegram clients often add @botname, so do that too."""
        name = command.lstrip("/")
        suffix = f"@{BOT_USERNAME}" if chat.type != "private" else ""
        text = f"/{name}{suffix}" + (f" {args}" if args else "")
        return self.message(chat, user, text, **kwargs)

    def edited_message(
        self, chat: SimChat, user: SimUser, message_id: int, text: str, **kwargs: Any
    ) -> dict[str, Any]:
        message = self.message_json(chat, user, text, message_id=message_id, **kwargs)
        message["edit_date"] = int(time.time())
        return self._update(edited_message=message)

    def callback_query(
        self, chat: SimChat, user: SimUser, data: str, *, message_id: int, message_text: str = "…"
    ) -> dict[str, Any]:
        return self._update(
            callback_query={
                "id": str(next(self.update_ids) * 7919),
                "from": user.to_json(),
                "chat_instance": str(chat.id),
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": chat.to_json(),
                    "from": bot_user(),
                    "text": message_text,
                },
            }
        )

    def my_chat_member(self, chat: SimChat, user: SimUser, *, old: str, new: str) -> dict[str, Any]:
        """The bot's own membership changed (e.g. old='member', new='left' when removed)."""

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"user": bot_user(), "status": status}
            if status == "restricted":
                data.update({"is_member": False, "until_date": 0})
            if status == "kicked":
                data["until_date"] = 0  # ChatMemberBanned requires it
            if status == "administrator":
                # ChatMemberAdministrator requires every right to be stated.
                rights = (
                    "can_be_edited",
                    "is_anonymous",
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                )
                data.update(dict.fromkeys(rights, False))
                data.update(can_manage_chat=True, can_delete_messages=True)
            return data

        return self._update(
            my_chat_member={
                "chat": chat.to_json(),
                "from": user.to_json(),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
        )

    def migrate_to(self, chat: SimChat, user: SimUser, new_chat_id: int) -> dict[str, Any]:
        """The service message in the old group when it becomes a supergroup."""
        return self.message(chat, user, None, extra={"migrate_to_chat_id": new_chat_id})
