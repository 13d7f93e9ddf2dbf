"""The demo's stage: the simulator, the running bot and simulated time, and what people do.

Each move (a message, an edit, a press, a job run) waits until the bot has answered and is
quiet again, and fails with the step named when the bot does not answer or logs an error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application

from botapi_sim.server import BotApiSimulator
from botapi_sim.updates import SimChat, SimUser
from botapi_sim.world import StoredMessage
from delivery.worker import outbox
from demo.simulated_time import SimulatedTime
from demo.transcript import render_entries
from messages import demo as says
from messages.i18n import Translator
from models.db import Database

AnyApp = Application[Any, Any, Any, Any, Any, Any]

# How long one step may take before the demo gives up and says which step it was.
STEP_TIMEOUT = 10.0
# The bot has answered once it made no call for this long (and every update is fetched).
QUIET = 0.1
# People take a few seconds between messages: the bot's clock moves on by this much after
# each move, so Telegram's pace (a group's messages 3 s apart) costs the demo no real time.
TYPING = timedelta(seconds=4)


class DemoError(Exception):
    """A step of the story did not happen as it should; the message says which."""


class ErrorCount(logging.Handler):
    """Counts the errors the bot logs (its error handler logs every failed update and job)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class Stage:
    """The simulator, the running bot and simulated time, with the moves of the story."""

    def __init__(
        self,
        sim: BotApiSimulator,
        application: AnyApp,
        clock: SimulatedTime,
        t: Translator,
        write: Callable[[str], None],
        errors: Callable[[], int] = lambda: 0,
    ) -> None:
        self.sim = sim
        self.errors = errors
        self.application = application
        self.clock = clock
        self.t = t
        self.write = write
        self.printed = 0  # transcript entries printed so far
        self.lines: list[str] = []

    has_dashboard = True  # /screen makes a kiosk link for the web dashboard
    reviews_by_button = True  # a report is returned with the 退回 buttons under its view

    def add_chat(
        self, chat: SimChat, *, members: list[SimUser], admins: list[SimUser] | None = None
    ) -> None:
        self.sim.add_chat(chat, members=members, admins=admins or [])

    def bot_messages(self, chat: SimChat) -> list[StoredMessage]:
        return self.sim.bot_messages(chat)

    @property
    def db(self) -> Database:
        return self.application.bot_data["services"].db  # type: ignore[no-any-return]

    # --- printing -----------------------------------------------------------------------
    def emit(self, text: str = "") -> None:
        self.lines.append(text)
        self.write(text)

    def heading(self, text: str) -> None:
        self.flush()
        self.emit("")
        self.emit(f"── {text}")

    def flush(self) -> None:
        """Print the transcript entries recorded since the last flush."""
        entries = self.sim.transcript
        fresh = list(enumerate(entries))[self.printed :]
        self.printed = len(entries)
        for line in render_entries(
            fresh,
            moment_of=lambda index, entry: self.clock.entry_time(index, entry.at),
            tz=self.application.bot_data["services"].settings.tz,
        ):
            self.emit(line)

    def moment(self, when: datetime) -> str:
        return self.t.datetime(when, "short")

    # --- waiting --------------------------------------------------------------------------
    async def _wait(self, predicate: Callable[[], bool], what: str, *, errors_before: int) -> None:
        """Wait for the bot's answer and its quiet; a step the bot failed on is an error."""
        try:
            await self.sim.wait_for(predicate, timeout=STEP_TIMEOUT)
            await self._settled()
        except TimeoutError:
            raise DemoError(
                self.t._(says.NO_ANSWER).format(seconds=int(STEP_TIMEOUT), what=what)
            ) from None
        if self.errors() > errors_before:
            # The bot may still have answered (its apology): the step did not do its job.
            raise DemoError(self.t._(says.BOT_ERROR).format(what=what))

    def typing(self) -> None:
        """People take a moment before the next message (see TYPING)."""
        self.clock.travel_to(self.clock.now() + TYPING)

    async def _settled(self) -> None:
        """The bot is done: the outbox sent what was due, no message waits for its turn (Telegram's
        pace holds a group's messages 3 s apart), and the simulator heard nothing for a while."""
        pace = self.application.bot_data["services"].pace
        deadline = asyncio.get_running_loop().time() + STEP_TIMEOUT
        while True:
            await asyncio.wait_for(outbox(self.application).drain(), STEP_TIMEOUT)
            await self.sim.wait_quiet(QUIET, timeout=STEP_TIMEOUT)
            if (pace is None or pace.waiting == 0) and not outbox(self.application).in_flight:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError
            await asyncio.sleep(QUIET)

    def answers_after(self, chat: SimChat, message_id: int) -> list[StoredMessage]:
        return [m for m in self.sim.bot_messages(chat) if m.message_id > message_id]

    # --- what people do -------------------------------------------------------------------
    async def send(
        self, chat: SimChat, user: SimUser, text: str, *, reply_to: int | None = None
    ) -> int:
        """A person posts (a command, or a reply); returns once the bot has answered."""
        errors = self.errors()
        message_id = self.sim.user_sends(chat, user, text, reply_to_message_id=reply_to)
        await self._wait(
            lambda: bool(self.answers_after(chat, message_id)),
            f"{chat.title}: {text[:40]}",
            errors_before=errors,
        )
        self.typing()
        return message_id

    async def edit(self, chat: SimChat, user: SimUser, message_id: int, text: str) -> None:
        before, errors = len(self.sim.bot_messages(chat)), self.errors()
        self.sim.user_edits(chat, user, message_id, text)
        await self._wait(
            lambda: len(self.sim.bot_messages(chat)) > before,
            f"{chat.title}: ✎ {text[:40]}",
            errors_before=errors,
        )
        self.typing()

    async def press(self, chat: SimChat, user: SimUser, message: StoredMessage, label: str) -> None:
        await self.press_where(
            chat, user, message, lambda b: same_label(str(b.get("text")), label), label
        )

    async def press_where(
        self,
        chat: SimChat,
        user: SimUser,
        message: StoredMessage,
        matches: Callable[[dict[str, Any]], bool],
        label: str,
    ) -> None:
        """Press the first button under `message` that `matches` (`label` names it on failure)."""
        button = next((b for b in message.buttons if matches(b)), None)
        if button is None:
            labels = [str(b.get("text")) for b in message.buttons]
            raise DemoError(
                self.t._(says.NO_BUTTON).format(
                    chat=chat.title, label=label, id=message.message_id, labels=" | ".join(labels)
                )
            )
        errors = self.errors()
        query_id = self.sim.user_presses(chat, user, message.message_id, button["callback_data"])
        await self._wait(
            lambda: self.sim.callback_answer(query_id).answered,
            f"{chat.title}: ▣ {label}",
            errors_before=errors,
        )
        self.typing()

    async def run_job(self, name: str) -> None:
        """Run a job of the bot's JobQueue now, as its trigger would."""
        job_queue = self.application.job_queue
        assert job_queue is not None
        jobs = job_queue.get_jobs_by_name(name)
        if not jobs:
            raise DemoError(self.t._(says.NO_JOB).format(name=name))
        errors = self.errors()
        await jobs[0].run(self.application)
        await self._wait(lambda: True, name, errors_before=errors)


def same_label(text: str, label: str) -> bool:
    return text.strip() == label or text.strip("（）() ") == label.strip("（）() ")
