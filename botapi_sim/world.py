"""The simulated side of Telegram: chats, people, stored messages and files, and what people do.

`SimWorld` keeps every message (the bot's and the users') per chat with per-chat message ids,
turns people's actions into update JSON for the bot's queue, and writes the transcript.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botapi_sim.errors import CHAT_NOT_FOUND, ApiError, chat_migrated, kicked, not_member
from botapi_sim.polling import UpdateQueue
from botapi_sim.recording import BOT_ID, BOT_USERNAME, bot_user
from botapi_sim.stats import SimStats
from botapi_sim.transcript import TranscriptEntry
from botapi_sim.updates import SimChat, SimUser, UpdateFactory, command_entities

# Someone has to remove or add the bot when a test does not say who.
GROUP_OWNER = SimUser(id=999_000_001, first_name="Group owner", language_code="zh-hans")


@dataclass
class StoredFile:
    """A file Telegram holds: uploaded by the bot or sent by a person."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None
    mime_type: str
    file_path: str

    def to_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class StoredMessage:
    """One message in a chat. `payload` is its Message JSON without `reply_to_message`."""

    chat_id: int
    message_id: int
    sender_id: int  # BOT_ID for the bot's own messages
    payload: dict[str, Any]
    html: str | None = None  # the text or caption as the bot sent it, before parsing
    reply_to_message_id: int | None = None
    file: StoredFile | None = None
    deleted: bool = False

    @property
    def by_bot(self) -> bool:
        return self.sender_id == BOT_ID

    @property
    def text(self) -> str:
        """The plain text (or caption) as Telegram shows it, tags parsed away."""
        return str(self.payload.get("text") or self.payload.get("caption") or "")

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.payload.get("reply_markup")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


@dataclass
class ChatState:
    chat: SimChat
    bot_status: str = "member"  # member | administrator | left | kicked
    migrated_to: int | None = None
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    members: dict[int, SimUser] = field(default_factory=dict)
    admins: set[int] = field(default_factory=set)
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def is_group(self) -> bool:
        return self.chat.type != "private"

    def next_message_id(self) -> int:
        return next(self.message_ids)

    def live_messages(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if not m.deleted]


@dataclass
class CallbackQueryState:
    chat_id: int
    message_id: int
    user: SimUser
    data: str
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False


ChatRef = SimChat | int


