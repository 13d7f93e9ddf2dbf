"""Where an update received from Telegram goes before Telegram is told it arrived.

Both receivers, long polling (`operations.polling`) and the webhook server
(`operations.webhook_server`), hand every update to one `UpdateSink`:

    async def accept_update(update_json: dict[str, Any]) -> None

and confirm the update to Telegram only after the sink has returned: polling moves its
`offset` past it, the webhook answers Telegram's POST with 200. If the sink raises, the update
is not confirmed (polling asks for it again, the webhook answers 500 and Telegram retries).
So a sink that writes the update to a durable inbox before returning makes every confirmed
update survive a crash. Today's sink, `queue_sink`, puts it on the application's queue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application

UpdateSink = Callable[[dict[str, Any]], Awaitable[None]]


class MalformedUpdate(ValueError):
    """The body is not a Telegram update (no integer update_id): it is refused, not retried."""


def check_update(data: object) -> dict[str, Any]:
    """`data` as an update's JSON, or MalformedUpdate."""
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        raise MalformedUpdate("an update is a JSON object with an integer update_id")
    return data


def queue_sink(application: Application[Any, Any, Any, Any, Any, Any]) -> UpdateSink:
    """The sink of today: the update goes onto the application's queue, in arrival order."""

    async def accept_update(update_json: dict[str, Any]) -> None:
        update = Update.de_json(check_update(update_json), application.bot)
        await application.update_queue.put(update)

    return accept_update
