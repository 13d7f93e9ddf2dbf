"""The demo's stage on DingTalk: the same story, told to the bot through a DingTalk simulator.

People @ the robot instead of replying (a report belongs to the latest reminder of its group),
correct a report by sending it again (a DingTalk text cannot be edited), and press the
buttons of interactive cards. Each move waits until the bot acknowledged the push, which it
does once it has answered; days pass in seconds as in the Telegram demo.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from assembly import DingTalkBot
from botapi_sim.transcript import TranscriptEntry
from botapi_sim.updates import SimChat, SimUser
from delivery.worker import outbox
from demo.stage import TYPING, DemoError, same_label
from demo.transcript import render_entries
from dingtalk_sim import frames
from dingtalk_sim.server import DingTalkSimulator
from dingtalk_sim.world import Card, SimGroup
from dingtalk_sim.world import SimUser as DingTalkUser
from messages import demo as says
from messages.i18n import Translator
from models.clock import utcnow
from models.db import Database

log = logging.getLogger(__name__)

STEP_TIMEOUT = 10.0
ROBOT = "督办助手"


@dataclass(frozen=True)
class ShownFile:
    file_name: str
    data: bytes


@dataclass
class Shown:
    """What the robot shows in a group, in order: a Markdown message, a file or a card (as
    it looks now). `message_id` is its place in the group (1, 2, …)."""

    message_id: int
    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)
    file: ShownFile | None = None
    card: Card | None = None
    versions: int = 0  # a card's updates so far


class DingTalkTime:
    """The bot's clock moved for the story; people's messages dated to match."""

    def __init__(self, services: Any, transcript: list[TranscriptEntry]) -> None:
        self.services = services
        self.transcript = transcript
        self._marks: list[tuple[int, timedelta]] = [(0, services.clock_offset)]

    @property
    def offset(self) -> timedelta:
        return self.services.clock_offset  # type: ignore[no-any-return]

    def now(self) -> datetime:
        return self.services.now()  # type: ignore[no-any-return]

    def travel_to(self, moment: datetime) -> None:
        offset = moment - utcnow()
        self.services.clock_offset = offset
        self._marks.append((len(self.transcript), offset))

    def entry_time(self, index: int, real: datetime) -> datetime:
        position = bisect.bisect_right([start for start, _ in self._marks], index) - 1
        return real.astimezone(UTC) + self._marks[max(position, 0)][1]


class DingTalkStage:
    """The moves of the story (`demo.run.play`) on the DingTalk simulator."""

    has_dashboard = False  # the dashboard signs people in through Telegram
    reviews_by_button = False  # the 退回 buttons are not wired on DingTalk yet

    def __init__(
        self,
        sim: DingTalkSimulator,
        bot: DingTalkBot,
        t: Translator,
        write: Callable[[str], None],
        errors: Callable[[], int] = lambda: 0,
    ) -> None:
        self.sim = sim
        self.bot = bot
        self.application = bot.application
        self.t = t
        self.write = write
        self.errors = errors
        self.transcript: list[TranscriptEntry] = []
        self.clock = DingTalkTime(bot.services, self.transcript)
        self.groups: dict[int, SimGroup] = {}
        self.titles: dict[str, str] = {}
        self.people: dict[int, DingTalkUser] = {}
        self.seen: dict[str, tuple[int, dict[str, int]]] = {}
        self.printed = 0
        self.lines: list[str] = []
        self._started = datetime.now(UTC)

    @property
    def db(self) -> Database:
        return self.bot.services.db

    # --- the cast -----------------------------------------------------------------------------

    def person(self, user: SimUser) -> DingTalkUser:
        if user.id not in self.people:
            name = f"{user.first_name}{user.last_name}" if user.last_name else user.first_name
            self.people[user.id] = self.sim.add_user(f"staff{user.id}", name)
        return self.people[user.id]

    def add_chat(
        self, chat: SimChat, *, members: list[SimUser], admins: list[SimUser] = ()  # type: ignore[assignment]
    ) -> None:
        group = self.sim.add_group(chat.title, [self.person(u) for u in [*members, *admins]])
        group.admins |= {self.person(u).staff_id for u in admins}
        self.groups[chat.id] = group
        self.titles[group.cid] = chat.title
        self.seen[group.cid] = (0, {})

    def bot_messages(self, chat: SimChat) -> list[Shown]:
        group = self.groups[chat.id]
        world = self.sim.world
        items: list[tuple[float, Shown]] = []
        for message in world.messages_in(group.cid):
            file, text = None, message.text
            # A document names its media id `mediaId`, a picture `photoURL`.
            media_id = message.param.get("mediaId") or message.param.get("photoURL")
            if isinstance(media_id, str) and media_id in world.uploads:
                upload = world.uploads[media_id]
                file = ShownFile(message.param.get("fileName") or upload.name, upload.content)
                text = file.file_name
            items.append((message.at, Shown(0, text, file=file)))
        for card in world.cards_in(group.cid):
            buttons = [b for row in card.buttons for b in row]
            shown = Shown(0, card.text, buttons, card=card, versions=len(card.history))
            items.append((card.at, shown))
        ordered = [shown for _, shown in sorted(items, key=lambda item: item[0])]
        for number, shown in enumerate(ordered, start=1):
            shown.message_id = number
        return ordered

    def answers_after(self, chat: SimChat, message_id: int) -> list[Shown]:
        return [m for m in self.bot_messages(chat) if m.message_id > message_id]

    # --- printing -----------------------------------------------------------------------------

    def emit(self, text: str = "") -> None:
        self.lines.append(text)
        self.write(text)

    def heading(self, text: str) -> None:
        self.flush()
        self.emit("")
        self.emit(f"── {text}")

    def flush(self) -> None:
        fresh = list(enumerate(self.transcript))[self.printed :]
        self.printed = len(self.transcript)
        for line in render_entries(
            fresh,
            moment_of=lambda index, entry: self.clock.entry_time(index, entry.at),
            tz=self.bot.services.settings.tz,
        ):
            self.emit(line)

    def moment(self, when: datetime) -> str:
        return self.t.datetime(when, "short")

    def _log(self, group: SimGroup, kind: str, who: str, text: str, **extra: Any) -> None:
        now = datetime.now(UTC)
        self.transcript.append(
            TranscriptEntry(
                at=now,
                elapsed=(now - self._started).total_seconds(),
                chat_id=0,
                chat_title=self.titles.get(group.cid, group.title),
                kind=kind,
                who=who,
                who_id=0,
                text=text,
                **extra,
            )
        )

    def _log_answers(self) -> None:
        """The robot's new messages and cards, and cards redrawn, since the last move."""
        for chat_id, group in self.groups.items():
            chat = SimChat(id=chat_id, title=group.title, type="supergroup")
            count, versions = self.seen[group.cid]
            shown = self.bot_messages(chat)
            for item in shown:
                buttons = tuple(str(b.get("text")) for b in item.buttons)
                key = item.card.out_track_id if item.card is not None else ""
                if item.message_id > count:
                    self._log(
                        group, "bot_message", ROBOT, item.text, message_id=item.message_id,
                        buttons=buttons, file_name=item.file.file_name if item.file else None,
                    )
                elif key and item.versions > versions.get(key, 0):
                    self._log(
                        group, "bot_edit", ROBOT, item.text, message_id=item.message_id,
                        buttons=buttons,
                    )
                if key:
                    versions[key] = item.versions
            self.seen[group.cid] = (len(shown), versions)

    # --- what people do -----------------------------------------------------------------------

    async def _settle(self, push: Any, what: str, errors_before: int) -> None:
        try:
            await self.sim.wait_acked(push, timeout=STEP_TIMEOUT)
            await self.bot.inbox.idle(timeout=STEP_TIMEOUT)
            await self._outbox_done()
        except TimeoutError:
            raise DemoError(
                self.t._(says.NO_ANSWER).format(seconds=int(STEP_TIMEOUT), what=what)
            ) from None
        self._log_answers()
        if self.errors() > errors_before:
            raise DemoError(self.t._(says.BOT_ERROR).format(what=what))

    async def send(
        self, chat: SimChat, user: SimUser, text: str, *, reply_to: int | None = None
    ) -> int:
        """A person @s the robot in the group (there is no reply on DingTalk: `reply_to` is
        what the report answers on Telegram, the latest reminder here); returns the number
        of the robot's messages in the group before its answer."""
        self.typing()
        group, person = self.groups[chat.id], self.person(user)
        before = len(self.bot_messages(chat))
        errors = self.errors()
        data = frames.robot_message(self.sim.world, person, text, group=group)
        # Dated in the story's time: the bot decides "on time" from it.
        data["createAt"] += int(self.clock.offset.total_seconds() * 1000)
        self._log(group, "message", person.name, f"@{ROBOT} {text}")
        push = await self.sim.push_callback(frames.TOPIC_ROBOT, data)
        await self._settle(push, f"{chat.title}: {text[:40]}", errors)
        return before

    async def edit(self, chat: SimChat, user: SimUser, message_id: int, text: str) -> None:
        """A DingTalk text cannot be edited: the correction is a new @-message."""
        await self.send(chat, user, text)

    async def press(self, chat: SimChat, user: SimUser, message: Shown, label: str) -> None:
        button = next((b for b in message.buttons if same_label(str(b.get("text")), label)), None)
        if button is None or message.card is None:
            labels = [str(b.get("text")) for b in message.buttons]
            raise DemoError(
                self.t._(says.NO_BUTTON).format(
                    chat=chat.title, label=label, id=message.message_id, labels=" | ".join(labels)
                )
            )
        self.typing()
        group, person = self.groups[chat.id], self.person(user)
        errors = self.errors()
        self._log(group, "press", person.name, str(button.get("text")),
                  message_id=message.message_id)
        push = await self.sim.press_button(message.card, person, str(button.get("text")))
        await self._settle(push, f"{chat.title}: ▣ {label}", errors)

    async def _outbox_done(self) -> None:
        """What the outbox owes is sent: none waits for its turn (a group's messages 3 s
        apart) nor is in flight."""
        worker = outbox(self.application)
        pace = self.bot.services.pace
        async with asyncio.timeout(STEP_TIMEOUT):
            while True:
                await worker.drain()
                if (pace is None or pace.waiting == 0) and not worker.in_flight:
                    return
                await asyncio.sleep(0.05)

    def typing(self) -> None:
        """People take a moment before the next message: the bot's clock moves on, so a
        group's pace (3 s between messages) costs the demo no real time."""
        self.clock.travel_to(self.clock.now() + TYPING)

    async def run_job(self, name: str) -> None:
        job_queue = self.application.job_queue
        jobs = job_queue.get_jobs_by_name(name) if job_queue is not None else []
        if not jobs:
            raise DemoError(self.t._(says.NO_JOB).format(name=name))
        errors = self.errors()
        await jobs[0].run(self.application)
        try:
            await self._outbox_done()
        except TimeoutError:
            raise DemoError(
                self.t._(says.NO_ANSWER).format(seconds=int(STEP_TIMEOUT), what=name)
            ) from None
        self._log_answers()
        if self.errors() > errors:
            raise DemoError(self.t._(says.BOT_ERROR).format(what=name))
