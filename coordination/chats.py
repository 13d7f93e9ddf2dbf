"""Chats the bot knows: language, activity, and which departments a chat is bound to."""

from __future__ import annotations

from sqlmodel import Session

from models.chats import Chat


def chat_language(session: Session, *, chat_id: int) -> str | None:
    """The language chosen with /lang in this chat, or None for the bot's default."""
    chat = session.get(Chat, chat_id)
    return chat.language if chat is not None else None
