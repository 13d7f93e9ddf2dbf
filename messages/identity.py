"""What /whoami (and the first lines of /start) say: the user's id, the chat's id, the roles.

The first step of every set-up: the first admin reads their id here and puts it in ADMIN_IDS.
"""

from __future__ import annotations

import html

from coordination.roles import Roles
from messages.i18n import Translator
from messages.reminders import bold


def role_names(t: Translator, roles: Roles) -> list[str]:
    names = []
    if roles.is_admin:
        names.append(t._("admin"))
    if roles.can_coordinate and not roles.is_admin:
        names.append(t._("coordinator"))
    if roles.is_liaison:
        names.append(t._("liaison"))
    return names


def render_ids(t: Translator, *, user_id: int | None, chat_id: int, in_group: bool) -> str:
    """One line: the user's id and, in a group, the group's id (both copyable)."""
    if user_id is None:
        return t._("This chat's id: <code>{chat_id}</code>").format(chat_id=chat_id)
    if not in_group:
        return t._("Your user id: <code>{user_id}</code>").format(user_id=user_id)
    return t._(
        "Your user id: <code>{user_id}</code> · this group's id: <code>{chat_id}</code>"
    ).format(user_id=user_id, chat_id=chat_id)


def render_whoami(
    t: Translator,
    *,
    user_id: int | None,
    user_name: str,
    chat_id: int,
    chat_title: str,
    in_group: bool,
    roles: Roles,
    bound_to: list[str],
    coordinators_chat: bool,
) -> str:
    """/whoami: who is asking, where, with which roles, and the next set-up step."""
    lines = [bold(t._("Who you are here"))]
    if user_id is not None:
        lines.append(
            t._("You: {name}, user id <code>{user_id}</code>").format(
                name=html.escape(user_name), user_id=user_id
            )
        )
    if in_group:
        lines.append(
            t._("This group: {title}, chat id <code>{chat_id}</code>").format(
                title=html.escape(chat_title), chat_id=chat_id
            )
        )
        if bound_to:
            lines.append(
                t._("Bound to: {names}.").format(
                    names="、".join(f"<b>{html.escape(n)}</b>" for n in bound_to)
                )
            )
        if coordinators_chat:
            lines.append(t._("This is the coordinators' chat."))
    else:
        lines.append(
            t._("This chat: private, chat id <code>{chat_id}</code>").format(chat_id=chat_id)
        )
    names = role_names(t, roles)
    if names:
        lines.append(t._("Your roles here: {roles}.").format(roles="、".join(names)))
    else:
        lines.append(t._("Your roles here: none."))
    if not roles.is_admin and user_id is not None and not in_group:
        lines.append("")
        lines.append(
            t._(
                "To make yourself the first admin, put ADMIN_IDS={user_id} in the bot's "
                "environment (.env) and restart it; an admin can also add you with "
                "/admin add {user_id}."
            ).format(user_id=user_id)
        )
    elif roles.is_admin and in_group and not bound_to and not coordinators_chat:
        lines.append("")
        lines.append(
            t._(
                "Next: bind this group to its department with {bind}, or mark it as the "
                "coordinators' chat with /coordinators_chat."
            ).format(bind=html.escape("/bind " + t._("<department>")))
        )
    return "\n".join(lines)
