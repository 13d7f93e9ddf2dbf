"""Granting and revoking the admin and coordinator roles; the coordinators' and leaders' chats.

Admins from ADMIN_IDS live in the settings and cannot be removed from Telegram; the ones
added with /admin add are `UserRole` rows like coordinators.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from coordination.bindings import ensure_chat
from models.chats import Chat, UserRole


def grant_role(
    session: Session,
    *,
    user_id: int,
    role: str,
    display_name: str = "",
    added_by: int | None = None,
) -> bool:
    """Give `user_id` the role; False when they already had it."""
    existing = session.exec(
        select(UserRole).where(UserRole.user_id == user_id, UserRole.role == role)
    ).first()
    if existing is not None:
        if display_name and existing.display_name != display_name:
            existing.display_name = display_name[:200]
            session.add(existing)
        return False
    session.add(
        UserRole(user_id=user_id, role=role, display_name=display_name[:200], added_by=added_by)
    )
    try:
        session.flush()
    except IntegrityError:  # granted at the same moment by another admin
        session.rollback()
        return False
    return True


def revoke_role(session: Session, *, user_id: int, role: str) -> bool:
    """Take the role away; False when the user did not have it."""
    existing = session.exec(
        select(UserRole).where(UserRole.user_id == user_id, UserRole.role == role)
    ).first()
    if existing is None:
        return False
    session.delete(existing)
    session.flush()
    return True


def role_holders(session: Session, *, role: str) -> list[UserRole]:
    return list(
        session.exec(
            select(UserRole).where(UserRole.role == role).order_by(UserRole.added_at)
        ).all()
    )


def set_coordinators_chat(
    session: Session, *, chat_id: int, on: bool, title: str = "", chat_type: str = "group"
) -> bool:
    """Mark or unmark the coordinators' chat; False when it already was in that state."""
    chat = ensure_chat(session, chat_id=chat_id, title=title, chat_type=chat_type)
    if chat.is_coordinators == on:
        return False
    chat.is_coordinators = on
    session.add(chat)
    return True


def set_leaders_chat(
    session: Session, *, chat_id: int, on: bool, title: str = "", chat_type: str = "group"
) -> bool:
    """Mark or unmark the leaders' chat; False when it already was in that state."""
    chat = ensure_chat(session, chat_id=chat_id, title=title, chat_type=chat_type)
    if chat.is_leaders == on:
        return False
    chat.is_leaders = on
    session.add(chat)
    return True


def leaders_chat_ids(session: Session) -> list[int]:
    """Active chats marked as the leaders' chat (they get the 通报 and what is escalated)."""
    return list(
        session.exec(
            select(Chat.id).where(col(Chat.is_leaders).is_(True), col(Chat.is_active).is_(True))
        ).all()
    )


def coordinators_chat_ids(session: Session) -> list[int]:
    """Active chats marked as the coordinators' chat."""
    return list(
        session.exec(
            select(Chat.id).where(
                col(Chat.is_coordinators).is_(True), col(Chat.is_active).is_(True)
            )
        ).all()
    )
