"""Text-keyed chats and people get numbers the core can key them by: stable, signed like
Telegram's, never meeting a Telegram id, and readable back."""

from __future__ import annotations

import threading

from coordination.addresses import Address, address_of, number_of
from models.addresses import ADDRESS_BASE, ADDRESS_CHAT, ADDRESS_USER
from models.db import Database


def test_a_group_gets_a_negative_number_and_a_person_a_positive_one(db: Database) -> None:
    group = db.call(number_of, platform="dingtalk", kind=ADDRESS_CHAT, key="cidA==")
    person = db.call(number_of, platform="dingtalk", kind=ADDRESS_USER, key="0101")
    assert group < -ADDRESS_BASE and person > ADDRESS_BASE
    assert db.call(number_of, platform="dingtalk", kind=ADDRESS_CHAT, key="cidA==") == group


def test_the_same_key_on_another_platform_or_kind_is_another_address(db: Database) -> None:
    numbers = {
        db.call(number_of, platform=p, kind=k, key="same")
        for p in ("dingtalk", "wecom")
        for k in (ADDRESS_CHAT, ADDRESS_USER)
    }
    assert len(numbers) == 4


def test_a_number_reads_back_as_its_address_with_the_name_last_seen(db: Database) -> None:
    number = db.call(number_of, platform="dingtalk", kind=ADDRESS_USER, key="0101", label="张")
    db.call(number_of, platform="dingtalk", kind=ADDRESS_USER, key="0101", label="张水利")
    assert db.call(address_of, number) == Address("dingtalk", ADDRESS_USER, "0101", "张水利")


def test_telegram_ids_and_unknown_numbers_are_no_address(db: Database) -> None:
    number = db.call(number_of, platform="dingtalk", kind=ADDRESS_CHAT, key="cidA==")
    for other in (-100_001, 1001, 0, -number, ADDRESS_BASE + 999):
        assert db.call(address_of, other) is None


def test_two_processes_naming_one_address_at_once_agree(db: Database) -> None:
    results: list[int] = []

    def name_it() -> None:
        results.append(db.call(number_of, platform="dingtalk", kind=ADDRESS_CHAT, key="cidB=="))

    threads = [threading.Thread(target=name_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 6
