"""The error answers of the simulated Bot API, shaped like Telegram's JSON.

Raise `ApiError(400, "Bad Request: chat not found")` anywhere in a method; the server turns it
into `{"ok": false, "error_code": 400, "description": ...}` with the same HTTP status.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram's description, optional parameters."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters or {}

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


def chat_migrated(new_chat_id: int) -> ApiError:
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_chat_id},
    )


def kicked(chat_type: str) -> ApiError:
    if chat_type == "private":
        return ApiError(403, "Forbidden: bot was blocked by the user")
    kind = "supergroup" if chat_type == "supergroup" else "group"
    if chat_type == "channel":
        kind = "channel"
    return ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")


def not_member(chat_type: str) -> ApiError:
    kind = "supergroup" if chat_type == "supergroup" else "group"
    if chat_type == "channel":
        kind = "channel"
    return ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")


NOT_FOUND = ApiError(404, "Not Found")
CHAT_NOT_FOUND = "Bad Request: chat not found"
