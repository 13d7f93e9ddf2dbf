"""Events stored as JSON come back equal, whatever they carry; anything else is refused."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.platform import (
    Attachment,
    ButtonPress,
    ChatKind,
    ChatRef,
    IncomingMessage,
    MembershipChange,
    MembershipKind,
    MessageKind,
    MessageRef,
    UserRef,
)
from runtime.platform.stored import event_from_json, event_to_json

GROUP = ChatRef("dingtalk", "cidAbC+/==", ChatKind.GROUP)
ZHANG = UserRef("dingtalk", "0101", "张水利")
WHEN = datetime(2026, 12, 25, 1, 30, 15, 250000)

texts = st.text(max_size=200)


@settings(deadline=None, max_examples=50)  # a loaded machine is no failure
@given(text=texts, title=texts, name=texts)
def test_a_message_comes_back_as_it_came(text: str, title: str, name: str) -> None:
    message = IncomingMessage(
        chat=GROUP,
        sender=UserRef("dingtalk", "0101", name),
        message=MessageRef(GROUP, "msgXYZ"),
        text=text,
        sent_at=WHEN,
        chat_title=title,
        mentions_bot=True,
        mentions=(UserRef("dingtalk", "0201", "李"),),
        attachments=(Attachment("photo", "dl123", "a.png"),),
        sender_is_chat_admin=False,
    )
    back = event_from_json(event_to_json(message))
    assert back == message and back.sender.name == name


def test_a_press_and_a_membership_change_come_back() -> None:
    press = ButtonPress(
        press_id="frame-1", sender=ZHANG, payload="ls:1:i", pressed_at=WHEN, chat=GROUP,
        message=MessageRef(GROUP, "track1", MessageKind.CARD),
    )
    change = MembershipChange(
        chat=GROUP, kind=MembershipKind.CHAT_DISBANDED, at=WHEN, users=(ZHANG,), by=ZHANG,
        event_id="ev-1",
    )
    assert event_from_json(event_to_json(press)) == press
    assert event_from_json(event_to_json(change)) == change


@pytest.mark.parametrize("text", ["", "[]", '{"type": "message"}', '{"type": "x", "event": {}}'])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a stored event"):
        event_from_json(text)
