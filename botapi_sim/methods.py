"""The Bot API methods the simulator answers, with Telegram's validation and error texts.

`BotApiMethods.call(name, params, files)` returns the `result` or raises `ApiError`; it knows
nothing of HTTP. Text is checked like Telegram: HTML must parse, 4,096 characters at most.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any

from botapi_sim.errors import NOT_FOUND, ApiError
from botapi_sim.params import UploadedFile
from botapi_sim.polling import UpdateQueue, Webhook
from botapi_sim.recording import BOT_ID, bot_user
from botapi_sim.telegram_html import EntityParseError, parse_html
from botapi_sim.world import ChatState, SimWorld, StoredFile, StoredMessage

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
ADMIN_RIGHTS = (
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

Handler = Callable[[dict[str, Any], dict[str, UploadedFile]], Awaitable[Any]]


def _parse_text(text: Any, parse_mode: Any, entities: Any, *, caption: bool) -> tuple[str, list]:
    """Plain text and entities as Telegram stores them, or Telegram's error."""
    text = "" if text is None else str(text)
    mode = str(parse_mode or "").lower()
    if mode == "html":
        try:
            parsed = parse_html(text)
        except EntityParseError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        plain, found = parsed.text, parsed.entities
    else:
        # Markdown is passed through unchecked: the bot speaks HTML.
        plain, found = text, list(entities or [])
    if not caption and not plain.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    # Telegram counts characters of the text after entity parsing.
    if caption and len(plain) > MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")
    if not caption and len(plain) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return plain, found


