"""The commands each role may use, with their arguments and descriptions: for /help and for
the command menus of every language and scope.
"""

from __future__ import annotations

from coordination.roles import Roles
from messages.i18n import N_

# (command, arguments shown in /help, description); descriptions are catalog strings.
Entry = tuple[str, str, str]

EVERYONE: list[Entry] = [
    ("start", "", N_("what this bot does here")),
    ("help", "", N_("what this chat is bound to and your commands")),
    ("whoami", "", N_("your user id, this chat's id and your roles")),
    ("lang", "zh|en", N_("set this chat's language")),
]
LIAISON: list[Entry] = [
    ("measures", "", N_("this chat's measures and roles")),
    ("report", N_("<measure> <text>"), N_("report progress without a reminder")),
]
VIEWS: list[Entry] = [
    (
        "status",
        N_("[department | measure]"),
        N_("Progress of the current cycle, a department or a measure"),
    ),
    ("overdue", "", N_("Who is overdue in the current cycle")),
    ("history", N_("<measure> [department]"), N_("Update history of a measure")),
    ("export", "[csv]", N_("The ledger as an Excel workbook (or /export csv)")),
    ("chart", "", N_("A chart of progress and reporting")),
    ("bulletin", "", N_("The 通报 of the current cycle as a Word document")),
]
REVIEW: list[Entry] = [
    ("return", N_("<measure> [department] <reason>"), N_("return a report for a new one (退回)")),
    ("close", N_("<measure> [note]"), N_("close a finished measure (销号)")),
    ("reopen", N_("<measure>"), N_("reopen a closed measure")),
]
COORDINATOR: list[Entry] = [
    *VIEWS,
    *REVIEW,
    ("remind", N_("[department]"), N_("send a reminder cycle now")),
    ("measures", N_("<department>"), N_("a department's measures")),
]
ADMIN: list[Entry] = [
    ("bind", N_("<department>[；<department>…]"), N_("bind this group to departments")),
    ("unbind", N_("[department]"), N_("remove this group's bindings")),
    ("chats", "", N_("bound chats and departments without a chat")),
    ("schedule", "add|list|pause|resume|delete", N_("reminder schedules")),
    ("admin", "add|remove|list", N_("manage admins")),
    ("coordinator", "add|remove|list", N_("manage coordinators")),
    ("coordinators_chat", "[off]", N_("mark this group as the coordinators' chat")),
    ("leaders_chat", "[off]", N_("mark this group as the leaders' chat (通报, escalations)")),
    ("plan", N_("[measure|all]"), N_("the plan's map and where the reader is unsure")),
    ("assign", N_("<measure> 牵头 <department> 配合 <department>"), N_("correct a measure's map")),
    ("deadline", N_("<measure> <date>|none"), N_("set the deadline progress is judged against")),
]
# The web dashboard's, offered only when the bot serves one (WEBAPP_URL): liaisons see their
# departments there, coordinators everything and the big screen's links too.
DASHBOARD_VIEWER: list[Entry] = [
    ("dashboard", "", N_("the dashboard of the plan, with charts")),
]
DASHBOARD_COORDINATOR: list[Entry] = [
    *DASHBOARD_VIEWER,
    ("screen", N_("[name] | list | revoke N"), N_("read-only links for the office's big screen")),
]
# The admin commands worth a place in the menu of a private chat.
PRIVATE_ADMIN = ("chats", "schedule", "admin", "coordinator", "plan", "assign", "deadline")

# The menus Telegram shows, per scope: in groups, in private chats, to group admins.
GROUP_MENU = EVERYONE + LIAISON
PRIVATE_MENU = EVERYONE + COORDINATOR + [e for e in ADMIN if e[0] in PRIVATE_ADMIN]
GROUP_ADMIN_MENU = EVERYONE + LIAISON + COORDINATOR + ADMIN


def command_menus(*, web: bool) -> tuple[list[Entry], list[Entry], list[Entry]]:
    """The menus of groups, private chats and group admins; with the dashboard's commands
    when the bot serves one."""
    if not web:
        return GROUP_MENU, PRIVATE_MENU, GROUP_ADMIN_MENU
    private_admin = [e for e in ADMIN if e[0] in PRIVATE_ADMIN]
    return (
        GROUP_MENU + DASHBOARD_VIEWER,
        EVERYONE + COORDINATOR + DASHBOARD_COORDINATOR + private_admin,
        EVERYONE + LIAISON + COORDINATOR + DASHBOARD_COORDINATOR + ADMIN,
    )


def unique(entries: list[Entry]) -> list[Entry]:
    """Each command once, at its first place."""
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry[0] not in seen:
            seen.add(entry[0])
            kept.append(entry)
    return kept


def commands_for(roles: Roles, *, web: bool = False) -> list[Entry]:
    """The commands a caller with `roles` may use in this chat, without repeats.

    `web`: the bot serves a web dashboard, so /dashboard and /screen are offered.
    """
    entries = list(EVERYONE)
    if roles.is_liaison:
        entries += LIAISON + (DASHBOARD_VIEWER if web else [])
    if roles.can_coordinate:
        entries += COORDINATOR + (DASHBOARD_COORDINATOR if web else [])
    if roles.is_admin:
        entries += ADMIN
    return unique(entries)