class SimWorld:
    """Chats and people around the bot; the server's Bot API methods read and write it."""

    def __init__(self, queue: UpdateQueue, stats: SimStats, on_change: Callable[[], None]) -> None:
        self.queue = queue
        self.stats = stats
        self.factory = UpdateFactory()
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.transcript: list[TranscriptEntry] = []
        self.callback_queries: dict[str, CallbackQueryState] = {}
        self._on_change = on_change
        self._started = time.monotonic()
        self._file_numbers = itertools.count(1)
        self.bot_name = str(bot_user()["first_name"])
        self.privacy_mode = False
        # BotFather's /setjoingroups: a bot that may not join groups cannot be added to one.
        self.can_join_groups = True

    # --- chats ----------------------------------------------------------------------------
    def add_chat(
        self,
        chat: SimChat,
        *,
        bot_status: str = "member",
        members: Iterable[SimUser] = (),
        admins: Iterable[SimUser] = (),
    ) -> ChatState:
        """Make a chat known (idempotent); the bot is in it unless `bot_status` says otherwise."""
        state = self.chats.get(chat.id)
        if state is None:
            state = ChatState(chat, bot_status=bot_status)
            self.chats[chat.id] = state
        for user in members:
            state.members[user.id] = user
        for user in admins:
            state.members[user.id] = user
            state.admins.add(user.id)
        return state

    def state(self, chat: ChatRef) -> ChatState:
        if isinstance(chat, SimChat):
            return self.add_chat(chat)
        try:
            return self.chats[int(chat)]
        except KeyError:
            raise KeyError(f"the simulator knows no chat {chat}; add_chat() it first") from None

    def target(self, chat_id: int | str) -> ChatState:
        """The chat the bot addresses, or the error Telegram would answer."""
        # Simulated chats have no public @usernames.
        state = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if state is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        if state.migrated_to is not None:
            raise chat_migrated(state.migrated_to)
        if state.bot_status == "kicked":
            raise kicked(state.chat.type)
        if state.bot_status == "left":
            raise not_member(state.chat.type)
        return state

    def clone_as_supergroup(self, old: ChatState, new_id: int) -> ChatState:
        """The supergroup a group became: same title, people and bot status; fresh ids."""
        new = self.chats.get(new_id)
        if new is None:
            new = ChatState(
                SimChat(id=new_id, title=old.chat.title, type="supergroup"),
                bot_status=old.bot_status,
                members=dict(old.members),
                admins=set(old.admins),
            )
            self.chats[new_id] = new
        old.migrated_to = new_id
        return new

    # --- messages -------------------------------------------------------------------------
    def message_json(self, message: StoredMessage) -> dict[str, Any]:
        data = dict(message.payload)
        if message.reply_to_message_id is not None:
            state = self.chats.get(message.chat_id)
            target = state.messages.get(message.reply_to_message_id) if state else None
            if target is not None:
                data["reply_to_message"] = dict(target.payload)
        return data

    def find_message(self, state: ChatState, message_id: int) -> StoredMessage | None:
        message = state.messages.get(message_id)
        return None if message is None or message.deleted else message

    def store_bot_message(
        self,
        state: ChatState,
        fields: dict[str, Any],
        *,
        html: str | None,
        reply_to: int | None,
        file: StoredFile | None = None,
        content_key: tuple[Any, ...] = (),
    ) -> StoredMessage:
        message_id = state.next_message_id()
        payload: dict[str, Any] = {
            "message_id": message_id,
            "from": bot_user(),
            "chat": state.chat.to_json(),
            "date": int(time.time()),
            **fields,
        }
        message = StoredMessage(
            state.id,
            message_id,
            BOT_ID,
            payload,
            html=html,
            reply_to_message_id=reply_to,
            file=file,
        )
        state.messages[message_id] = message
        self.stats.count_delivery(state.id, content_key)
        self.log("bot_message", state, None, message)
        return message

    def store_file(
        self, data: bytes, *, file_name: str | None, mime_type: str, folder: str
    ) -> StoredFile:
        number = next(self._file_numbers)
        digest = hashlib.sha1(data).hexdigest()[:16]
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        elif mime_type == "image/png":
            extension = ".png"
        stored = StoredFile(
            file_id=f"sim-{folder}-{number}-{digest}",
            file_unique_id=f"u{number}{digest[:8]}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{folder}/file_{number}{extension}",
        )
        self.files[stored.file_id] = stored
        return stored

    # --- the transcript --------------------------------------------------------------------
    def log(
        self,
        kind: str,
        state: ChatState,
        user: SimUser | None,
        message: StoredMessage | None = None,
        *,
        text: str | None = None,
    ) -> None:
        now = time.monotonic()
        who = (
            self.bot_name
            if user is None
            else " ".join(part for part in (user.first_name, user.last_name) if part)
        )
        self.transcript.append(
            TranscriptEntry(
                at=datetime.now(UTC),
                elapsed=now - self._started,
                chat_id=state.id,
                chat_title=state.chat.title,
                kind=kind,
                who=who,
                who_id=BOT_ID if user is None else user.id,
                text=text if text is not None else (message.text if message else ""),
                message_id=message.message_id if message else None,
                reply_to_message_id=message.reply_to_message_id if message else None,
                buttons=tuple(str(b.get("text", "")) for b in message.buttons)
                if message and kind in {"bot_message", "bot_edit"}
                else (),
                file_name=message.file.file_name if message and message.file else None,
            )
        )
        self._on_change()

    # --- what people do ------------------------------------------------------------------
    def user_sends(
        self,
        chat: ChatRef,
        user: SimUser,
        text: str | None = None,
        *,
        reply_to_message_id: int | None = None,
        photo: bytes | None = None,
        document: bytes | None = None,
        document_name: str = "report.pdf",
        caption: str | None = None,
    ) -> int:
        """A person posts a message (text, photo or document); returns its message id."""
        state = self.state(chat)
        if text is None and photo is None and document is None:
            raise ValueError("a message needs a text, a photo or a document")
        if (
            reply_to_message_id is not None
            and self.find_message(state, reply_to_message_id) is None
        ):
            raise ValueError(f"no message {reply_to_message_id} in chat {state.id} to reply to")
        state.members[user.id] = user
        message_id = state.next_message_id()
        extra: dict[str, Any] = {}
        stored_file: StoredFile | None = None
        photo_id: str | None = None
        if photo is not None:
            stored_file = self.store_file(
                photo, file_name=None, mime_type="image/jpeg", folder="photos"
            )
            photo_id = stored_file.file_id
            # The small size the factory lists is a thumbnail of the same file.
            self.files[photo_id + "-s"] = stored_file
        if document is not None:
            stored_file = self.store_file(
                document,
                file_name=document_name,
                mime_type=_guess_mime(document_name),
                folder="documents",
            )
            extra["document"] = {
                "file_id": stored_file.file_id,
                "file_unique_id": stored_file.file_unique_id,
                "file_name": document_name,
                "mime_type": stored_file.mime_type,
                "file_size": len(document),
            }
        target = self.find_message(state, reply_to_message_id) if reply_to_message_id else None
        update = self.factory.message(
            state.chat,
            user,
            text,
            photo_file_id=photo_id,
            caption=caption,
            message_id=message_id,
            extra=extra or None,
            reply_to=dict(target.payload) if target else None,
        )
        payload = {k: v for k, v in update["message"].items() if k != "reply_to_message"}
        message = StoredMessage(
            state.id,
            message_id,
            user.id,
            payload,
            reply_to_message_id=reply_to_message_id,
            file=stored_file,
        )
        state.messages[message_id] = message
        self.log("message", state, user, message)
        if self._bot_sees(state, message, target):
            self.queue.put(update)
        return message_id

    def _bot_sees(
        self, state: ChatState, message: StoredMessage, target: StoredMessage | None
    ) -> bool:
        """Privacy mode: in groups where it is no admin, a bot gets only commands, replies to
        itself and mentions of its @username."""
        if not self.privacy_mode or not state.is_group or state.bot_status == "administrator":
            return True
        text = message.text
        if target is not None and target.by_bot:
            return True
        if f"@{BOT_USERNAME}".lower() in text.lower():
            return True
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            return "@" not in command
        return False

    def user_edits(self, chat: ChatRef, user: SimUser, message_id: int, new_text: str) -> None:
        """A person edits the text (or caption) of one of their own messages."""
        state = self.state(chat)
        message = self.find_message(state, message_id)
        if message is None or message.sender_id != user.id:
            raise ValueError(f"{user.first_name} has no message {message_id} in chat {state.id}")
        field_name = "text" if "text" in message.payload else "caption"
        message.payload[field_name] = new_text
        if field_name == "text":
            entities = command_entities(new_text)
            if entities:
                message.payload["entities"] = entities
            else:
                message.payload.pop("entities", None)
        message.payload["edit_date"] = int(time.time())
        self.log("edit", state, user, message)
        update = self.factory.edited_message(state.chat, user, message_id, new_text)
        update["edited_message"] = self.message_json(message)
        self.queue.put(update)

    def user_presses(
        self,
        chat: ChatRef,
        user: SimUser,
        message_id: int,
        callback_data: str,
        *,
        check_button: bool = True,
    ) -> str:
        """A person presses an inline button under the bot's message; returns the query id.

        With `check_button=False` the data need not be on a button (a forged payload)."""
        state = self.state(chat)
        message = self.find_message(state, message_id)
        if message is None:
            raise ValueError(f"no message {message_id} in chat {state.id}")
        button = next((b for b in message.buttons if b.get("callback_data") == callback_data), None)
        if check_button and button is None:
            offered = [b.get("callback_data") for b in message.buttons]
            raise ValueError(f"message {message_id} has no button {callback_data!r}: {offered}")
        state.members[user.id] = user
        update = self.factory.callback_query(state.chat, user, callback_data, message_id=message_id)
        update["callback_query"]["message"] = self.message_json(message)
        query_id = str(update["callback_query"]["id"])
        self.callback_queries[query_id] = CallbackQueryState(
            state.id, message_id, user, callback_data
        )
        label = str(button.get("text")) if button else callback_data
        self.log("press", state, user, message, text=label)
        self.queue.put(update)
        return query_id

    def bot_removed(
        self, chat: ChatRef, *, by: SimUser | None = None, status: str = "kicked"
    ) -> None:
        """Someone removes (or, in private, blocks) the bot: a `my_chat_member` update."""
        state = self.state(chat)
        by = by or (state.chat.type == "private" and state.members.get(state.id)) or GROUP_OWNER
        old = state.bot_status
        state.bot_status = status
        self.log("bot_removed", state, by, text=status)
        self.queue.put(self.factory.my_chat_member(state.chat, by, old=old, new=status))

    def bot_added(
        self, chat: ChatRef, *, by: SimUser | None = None, as_admin: bool = False
    ) -> None:
        """Someone adds the bot to a group: `my_chat_member` and, in groups, the service
        message listing the bot among `new_chat_members`, as Telegram sends both."""
        state = self.state(chat)
        by = by or GROUP_OWNER
        old = state.bot_status if state.bot_status in {"left", "kicked"} else "left"
        state.bot_status = "administrator" if as_admin else "member"
        state.members[by.id] = by
        self.log("bot_added", state, by, text=state.bot_status)
        self.queue.put(self.factory.my_chat_member(state.chat, by, old=old, new=state.bot_status))
        if state.is_group:
            message_id = state.next_message_id()
            update = self.factory.message(
                state.chat,
                by,
                None,
                message_id=message_id,
                extra={"new_chat_members": [bot_user()]},
            )
            state.messages[message_id] = StoredMessage(
                state.id, message_id, by.id, update["message"]
            )
            self.queue.put(update)

    def migrate_group(self, chat: ChatRef, new_id: int, *, by: SimUser | None = None) -> None:
        """A group becomes a supergroup with `new_id`: the two service messages Telegram sends
        (migrate_to_chat_id in the old chat, migrate_from_chat_id in the new one)."""
        state = self.state(chat)
        by = by or GROUP_OWNER
        new = self.clone_as_supergroup(state, new_id)
        self.log("migrated", state, by, text=f"{state.id} → {new_id}")
        old_message_id = state.next_message_id()
        update = self.factory.message(
            state.chat,
            by,
            None,
            message_id=old_message_id,
            extra={"migrate_to_chat_id": new_id},
        )
        state.messages[old_message_id] = StoredMessage(
            state.id, old_message_id, by.id, update["message"]
        )
        self.queue.put(update)
        new_message_id = new.next_message_id()
        update = self.factory.message(
            new.chat,
            by,
            None,
            message_id=new_message_id,
            extra={"migrate_from_chat_id": state.id},
        )
        new.messages[new_message_id] = StoredMessage(
            new.id, new_message_id, by.id, update["message"]
        )
        self.queue.put(update)

    def bot_leaves(self, state: ChatState) -> None:
        """The bot left by itself (leaveChat): Telegram reports it as `my_chat_member`."""
        old = state.bot_status
        state.bot_status = "left"
        bot = SimUser(id=BOT_ID, first_name=self.bot_name, language_code=None)
        self.log("bot_left", state, None, text="left")
        update = self.factory.my_chat_member(state.chat, bot, old=old, new="left")
        update["my_chat_member"]["from"] = bot_user()
        self.queue.put(update)


def _guess_mime(file_name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(file_name)[0] or "application/octet-stream"