def _inline_keyboard(markup: Any) -> dict[str, Any] | None:
    """The inline keyboard Telegram echoes back in the Message, after checking it."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
            return None  # reply keyboards are not part of the returned Message
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(
            400,
            "Bad Request: can't parse inline keyboard button: "
            "InlineKeyboardButton must be an Object",
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
            actions = {
                "callback_data",
                "url",
                "switch_inline_query",
                "login_url",
                "pay",
                "switch_inline_query_current_chat",
                "web_app",
                "copy_text",
                "callback_game",
                "switch_inline_query_chosen_chat",
            }
            if not actions & button.keys():
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
    if sum(len(row) for row in rows) > 100:
        raise ApiError(400, "Bad Request: reply markup is too long")
    return {"inline_keyboard": rows}


def _image_size(data: bytes) -> tuple[int, int]:
    if data.startswith(IMAGE_SIGNATURES[0]) and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return 800, 600


def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
    if scope is None:
        scope = {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
    scope = dict(scope)
    if "chat_id" in scope:
        scope["chat_id"] = int(scope["chat_id"])
    language = str(language_code or "")
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise ApiError(400, "Bad Request: invalid language code specified")
    return json.dumps(scope, sort_keys=True), language


class BotApiMethods:
    """One simulated bot's view of Telegram: every supported method by name."""

    def __init__(self, world: SimWorld, queue: UpdateQueue) -> None:
        self.world = world
        self.queue = queue
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "setMyCommands": self.set_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getMyCommands": self.get_my_commands,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "answerCallbackQuery": self.answer_callback_query,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "deleteMessage": self.delete_message,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
            "leaveChat": self.leave_chat,
            "getFile": self.get_file,
            "sendChatAction": self.send_chat_action,
            "setChatMenuButton": self.accept,
            "setMyDescription": self.accept,
            "setMyShortDescription": self.accept,
        }

    async def call(self, name: str, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        # Telegram's method names are case-insensitive.
        handler = self.handlers.get(name) or next(
            (h for known, h in self.handlers.items() if known.lower() == name.lower()), None
        )
        if handler is None:
            raise NOT_FOUND
        return await handler(params, files)

    # --- bot and updates -----------------------------------------------------------------
    async def get_me(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        # The two BotFather settings a set-up needs: /setjoingroups and /setprivacy.
        return {
            **bot_user(),
            "can_join_groups": self.world.can_join_groups,
            "can_read_all_group_messages": not self.world.privacy_mode,
        }

    async def accept(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return True

    async def get_updates(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return await self.queue.get_updates(
            offset=params.get("offset"),
            limit=params.get("limit") or 100,
            timeout=params.get("timeout") or 0,
            allowed_updates=params.get("allowed_updates"),
        )

    async def set_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        url = str(params.get("url") or "")
        if params.get("drop_pending_updates"):
            self.queue.drop_pending()
        if not url:
            await self.queue.delete_webhook()
            return True
        self.queue.set_webhook(
            Webhook(
                url=url,
                secret_token=params.get("secret_token"),
                max_connections=int(params.get("max_connections") or 40),
                allowed_updates=params.get("allowed_updates"),
            )
        )
        return True

    async def delete_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        if params.get("drop_pending_updates"):
            self.queue.drop_pending()
        await self.queue.delete_webhook()
        return True

    async def get_webhook_info(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return self.queue.webhook_info()

    # --- commands -------------------------------------------------------------------------
    async def set_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        checked: list[dict[str, str]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            name = str(command.get("command", "")).lstrip("/")
            description = str(command.get("description", ""))
            if not COMMAND_NAME.match(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: command description must be non-empty")
            checked.append({"command": name, "description": description})
        key = _scope_key(params.get("scope"), params.get("language_code"))
        if checked:
            self.commands[key] = checked
        else:
            self.commands.pop(key, None)
        return True

    async def delete_my_commands(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> Any:
        self.commands.pop(_scope_key(params.get("scope"), params.get("language_code")), None)
        return True

    async def get_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        key = _scope_key(params.get("scope"), params.get("language_code"))
        return list(self.commands.get(key, []))

    # --- sending --------------------------------------------------------------------------
    def _chat(self, params: dict[str, Any]) -> ChatState:
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        return self.world.target(params["chat_id"])

    def _reply_target(self, state: ChatState, params: dict[str, Any]) -> int | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if not reply:
            return None
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise ApiError(400, "Bad Request: can't parse reply parameters JSON object")
        message_id = int(reply["message_id"])
        if self.world.find_message(state, message_id) is not None:
            return message_id
        if reply.get("allow_sending_without_reply"):
            return None
        raise ApiError(400, "Bad Request: message to be replied not found")

    async def send_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        state = self._chat(params)
        text, entities = _parse_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
        )
        markup = _inline_keyboard(params.get("reply_markup"))
        reply_to = self._reply_target(state, params)
        fields: dict[str, Any] = {"text": text}
        if entities:
            fields["entities"] = entities
        if markup:
            fields["reply_markup"] = markup
        message = self.world.store_bot_message(
            state,
            fields,
            html=str(params.get("text")),
            reply_to=reply_to,
            content_key=("text", text),
        )
        return self.world.message_json(message)

    def _upload(
        self, params: dict[str, Any], files: dict[str, UploadedFile], field: str, folder: str
    ) -> StoredFile:
        value = params.get(field)
        upload: UploadedFile | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise ApiError(400, f"Bad Request: there is no {field} in the request")
        elif value is None:
            upload = files.get(field)
        if upload is not None:
            if not upload.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            if field == "photo" and not self._is_image(upload.data):
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            mime = upload.content_type
            if field == "photo":
                mime = "image/png" if upload.data.startswith(IMAGE_SIGNATURES[0]) else mime
            return self.world.store_file(
                upload.data, file_name=upload.filename, mime_type=mime, folder=folder
            )
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        if re.match(r"^https?://", str(value)):
            # No internet here: Telegram would fetch the URL itself.
            raise ApiError(400, "Bad Request: failed to get HTTP URL content")
        stored = self.world.files.get(str(value))
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return stored

    @staticmethod
    def _is_image(data: bytes) -> bool:
        return data.startswith(IMAGE_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")

    def _send_file(
        self, params: dict[str, Any], files: dict[str, UploadedFile], field: str
    ) -> dict[str, Any]:
        state = self._chat(params)
        caption = params.get("caption")
        caption_text, entities = "", []
        if caption is not None:
            caption_text, entities = _parse_text(
                caption, params.get("parse_mode"), params.get("caption_entities"), caption=True
            )
        markup = _inline_keyboard(params.get("reply_markup"))
        reply_to = self._reply_target(state, params)
        stored = self._upload(params, files, field, "photos" if field == "photo" else "documents")
        fields: dict[str, Any] = {}
        if field == "photo":
            width, height = _image_size(stored.data)
            scale = min(1.0, 90 / max(width, height, 1))
            fields["photo"] = [
                {
                    "file_id": stored.file_id + "-s",
                    "file_unique_id": stored.file_unique_id + "s",
                    "width": max(1, int(width * scale)),
                    "height": max(1, int(height * scale)),
                },
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(stored.data),
                },
            ]
            self.world.files[stored.file_id + "-s"] = stored
        else:
            document: dict[str, Any] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "mime_type": stored.mime_type,
                "file_size": len(stored.data),
            }
            if stored.file_name:
                document["file_name"] = stored.file_name
            fields["document"] = document
        if caption_text:
            fields["caption"] = caption_text
            if entities:
                fields["caption_entities"] = entities
        if markup:
            fields["reply_markup"] = markup
        message = self.world.store_bot_message(
            state,
            fields,
            html=str(caption) if caption is not None else None,
            reply_to=reply_to,
            file=stored,
            content_key=(field, caption_text, hashlib.sha1(stored.data).hexdigest()),
        )
        return self.world.message_json(message)

    async def send_photo(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return self._send_file(params, files, "photo")

    async def send_document(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return self._send_file(params, files, "document")

    async def send_chat_action(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self._chat(params)
        return True

    # --- editing and deleting ----------------------------------------------------------
    def _own_message(self, params: dict[str, Any], missing: str) -> tuple[ChatState, StoredMessage]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        state = self._chat(params)
        if params.get("message_id") is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = self.world.find_message(state, int(params["message_id"]))
        if message is None:
            raise ApiError(400, missing)
        if not message.by_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return state, message

    async def edit_message_text(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> Any:
        state, message = self._own_message(params, "Bad Request: message to edit not found")
        if "text" not in message.payload:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = _parse_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
        )
        # Without reply_markup Telegram drops the message's inline keyboard.
        markup = _inline_keyboard(params.get("reply_markup"))
        if (
            text == message.payload.get("text")
            and entities == message.payload.get("entities", [])
            and markup == message.reply_markup
        ):
            raise ApiError(400, NOT_MODIFIED)
        message.payload["text"] = text
        self._set(message.payload, "entities", entities or None)
        self._set(message.payload, "reply_markup", markup)
        message.payload["edit_date"] = max(message.payload["date"], _now())
        message.html = str(params.get("text"))
        self.world.log("bot_edit", state, None, message)
        return self.world.message_json(message)

    async def edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> Any:
        state, message = self._own_message(params, "Bad Request: message to edit not found")
        markup = _inline_keyboard(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        self._set(message.payload, "reply_markup", markup)
        message.payload["edit_date"] = max(message.payload["date"], _now())
        self.world.log("bot_edit", state, None, message)
        return self.world.message_json(message)

    @staticmethod
    def _set(payload: dict[str, Any], key: str, value: Any) -> None:
        if value:
            payload[key] = value
        else:
            payload.pop(key, None)

    async def delete_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        state = self._chat(params)
        message = self.world.find_message(state, int(params.get("message_id") or 0))
        if message is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        message.deleted = True
        self.world.log("delete", state, None, message)
        return True

    async def answer_callback_query(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> Any:
        query = self.world.callback_queries.get(str(params.get("callback_query_id") or ""))
        if query is None or query.answered:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        query.answered = True
        query.answer_text = params.get("text")
        query.show_alert = bool(params.get("show_alert"))
        state = self.world.chats[query.chat_id]
        if query.answer_text:
            self.world.log("callback_answer", state, None, text=str(query.answer_text))
        return True

    # --- chats --------------------------------------------------------------------------
    def _known_chat(self, params: dict[str, Any]) -> ChatState:
        chat_id = params.get("chat_id")
        state = self.world.chats.get(chat_id) if isinstance(chat_id, int) else None
        if state is None:
            raise ApiError(400, "Bad Request: chat not found")
        return state

    async def get_chat(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        state = self._chat(params)
        data = state.chat.to_json()
        data.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return data

    def _member_json(self, state: ChatState, user_id: int) -> dict[str, Any]:
        if user_id == BOT_ID:
            status, user = state.bot_status, bot_user()
        else:
            person = state.members.get(user_id)
            if person is None:
                return {
                    "status": "left",
                    "user": {"id": user_id, "is_bot": False, "first_name": str(user_id)},
                }
            user = person.to_json()
            status = "administrator" if user_id in state.admins else "member"
        data: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            data.update(dict.fromkeys(ADMIN_RIGHTS, False))
            data.update(can_manage_chat=True, can_delete_messages=True, can_invite_users=True)
        if status == "kicked":
            data["until_date"] = 0
        return data

    async def get_chat_member(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        state = self._known_chat(params)
        if params.get("user_id") is None:
            raise ApiError(400, "Bad Request: user_id is empty")
        return self._member_json(state, int(params["user_id"]))

    async def get_chat_administrators(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> Any:
        state = self._chat(params)
        return [self._member_json(state, user_id) for user_id in sorted(state.admins)]

    async def leave_chat(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        state = self._chat(params)
        if state.chat.type == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        self.world.bot_leaves(state)
        return True

    async def get_file(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        stored = self.world.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        data = stored.to_json()
        data["file_id"] = str(params["file_id"])
        return data


def _now() -> int:
    return int(time.time())
