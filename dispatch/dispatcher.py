"""A chat platform's events into the core, the core's answers back through the platform.

    dispatcher = Dispatcher(services, platform, hooks=Hooks(flush=…, schedules_changed=…))
    await platform.run(dispatcher)          # the dispatcher is the platform's event sink

A message that starts with a command runs it under the access policy (the table in
`dispatch.table`); any other message addressed to the bot in a department's group is a
report, attributed by (chat, the chat's open cycle, sender) where the platform cannot say
what it answers; buttons and membership changes go where Telegram's handlers send them.
Every event's numbers (chat, sender) are made in its own session first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from commands.gate import CommandArgs, run_gated
from coordination.pace import HEADROOM
from coordination.roles import Access
from dispatch import reports
from dispatch.membership import apply_membership
from dispatch.table import CALLER_ID, CALLER_NAME, COMMANDS, CommandSpec
from messages.common import render_not_here, render_not_yet, render_refusal
from messages.i18n import Translator
from messages.outgoing import Outgoing
from runtime.platform import (
    ButtonPress,
    ChatEvent,
    ChatPlatform,
    ChatRef,
    IncomingMessage,
    MembershipChange,
    MessageRef,
    PlatformError,
    UserRef,
)
from runtime.platform.addresses import chat_number, user_number, user_of
from runtime.services import Services

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[Any]]
# The web dashboard's commands: its sign-in is Telegram's, so only there.
WEB_ONLY = ("dashboard", "screen")
# Commands whose answers need more than the table gives (a return tells the department's
# chats): not wired to this door yet.
NOT_YET = ("return",)


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Hooks:
    """What the running bot does after a command changed things: wake the outbox worker,
    rebuild the schedule jobs."""

    flush: Hook = _nothing
    schedules_changed: Hook = _nothing


@dataclass(frozen=True)
class Where:
    """An event's chat and sender as the core's numbers, and the configured admins'."""

    chat_id: int
    user_id: int
    admin_ids: tuple[int, ...]
    mentioned: tuple[tuple[int, str], ...] = ()


