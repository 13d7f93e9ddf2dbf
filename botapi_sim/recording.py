"""A `BaseRequest` that answers every Bot API call at once and records it.

It sits below `telegram.Bot`, so everything above it (the Application, handlers, the rate
limiter, serialisation of requests) is the real code. Answers are shaped like Telegram's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 7_000_000_001
BOT_USERNAME = "duban_test_bot"


@dataclass
class RecordedCall:
    method: str
    params: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")


def bot_user() -> dict[str, Any]:
    return {
        "id": BOT_ID,
        "is_bot": True,
        "first_name": "督办助手",
        "username": BOT_USERNAME,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class RecordingRequest(BaseRequest):
    """Answers like Telegram would and keeps every call in `calls`.

    `fail_next(method, error_code, description, retry_after=None, migrate_to=None,
    chat_id=None, containing=None)` makes the next call of `method` (into `chat_id`, with
    `containing` in its text, when given) fail, to exercise the bot's fault handling.
    """

    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self._message_ids = itertools.count(1000)
        self._failures: list[tuple[str, int | None, str | None, dict[str, Any]]] = []
        self.chat_titles: dict[int, str] = {}
        # chat id → user ids who are members (getChatMember says "left" for anyone else).
        self.members: dict[int, set[int]] = {}

    # --- BaseRequest -------------------------------------------------------------------
    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = {}
        files: dict[str, Any] = {}
        if request_data is not None:
            params = {k: _decode(v) for k, v in request_data.parameters.items()}
            if request_data.contains_files:
                for name, value in (request_data.multipart_data or {}).items():
                    files[name] = value
        if api_method == "getUpdates":
            await asyncio.sleep(0.01)
            return 200, json.dumps({"ok": True, "result": []}).encode()
        self.calls.append(RecordedCall(api_method, params, files))
        call = self.calls[-1]
        for index, (failing_method, chat, text, failure) in enumerate(self._failures):
            if (
                failing_method == api_method
                and chat in (None, call.chat_id)
                and (text is None or text in call.text)
            ):
                del self._failures[index]
                return self._error(failure)
        result = self.answer(api_method, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # --- helpers for tests -------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to: int | None = None,
        chat_id: int | None = None,
        containing: str | None = None,
    ) -> None:
        self._failures.append(
            (
                method,
                chat_id,
                containing,
                {
                    "error_code": error_code,
                    "description": description,
                    "retry_after": retry_after,
                    "migrate_to": migrate_to,
                },
            )
        )

    @staticmethod
    def _error(failure: dict[str, Any]) -> tuple[int, bytes]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": failure["error_code"],
            "description": failure["description"],
        }
        parameters: dict[str, Any] = {}
        if failure.get("retry_after") is not None:
            parameters["retry_after"] = failure["retry_after"]
        if failure.get("migrate_to") is not None:
            parameters["migrate_to_chat_id"] = failure["migrate_to"]
        if parameters:
            body["parameters"] = parameters
        return failure["error_code"], json.dumps(body).encode()

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[RecordedCall]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [c.text for c in self.sent("sendMessage", chat_id)]

    def clear(self) -> None:
        self.calls.clear()

    def last_message_id(self, chat_id: int) -> int:
        """The message id Telegram gave the bot's latest message into `chat_id`."""
        for call in reversed(self.calls):
            if call.chat_id == chat_id and "message_id" in call.params.get("_result", {}):
                return int(call.params["_result"]["message_id"])
        raise LookupError(f"no message sent to {chat_id}")

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        """The `result` Telegram would send back for `method`."""
        if method == "getMe":
            return bot_user()
        if method in {
            "sendMessage",
            "sendPhoto",
            "sendDocument",
            "editMessageText",
            "editMessageReplyMarkup",
            "sendMediaGroup",
        }:
            chat_id = int(params.get("chat_id", 0) or 0)
            message_id = int(params.get("message_id") or next(self._message_ids))
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {
                    "id": chat_id,
                    "type": "private" if chat_id > 0 else "supergroup",
                    "title": self.chat_titles.get(chat_id, f"chat {chat_id}"),
                },
                "from": bot_user(),
            }
            if "text" in params:
                message["text"] = params["text"]
            if method == "sendPhoto":
                message["photo"] = [
                    {
                        "file_id": f"photo-{message_id}",
                        "file_unique_id": f"u{message_id}",
                        "width": 800,
                        "height": 600,
                    }
                ]
            if method == "sendDocument":
                message["document"] = {
                    "file_id": f"doc-{message_id}",
                    "file_unique_id": f"d{message_id}",
                }
            if "caption" in params:
                message["caption"] = params["caption"]
            if "reply_markup" in params and isinstance(params["reply_markup"], dict):
                message["reply_markup"] = params["reply_markup"]
            self.calls[-1].params["_result"] = message
            return message
        if method == "getChat":
            chat_id = int(params.get("chat_id", 0))
            return {"id": chat_id, "type": "supergroup", "title": self.chat_titles.get(chat_id, "")}
        if method == "getChatMember":
            chat_id, user_id = int(params.get("chat_id", 0)), int(params.get("user_id", 0))
            present = user_id in self.members.get(chat_id, set())
            return {
                "status": "member" if present else "left",
                "user": {"id": user_id, "is_bot": False, "first_name": str(user_id)},
            }
        # setMyCommands, answerCallbackQuery, deleteMessage, setWebhook, deleteWebhook, …
        return True
