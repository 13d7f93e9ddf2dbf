"""DingTalk as a `ChatPlatform`: the Stream in, the OpenAPI out, messages rendered on the way.

    platform = DingTalkPlatform.from_settings(load_dingtalk_settings())
    await platform.check()                    # the credentials work (at start-up)
    runner = asyncio.create_task(platform.run(sink))
    await platform.send(chat, Outgoing("<b>督办提醒</b> …", buttons=…))
    await platform.close()

What DingTalk cannot do is done the nearest way, and said in `capabilities`:
- A message cannot be edited. A message with callback buttons is sent as a card, so after a
  press it is redrawn in place (a card update); any other message is "edited" by sending
  the new text and then recalling the old (recalls leave no trace in the chat).
- A pressed button cannot pop up an alert: an alert goes to the presser as a private
  message; a plain note is left out (the redrawn card shows what the press did).
- A file has no caption: the caption is sent first, then the file. One upload serves every
  chat the same file goes to (media ids last as long as the organisation).
"""

from __future__ import annotations

import hashlib
import logging
import uuid

import httpx

from dingtalk_adapter.openapi import REQUEST_TIMEOUT, OpenApi
from dingtalk_adapter.render import (
    MSG_KEY_MARKDOWN,
    CardMessage,
    FileMessage,
    MarkdownMessage,
    card_of,
    render,
)
from dingtalk_adapter.settings import Credentials, DingTalkSettings, Endpoints
from dingtalk_adapter.stream import StreamReceiver
from messages.outgoing import File, Outgoing
from runtime.platform import (
    DINGTALK,
    ButtonPress,
    Capabilities,
    ChatKind,
    ChatRef,
    EventSink,
    MessageKind,
    MessageRef,
    Pacing,
    PlatformError,
    Sent,
)

log = logging.getLogger(__name__)

# DingTalk's standard edition allows 20 calls a second per app and API (40 professional,
# 60 exclusive); a group robot 20 messages a minute.
DINGTALK_PACING = Pacing(per_second=20.0, per_group_per_minute=20)


def dingtalk_capabilities(*, cards: bool) -> Capabilities:
    return Capabilities(
        platform=DINGTALK,
        replies_reach_bot=False,  # in a group only what @-mentions the robot
        sees_all_group_messages=False,
        has_reply_threads=False,  # quote metadata is unreliable
        can_edit_text=False,
        can_redraw_buttons=cards,
        can_recall=True,
        callback_buttons=cards,
        button_alerts=False,
        file_captions=False,
        in_chat_apps=False,
        pacing=DINGTALK_PACING,
    )


