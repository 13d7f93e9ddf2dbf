"""How a cycle's messages are doing, as the outbox has them: sent, being sent, waiting out a
rate limit, waiting to retry after an error, failed for good in a chat (and why).

`/remind`'s report and the status views show it, so nobody reads "could not be reached" for
a reminder that another instance is sending this very second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from models.chats import Chat
from models.schedules import (
    DELIVERY_REMINDER,
    FORBIDDEN_MARK,
    RATE_LIMITED_MARK,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SENDING,
    STATUS_SENT,
    STATUS_SKIPPED,
    Delivery,
)

FAILED_REMOVED = "removed"  # the bot was removed from the chat, or blocked by the person
FAILED_GONE = "gone"  # the chat no longer exists or refuses the message for good
# Chats named in a report; beyond this only the count is given.
NAMED_FAILURES = 10


@dataclass(frozen=True)
class FailedChat:
    title: str
    why: str  # FAILED_*


@dataclass(frozen=True)
class DeliveryTally:
    """A cycle's reminders by what has become of them."""

    sent: int = 0
    sending: int = 0  # claimed by an instance, or due and about to be
    rate_limited: int = 0  # Telegram asked to wait (RetryAfter); sent after the wait
    retrying: int = 0  # a network or server error; tried again after a back-off
    failed: int = 0  # given up for good in that chat
    skipped: int = 0  # nothing left to say by the time its turn came
    failed_chats: list[FailedChat] = field(default_factory=list)

    @property
    def total(self) -> int:
        return (
            self.sent
            + self.sending
            + self.rate_limited
            + self.retrying
            + self.failed
            + self.skipped
        )

    @property
    def settled(self) -> bool:
        """Nothing is being sent any more: what is left waits for a later retry, or is done."""
        return self.sending == 0


def failure_kind(error: str | None) -> str:
    return FAILED_REMOVED if (error or "").startswith(FORBIDDEN_MARK) else FAILED_GONE


def delivery_tally(
    session: Session,
    *,
    cycle_id: int,
    now: datetime,
    kind: str = DELIVERY_REMINDER,
    chat_ids: list[int] | None = None,
) -> DeliveryTally:
    """The deliveries of one kind in a cycle (to `chat_ids` only, when given), by state."""
    query = select(Delivery.status, Delivery.not_before, Delivery.last_error, Delivery.chat_id)
    query = query.where(Delivery.cycle_id == cycle_id, Delivery.kind == kind)
    if chat_ids is not None:
        query = query.where(col(Delivery.chat_id).in_(chat_ids))
    rows = session.exec(query).all()
    counts = dict.fromkeys(("sent", "sending", "rate_limited", "retrying", "failed", "skipped"), 0)
    failed: list[tuple[int, str]] = []
    for status, not_before, error, chat_id in rows:
        if status == STATUS_SENT:
            counts["sent"] += 1
        elif status == STATUS_SKIPPED:
            counts["skipped"] += 1
        elif status == STATUS_FAILED:
            counts["failed"] += 1
            failed.append((chat_id, failure_kind(error)))
        elif status == STATUS_SENDING or (status == STATUS_PENDING and not_before <= now):
            counts["sending"] += 1
        elif (error or "").startswith(RATE_LIMITED_MARK):
            counts["rate_limited"] += 1
        elif error:
            counts["retrying"] += 1
        else:
            counts["sending"] += 1  # queued for a moment still to come
    titles: dict[int, str] = {}
    named = failed[:NAMED_FAILURES]
    if named:
        titles = {
            chat_id: title
            for chat_id, title in session.exec(
                select(Chat.id, Chat.title).where(col(Chat.id).in_([c for c, _ in named]))
            ).all()
        }
    return DeliveryTally(
        **counts,
        failed_chats=[FailedChat(titles.get(c) or str(c), why) for c, why in named],
    )
