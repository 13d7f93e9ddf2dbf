"""Message records as DingTalk robot messages: which kind, in which order, within which size."""

from __future__ import annotations

import json

from dingtalk_adapter.render import (
    MSG_PARAM_LIMIT,
    CardMessage,
    FileMessage,
    MarkdownMessage,
    param_size,
    render,
)
from messages.outgoing import BUTTON_LINK, FILE_PHOTO, Button, File, Outgoing, button_rows


def test_a_plain_text_is_one_markdown_message() -> None:
    (message,) = render(Outgoing("<b>已记录</b>"))
    assert message == MarkdownMessage("已记录", "**已记录**")
    assert json.loads(message.msg_param()) == {"title": "已记录", "text": "**已记录**"}


def test_a_page_of_the_house_size_in_chinese_fits_one_message() -> None:
    # The renderers cut views at Telegram's 4,096 characters: such a page, all Chinese and
    # bold, still fits DingTalk's 15,000 bytes.
    line = "<b>（十二）</b>" + "省直有关部门按职责分工负责" * 3
    text = "\n".join([line] * (4096 // (len(line) + 1)))
    assert len(text) <= 4096
    (message,) = render(Outgoing(text))
    assert param_size(message.msg_param()) <= MSG_PARAM_LIMIT


def test_a_long_text_is_pages_that_each_fit() -> None:
    text = "\n".join(f"第{n}行：" + "进展顺利，" * 30 for n in range(200))
    pages = render(Outgoing(text))
    assert len(pages) > 1
    assert all(isinstance(p, MarkdownMessage) for p in pages)
    assert all(param_size(p.msg_param()) <= MSG_PARAM_LIMIT for p in pages)  # type: ignore[union-attr]
    (title,) = {p.title for p in pages}  # type: ignore[union-attr]
    assert title.startswith("第0行：进展顺利") and title.endswith("…") and len(title) == 64
    for n in (0, 100, 199):
        assert sum(f"第{n}行：" in p.text for p in pages) == 1  # type: ignore[union-attr]


def test_callback_buttons_make_one_card_whose_text_is_cut_to_fit() -> None:
    buttons = button_rows([[Button(f"（{n}）", f"rc:1:{n}") for n in range(5)]])
    long = "\n".join("进展顺利" * 40 for _ in range(200))
    (card,) = render(Outgoing(long, buttons=buttons))
    assert isinstance(card, CardMessage)
    params = card.card_params()
    assert len(json.dumps(params, ensure_ascii=False).encode()) <= MSG_PARAM_LIMIT
    assert card.markdown.endswith("…")
    assert json.loads(params["buttons"])[0][4] == {
        "text": "（4）",
        "kind": "callback",
        "payload": "rc:1:4",
    }


def test_a_card_keeps_its_link_buttons_beside_the_callback_ones() -> None:
    buttons = button_rows(
        [[Button("（五）", "rc:1:5")], [Button("看板", "https://x.org/d", BUTTON_LINK)]]
    )
    (card,) = render(Outgoing("选择", buttons=buttons))
    assert isinstance(card, CardMessage)
    assert card.buttons[1][0].as_json() == {
        "text": "看板",
        "kind": "link",
        "url": "https://x.org/d",
    }


def test_a_file_follows_its_caption_and_knows_its_type() -> None:
    caption, document = render(Outgoing("台账", file=File("督办台账.XLSX", b"PK")))
    assert isinstance(caption, MarkdownMessage) and isinstance(document, FileMessage)
    assert (document.media_type, document.msg_key) == ("file", "sampleFile")
    assert json.loads(document.msg_param("@lAm")) == {
        "mediaId": "@lAm",
        "fileName": "督办台账.XLSX",
        "fileType": "xlsx",
    }


def test_a_photo_without_caption_is_one_image_message() -> None:
    (photo,) = render(Outgoing("", file=File("chart.png", b"\x89PNG", FILE_PHOTO)))
    assert isinstance(photo, FileMessage)
    assert (photo.media_type, photo.msg_key) == ("image", "sampleImageMsg")
    assert json.loads(photo.msg_param("@lAp")) == {"photoURL": "@lAp"}


def test_nothing_to_say_is_no_message() -> None:
    assert render(Outgoing("  \n ")) == []
