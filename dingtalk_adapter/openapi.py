"""DingTalk's OpenAPI for the bot: an access token kept and renewed, and the calls that send.

    api = OpenApi(credentials, endpoints)
    key = await api.send_group(chat, "sampleMarkdown", msg_param)   # processQueryKey
    await api.recall(chat, [key])

Every answer is read into the platform boundary's errors (`runtime.platform`): a rate limit
becomes `RetryLater` (short ones are waited out here first), a chat the robot is not in
becomes `ChatUnavailable`, a refused payload `MessageRejected`, a lost answer to a send
`DeliveryUnknown`. Calls that cannot deliver twice (token, upload, card update, recall, a card
created under its own `outTrackId`) are retried here after network errors and 5xx answers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from dingtalk_adapter.settings import Credentials, Endpoints, mask_secret
from runtime.platform import (
    ChatRef,
    ChatUnavailable,
    CredentialsRejected,
    DeliveryUnknown,
    MessageRejected,
    RetryLater,
    TemporaryFailure,
)

log = logging.getLogger(__name__)

TOKEN_PATH = "/v1.0/oauth2/accessToken"
GROUP_SEND_PATH = "/v1.0/robot/groupMessages/send"
GROUP_RECALL_PATH = "/v1.0/robot/groupMessages/recall"
PRIVATE_SEND_PATH = "/v1.0/robot/oToMessages/batchSend"
PRIVATE_RECALL_PATH = "/v1.0/robot/otoMessages/batchRecall"
CARD_CREATE_PATH = "/v1.0/card/instances/createAndDeliver"
CARD_UPDATE_PATH = "/v1.0/card/instances"
CHAT_CONVERT_PATH = "/v1.0/im/chat/{chat_id}/convertToOpenConversationId"
MEDIA_UPLOAD_PATH = "/media/upload"  # the older API (oapi.dingtalk.com), token in the query

TOKEN_HEADER = "x-acs-dingtalk-access-token"
# A token is renewed this long before DingTalk says it expires (it lasts 7,200 s).
TOKEN_MARGIN_SECONDS = 300.0
# A rate limit that asks for no longer than this is waited out here, up to RATE_RETRIES times.
SHORT_WAIT_SECONDS = 2.0
RATE_RETRIES = 3
# Retries of calls that cannot deliver twice, after a network error or a 5xx answer.
SAFE_RETRIES = 2
REQUEST_TIMEOUT = httpx.Timeout(20.0, connect=10.0)

# Codes of the newer API (HTTP 4xx with {"code", "message"}) that mean "rate limited".
_RATE_CODE_PARTS = ("QpsLimit", "Throttling", "FlowControl", "TooFast", "LimitExceeded")
# …and those that mean the robot cannot reach the chat.
_CHAT_GONE_CODES = (
    "invalid.openConversationId",
    "invalidParameter.openConversationId",
    "invalidParameter.robotCode.empty",  # "check whether the bot is in the group"
    "robot.not.in.group",
    "bot.stopped",
    "chat.not.exist",
)
_TOKEN_CODES = ("InvalidAuthentication", "invalidAuthentication", "Unauthorized")
# The older API's errcodes: an invalid or expired token; rate limits.
_OLD_TOKEN_ERRCODES = {40001, 40014, 42001}
_OLD_RATE_ERRCODES = {88, 90002, 90006, 90018, 90019}

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any]
    retry_after: float | None


class OpenApi:
    """One app's calls to DingTalk; `close()` when done (it owns its HTTP client if made one)."""

    def __init__(
        self,
        credentials: Credentials,
        endpoints: Endpoints,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.credentials = credentials
        self.endpoints = endpoints
        self._http = http or httpx.AsyncClient(timeout=REQUEST_TIMEOUT)
        self._owns_http = http is None
        self._clock = clock
        self._sleep = sleep
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # --- the access token -------------------------------------------------------------------

    async def access_token(self) -> str:
        """The app's access token, asked for again shortly before it expires."""
        async with self._token_lock:
            if self._token is None or self._clock() >= self._token_expires:
                await self._fetch_token()
            assert self._token is not None
            return self._token

    def forget_token(self) -> None:
        self._token = None

    async def _fetch_token(self) -> None:
        body = {"appKey": self.credentials.client_id, "appSecret": self.credentials.client_secret}
        answer = await self._safely(lambda: self._post(self.endpoints.api + TOKEN_PATH, body))
        if answer.status in (400, 401, 403) and not _is_rate_limit(answer):
            raise CredentialsRejected(
                f"DingTalk rejected the client id {self.credentials.client_id} with the secret "
                f"{mask_secret(self.credentials.client_secret)} ({_reason(answer)})"
            )
        self._raise_for(answer, chat=None)
        token = answer.body.get("accessToken")
        if not isinstance(token, str) or not token:
            raise TemporaryFailure(
                f"DingTalk answered the token request without a token: {answer.body}"
            )
        expires_in = float(answer.body.get("expireIn") or 7200)
        self._token = token
        self._token_expires = self._clock() + max(60.0, expires_in - TOKEN_MARGIN_SECONDS)

    # --- sending ------------------------------------------------------------------------------

    async def send(self, chat: ChatRef, msg_key: str, msg_param: str) -> str:
        """Send one robot message to a group or a person; its `processQueryKey`."""
        if chat.is_group:
            body: dict[str, Any] = {
                "robotCode": self.credentials.robot_code,
                "openConversationId": chat.key,
                "msgKey": msg_key,
                "msgParam": msg_param,
            }
            answer = await self._call(GROUP_SEND_PATH, body, chat=chat, safe=False)
        else:
            body = {
                "robotCode": self.credentials.robot_code,
                "userIds": [chat.key],
                "msgKey": msg_key,
                "msgParam": msg_param,
            }
            answer = await self._call(PRIVATE_SEND_PATH, body, chat=chat, safe=False)
            if chat.key in (answer.get("invalidStaffIdList") or []):
                raise ChatUnavailable(chat, f"DingTalk knows no staff id {chat.key}")
            if chat.key in (answer.get("flowControlledStaffIdList") or []):
                raise RetryLater(60.0, f"DingTalk holds back messages to {chat.key} for now")
        key = answer.get("processQueryKey")
        if not isinstance(key, str) or not key:
            raise DeliveryUnknown(f"DingTalk answered a send without a processQueryKey: {answer}")
        return key

    async def recall(self, chat: ChatRef, keys: list[str]) -> set[str]:
        """Take sent messages back (nothing shows in the chat); the keys recalled."""
        body: dict[str, Any] = {"robotCode": self.credentials.robot_code, "processQueryKeys": keys}
        if chat.is_group:
            body["openConversationId"] = chat.key
            answer = await self._call(GROUP_RECALL_PATH, body, chat=chat, safe=True)
        else:
            answer = await self._call(PRIVATE_RECALL_PATH, body, chat=chat, safe=True)
        failed = answer.get("failedResult") or {}
        if failed:
            log.info("DingTalk could not recall %s in %s: %s", list(failed), chat, failed)
        return set(answer.get("successResult") or [])

    async def create_card(
        self, chat: ChatRef, *, out_track_id: str, template_id: str, params: dict[str, str]
    ) -> None:
        """Create an interactive card and deliver it to the chat; its clicks come back on the
        Stream (callbackType STREAM). The `outTrackId` makes a retry deliver it once."""
        body: dict[str, Any] = {
            "cardTemplateId": template_id,
            "outTrackId": out_track_id,
            "callbackType": "STREAM",
            "cardData": {"cardParamMap": params},
            "userIdType": 1,  # staff ids
        }
        robot = self.credentials.robot_code
        if chat.is_group:
            body["openSpaceId"] = f"dtv1.card//IM_GROUP.{chat.key}"
            body["imGroupOpenSpaceModel"] = {"supportForward": False}
            body["imGroupOpenDeliverModel"] = {"robotCode": robot}
        else:
            body["openSpaceId"] = f"dtv1.card//IM_ROBOT.{chat.key}"
            body["imRobotOpenSpaceModel"] = {"supportForward": False}
            body["imRobotOpenDeliverModel"] = {"spaceType": "IM_ROBOT", "robotCode": robot}
        answer = await self._call(CARD_CREATE_PATH, body, chat=chat, safe=True)
        results = (answer.get("result") or {}).get("deliverResults") or []
        failed = [r for r in results if not r.get("success", True)]
        if failed:
            reason = str(failed[0].get("errorMsg") or "not delivered")
            raise ChatUnavailable(chat, f"DingTalk did not deliver the card to {chat}: {reason}")

    async def update_card(self, out_track_id: str, params: dict[str, str]) -> None:
        """Redraw a card: the given parameters replace those it shows."""
        body = {
            "outTrackId": out_track_id,
            "cardData": {"cardParamMap": params},
            "cardUpdateOptions": {"updateCardDataByKey": True},
        }
        await self._call(CARD_UPDATE_PATH, body, chat=None, safe=True, method="PUT")

    async def upload_media(self, name: str, content: bytes, media_type: str) -> str:
        """Upload a file (media_type "file" or "image"); its media id."""
        url = f"{self.endpoints.oapi}{MEDIA_UPLOAD_PATH}"
        for attempt in range(2):
            token = await self.access_token()

            async def post(token: str = token) -> _Answer:
                response = await self._http.post(
                    url,
                    params={"access_token": token, "type": media_type},
                    data={"type": media_type},
                    files={"media": (name, content, "application/octet-stream")},
                )
                return _read(response)

            answer = await self._safely(post)
            errcode = answer.body.get("errcode", 0 if answer.status < 400 else answer.status)
            if errcode in _OLD_TOKEN_ERRCODES and attempt == 0:
                self.forget_token()
                continue
            if errcode in _OLD_RATE_ERRCODES:
                raise RetryLater(answer.retry_after or 1.0, _reason(answer))
            if answer.status >= 500:
                raise TemporaryFailure(f"DingTalk could not take the upload ({_reason(answer)})")
            if errcode:
                raise MessageRejected(f"DingTalk refused the file {name}: {_reason(answer)}")
            media_id = answer.body.get("media_id")
            if not isinstance(media_id, str) or not media_id:
                raise TemporaryFailure(
                    f"DingTalk answered an upload without a media id: {answer.body}"
                )
            return media_id
        raise CredentialsRejected("DingTalk refused the renewed access token for an upload")

    async def open_conversation_id(self, chat_id: str) -> str:
        """A group's `openConversationId` from the older `chatId` (group events carry it)."""
        path = CHAT_CONVERT_PATH.format(chat_id=chat_id)
        answer = await self._call(path, {}, chat=None, safe=True)
        value = answer.get("openConversationId")
        if not isinstance(value, str) or not value:
            raise TemporaryFailure(f"DingTalk did not convert chat {chat_id}: {answer}")
        return value

    # --- one call -------------------------------------------------------------------------------

    async def _call(
        self,
        path: str,
        body: dict[str, Any],
        *,
        chat: ChatRef | None,
        safe: bool,
        method: str = "POST",
    ) -> dict[str, Any]:
        """POST (or PUT) `body` with the token; retried as the module docstring says."""
        url = self.endpoints.api + path
        token_renewed = False
        rate_waits = 0
        while True:
            token = await self.access_token()

            async def request(token: str = token) -> _Answer:
                response = await self._http.request(
                    method, url, json=body, headers={TOKEN_HEADER: token}
                )
                return _read(response)

            answer = await (self._safely(request) if safe else self._once(request))
            if answer.status == 401 or answer.body.get("code") in _TOKEN_CODES:
                if token_renewed:
                    raise CredentialsRejected(
                        f"DingTalk refused the access token ({_reason(answer)})"
                    )
                self.forget_token()
                token_renewed = True
                continue
            if _is_rate_limit(answer):
                wait = answer.retry_after if answer.retry_after is not None else 1.0
                if wait <= SHORT_WAIT_SECONDS and rate_waits < RATE_RETRIES:
                    rate_waits += 1
                    await self._sleep(wait * rate_waits)
                    continue
                raise RetryLater(wait, f"DingTalk rate limit on {path}: {_reason(answer)}")
            self._raise_for(answer, chat=chat, sent=not safe)
            return answer.body

    async def _once(self, request: Callable[[], Awaitable[_Answer]]) -> _Answer:
        """A call that may deliver: sent once; a lost answer is DeliveryUnknown."""
        try:
            return await request()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TemporaryFailure(f"cannot reach DingTalk: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise DeliveryUnknown(f"no answer from DingTalk: {exc!r}") from exc

    async def _safely(self, request: Callable[[], Awaitable[_Answer]]) -> _Answer:
        """A call that cannot deliver twice: network errors and 5xx are tried again."""
        for attempt in range(SAFE_RETRIES + 1):
            last = attempt == SAFE_RETRIES
            try:
                answer = await request()
            except httpx.TransportError as exc:
                if last:
                    raise TemporaryFailure(f"cannot reach DingTalk: {exc!r}") from exc
            else:
                if answer.status < 500 or last:
                    return answer
            await self._sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    async def _post(self, url: str, body: dict[str, Any]) -> _Answer:
        return _read(await self._http.post(url, json=body))

    def _raise_for(self, answer: _Answer, *, chat: ChatRef | None, sent: bool = False) -> None:
        if answer.status < 400:
            return
        code = str(answer.body.get("code") or "")
        if chat is not None and (code in _CHAT_GONE_CODES or answer.status == 404):
            raise ChatUnavailable(chat, f"DingTalk: {_reason(answer)}")
        if answer.status >= 500:
            if sent and answer.status == 500:
                raise DeliveryUnknown(f"DingTalk failed while sending ({_reason(answer)})")
            raise TemporaryFailure(f"DingTalk failed ({_reason(answer)})")
        raise MessageRejected(f"DingTalk refused the request ({_reason(answer)})")


def _read(response: httpx.Response) -> _Answer:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = {"message": response.text[:300]}
    if not isinstance(body, dict):
        body = {"value": body}
    retry_after: float | None = None
    header = response.headers.get("Retry-After")
    if header:
        try:
            retry_after = max(0.0, float(header))
        except ValueError:
            retry_after = None
    return _Answer(response.status_code, body, retry_after)


def _is_rate_limit(answer: _Answer) -> bool:
    if answer.status == 429:
        return True
    code = str(answer.body.get("code") or "")
    return answer.status in (400, 403) and any(part in code for part in _RATE_CODE_PARTS)


def _reason(answer: _Answer) -> str:
    code = answer.body.get("code") or answer.body.get("errcode") or answer.status
    message = answer.body.get("message") or answer.body.get("errmsg") or ""
    return f"{code}: {message}" if message else str(code)