@dataclass
class Dispatcher:
    services: Services
    platform: ChatPlatform
    hooks: Hooks = field(default_factory=Hooks)
    # Admins named by the platform's own ids (DingTalk staff ids), beside ADMIN_IDS' numbers.
    admin_keys: tuple[str, ...] = ()
    handled: int = 0

    async def __call__(self, event: ChatEvent) -> None:
        """The sink: one event, handled to its end; an error is logged, never raised (the
        platform would push it again, and it would fail the same way)."""
        try:
            if isinstance(event, IncomingMessage):
                await self.on_message(event)
            elif isinstance(event, ButtonPress):
                await reports.on_button(self, event)
            elif isinstance(event, MembershipChange):
                await apply_membership(self, event)
        except Exception:
            log.exception("could not handle %s", type(event).__name__)
        self.handled += 1

    # --- shared steps -----------------------------------------------------------------------

    @property
    def web_dashboard(self) -> bool:
        return self.platform.capabilities.in_chat_apps and bool(
            self.services.settings.webapp_url
        )

    @property
    def rate_per_second(self) -> float:
        settings_rate = self.services.settings.rate_limit_per_second
        return min(settings_rate, self.platform.capabilities.pacing.per_second)

    @property
    def answer_by_mention(self) -> bool:
        return not self.platform.capabilities.replies_reach_bot

    async def where(
        self, chat: ChatRef, sender: UserRef, *, title: str = "", mentions: Sequence[UserRef] = ()
    ) -> Where:
        platform = chat.platform

        def numbers(session: Session) -> Where:
            admins = [
                user_number(session, UserRef(platform, key)) for key in self.admin_keys if key
            ]
            return Where(
                chat_id=chat_number(session, chat, title=title),
                user_id=user_number(session, sender),
                admin_ids=(*self.services.settings.admin_ids, *admins),
                mentioned=tuple(_mentioned(session, u) for u in mentions),
            )

        return await self.services.db.run(numbers)

    async def translator(self, chat_id: int | None, language: str | None) -> Translator:
        try:
            return await self.services.chat_translator(chat_id, language)
        except SQLAlchemyError:
            log.warning("could not read the language of chat %s", chat_id, exc_info=True)
            return self.services.translator()

    async def say(
        self, chat: ChatRef, messages: Sequence[Outgoing], *, reply_to: MessageRef | None = None
    ) -> MessageRef | None:
        """Send the messages in order; the last one's reference (None when sending failed:
        what was recorded stays recorded)."""
        last = None
        for outgoing in messages:
            try:
                sent = await self.platform.send(chat, outgoing, reply_to=reply_to)
            except PlatformError:
                log.warning("could not answer in %s", chat, exc_info=True)
                return None
            last = sent.main
        return last

    # --- messages -----------------------------------------------------------------------------

    async def on_message(self, message: IncomingMessage) -> None:
        if not message.addressed_to_bot:
            return
        command = message.command
        if command is None and message.chat.is_group:
            await reports.on_report(self, message)
            return
        where = await self.where(
            message.chat, message.sender, title=message.chat_title, mentions=message.mentions
        )
        t = await self.translator(where.chat_id, message.sender_language)
        spec = COMMANDS.get(command.name) if command is not None else None
        if command is not None and command.name == "report":
            await reports.on_report_command(self, message, where, t, command.args)
            return
        if command is not None and command.name in WEB_ONLY and not self.web_dashboard:
            await self.say(message.chat, [render_not_here(t, command.name)])
            return
        if command is not None and command.name in NOT_YET:
            await self.say(message.chat, [render_not_yet(t, command.name)])
            return
        if spec is None:
            # Not a command of this bot (or plain words in private): what it can do here.
            spec = COMMANDS["help"]
            await self.run_command(spec, message, where, t, "")
            return
        await self.run_command(spec, message, where, t, command.args if command else "")

    def command_args(self, message: IncomingMessage, where: Where, text: str) -> CommandArgs:
        settings = self.services.settings
        # The person a command is about: the first one it @-mentions besides the bot (there
        # is no reply to their message where replies do not reach the bot).
        target = where.mentioned[0] if where.mentioned else (None, "")
        return CommandArgs(
            text=text,
            chat_id=where.chat_id,
            chat_title=message.chat_title,
            chat_type="group" if message.chat.is_group else "private",
            replied_user_id=target[0],
            replied_user_name=target[1],
            admin_ids=where.admin_ids,
            timezone=settings.bot_timezone,
            # The dashboard signs people in through Telegram: not offered elsewhere.
            dashboard_url=settings.webapp_url if self.platform.capabilities.in_chat_apps else "",
            answer_by_mention=self.answer_by_mention,
        )

    async def run_command(
        self,
        spec: CommandSpec,
        message: IncomingMessage,
        where: Where,
        t: Translator,
        text: str,
    ) -> None:
        args = self.command_args(message, where, text)
        extra: dict[str, Any] = {}
        if CALLER_ID in spec.extra:
            extra["caller_id"] = where.user_id
        if CALLER_NAME in spec.extra:
            extra["caller_name"] = _name_with_key(message.sender)
        gated = await self.services.db.run(
            run_gated,
            spec.run,
            user_id=where.user_id,
            args=args,
            now=self.services.now(),
            need=spec.need,
            place=spec.place,
            **extra,
        )
        reply_to = message.message if spec.quote else None
        if gated.access != Access.OK:
            refusal = render_refusal(t, gated.access, spec.name, spec.place)
            await self.say(message.chat, [refusal], reply_to=reply_to)
            return
        answer = gated.answer
        if spec.sets_language and getattr(answer, "locale", None):
            self.services.chat_locales[where.chat_id] = answer.locale
            t = self.services.translator(answer.locale)
        if spec.changes_schedules and getattr(answer, "changed", False):
            await self.hooks.schedules_changed()
        queued = spec.starts_cycle and answer.cycle is not None and answer.cycle.chats > 0
        if queued:
            # About how long the fan-out takes at the bot's pace on this platform.
            rate = self.rate_per_second * HEADROOM
            answer = replace(answer, seconds=answer.cycle.chats / rate)
        rendered = await asyncio.to_thread(spec.render, t, answer)
        # Answered first, so the answer comes before the report that follows the fan-out.
        await self.say(message.chat, rendered, reply_to=reply_to)
        if queued:
            await self.hooks.flush()


def _mentioned(session: Session, user: UserRef) -> tuple[int, str]:
    """A mentioned person's number and name: the platform rarely names them in a mention,
    so the name they last wrote under is taken (empty for someone never heard from)."""
    number = user_number(session, user)
    if user.name:
        return number, user.name
    known = user_of(session, number, platform=user.platform)
    return number, known.name if known is not None else ""


def _name_with_key(user: UserRef) -> str:
    """'王 联络 (manager4220)': the platform's own id beside the name, for /whoami where the
    number the core uses is not what the platform's console shows."""
    if user.platform == "telegram" or not user.key:
        return user.name
    return f"{user.name} ({user.key})" if user.name else user.key
