"""What the admin-side handlers share: who is speaking, in which language, and the refusal.

A command outside the caller's role gets one short polite refusal; nothing changes.
"""

from __future__ import annotations

from telegram import Chat as TgChat
from telegram import Update
from telegram.ext import ContextTypes

from coordination.roles import Roles, resolve_roles
from messages.i18n import Translator
from runtime import services


def is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in {TgChat.GROUP, TgChat.SUPERGROUP}


async def roles_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Roles:
    svc = services(context)
    user = update.effective_user
    chat = update.effective_chat
    return await svc.db.run(
        resolve_roles,
        user_id=user.id if user else None,
        chat_id=chat.id if chat else None,
        admin_ids=svc.settings.admin_ids,
    )


async def translator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    """The chat's translator (a private chat without /lang follows the user's language)."""
    user = update.effective_user
    chat = update.effective_chat
    return await services(context).chat_translator(
        chat.id if chat else None, user.language_code if user else None
    )


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Send `text` (HTML) to the chat the update came from."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text)


async def refuse_admin_only(
    update: Update, context: ContextTypes.DEFAULT_TYPE, t: Translator, command: str
) -> None:
    await answer(
        update, context, t._("Sorry, only admins can use /{command}.").format(command=command)
    )


async def refuse_coordinators_only(
    update: Update, context: ContextTypes.DEFAULT_TYPE, t: Translator, command: str
) -> None:
    await answer(
        update,
        context,
        t._("Sorry, only admins and coordinators can use /{command}.").format(command=command),
    )


async def hint_group_only(
    update: Update, context: ContextTypes.DEFAULT_TYPE, t: Translator, command: str
) -> None:
    await answer(
        update,
        context,
        t._(
            "Please use /{command} inside the group chat it is about: add the bot to "
            "the department's group and send the command there."
        ).format(command=command),
    )


def display_name(user: object) -> str:
    """'张 水利 (@zhang)' from a telegram.User-like object."""
    full = str(getattr(user, "full_name", "") or "")
    username = getattr(user, "username", None)
    return f"{full} (@{username})" if username else full
