"""The platform boundary's records: commands read the same from either platform, references
keep their platform, and a message says whether it was meant for the bot."""

from __future__ import annotations

from datetime import datetime

import pytest

from runtime.platform import (
    DINGTALK,
    TELEGRAM,
    ChatKind,
    ChatRef,
    Command,
    IncomingMessage,
    MessageRef,
    RetryLater,
    Sent,
    UserRef,
    read_command,
    telegram_chat,
)

WHEN = datetime(2024, 6, 3, 1, 30)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/bind 省水利厅", Command("bind", "省水利厅")),
        (" /Status", Command("status", "")),  # DingTalk leaves the mention's space
        ("/report 五 已完成\n第二行", Command("report", "五 已完成\n第二行")),
        ("／lang en", Command("lang", "en")),  # a Chinese keyboard's full-width slash
        ("/bind@duban_bot 省水利厅", Command("bind", "省水利厅")),
        ("（五）已完成", None),
        ("看 /status 的结果", None),
        ("/", None),
        ("/这不是命令", None),
        ("http://example.org/path", None),
    ],
)
def test_commands_are_read_the_same_on_every_platform(text: str, command: Command | None) -> None:
    assert read_command(text, bot_username="duban_bot") == command


def test_a_command_for_another_bot_is_not_ours() -> None:
    assert read_command("/status@other_bot", bot_username="duban_bot") is None
    assert read_command("/status@other_bot") == Command("status", "")


def test_references_keep_their_platform() -> None:
    assert ChatRef(TELEGRAM, "-1001") != ChatRef(DINGTALK, "-1001")
    assert telegram_chat(-100_001) == ChatRef(TELEGRAM, "-100001", ChatKind.GROUP)
    assert telegram_chat(42).kind == ChatKind.PRIVATE
    assert UserRef(DINGTALK, "0101", "张") == UserRef(DINGTALK, "0101", "张水利")
    assert (
        str(MessageRef(ChatRef(DINGTALK, "cid1=="), "pqk")) == "dingtalk:group:cid1==/message:pqk"
    )


def message(chat: ChatRef, text: str, **kw: object) -> IncomingMessage:
    sender = UserRef(chat.platform, "0101", "张水利")
    return IncomingMessage(chat, sender, MessageRef(chat, "m1"), text, WHEN, **kw)  # type: ignore[arg-type]


def test_what_is_meant_for_the_bot() -> None:
    group = ChatRef(DINGTALK, "cid1==")
    assert message(group, "（五）已完成", mentions_bot=True).addressed_to_bot
    assert not message(group, "大家好").addressed_to_bot
    assert message(group, "/status").addressed_to_bot
    assert message(ChatRef(TELEGRAM, "-5"), "（五）", reply_to_bot=True).addressed_to_bot
    assert message(ChatRef(DINGTALK, "0101", ChatKind.PRIVATE), "你好").addressed_to_bot


def test_a_send_names_the_message_buttons_sit_on() -> None:
    chat = ChatRef(DINGTALK, "cid1==")
    sent = Sent((MessageRef(chat, "caption"), MessageRef(chat, "file")))
    assert sent.main.key == "file"


def test_a_rate_limit_says_how_long_to_wait() -> None:
    assert RetryLater(42.5).seconds == 42.5
    assert "42.5" in str(RetryLater(42.5))
