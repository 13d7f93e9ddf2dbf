"""Admin commands: binding chats to departments, roles, the coordinators' chat, /measures.

/bind, /unbind, /coordinators_chat work in a group; /chats, /admin, /coordinator anywhere;
/measures lists a bound chat's measures (or a named department's, for coordinators).
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from coordination.admins import grant_role, revoke_role, role_holders, set_coordinators_chat
from coordination.bindings import (
    BindResult,
    bind_departments,
    chat_departments,
    chats_overview,
    unbind_departments,
)
from coordination.duties import duties
from coordination.schedules import UnknownDepartment, resolve_department
from handlers.access import (
    answer,
    display_name,
    hint_group_only,
    is_group,
    refuse_admin_only,
    roles_of,
    translator,
)
from handlers.runtime import services
from handlers.scheduling import unknown_department_text
from messages.i18n import Translator
from messages.reminders import DepartmentTasks, TaskLine, bold, due_suffix, role_text
from models.chats import ROLE_ADMIN, ROLE_COORDINATOR

AnyApp = Application[Any, Any, Any, Any, Any, Any]
MESSAGE_BUDGET = 3900


def _gap(label: str) -> str:
    """No space after a bracketed label: "（五）建设…" reads as one phrase."""
    return "" if label.endswith(("）", ")")) else " "


def chunks(lines: list[str], budget: int = MESSAGE_BUDGET) -> list[str]:
    """Lines joined into messages that each stay under Telegram's 4,096 characters."""
    messages: list[str] = []
    current = ""
    for line in lines:
        line = line[:budget]
        if current and len(current) + 1 + len(line) > budget:
            messages.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        messages.append(current)
    return messages


async def _admin_gate(
    update: Update, context: ContextTypes.DEFAULT_TYPE, command: str, *, group_only: bool = False
) -> Translator | None:
    """The translator when the caller may run an admin command here, else None (answered)."""
    t = await translator(update, context)
    roles = await roles_of(update, context)
    if not roles.is_admin:
        await refuse_admin_only(update, context, t, command)
        return None
    if group_only and not is_group(update):
        await hint_group_only(update, context, t, command)
        return None
    return t


def _args_text(update: Update) -> str:
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message else []
    return parts[1].strip() if len(parts) > 1 else ""


# --- /bind, /unbind, /chats ------------------------------------------------------------


def render_bind_result(t: Translator, result: BindResult) -> str:
    if result.refused:
        lines = [t._("Nothing was bound.")]
        for name, suggestions in result.unknown:
            if suggestions:
                lines.append(
                    t._("• No department called {name}. Did you mean: {suggestions}?").format(
                        name=html.escape(name),
                        suggestions="、".join(html.escape(s) for s in suggestions),
                    )
                )
            else:
                lines.append(t._("• No department called {name}.").format(name=html.escape(name)))
        for group, members in result.groups:
            if members:
                lines.append(
                    t._(
                        "• {group} is a group of departments, not one department; bind "
                        "each member's own chat instead: {members}."
                    ).format(
                        group=html.escape(group), members="、".join(html.escape(m) for m in members)
                    )
                )
            else:
                lines.append(
                    t._(
                        "• {group} is a group of departments, not one department; bind "
                        "each member's own chat instead."
                    ).format(group=html.escape(group))
                )
        return "\n".join(lines)
    lines = []
    if result.bound:
        lines.append(t._("This chat is now bound to:"))
        for name, leads, supports in result.bound:
            lines.append(
                "• <b>{name}</b> — {counts}".format(
                    name=html.escape(name),
                    counts=t._("{leads} to lead, {supports} to support").format(
                        leads=leads, supports=supports
                    ),
                )
            )
    for name in result.already:
        lines.append(t._("• {name} was already bound to this chat.").format(name=html.escape(name)))
    for name, others in result.elsewhere:
        lines.append(
            t._(
                "Note: {name} is also bound to {chats}; each of those chats gets the reminders."
            ).format(name=html.escape(name), chats="、".join(html.escape(o) for o in others))
        )
    if result.bound:
        lines.append(
            t._(
                "Everyone in this chat can now see its measures with /measures and "
                "answer the reminders."
            )
        )
    return "\n".join(lines) or t._("Name at least one department: /bind 省水利厅；省能源局")


