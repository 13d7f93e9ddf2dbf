"""Rate limits as DingTalk applies them, and errors injected on purpose.

- Per app and API, at most `per_second` calls a second (DingTalk's QPS per edition: 20 on
  the standard edition, 40 professional, 60 exclusive, as DingTalk's developer community
  answers state). Over it: HTTP 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`.
- Into one group, at most `per_group_per_minute` messages and cards in any 60 seconds (the
  20 a minute DingTalk documents for group robots). Over it: HTTP 429 with `Retry-After`;
  the code (`Throttling.GroupRobotMessageLimit`) is the simulator's own, DingTalk
  documents none for app robots.
- `Faults`: the next calls of a path answer an error chosen by the test (a status, a code,
  a `Retry-After`), or are answered slowly, after the call took effect.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

QPS_CODE = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
GROUP_LIMIT_CODE = "Throttling.GroupRobotMessageLimit"


@dataclass(frozen=True)
class RateLimits:
    per_second: int = 20
    per_group_per_minute: int = 20


@dataclass(frozen=True)
class Refusal:
    status: int
    body: dict[str, Any]
    retry_after: float | None = None


class RateWindows:
    """Sliding windows over the simulator's clock."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.clock = clock
        self._api: dict[str, deque[float]] = defaultdict(deque)
        self._groups: dict[str, deque[float]] = defaultdict(deque)

    def check_api(self, path: str) -> Refusal | None:
        now = self.clock()
        window = self._api[path]
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.limits.per_second:
            return Refusal(
                403,
                {"code": QPS_CODE, "message": "应用调用该接口的QPS超过限制 (simulated)"},
                retry_after=round(window[0] + 1.0 - now, 3),
            )
        window.append(now)
        return None

    def check_group(self, cid: str) -> Refusal | None:
        """Count one message into the group, or refuse it (counted only when taken)."""
        now = self.clock()
        window = self._groups[cid]
        while window and window[0] <= now - 60.0:
            window.popleft()
        if len(window) >= self.limits.per_group_per_minute:
            wait = max(0.001, round(window[0] + 60.0 - now, 3))
            return Refusal(
                429,
                {
                    "code": GROUP_LIMIT_CODE,
                    "message": "机器人发送群消息过于频繁: 每分钟最多20条 (simulated)",
                },
                retry_after=wait,
            )
        window.append(now)
        return None


@dataclass
class _Scripted:
    refusal: Refusal
    times: int
    after_effect: bool  # answered only after the call took effect (the answer is "lost")


@dataclass
class Faults:
    """Errors the next calls of a path answer; `server_error_rate` adds seeded 500s."""

    server_error_rate: float = 0.0
    seed: int = 0
    _scripted: dict[str, list[_Scripted]] = field(default_factory=lambda: defaultdict(list))
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def fail_next(
        self,
        path: str,
        *,
        status: int = 500,
        code: str = "ServiceUnavailable",
        message: str = "simulated failure",
        times: int = 1,
        retry_after: float | None = None,
        after_effect: bool = False,
    ) -> None:
        """The next `times` calls of `path` answer `status` with {code, message}. With
        `after_effect`, the call does its work first (a message is delivered) and only the
        answer is the error: what a client sees when an answer is lost."""
        body = {"code": code, "message": message}
        refusal = Refusal(status, body, retry_after)
        self._scripted[path].append(_Scripted(refusal, times, after_effect))

    def take(self, path: str) -> tuple[Refusal, bool] | None:
        """The fault for this call of `path`, and whether it strikes after the effect."""
        queue = self._scripted.get(path)
        if queue:
            scripted = queue[0]
            scripted.times -= 1
            if scripted.times <= 0:
                queue.pop(0)
            return scripted.refusal, scripted.after_effect
        if self.server_error_rate and self._rng.random() < self.server_error_rate:
            body = {"code": "ServiceUnavailable", "message": "simulated random failure"}
            return Refusal(500, body), False
        return None
