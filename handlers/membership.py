"""The bot's own membership: removed from a chat, added back, and groups that migrate.

Registered in group -1 so a chat that moved or dropped the bot is up to date before any
other handler sees an update of the same batch.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.ext import (
    Application,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from coordination.membership import migrate_chat
from delivery import bot_api
from delivery.worker import wake_outbox
from dispatch.membership import change_chat
from messages.common import render_greeting
from models.clock import to_naive_utc
from runtime import services
from runtime.platform import MembershipChange, MembershipKind, telegram_chat

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
GONE = {ChatMember.LEFT, ChatMember.BANNED}
PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}


def membership_change(change: ChatMemberUpdated) -> MembershipChange | None:
    """The bot's own membership change as the boundary's record (None: nothing changed)."""
    chat = change.chat
    old, new = change.old_chat_member.status, change.new_chat_member.status
    kind = None
    if new in GONE or (
        new == ChatMember.RESTRICTED and not getattr(change.new_chat_member, "is_member", True)
    ):
        kind = MembershipKind.BOT_REMOVED
    elif new in PRESENT and (old in GONE or old == ChatMember.RESTRICTED):
        kind = MembershipKind.BOT_ADDED
    if kind is None:
        return None
    return MembershipChange(
        chat=telegram_chat(chat.id),
        kind=kind,
        at=to_naive_utc(change.date),
        chat_title=chat.title or "",
    )


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Removed → inactive and coordinators told once; added (back) → active, owed sends go.

    The change itself is the platform-free `dispatch.membership.change_chat`, as on DingTalk.
    """
    change = update.my_chat_member
    if change is None:
        return
    record = membership_change(change)
    if record is None:
        return
    svc = services(context)
    chat = change.chat
    _chat_id, changed = await svc.db.run(
        change_chat,
        change=record,
        now=svc.now(),
        fallback_chat_ids=tuple(svc.settings.admin_ids),
        chat_type=chat.type,
    )
    if record.kind == MembershipKind.BOT_REMOVED:
        if changed:
            log.info("bot removed from chat %s; its deliveries stop", chat.id)
            wake_outbox(context.application)  # the notice to the coordinators
        return
    if changed:
        log.info("bot added back to chat %s; resuming", chat.id)
        wake_outbox(context.application)
    elif chat.type != chat.PRIVATE:
        user = update.effective_user
        t = await svc.chat_translator(chat.id, user.language_code if user else None)
        await bot_api.send(context.bot, chat.id, render_greeting(t))


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: move everything to the new id, send what is owed."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old_id, new_id = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old_id, new_id = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if await services(context).db.run(migrate_chat, old_id=old_id, new_id=new_id):
        log.info("chat %s migrated to %s", old_id, new_id)
        services(context).move_locale(old_id, new_id)
        wake_outbox(context.application)


def register(application: AnyApp) -> None:
    """Membership and migration handlers, in group -1 (before everything else)."""
    application.add_handler(
        ChatMemberHandler(my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER), group=-1
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated), group=-1)
