"""References as the numbers the core keys chats and people by, and back.

Telegram's ids are numbers already and are used as they are (nothing is stored); other
platforms' text ids get a number from `coordination.addresses` the first time they are seen.
Run inside an update's session (`Database.run`), first.
"""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from coordination.addresses import address_of, number_of
from models.addresses import ADDRESS_CHAT, ADDRESS_USER
from models.db import Database
from runtime.platform.refs import TELEGRAM, ChatKind, ChatRef, MessageRef, UserRef, telegram_chat

# Message numbers of text-keyed platforms: 53 bits of a hash, so no table is needed and the
# same message always has the same number (a key pushed twice is recognised as a copy).
_MESSAGE_BITS = 53


def chat_number(session: Session, chat: ChatRef, *, title: str = "") -> int:
    """The core's number for a chat; a private chat has its person's number, as on Telegram."""
    if chat.platform == TELEGRAM:
        return int(chat.key)
    kind = ADDRESS_CHAT if chat.is_group else ADDRESS_USER
    return number_of(session, platform=chat.platform, kind=kind, key=chat.key, label=title)


def user_number(session: Session, user: UserRef) -> int:
    if user.platform == TELEGRAM:
        return int(user.key)
    return number_of(
        session, platform=user.platform, kind=ADDRESS_USER, key=user.key, label=user.name
    )


def chat_of(session: Session, number: int, *, platform: str) -> ChatRef | None:
    """The chat behind the core's number on `platform` (None when it is none of its chats)."""
    if platform == TELEGRAM:
        return telegram_chat(number)
    address = address_of(session, number)
    if address is None or address.platform != platform:
        return None
    kind = ChatKind.GROUP if address.kind == ADDRESS_CHAT else ChatKind.PRIVATE
    return ChatRef(address.platform, address.key, kind)


async def chat_reference(db: Database, number: int, *, platform: str) -> ChatRef | None:
    """`chat_of` in a session of its own, and none at all where none is needed (Telegram's
    numbers are its ids): the outbox asks this for every delivery."""
    if platform == TELEGRAM:
        return telegram_chat(number)
    return await db.run(chat_of, number, platform=platform)


def user_of(session: Session, number: int, *, platform: str) -> UserRef | None:
    if platform == TELEGRAM:
        return UserRef(TELEGRAM, str(number))
    address = address_of(session, number)
    if address is None or address.platform != platform or address.kind != ADDRESS_USER:
        return None
    return UserRef(address.platform, address.key, address.label)


def message_number(message: MessageRef) -> int:
    """The core's number for a message: Telegram's id, else a stable hash of the key
    (positive, below 2^53; the core only compares message numbers within one chat)."""
    if message.chat.platform == TELEGRAM:
        return int(message.key)
    digest = hashlib.sha256(f"{message.kind}:{message.key}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> (64 - _MESSAGE_BITS)) or 1
