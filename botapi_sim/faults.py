"""What can go wrong between the bot and Telegram, decided reproducibly per request.

`FaultPlan` injects 429s, 5xx, slow answers, "kicked" and "migrated" errors at seeded rates;
`FloodControl` enforces Telegram-like rate limits (L per second overall, 20 a minute a group).
"""

from __future__ import annotations

import enum
import math
import random
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

# Faults and flood control touch only the methods that deliver something to a chat.
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageText"})
# Telegram's flood control counts new messages; edits are cheap there.
RATE_LIMITED_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


class FaultKind(enum.StrEnum):
    RETRY_AFTER = "retry_after"  # 429 Too Many Requests with parameters.retry_after
    SERVER_ERROR = "server_error"  # 500 or 502
    SLOW = "slow"  # delivered, but answered after the client's read timeout
    FORBIDDEN = "forbidden"  # 403 bot was kicked (chosen chats)
    MIGRATED = "migrated"  # 400 group upgraded to a supergroup (chosen chats)


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int = 0  # HTTP status for SERVER_ERROR (500 or 502)


@dataclass
class FaultPlan:
    """Which faults to inject into send-type calls and how often (rates are 0..1).

    Draws come from `random.Random(seed)`, so the same run sees the same faults. Chats in
    `kicked_chats` always answer 403; chats in `migrated_chats` (old id -> new id) always
    answer 400 with `migrate_to_chat_id`, and the new id works.
    """

    retry_after_rate: float = 0.0
    retry_after_seconds: int = 1
    server_error_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 2.0  # must exceed the client's read timeout to make it time out
    kicked_chats: Collection[int] = frozenset()
    migrated_chats: Mapping[int, int] = field(default_factory=dict)
    seed: int = 0
    methods: Collection[str] = SEND_METHODS
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rates = (self.retry_after_rate, self.server_error_rate, self.slow_rate)
        if any(not 0.0 <= rate <= 1.0 for rate in rates) or sum(rates) > 1.0 + 1e-9:
            raise ValueError(f"fault rates must be within 0..1 and sum to at most 1: {rates}")
        if self.retry_after_seconds < 1:
            raise ValueError("retry_after_seconds must be at least 1 (Telegram sends integers)")
        self.rng = random.Random(self.seed)

    def draw(self, method: str, chat_id: int | None) -> Fault | None:
        """The fault for this request, or None to let it through."""
        if method not in self.methods:
            return None
        if chat_id is not None and chat_id in self.kicked_chats:
            return Fault(FaultKind.FORBIDDEN)
        if chat_id is not None and chat_id in self.migrated_chats:
            return Fault(FaultKind.MIGRATED)
        roll = self.rng.random()
        if roll < self.retry_after_rate:
            return Fault(FaultKind.RETRY_AFTER)
        roll -= self.retry_after_rate
        if roll < self.server_error_rate:
            return Fault(FaultKind.SERVER_ERROR, status=self.rng.choice((500, 502)))
        roll -= self.server_error_rate
        if roll < self.slow_rate:
            return Fault(FaultKind.SLOW)
        return None


@dataclass
class RateLimits:
    """Telegram-like flood control: `global_per_second` overall (None: unlimited) and
    `group_per_minute` into one group or supergroup (None: unlimited), sliding windows."""

    global_per_second: int | None = None
    group_per_minute: int | None = 20
    methods: Collection[str] = RATE_LIMITED_METHODS


class FloodControl:
    """Sliding-window counters; `check` says how long to wait, `record` counts a delivery."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    @staticmethod
    def _trim(window: deque[float], now: float, span: float) -> None:
        while window and window[0] <= now - span:
            window.popleft()

    @staticmethod
    def _wait(window: deque[float], now: float, span: float) -> int:
        # Telegram answers whole seconds, at least one.
        return max(1, math.ceil(window[0] + span - now))

    def check(self, method: str, chat_id: int | None, is_group: bool, now: float) -> int | None:
        """Seconds to wait (the 429's retry_after) or None when the request may pass."""
        if method not in self.limits.methods:
            return None
        limit = self.limits.global_per_second
        if limit is not None:
            self._trim(self._global, now, 1.0)
            if len(self._global) >= limit:
                return self._wait(self._global, now, 1.0)
        limit = self.limits.group_per_minute
        if limit is not None and is_group and chat_id is not None:
            window = self._groups.get(chat_id)
            if window is not None:
                self._trim(window, now, 60.0)
                if len(window) >= limit:
                    return self._wait(window, now, 60.0)
        return None

    def record(self, method: str, chat_id: int | None, is_group: bool, now: float) -> None:
        if method not in self.limits.methods:
            return
        if self.limits.global_per_second is not None:
            self._global.append(now)
        if self.limits.group_per_minute is not None and is_group and chat_id is not None:
            self._groups.setdefault(chat_id, deque()).append(now)
