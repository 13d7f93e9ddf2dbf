"""Counters the simulator keeps for tests and benchmarks: deliveries, duplicates, faults.

Read `BotApiSimulator.stats`; `as_dict()` gives a printable summary.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SimStats:
    """What happened on the wire.

    - `delivered`: messages stored per chat (sendMessage, sendPhoto, sendDocument);
    - `duplicates`: deliveries whose chat and content equal an earlier delivery's;
    - `too_many_requests`: every 429 answered (injected or from flood control);
    - `rate_limited`: the 429s from flood control alone;
    - `faults`: injected faults by kind (see `FaultKind`);
    - `rejected`: error answers that are Telegram's own rules (bad HTML, too long, ...);
    - `requests`: calls per method;
    - `arrivals`: (time.monotonic(), chat id) of every delivery, to measure achieved rates.
    """

    delivered: Counter[int] = field(default_factory=Counter)
    duplicates: int = 0
    duplicates_by_chat: Counter[int] = field(default_factory=Counter)
    too_many_requests: int = 0
    rate_limited: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    arrivals: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, chat_id)
    _seen: set[tuple[Any, ...]] = field(default_factory=set, repr=False)

    @property
    def total_delivered(self) -> int:
        return sum(self.delivered.values())

    def count_delivery(self, chat_id: int, content: tuple[Any, ...]) -> None:
        self.delivered[chat_id] += 1
        self.arrivals.append((time.monotonic(), chat_id))
        key = (chat_id, *content)
        if key in self._seen:
            self.duplicates += 1
            self.duplicates_by_chat[chat_id] += 1
        else:
            self._seen.add(key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.total_delivered,
            "chats": len(self.delivered),
            "duplicates": self.duplicates,
            "too_many_requests": self.too_many_requests,
            "rate_limited": self.rate_limited,
            "faults": dict(self.faults),
            "rejected": dict(self.rejected),
            "requests": dict(self.requests),
        }
