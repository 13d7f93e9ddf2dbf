"""Reading Bot API parameters the way Telegram does: query string, JSON, form or multipart.

Form fields carry JSON-encoded objects (python-telegram-bot sends `reply_markup` that way);
each known field is decoded by its declared type, so a text such as "[1]" stays a text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from botapi_sim.errors import ApiError

# Fields whose value is a JSON object or array in the Bot API.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "media",
    }
)
INT_FIELDS = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "timeout",
        "reply_to_message_id",
        "message_thread_id",
        "max_connections",
        "cache_time",
        "user_id",
        "from_chat_id",
    }
)
BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "drop_pending_updates",
        "show_alert",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
    }
)


@dataclass
class UploadedFile:
    """A file that came in a multipart part: its name, bytes and declared content type."""

    filename: str
    data: bytes
    content_type: str


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1"}:
        return True
    if text in {"false", "0", ""}:
        return False
    raise ApiError(400, f"Bad Request: can't parse {name} as Boolean")


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ApiError(400, f'Bad Request: field "{name}" must be of type Integer')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f'Bad Request: field "{name}" must be of type Integer') from None


def _as_json(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        if name == "reply_markup":
            raise ApiError(
                400, "Bad Request: can't parse reply keyboard markup JSON object"
            ) from None
        raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None


def coerce(raw: dict[str, Any]) -> dict[str, Any]:
    """Typed parameters from raw strings (or already-typed JSON body values)."""
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if name in JSON_FIELDS:
            params[name] = _as_json(name, value)
        elif name in INT_FIELDS:
            params[name] = _as_int(name, value)
        elif name in BOOL_FIELDS:
            params[name] = _as_bool(name, value)
        elif name == "chat_id":
            params[name] = chat_id_value(value)
        else:
            params[name] = value
    return params


def chat_id_value(value: Any) -> int | str:
    """An integer chat id, or an @username as Telegram also accepts."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.startswith("@"):
        return text
    try:
        return int(text)
    except ValueError:
        raise ApiError(400, "Bad Request: chat not found") from None


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Parameters and uploaded files of a Bot API HTTP request."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.body_exists:
        return coerce(raw), files
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON object") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON object expected")
        raw.update(body)
    elif content_type == "multipart/form-data":
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            data = await part.read(decode=False)
            if part.filename is not None:
                files[part.name] = UploadedFile(
                    part.filename,
                    bytes(data),
                    part.headers.get("Content-Type", "application/octet-stream"),
                )
            else:
                raw[part.name] = bytes(data).decode("utf-8")
    else:
        form = await request.post()
        for name, value in form.items():
            raw[name] = value if isinstance(value, str) else str(value)
    return coerce(raw), files