async def bind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/bind <department>[；<department>…] in a group (admins)."""
    t = await _admin_gate(update, context, "bind", group_only=True)
    if t is None:
        return
    text = _args_text(update)
    if not text:
        await answer(update, context, t._("Name at least one department: /bind 省水利厅；省能源局"))
        return
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    result = await services(context).db.run(
        bind_departments,
        chat_id=chat.id,
        text=text,
        title=chat.title or "",
        chat_type=chat.type,
        user_id=user.id if user else None,
    )
    await answer(update, context, render_bind_result(t, result))


async def unbind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unbind [department…] in a group (admins): all bindings, or the named ones."""
    t = await _admin_gate(update, context, "unbind", group_only=True)
    if t is None:
        return
    chat = update.effective_chat
    assert chat is not None
    removed, missing = await services(context).db.run(
        unbind_departments, chat_id=chat.id, text=_args_text(update)
    )
    lines = []
    if removed:
        lines.append(
            t._("No longer bound to: {names}.").format(
                names="、".join(html.escape(n) for n in removed)
            )
        )
    if missing:
        lines.append(
            t._("Not bound to this chat: {names}.").format(
                names="、".join(html.escape(n) for n in missing)
            )
        )
    if not removed and not missing:
        lines.append(t._("This chat was not bound to any department."))
    await answer(update, context, "\n".join(lines))


async def chats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/chats (admins): bound chats, and departments with measures but no chat yet."""
    t = await _admin_gate(update, context, "chats")
    if t is None:
        return
    overview = await services(context).db.run(chats_overview)
    lines = [bold(t._("Bound chats"))]
    if not overview.chats:
        lines.append(
            # The placeholder's angle brackets are text, not markup.
            html.escape(
                t._("None yet. In each department's group, an admin sends /bind <department>.")
            )
        )
    for chat in overview.chats:
        state = "" if chat.is_active else " " + t._("(bot removed: no reminders)")
        lines.append(
            "• {title}{state}: {names}".format(
                title=html.escape(chat.title or str(chat.chat_id)),
                state=state,
                names="、".join(html.escape(n) for n in chat.departments),
            )
        )
    lines.append("")
    lines.append(bold(t._("Coordinators’ chat")))
    if overview.coordinators_chats:
        lines.extend(
            "• " + html.escape(title or str(cid)) for cid, title in overview.coordinators_chats
        )
    else:
        lines.append(t._("None: send /coordinators_chat in the coordinators' group."))
    lines.append("")
    lines.append(
        "<b>"
        + html.escape(
            t.ngettext(
                "{count} department has measures but no chat yet",
                "{count} departments have measures but no chat yet",
                len(overview.unbound_departments),
            ).format(count=len(overview.unbound_departments))
        )
        + "</b>"
    )
    if overview.unbound_departments:
        lines.append("、".join(html.escape(n) for n in overview.unbound_departments))
    for text in chunks(lines):
        await answer(update, context, text)


# --- /admin, /coordinator, /coordinators_chat -------------------------------------------


async def _role_command(update: Update, context: ContextTypes.DEFAULT_TYPE, role: str) -> None:
    command = "admin" if role == ROLE_ADMIN else "coordinator"
    t = await _admin_gate(update, context, command)
    if t is None:
        return
    svc = services(context)
    args = context.args or []
    action = args[0].lower() if args else "list"
    role_name = t._("admin") if role == ROLE_ADMIN else t._("coordinator")
    if action == "list":
        holders = await svc.db.run(role_holders, role=role)
        lines = [t._("Users with the role {role}:").format(role=role_name)]
        if role == ROLE_ADMIN:
            lines.extend(
                t._("• {id} (from ADMIN_IDS)").format(id=a) for a in svc.settings.admin_ids
            )
        lines.extend(f"• {h.user_id} {html.escape(h.display_name)}" for h in holders)
        if len(lines) == 1:
            lines.append(t._("nobody yet"))
        await answer(update, context, "\n".join(lines))
        return
    if action not in {"add", "remove"}:
        await answer(
            update,
            context,
            t._(
                "Use /{command} add|remove|list: reply to the "
                "person's message, or give their user id."
            ).format(command=command),
        )
        return
    message = update.effective_message
    target_id: int | None = None
    name = ""
    replied = message.reply_to_message if message else None
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        target_id = replied.from_user.id
        name = display_name(replied.from_user)
    elif len(args) > 1 and args[1].lstrip("-").isdecimal() and len(args[1]) < 20:
        target_id = int(args[1])
    if target_id is None:
        await answer(
            update,
            context,
            t._(
                "Whom? Reply to the person's message with /{command} "
                "{action}, or give their numeric user id."
            ).format(command=command, action=action),
        )
        return
    user = update.effective_user
    if action == "add":
        added = await svc.db.run(
            grant_role,
            user_id=target_id,
            role=role,
            display_name=name,
            added_by=user.id if user else None,
        )
        text = t._("{who} is now {role}.") if added else t._("{who} already was {role}.")
    else:
        if role == ROLE_ADMIN and target_id in svc.settings.admin_ids:
            await answer(
                update,
                context,
                t._("{who} is an admin through ADMIN_IDS in the settings; change it there.").format(
                    who=target_id
                ),
            )
            return
        removed = await svc.db.run(revoke_role, user_id=target_id, role=role)
        text = (
            t._("{who} is no longer {role}.")
            if removed
            else t._("{who} did not have the role {role}.")
        )
    who = html.escape(name) if name else str(target_id)
    await answer(update, context, text.format(who=who, role=role_name))


async def admin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/admin add|remove|list (admins)."""
    await _role_command(update, context, ROLE_ADMIN)


