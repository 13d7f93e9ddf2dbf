"""References as the core's numbers: Telegram's unchanged, DingTalk's given and read back."""

from __future__ import annotations

from sqlmodel import select

from models.addresses import PlatformAddress
from models.db import Database
from runtime.platform import DINGTALK, TELEGRAM, ChatKind, ChatRef, UserRef
from runtime.platform.addresses import chat_number, chat_of, user_number, user_of


def test_telegram_ids_are_the_numbers_themselves_and_nothing_is_stored(db: Database) -> None:
    group = ChatRef(TELEGRAM, "-100001")
    assert db.call(chat_number, group) == -100_001
    assert db.call(user_number, UserRef(TELEGRAM, "2001")) == 2001
    assert db.call(chat_of, -100_001, platform=TELEGRAM) == group
    assert db.call(chat_of, 2001, platform=TELEGRAM) == ChatRef(TELEGRAM, "2001", ChatKind.PRIVATE)
    assert db.call(lambda s: s.exec(select(PlatformAddress)).all()) == []


def test_a_dingtalk_group_and_person_get_numbers_shaped_like_telegrams(db: Database) -> None:
    water = ChatRef(DINGTALK, "cid6KeBBLoveMJOGXoYKF5x7EeiodoA==")
    zhang = UserRef(DINGTALK, "0101", "张水利")
    group_number = db.call(chat_number, water, title="省水利厅 督办群")
    person = db.call(user_number, zhang)
    assert group_number < 0 < person
    # The private chat with a person is that person's number, as on Telegram.
    assert db.call(chat_number, ChatRef(DINGTALK, "0101", ChatKind.PRIVATE)) == person
    assert db.call(chat_of, group_number, platform=DINGTALK) == water
    assert db.call(chat_of, person, platform=DINGTALK) == ChatRef(
        DINGTALK, "0101", ChatKind.PRIVATE
    )
    back = db.call(user_of, person, platform=DINGTALK)
    assert back == zhang and back is not None and back.name == "张水利"


def test_a_number_of_another_platform_is_not_mistaken_for_a_chat(db: Database) -> None:
    number = db.call(chat_number, ChatRef(DINGTALK, "cidX=="))
    assert db.call(chat_of, number, platform="wecom") is None
    assert db.call(user_of, number, platform=DINGTALK) is None  # a group is no person
    assert db.call(chat_of, -100_001, platform=DINGTALK) is None
