"""Admins' texts: bindings, the overview of chats, roles, the coordinators' chat, /measures,
and the polite miss for a department name that matches none (shared by /schedule, /remind).
"""

from __future__ import annotations

from commands.admin import (
    CoordinatorsChatAnswer,
    MeasuresAnswer,
    MeasuresRefusal,
    RoleAnswer,
    RoleOutcome,
    UnbindAnswer,
)
from coordination.bindings import BindResult, ChatsOverview, UnboundHolding
from coordination.schedules import UnknownDepartment
from messages.html import bold, echo, escape, split_html
from messages.i18n import Translator
from messages.outgoing import Outgoing
from messages.vocabulary import REPORTING_ICONS, aside, due_phrase, gap, role_name
from models.chats import ROLE_ADMIN
from models.plan import ROLE_LEAD, ROLE_SUPPORT
from reports.status import TASK_UNBOUND

# Names a /bind or /unbind could not use, listed one by one up to this many.
LISTED_NAMES = 10


def _names(names: list[str]) -> str:
    return "、".join(escape(n) for n in names)


def _typed_names(t: Translator, names: list[str]) -> str:
    """Names someone typed, each cut short, the first LISTED_NAMES of them and a count."""
    shown = "、".join(echo(n) for n in names[:LISTED_NAMES])
    rest = len(names) - LISTED_NAMES
    if rest <= 0:
        return shown
    return shown + t.ngettext(" and {n} more", " and {n} more", rest).format(n=rest)


def pages(lines: list[str]) -> list[Outgoing]:
    """Lines as messages, split (never inside a tag) where one would be too long."""
    return [Outgoing(page) for page in split_html("\n".join(lines).strip())]


def unknown_department_text(t: Translator, unknown: UnknownDepartment) -> str:
    if unknown.is_group:
        return t._("{name} is a group of departments; name one of its members.").format(
            name=escape(unknown.name)
        )
    if unknown.suggestions:
        return t._("No department called {name}. Did you mean: {suggestions}?").format(
            name=echo(unknown.name), suggestions=_names(unknown.suggestions)
        )
    return t._("No department called {name}. /chats lists the departments.").format(
        name=echo(unknown.name)
    )


def _refused_binding(t: Translator, result: BindResult) -> list[str]:
    lines = [t._("Nothing was bound.")]
    for name, suggestions in result.unknown[:LISTED_NAMES]:
        if suggestions:
            lines.append(
                t._("• No department called {name}. Did you mean: {suggestions}?").format(
                    name=echo(name), suggestions=_names(suggestions)
                )
            )
        else:
            lines.append(t._("• No department called {name}.").format(name=echo(name)))
    more = len(result.unknown) - LISTED_NAMES
    if more > 0:
        lines.append(
            t.ngettext(
                "• and {n} more name that matches no department.",
                "• and {n} more names that match no department.",
                more,
            ).format(n=more)
        )
    for group, members in result.groups:
        if members:
            lines.append(
                t._(
                    "• {group} is a group of departments, not one department; bind "
                    "each member's own chat instead: {members}."
                ).format(group=escape(group), members=_names(members))
            )
        else:
            lines.append(
                t._(
                    "• {group} is a group of departments, not one department; bind "
                    "each member's own chat instead."
                ).format(group=escape(group))
            )
    return lines


