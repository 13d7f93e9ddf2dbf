"""Everyone's texts: /start, /help, /whoami, /lang, the polite refusals of the access gate,
the apology after an error, the greeting in a new group, and the command menus' descriptions.
"""

from __future__ import annotations

from commands.common import HelpAnswer, Ids, LanguageAnswer, LanguageOutcome, WhoamiAnswer
from coordination.roles import Access, Place
from messages.admin import unbound_lines
from messages.html import bold, escape
from messages.i18n import Translator, get_translator
from messages.menus import Entry, commands_for, unique
from messages.outgoing import Outgoing
from messages.vocabulary import person_roles

# Telegram's limit for a command's description in the menu.
MENU_DESCRIPTION_LIMIT = 256
# The repr of an error for the operator: well inside a message with its markup around it.
ERROR_REPR_LIMIT = 3500
UNBOUND_SHOWN = 10  # units left to bind that /start lists for an admin


def render_help(t: Translator, answer: HelpAnswer) -> list[Outgoing]:
    """What this bot does here, what the chat is bound to, and the caller's commands."""
    roles = answer.roles
    lines = [
        bold(t._("督办 follow-up bot")),
        t._(
            "I send each department's group its measures of the plan on schedule and "
            "record the progress people reply with."
        ),
    ]
    if answer.in_group:
        if answer.bound_to:
            lines.append(
                t._("This chat is bound to: {names}.").format(
                    names="、".join(f"<b>{escape(n)}</b>" for n in answer.bound_to)
                )
            )
            if answer.answer_by_mention:
                lines.append(
                    t._(
                        "To report: @ me in this group with the progress; name measures "
                        "like （五） when you answer several."
                    )
                )
            else:
                lines.append(
                    t._(
                        "To report: reply to my reminder; name measures like （五） when "
                        "you answer several."
                    )
                )
        else:
            lines.append(t._("This chat is not bound to a department yet."))
        if answer.coordinators_chat:
            lines.append(t._("This is the coordinators' chat."))
    role_names = person_roles(t, roles)
    if role_names:
        lines.append(t._("Your role here: {roles}.").format(roles="、".join(role_names)))
    if answer.unbound:
        # An admin's start of the day: what is still left to bind.
        lines += ["", *unbound_lines(t, answer.unbound[:UNBOUND_SHOWN])]
        if len(answer.unbound) > UNBOUND_SHOWN:
            lines.append(
                t._("… and {n} more: /chats lists them all.").format(
                    n=len(answer.unbound) - UNBOUND_SHOWN
                )
            )
    lines.append("")
    lines.append(t._("Commands you can use:"))
    for name, args, description in commands_for(roles, web=answer.web):
        arg_text = " " + escape(t._(args)) if args else ""
        lines.append(f"/{name}{arg_text} — " + escape(t._(description)))
    if answer.ids is not None:
        lines += ["", render_ids(t, answer.ids)]
    return [Outgoing("\n".join(lines))]


def render_ids(t: Translator, ids: Ids) -> str:
    """One line: the user's id and, in a group, the group's id (both copyable)."""
    if ids.user_id is None:
        return t._("This chat's id: <code>{chat_id}</code>").format(chat_id=ids.chat_id)
    if not ids.in_group:
        return t._("Your user id: <code>{user_id}</code>").format(user_id=ids.user_id)
    return t._(
        "Your user id: <code>{user_id}</code> · this group's id: <code>{chat_id}</code>"
    ).format(user_id=ids.user_id, chat_id=ids.chat_id)


def render_whoami(t: Translator, answer: WhoamiAnswer) -> list[Outgoing]:
    """/whoami: who is asking, where, with which roles, and the next set-up step."""
    lines = [bold(t._("Who you are here"))]
    if answer.user_id is not None:
        lines.append(
            t._("You: {name}, user id <code>{user_id}</code>").format(
                name=escape(answer.user_name), user_id=answer.user_id
            )
        )
    if answer.in_group:
        lines.append(
            t._("This group: {title}, chat id <code>{chat_id}</code>").format(
                title=escape(answer.chat_title), chat_id=answer.chat_id
            )
        )
        if answer.bound_to:
            lines.append(
                t._("Bound to: {names}.").format(
                    names="、".join(f"<b>{escape(n)}</b>" for n in answer.bound_to)
                )
            )
        if answer.coordinators_chat:
            lines.append(t._("This is the coordinators' chat."))
    else:
        lines.append(
            t._("This chat: private, chat id <code>{chat_id}</code>").format(
                chat_id=answer.chat_id
            )
        )
    names = person_roles(t, answer.roles)
    if names:
        lines.append(t._("Your roles here: {roles}.").format(roles="、".join(names)))
    else:
        lines.append(t._("Your roles here: none."))
    lines += _next_step(t, answer)
    return [Outgoing("\n".join(lines))]