async def coordinator_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/coordinator add|remove|list (admins)."""
    await _role_command(update, context, ROLE_COORDINATOR)


async def coordinators_chat_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/coordinators_chat [off] in a group (admins): mark or unmark the coordinators' chat."""
    t = await _admin_gate(update, context, "coordinators_chat", group_only=True)
    if t is None:
        return
    chat = update.effective_chat
    assert chat is not None
    off = (context.args or [""])[0].lower() in {"off", "remove", "unmark", "取消", "关"}
    changed = await services(context).db.run(
        set_coordinators_chat,
        chat_id=chat.id,
        on=not off,
        title=chat.title or "",
        chat_type=chat.type,
    )
    if off:
        text = (
            t._("This chat is no longer the coordinators' chat.")
            if changed
            else t._("This chat was not the coordinators' chat.")
        )
    else:
        text = (
            t._(
                "This chat is now the coordinators' chat: everyone here may use /status "
                "and /remind, and overdue digests come here."
            )
            if changed
            else t._(
                "This chat already is the coordinators' chat (/coordinators_chat off to undo)."
            )
        )
    await answer(update, context, text)


# --- /measures -------------------------------------------------------------------------


def _measures_data(session: Any, *, chat_id: int | None, name: str) -> list[DepartmentTasks]:
    if name:
        departments = [resolve_department(session, name)]
    else:
        departments = chat_departments(session, chat_id=chat_id) if chat_id is not None else []
    ids = [d.id for d in departments if d.id is not None]
    owed = duties(session, department_ids=ids)
    result = []
    for department in departments:
        lines = [
            TaskLine(d.label, d.title, d.role, d.responsible, d.deadline, d.deadline_text)
            for d in owed
            if d.department_id == department.id
        ]
        result.append(DepartmentTasks(department.name, lines))
    return result


async def measures_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/measures: the bound chat's measures; /measures <department> for coordinators."""
    t = await translator(update, context)
    roles = await roles_of(update, context)
    name = _args_text(update)
    if name and not roles.can_coordinate:
        if not roles.is_liaison:
            await answer(
                update,
                context,
                t._(
                    "Sorry, only admins and coordinators can look up another department's measures."
                ),
            )
            return
        name = ""  # a liaison sees their own chat's measures
    if not name and not roles.is_liaison:
        if roles.can_coordinate:
            await answer(
                update,
                context,
                t._("This chat is not bound to a department. Name one: /measures 省水利厅"),
            )
        else:
            await answer(
                update, context, t._("Sorry, /measures works in a department's bound group chat.")
            )
        return
    chat = update.effective_chat
    try:
        groups = await services(context).db.run(
            _measures_data, chat_id=chat.id if chat else None, name=name
        )
    except UnknownDepartment as exc:
        await answer(update, context, unknown_department_text(t, exc))
        return
    lines: list[str] = []
    for group in groups:
        lines.append(
            "<b>{name}</b> — {count}".format(
                name=html.escape(group.name),
                count=t.ngettext("{n} measure", "{n} measures", len(group.tasks)).format(
                    n=len(group.tasks)
                ),
            )
        )
        if not group.tasks:
            lines.append(t._("No measures of the plan name this department."))
        for task in group.tasks:
            lines.append(
                f"{html.escape(task.label)}{_gap(task.label)}{html.escape(task.title)} · "
                f"{role_text(t, task)}{due_suffix(t, task)}"
            )
        lines.append("")
    for text in chunks(lines):
        await answer(update, context, text.strip())


def register(application: AnyApp) -> None:
    """Admin commands and /measures."""
    application.add_handler(CommandHandler("bind", bind_command))
    application.add_handler(CommandHandler("unbind", unbind_command))
    application.add_handler(CommandHandler("chats", chats_command))
    application.add_handler(CommandHandler("admin", admin_command))
    application.add_handler(CommandHandler("coordinator", coordinator_command))
    application.add_handler(CommandHandler("coordinators_chat", coordinators_chat_command))
    application.add_handler(CommandHandler("measures", measures_command))