class DingTalkPlatform:
    """One DingTalk app's robot, as the core sees a chat platform."""

    def __init__(
        self,
        credentials: Credentials,
        endpoints: Endpoints,
        *,
        card_template: str = "",
        http: httpx.AsyncClient | None = None,
        api: OpenApi | None = None,
        reconnect_delays: tuple[float, ...] | None = None,
    ) -> None:
        self.credentials = credentials
        self.endpoints = endpoints
        self.card_template = card_template
        self._http = http or httpx.AsyncClient(timeout=REQUEST_TIMEOUT)
        self._owns_http = http is None
        self.api = api or OpenApi(credentials, endpoints, http=self._http)
        self._reconnect_delays = reconnect_delays
        self._media: dict[str, str] = {}  # sha256 of a file's name and bytes → media id
        self.receiver: StreamReceiver | None = None

    @classmethod
    def from_settings(cls, settings: DingTalkSettings) -> DingTalkPlatform:
        return cls(
            settings.credentials(),
            settings.endpoints(),
            card_template=settings.card_template(),
        )

    @property
    def capabilities(self) -> Capabilities:
        return dingtalk_capabilities(cards=bool(self.card_template))

    async def close(self) -> None:
        await self.api.close()
        if self._owns_http:
            await self._http.aclose()

    async def check(self) -> None:
        """Ask for an access token: the credentials work (else `CredentialsRejected`)."""
        self.api.forget_token()
        await self.api.access_token()

    # --- in -----------------------------------------------------------------------------------

    async def run(self, sink: EventSink) -> None:
        kwargs = {"reconnect_delays": self._reconnect_delays} if self._reconnect_delays else {}
        self.receiver = StreamReceiver(
            self.credentials,
            self.endpoints,
            sink,
            http=self._http,
            resolve_chat=self.api.open_conversation_id,
            **kwargs,
        )
        await self.receiver.run()

    # --- out ----------------------------------------------------------------------------------

    async def send(
        self,
        chat: ChatRef,
        message: Outgoing,
        *,
        reply_to: MessageRef | None = None,
        dedupe_key: str | None = None,
    ) -> Sent:
        # DingTalk's API cannot quote a message: `reply_to` has nowhere to go.
        robot_messages = render(message, cards=bool(self.card_template))
        # Files are uploaded before anything is sent: an upload that fails then leaves no
        # caption behind that a retry would send twice.
        for robot_message in robot_messages:
            if isinstance(robot_message, FileMessage):
                await self.upload(chat, robot_message.file)
        refs: list[MessageRef] = []
        for index, robot_message in enumerate(robot_messages):
            if isinstance(robot_message, MarkdownMessage):
                key = await self.api.send(chat, MSG_KEY_MARKDOWN, robot_message.msg_param())
                refs.append(MessageRef(chat, key))
            elif isinstance(robot_message, CardMessage):
                refs.append(await self._create_card(chat, robot_message, dedupe_key, index))
            else:
                refs.append(await self._send_file(chat, robot_message))
        if not refs:
            raise PlatformError("nothing to send: the message has no text, no file")
        return Sent(tuple(refs))

    async def _create_card(
        self, chat: ChatRef, card: CardMessage, dedupe_key: str | None, index: int
    ) -> MessageRef:
        # The same delivery sent again makes the same outTrackId: DingTalk delivers it once.
        if dedupe_key:
            out_track_id = hashlib.sha256(f"{dedupe_key}:{index}".encode()).hexdigest()[:32]
        else:
            out_track_id = uuid.uuid4().hex
        await self.api.create_card(
            chat,
            out_track_id=out_track_id,
            template_id=self.card_template,
            params=card.card_params(),
        )
        return MessageRef(chat, out_track_id, MessageKind.CARD)

    async def _send_file(self, chat: ChatRef, message: FileMessage) -> MessageRef:
        media_id = await self.upload(chat, message.file)
        key = await self.api.send(chat, message.msg_key, message.msg_param(media_id))
        return MessageRef(chat, key)

    async def upload(self, chat: ChatRef, file: File) -> str:
        digest = hashlib.sha256(file.name.encode() + b"\0" + file.content).hexdigest()
        if digest not in self._media:
            media_type = FileMessage(file).media_type
            self._media[digest] = await self.api.upload_media(file.name, file.content, media_type)
        return self._media[digest]

    async def edit(self, message: MessageRef, new: Outgoing) -> Sent:
        if message.kind == MessageKind.CARD:
            card = card_of(new)
            await self.api.update_card(message.key, card.card_params())
            refs = [message]
            if new.file is not None:  # a card holds no file: it follows
                refs.append(await self._send_file(message.chat, FileMessage(new.file)))
            return Sent(tuple(refs))
        # A text cannot change: the new one goes out first, then the old is recalled, so a
        # failure on the way never leaves the chat without either.
        sent = await self.send(message.chat, new)
        try:
            await self.api.recall(message.chat, [message.key])
        except PlatformError:
            log.warning("could not recall %s after sending its new version", message, exc_info=True)
        return sent

    async def answer_button(
        self, press: ButtonPress, *, text: str = "", alert: bool = False
    ) -> None:
        # No pop-ups on DingTalk: an alert reaches the presser alone, as a private message.
        if text and alert:
            chat = ChatRef(DINGTALK, press.sender.key, ChatKind.PRIVATE)
            await self.send(chat, Outgoing(text))
