"""The number the core knows a text-keyed chat or person by, and the address behind a number.

    number = number_of(session, platform="dingtalk", kind=ADDRESS_CHAT, key="cid6Ke…==")
    address_of(session, number)  # → Address("dingtalk", "chat", "cid6Ke…==")

Called first in an update's session: a number made at the same moment by another process
ends in an IntegrityError, and the session is rolled back before the winner's row is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.addresses import ADDRESS_BASE, ADDRESS_CHAT, ADDRESS_USER, PlatformAddress


@dataclass(frozen=True)
class Address:
    platform: str
    kind: str  # ADDRESS_CHAT or ADDRESS_USER
    key: str
    label: str = ""


def number_of(session: Session, *, platform: str, kind: str, key: str, label: str = "") -> int:
    """The address's number, given the first time it is seen; `label` is kept up to date."""
    if kind not in (ADDRESS_CHAT, ADDRESS_USER) or not key:
        raise ValueError(f"not an address: {platform} {kind} {key!r}")
    row = _find(session, platform, kind, key)
    if row is None:
        row = PlatformAddress(platform=platform, kind=kind, key=key, label=label[:200])
        session.add(row)
        try:
            session.flush()
        except IntegrityError:  # given at the same moment by another process
            session.rollback()
            row = _find(session, platform, kind, key)
            assert row is not None
    elif label and row.label != label[:200]:
        row.label = label[:200]
        session.add(row)
    return row.number


def address_of(session: Session, number: int) -> Address | None:
    """The address behind a number, or None for numbers that are no address (Telegram's)."""
    row_id = abs(number) - ADDRESS_BASE
    if row_id <= 0:
        return None
    row = session.get(PlatformAddress, row_id)
    if row is None or row.number != number:
        return None
    return Address(row.platform, row.kind, row.key, row.label)


def _find(session: Session, platform: str, kind: str, key: str) -> PlatformAddress | None:
    return session.exec(
        select(PlatformAddress).where(
            PlatformAddress.platform == platform,
            PlatformAddress.kind == kind,
            PlatformAddress.key == key,
        )
    ).first()