def render_bind(t: Translator, result: BindResult) -> list[Outgoing]:
    """/bind: what is bound now (with its measures), or why nothing was."""
    if result.refused:
        return [Outgoing("\n".join(_refused_binding(t, result)))]
    lines = []
    if result.bound:
        lines.append(t._("This chat is now bound to:"))
        for name, leads, responsible, supports in result.bound:
            if responsible:
                # 负责: the units of a clause that names no lead, as the reminders say.
                counts = t._(
                    "{leads} to lead, {responsible} responsible, {supports} to support"
                ).format(leads=leads, responsible=responsible, supports=supports)
            else:
                counts = t._("{leads} to lead, {supports} to support").format(
                    leads=leads, supports=supports
                )
            lines.append(f"• <b>{escape(name)}</b> — {counts}")
    for name in result.already:
        lines.append(t._("• {name} was already bound to this chat.").format(name=escape(name)))
    for name, others in result.elsewhere:
        lines.append(
            t._(
                "Note: {name} is also bound to {chats}; each of those chats gets the reminders."
            ).format(name=escape(name), chats=_names(others))
        )
    if result.bound:
        lines.append(
            t._(
                "Everyone in this chat can now see its measures with /measures and "
                "answer the reminders."
            )
        )
    text = "\n".join(lines) or t._("Name at least one department: /bind 省水利厅；省能源局")
    return [Outgoing(text)]


def render_unbind(t: Translator, answer: UnbindAnswer) -> list[Outgoing]:
    lines = []
    if answer.removed:
        lines.append(t._("No longer bound to: {names}.").format(names=_names(answer.removed)))
    if answer.missing:
        lines.append(
            t._("Not bound to this chat: {names}.").format(names=_typed_names(t, answer.missing))
        )
    if not answer.removed and not answer.missing:
        lines.append(t._("This chat was not bound to any department."))
    return [Outgoing("\n".join(lines))]


def render_chats(t: Translator, overview: ChatsOverview) -> list[Outgoing]:
    """/chats: bound chats, the coordinators' and leaders' chats, units left to bind."""
    lines = [bold(t._("Bound chats"))]
    if not overview.chats:
        # The placeholder's angle brackets are text, not markup.
        lines.append(
            escape(t._("None yet. In each department's group, an admin sends /bind <department>."))
        )
    for chat in overview.chats:
        state = "" if chat.is_active else " " + t._("(bot removed: no reminders)")
        title = escape(chat.title or str(chat.chat_id))
        lines.append(f"• {title}{state}: {_names(chat.departments)}")
    lines.append("")
    lines.append(bold(t._("Coordinators’ chat")))
    if overview.coordinators_chats:
        lines.extend("• " + escape(title or str(cid)) for cid, title in overview.coordinators_chats)
    else:
        lines.append(t._("None: send /coordinators_chat in the coordinators' group."))
    lines.append("")
    lines.append(bold(t._("Leaders’ chat")))
    if overview.leaders_chats:
        lines.extend("• " + escape(title or str(cid)) for cid, title in overview.leaders_chats)
    else:
        lines.append(t._("None: send /leaders_chat in the leaders' group (optional)."))
    lines.append("")
    lines += unbound_lines(t, overview.unbound)
    return pages(lines)


def holding_line(t: Translator, holding: UnboundHolding) -> str:
    """'• 省交通厅 — 牵头（四）；配合（十三）（十六）'."""
    parts = []
    if holding.leads:
        parts.append(role_name(t, ROLE_LEAD) + "".join(escape(label) for label in holding.leads))
    for labels, role in (
        (holding.responsible, role_name(t, ROLE_SUPPORT, True)),
        (holding.supports, role_name(t, ROLE_SUPPORT)),
    ):
        if labels:
            parts.append(role + "".join(escape(label) for label in labels))
    name = escape(holding.name)
    if holding.group:
        name += aside(t, t._("a group: bind its members' chats"))
    return f"• {name} — " + ("；" if t.is_chinese else "; ").join(parts)


def unbound_lines(t: Translator, unbound: list[UnboundHolding]) -> list[str]:
    """The units left to bind, with the measures each holds."""
    lines = [
        bold(
            f"{REPORTING_ICONS[TASK_UNBOUND]} "
            + t.ngettext(
                "{count} unit has measures but no chat yet",
                "{count} units have measures but no chat yet",
                len(unbound),
            ).format(count=len(unbound))
        )
    ]
    lines += [holding_line(t, holding) for holding in unbound]
    if unbound:
        lines.append(
            t._("Nobody asks them for reports until an admin binds their group with /bind.")
        )
    return lines


