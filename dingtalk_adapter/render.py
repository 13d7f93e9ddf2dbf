"""`Outgoing` records as DingTalk robot messages: Markdown, an interactive card, a file.

    for robot_message in render(outgoing, cards=True):
        ...  # MarkdownMessage → sampleMarkdown, CardMessage → a card, FileMessage → a media
             # upload, then sampleFile (documents) or sampleImageMsg (photos)

- Text becomes `sampleMarkdown` ({title, text}); a text too long for one message is cut
  into pages with the house's tag-safe splitter (`messages.html.split_html`) before it is
  converted, so a page never ends inside a bold word or a link.
- Buttons that call the bot back make the message an interactive card (only a card can be
  redrawn after a press). Link buttons alone stay Markdown, as links under the text.
- A file is a message of its own on DingTalk: its caption goes first, as Markdown.

Limits: `msgParam` of /v1.0/robot/groupMessages/send "must not exceed 15,000 bytes"
(DingTalk's "Send group chat messages with a bot" reference,
help.dingtalk.io/open/development/the-robot-sends-a-group-message). The JSON-encoded
parameters are measured in UTF-8 bytes, so a page of Chinese holds about 4,800 characters.
Cards get the same budget for their Markdown (no figure is documented for them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from dingtalk_adapter.markdown import html_to_markdown, title_of
from messages.html import cut_lines, split_html
from messages.outgoing import BUTTON_CALLBACK, FILE_PHOTO, Button, File, Outgoing

MSG_PARAM_LIMIT = 15_000  # bytes of msgParam, UTF-8 (see the module docstring)

MSG_KEY_MARKDOWN = "sampleMarkdown"
MSG_KEY_FILE = "sampleFile"
MSG_KEY_IMAGE = "sampleImageMsg"

# Media upload types (oapi /media/upload `type`).
MEDIA_FILE = "file"
MEDIA_IMAGE = "image"

CARD_CALLBACK = "callback"
CARD_LINK = "link"


@dataclass(frozen=True)
class MarkdownMessage:
    title: str
    text: str

    def msg_param(self) -> str:
        return _param({"title": self.title, "text": self.text})


@dataclass(frozen=True)
class CardButton:
    text: str
    kind: str  # CARD_CALLBACK (the payload comes back on the Stream) or CARD_LINK
    payload: str = ""  # CARD_CALLBACK: what the press hands back
    url: str = ""  # CARD_LINK: the address it opens

    def as_json(self) -> dict[str, str]:
        shown = {"text": self.text, "kind": self.kind}
        return shown | (
            {"payload": self.payload} if self.kind == CARD_CALLBACK else {"url": self.url}
        )


@dataclass(frozen=True)
class CardMessage:
    """An interactive card: a title, Markdown, rows of buttons.

    `card_params` is the card's `cardParamMap` (DingTalk wants every value a string): the
    card template (DINGTALK_CARD_TEMPLATE_ID) shows `title` and `markdown`, and renders
    `buttons`, a JSON list of rows of {text, kind, payload | url}; a callback button sends
    its `payload` back as the callback's `params.payload`.
    """

    title: str
    markdown: str
    buttons: tuple[tuple[CardButton, ...], ...] = ()

    def card_params(self) -> dict[str, str]:
        rows = [[button.as_json() for button in row] for row in self.buttons]
        return {
            "title": self.title,
            "markdown": self.markdown,
            "buttons": json.dumps(rows, ensure_ascii=False),
        }


@dataclass(frozen=True)
class FileMessage:
    """A file to upload (`media_type`) and then send as `msg_key`."""

    file: File

    @property
    def media_type(self) -> str:
        return MEDIA_IMAGE if self.file.kind == FILE_PHOTO else MEDIA_FILE

    @property
    def msg_key(self) -> str:
        return MSG_KEY_IMAGE if self.file.kind == FILE_PHOTO else MSG_KEY_FILE

    def msg_param(self, media_id: str) -> str:
        if self.file.kind == FILE_PHOTO:
            # photoURL takes a web address or the media id of an upload.
            return _param({"photoURL": media_id})
        return _param(
            {"mediaId": media_id, "fileName": self.file.name, "fileType": file_type(self.file)}
        )


RobotMessage = MarkdownMessage | CardMessage | FileMessage


def _param(values: dict[str, str]) -> str:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def param_size(msg_param: str) -> int:
    return len(msg_param.encode("utf-8"))


def file_type(file: File) -> str:
    """The extension DingTalk shows the file as ("xlsx"), from its name."""
    suffix = PurePosixPath(file.name).suffix.lstrip(".").lower()
    return suffix or "file"


def render(message: Outgoing, *, cards: bool = True) -> list[RobotMessage]:
    """The robot messages one `Outgoing` becomes, in the order they are sent.

    `cards=False` when no card template is configured: callback buttons cannot be shown
    then and are left out (link buttons still are, as links).
    """
    callback = [b for row in message.buttons for b in row if b.kind == BUTTON_CALLBACK]
    if callback and cards:
        out: list[RobotMessage] = [card_of(message)]
    else:
        labels = [b.label for row in message.buttons for b in row if b.kind != BUTTON_CALLBACK]
        fallback = labels[0] if labels else ""
        out = list(_markdown_pages(message.text, _link_lines(message.buttons), fallback))
    if message.file is not None:
        out.append(FileMessage(message.file))
    return out


def card_of(message: Outgoing) -> CardMessage:
    """The message as one card: its buttons stay under its text, so the text is cut, not split."""
    rows = tuple(tuple(_card_button(b) for b in row) for row in message.buttons if row)
    buttons_size = param_size(json.dumps([[b.as_json() for b in r] for r in rows]))
    budget = MSG_PARAM_LIMIT - buttons_size - 200  # the title and the JSON around them
    text = message.text
    markdown = html_to_markdown(text)
    limit = len(text)
    while param_size(json.dumps(markdown, ensure_ascii=False)) > budget and limit > 1:
        limit = limit * 3 // 4
        markdown = html_to_markdown(cut_lines(text, limit))
    return CardMessage(title_of(text), markdown, rows)


def _card_button(button: Button) -> CardButton:
    if button.kind == BUTTON_CALLBACK:
        return CardButton(button.label, CARD_CALLBACK, payload=button.payload)
    # A link or the platform's in-chat app: DingTalk opens a web address.
    return CardButton(button.label, CARD_LINK, url=button.payload)


def _link_lines(rows: tuple[tuple[Button, ...], ...]) -> str:
    """Link buttons as Markdown links, one row a line."""
    lines = []
    for row in rows:
        links = [
            f"[{_label(b.label)}]({_target(b.payload)})"
            for b in row
            if b.kind != BUTTON_CALLBACK and re.match(r"https?://", b.payload, re.I)
        ]
        if links:
            lines.append(" · ".join(links))
    return "  \n".join(lines)


def _label(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>~|])", r"\\\1", text)


def _target(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def _markdown_pages(text: str, links: str, fallback_title: str = "") -> list[MarkdownMessage]:
    """`text` as Markdown messages that each fit MSG_PARAM_LIMIT; the links end the last."""
    if not text.strip() and not links:
        return []
    title = title_of(text) if text.strip() else (fallback_title or "…")
    limit = max(len(text), 1)
    while True:
        pages = split_html(text, limit) if text.strip() else [""]
        rendered = [html_to_markdown(page) for page in pages]
        if links:
            rendered[-1] = f"{rendered[-1]}\n\n{links}" if rendered[-1] else links
        messages = [MarkdownMessage(title, page) for page in rendered if page.strip()]
        largest = max((param_size(m.msg_param()) for m in messages), default=0)
        if largest <= MSG_PARAM_LIMIT or limit <= 64:
            return messages
        # Markdown and JSON escapes make pages grow unevenly: aim for the budget by the
        # largest page's bytes per character, a little under, until every page fits.
        limit = max(64, min(limit * 9 // 10, int(limit * MSG_PARAM_LIMIT / largest * 0.95)))