def _next_step(t: Translator, answer: WhoamiAnswer) -> list[str]:
    """The first admin's step in a private chat; binding, in a group an admin just joined."""
    roles = answer.roles
    if not roles.is_admin and answer.user_id is not None and not answer.in_group:
        return [
            "",
            t._(
                "To make yourself the first admin, put ADMIN_IDS={user_id} in the bot's "
                "environment (.env) and restart it; an admin can also add you with "
                "/admin add {user_id}."
            ).format(user_id=answer.user_id),
        ]
    if roles.is_admin and answer.in_group and not answer.bound_to and not answer.coordinators_chat:
        return [
            "",
            t._(
                "Next: bind this group to its department with {bind}, or mark it as the "
                "coordinators' chat with /coordinators_chat."
            ).format(bind=escape("/bind " + t._("<department>"))),
        ]
    return []


def render_language(t: Translator, answer: LanguageAnswer) -> list[Outgoing]:
    """/lang: the chat's language, a refusal, or the change (said in the new language)."""
    if answer.outcome == LanguageOutcome.SHOWN:
        text = t._(
            "This chat's language is {language}. Change it with /lang zh or /lang en."
        ).format(language=t._("Chinese") if t.is_chinese else t._("English"))
    elif answer.outcome == LanguageOutcome.UNKNOWN:
        text = t._("Unknown language: {value}. Use /lang zh or /lang en.").format(
            value=escape(answer.typed)
        )
    else:
        new = get_translator(answer.locale, str(t.tz))
        text = (
            new._("Language set: English.")
            if answer.locale == "en"
            else new._("Language set: Chinese.")
        )
    return [Outgoing(text)]


def render_refusal(t: Translator, access: Access, command: str, place: Place) -> Outgoing:
    """The one short polite answer to a command outside the caller's role or place."""
    if access == Access.COORDINATORS_ONLY and place == Place.COORDINATION:
        text = coordinators_only(t)
    elif access == Access.ADMINS_ONLY:
        text = t._("Sorry, only admins can use /{command}.").format(command=command)
    elif access == Access.GROUP_ONLY:
        text = t._(
            "Please use /{command} inside the group chat it is about: add the bot to "
            "the department's group and send the command there."
        ).format(command=command)
    elif access == Access.ELSEWHERE:
        text = t._(
            "Please ask me this in the coordinators' chat or in a private chat with me, so "
            "that the department groups stay uncluttered."
        )
    else:
        text = t._("Sorry, only admins and coordinators can use /{command}.").format(
            command=command
        )
    return Outgoing(text)


def render_not_here(t: Translator, command: str) -> Outgoing:
    """A command of the web dashboard where the bot serves none (its sign-in is Telegram's)."""
    return Outgoing(
        t._(
            "/{command} is not available here: the web dashboard signs people in through "
            "Telegram. Coordinators get the same overview with /status, /export and /chart."
        ).format(command=command)
    )


def render_not_yet(t: Translator, command: str) -> Outgoing:
    """A command this chat platform does not offer yet."""
    return Outgoing(
        t._("/{command} is not available on this chat platform yet.").format(command=command)
    )


def coordinators_only(t: Translator) -> str:
    """Views and their page buttons refused to someone who is not a coordinator."""
    return t._("Sorry, this is for coordinators only.")


def render_apology(t: Translator) -> Outgoing:
    return Outgoing(
        t._(
            "Sorry, something went wrong on our side. Nothing you sent was lost; "
            "please try again in a minute."
        )
    )


def operator_report(error: BaseException | None) -> Outgoing:
    """What the operator chat gets about an unexpected error (English, for developers)."""
    return Outgoing("<b>Error</b>\n<pre>" + escape(repr(error))[:ERROR_REPR_LIMIT] + "</pre>")


def render_greeting(t: Translator) -> Outgoing:
    """The bot was added to a group: how to bind it."""
    return Outgoing(
        t._(
            "Hello! An admin can bind this group to its department with "
            "/bind &lt;department&gt;; /help lists the commands."
        )
    )


def menu(t: Translator, entries: list[Entry]) -> list[tuple[str, str]]:
    """(command, description) pairs of a command menu in the translator's language."""
    return [(name, t._(text)[:MENU_DESCRIPTION_LIMIT]) for name, _args, text in unique(entries)]