def render_role(t: Translator, answer: RoleAnswer) -> list[Outgoing]:
    """/admin and /coordinator: who holds the role, or what changed."""
    role = t._("admin") if answer.role == ROLE_ADMIN else t._("coordinator")
    if answer.outcome == RoleOutcome.LISTED:
        lines = [t._("Users with the role {role}:").format(role=role)]
        lines.extend(t._("• {id} (from ADMIN_IDS)").format(id=a) for a in answer.configured)
        lines.extend(f"• {user_id} {escape(name)}" for user_id, name in answer.holders)
        if len(lines) == 1:
            lines.append(t._("nobody yet"))
        return [Outgoing("\n".join(lines))]
    if answer.outcome in (RoleOutcome.USAGE, RoleOutcome.WHOM) and answer.answer_by_mention:
        text = t._(
            "Use /{command} add|remove|list and @-mention the person in the same message, "
            "for example: /{command} add @name"
        ).format(command=answer.command)
    elif answer.outcome == RoleOutcome.USAGE:
        text = t._(
            "Use /{command} add|remove|list: reply to the person's message, or give their user id."
        ).format(command=answer.command)
    elif answer.outcome == RoleOutcome.WHOM:
        text = t._(
            "Whom? Reply to the person's message with /{command} "
            "{action}, or give their numeric user id."
        ).format(command=answer.command, action=answer.action)
    elif answer.outcome == RoleOutcome.CONFIGURED:
        text = t._("{who} is an admin through ADMIN_IDS in the settings; change it there.").format(
            who=answer.user_id
        )
    else:
        phrase = {
            RoleOutcome.GRANTED: t._("{who} is now {role}."),
            RoleOutcome.ALREADY: t._("{who} already was {role}."),
            RoleOutcome.REVOKED: t._("{who} is no longer {role}."),
            RoleOutcome.NOT_HELD: t._("{who} did not have the role {role}."),
        }[answer.outcome]
        who = escape(answer.user_name) if answer.user_name else str(answer.user_id)
        text = phrase.format(who=who, role=role)
    return [Outgoing(text)]


def render_coordinators_chat(t: Translator, answer: CoordinatorsChatAnswer) -> list[Outgoing]:
    if answer.off:
        text = (
            t._("This chat is no longer the coordinators' chat.")
            if answer.changed
            else t._("This chat was not the coordinators' chat.")
        )
    elif answer.changed:
        text = t._(
            "This chat is now the coordinators' chat: everyone here may use /status "
            "and /remind, and overdue digests come here."
        )
    else:
        text = t._("This chat already is the coordinators' chat (/coordinators_chat off to undo).")
    return [Outgoing(text)]


def render_measures(t: Translator, answer: MeasuresAnswer) -> list[Outgoing]:
    """/measures: each department's measures with its role, or why not."""
    if answer.refusal == MeasuresRefusal.OTHERS:
        text = t._("Sorry, only admins and coordinators can look up another department's measures.")
        return [Outgoing(text)]
    if answer.refusal == MeasuresRefusal.NAME_ONE:
        text = t._("This chat is not bound to a department. Name one: /measures 省水利厅")
        return [Outgoing(text)]
    if answer.refusal == MeasuresRefusal.NOT_BOUND:
        return [Outgoing(t._("Sorry, /measures works in a department's bound group chat."))]
    if answer.unknown is not None:
        return [Outgoing(unknown_department_text(t, answer.unknown))]
    lines: list[str] = []
    for group in answer.departments:
        count = t.ngettext("{n} measure", "{n} measures", len(group.tasks))
        lines.append(f"<b>{escape(group.name)}</b> — " + count.format(n=len(group.tasks)))
        if not group.tasks:
            lines.append(t._("No measures of the plan name this department."))
        for task in group.tasks:
            lines.append(
                f"{escape(task.label)}{gap(task.label)}{escape(task.title)} · "
                f"{role_name(t, task.role, task.responsible)}"
                f"{due_phrase(t, task.deadline, task.deadline_text)}"
            )
        lines.append("")
    return pages(lines)
