"""The access gate: a decorator that reads a command's update, runs it under the access
policy (one database session), and answers a refusal politely in the chat's language.

    @gated("bind", need=Need.ADMIN, place=Place.GROUP)
    async def bind(call: Call) -> None:
        await call.reply(render_bind, await call.run(admin.bind))
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from telegram import Chat, Update, User
from telegram.ext import ContextTypes

from commands.gate import CommandArgs, Gated, run_gated
from coordination.roles import Access, Need, Place
from delivery import bot_api
from messages.common import render_refusal
from messages.i18n import Translator
from messages.outgoing import Outgoing
from runtime import Services, services

log = logging.getLogger(__name__)

A = TypeVar("A")
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


class Refused(Exception):
    """The gate said no; the decorator answers with the refusal."""

    def __init__(self, access: Access) -> None:
        super().__init__(access)
        self.access = access


class Quiet(Exception):
    """A stranger's flood: this command gets no answer (one went out within the minute)."""


def display_name(user: User) -> str:
    """'张 水利 (@zhang)'."""
    return f"{user.full_name} (@{user.username})" if user.username else user.full_name


def command_args(update: Update, svc: Services) -> CommandArgs:
    """What follows the command, where it was said, and whom it answers."""
    message, chat = update.effective_message, update.effective_chat
    parts = (message.text or "").split(maxsplit=1) if message is not None else []
    replied = message.reply_to_message if message is not None else None
    caller = update.effective_user
    target = replied.from_user if replied is not None else None
    if target is not None and target.is_bot:
        target = None
    return CommandArgs(
        text=parts[1] if len(parts) > 1 else "",
        chat_id=chat.id if chat is not None else None,
        chat_title=(chat.title or "") if chat is not None else "",
        chat_type=chat.type if chat is not None else Chat.PRIVATE,
        user_name=display_name(caller) if caller is not None else "",
        replied_user_id=target.id if target is not None else None,
        replied_user_name=display_name(target) if target is not None else "",
        admin_ids=tuple(svc.settings.admin_ids),
        timezone=svc.settings.bot_timezone,
        dashboard_url=svc.settings.webapp_url,
    )


@dataclass
class Call:
    """One command being handled: who, where, in which language, and how to answer."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    t: Translator
    args: CommandArgs
    now: datetime
    need: Need
    place: Place
    quote: bool  # answers quote the command (in groups), as Telegram's clients do

    @property
    def services(self) -> Services:
        return services(self.context)

    @property
    def user_id(self) -> int | None:
        user = self.update.effective_user
        return user.id if user is not None else None

    async def run(self, command: Callable[..., A], **extra: Any) -> A:
        """The command's answer, run under the gate in one session; `Refused` when not allowed."""
        update_id = self.update.update_id
        gated: Gated = await self.services.db.run(
            run_gated,
            command,
            user_id=self.user_id,
            args=self.args,
            now=self.now,
            need=self.need,
            place=self.place,
            settles=update_id,
            **extra,
        )
        if gated.settled:
            self.services.writes.note_settled(update_id)
        if gated.quiet:
            raise Quiet
        if gated.access != Access.OK:
            raise Refused(gated.access)
        return gated.answer  # type: ignore[no-any-return]

    async def reply(self, render: Callable[[Translator, A], Sequence[Outgoing]], answer: A) -> None:
        """Render the answer (off the event loop: a chart or a ledger takes a while) and send."""
        await self.send(await asyncio.to_thread(render, self.t, answer))

    async def send(self, messages: Sequence[Outgoing]) -> None:
        message, chat = self.update.effective_message, self.update.effective_chat
        for outgoing in messages:
            if self.quote and message is not None:
                await bot_api.reply(message, outgoing)
            elif chat is not None:
                await bot_api.send(self.context.bot, chat.id, outgoing)


def gated(
    name: str, *, need: Need = Need.EVERYONE, place: Place = Place.ANYWHERE, quote: bool = False
) -> Callable[[Callable[[Call], Awaitable[None]]], Callback]:
    """Make `/name`'s handler out of `body(call)`; a refusal is answered here, once."""

    def decorate(body: Callable[[Call], Awaitable[None]]) -> Callback:
        @functools.wraps(body)
        async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            svc = services(context)
            chat, user = update.effective_chat, update.effective_user
            t = await svc.chat_translator(
                chat.id if chat else None, user.language_code if user else None
            )
            args = command_args(update, svc)
            call = Call(update, context, t, args, svc.now(), need, place, quote)
            try:
                await body(call)
            except Refused as refused:
                await call.send([render_refusal(t, refused.access, name, place)])
            except Quiet:
                log.info("/%s in chat %s not answered: strangers get one answer a minute", name,
                         args.chat_id)

        return handler

    return decorate


def command(
    name: str,
    run: Callable[..., A],
    render: Callable[[Translator, A], Sequence[Outgoing]],
    *,
    need: Need = Need.EVERYONE,
    place: Place = Place.ANYWHERE,
    quote: bool = False,
) -> Callback:
    """The handler of a command that only runs and answers: `command("chats", admin.chats, …)`."""

    @gated(name, need=need, place=place, quote=quote)
    async def handler(call: Call) -> None:
        await call.reply(render, await call.run(run))

    handler.__doc__ = f"/{name}: {(run.__doc__ or '').strip().splitlines()[0]}"
    return handler
