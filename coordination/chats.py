"""Chats the bot knows: language, activity, and how often strangers in a chat get answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Table
from sqlmodel import Session

from models.chats import Chat, StrangerAnswer
from models.db import dialect_insert

# A flood from people with no role in a chat no department owns gets one answer this often.
STRANGER_QUIET = timedelta(minutes=1)


def chat_language(session: Session, *, chat_id: int) -> str | None:
    """The language chosen with /lang in this chat, or None for the bot's default."""
    chat = session.get(Chat, chat_id)
    return chat.language if chat is not None else None


def may_answer_stranger(session: Session, *, chat_id: int, now: datetime) -> bool:
    """True at most once per chat per minute (the first asker in a flood gets an answer).

    One statement decides it, so two instances answering the same flood agree.
    """
    table: Table = StrangerAnswer.__table__  # type: ignore[attr-defined]
    statement = dialect_insert(session, table).values(chat_id=chat_id, answered_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.chat_id],
        set_={"answered_at": statement.excluded.answered_at},
        where=table.c.answered_at <= now - STRANGER_QUIET,
    ).returning(table.c.chat_id)
    return session.connection().execute(statement).first() is not None
