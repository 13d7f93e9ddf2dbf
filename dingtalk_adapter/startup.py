"""The DingTalk side checked before the bot starts: settings, credentials, the Stream gateway.

`check_dingtalk()` returns what it found or raises `SettingsError` with one sentence for the
operator (the secret masked): the same exit code 2 as every other start-up problem.
"""

from __future__ import annotations

import httpx

from dingtalk_adapter.openapi import OpenApi
from dingtalk_adapter.settings import DingTalkSettings
from dingtalk_adapter.stream import StreamReceiver
from runtime.platform import CredentialsRejected, PlatformError
from settings import SettingsError


async def _nothing(event: object) -> None:
    """The check receives nothing: it only asks for a connection ticket."""


async def check_dingtalk(settings: DingTalkSettings, *, timeout: float = 20.0) -> str:
    """One line saying the DingTalk app is usable, or SettingsError saying why not."""
    credentials = settings.credentials()
    endpoints = settings.endpoints()
    template = settings.card_template()
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout))
    ) as http:
        api = OpenApi(credentials, endpoints, http=http)
        receiver = StreamReceiver(credentials, endpoints, _nothing, http=http)
        try:
            await api.access_token()
            await receiver.open_ticket()
        except CredentialsRejected as exc:
            raise SettingsError("dingtalk_rejected", reason=str(exc)) from None
        except PlatformError as exc:
            raise SettingsError(
                "dingtalk_unreachable", server=endpoints.api, reason=str(exc)
            ) from None
    cards = (
        f"cards from template {template}"
        if template
        else "no DINGTALK_CARD_TEMPLATE_ID: messages go without callback buttons"
    )
    return (
        f"DingTalk app {credentials.client_id} accepted (robot {credentials.robot_code}); "
        f"the Stream gateway answers; {cards}."
    )
