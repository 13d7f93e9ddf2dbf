"""Where an update received from Telegram goes before Telegram is told it arrived.

Both receivers, long polling (`operations.polling`) and the webhook server
(`operations.webhook_server`), hand every update to one `UpdateSink`:

    async def accept_update(update_json: dict[str, Any]) -> None

and confirm the update to Telegram only after the sink has returned: polling moves its
`offset` past it, the webhook answers Telegram's POST with 200. If the sink raises, the update
is not confirmed (polling asks for it again, the webhook answers 500 and Telegram retries).
The bot's sink is the inbox (`intake.Inbox.accept_update`): it returns once the update is
committed to the database, so every confirmed update survives a crash.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application

from intake import MalformedUpdate, check_update, inbox_of

UpdateSink = Callable[[dict[str, Any]], Awaitable[None]]

__all__ = ["MalformedUpdate", "UpdateSink", "check_update", "inbox_sink"]


def inbox_sink(application: Application[Any, Any, Any, Any, Any, Any]) -> UpdateSink:
    """The application's inbox: the update is stored, then queued for its chat's lane."""
    return inbox_of(application).accept_update
