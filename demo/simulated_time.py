"""Simulated time for the demo: days pass in seconds, for the bot and for the people alike.

The bot reads its clock from `Services.clock_offset`; people's messages must carry the same
simulated date, because the bot decides "on time" from a message's date as Telegram sends it.
"""

from __future__ import annotations

import bisect
from datetime import UTC, datetime, timedelta
from typing import Any

from botapi_sim.server import BotApiSimulator
from models.clock import utcnow
from runtime import Services


class SimulatedTime:
    """Moves the bot's clock and dates the simulated people's messages to match.

    The simulator stamps messages with the wall clock; updates are re-dated on their way into
    its queue (the only place a person's message passes before the bot fetches it).
    """

    def __init__(self, sim: BotApiSimulator, services: Services) -> None:
        self.sim = sim
        self.services = services
        # (transcript length when the offset changed, offset): to date each transcript entry.
        self._marks: list[tuple[int, timedelta]] = [(0, services.clock_offset)]
        # A person's message keeps its first date when it is edited later.
        self._sent_dates: dict[tuple[int, int], int] = {}
        self._put = sim.queue.put
        sim.queue.put = self._put_dated  # type: ignore[method-assign]

    @property
    def offset(self) -> timedelta:
        return self.services.clock_offset

    def now(self) -> datetime:
        """The simulated time, naive UTC."""
        return self.services.now()

    def travel_to(self, moment: datetime) -> None:
        """Set the clock to `moment` (naive UTC), in whole seconds.

        Telegram dates messages in whole seconds, truncated. The offset is counted from the
        current second, so a message sent from now on is dated `moment` or later, never a
        second early (an offset with a fraction, truncated, showed 10:59 for 11:00).
        """
        offset = moment - utcnow().replace(microsecond=0)
        self.services.clock_offset = offset
        self._marks.append((len(self.sim.transcript), offset))

    def entry_time(self, index: int, real: datetime) -> datetime:
        """The simulated moment (aware UTC) of the transcript entry number `index`."""
        position = bisect.bisect_right([start for start, _ in self._marks], index) - 1
        return real.astimezone(UTC) + self._marks[max(position, 0)][1]

    def _shift(self, timestamp: int) -> int:
        return timestamp + round(self.offset.total_seconds())

    def _put_dated(self, update: dict[str, Any]) -> None:
        message = update.get("message")
        if isinstance(message, dict) and "date" in message:
            message["date"] = self._shift(message["date"])
            key = (message["chat"]["id"], message["message_id"])
            self._sent_dates[key] = message["date"]
        edited = update.get("edited_message")
        if isinstance(edited, dict):
            key = (edited["chat"]["id"], edited["message_id"])
            edited["date"] = self._sent_dates.get(key, self._shift(edited["date"]))
            if "edit_date" in edited:
                edited["edit_date"] = self._shift(edited["edit_date"])
        self._put(update)
