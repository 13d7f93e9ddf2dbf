"""The demo's narration: the headings of the story, what it says when a step fails, and
the lines around the conversation (the conversation itself is the bot's own words).
"""

from __future__ import annotations

from pathlib import Path

from messages.i18n import N_, Translator

BIND = N_("The admin binds each department's group chat to its departments")
COORDINATORS = N_(
    "The admin marks the coordinators' chat, adds a monthly schedule and sets a deadline"
)
NO_SCHEDULE = N_("the schedule was not added")
FIRES = N_("{moment}: the schedule fires; every bound chat gets one reminder")
REMINDERS_NOT_ONE = N_("{chat} got {count} reminders instead of one")
NO_CYCLE = N_("the schedule opened no cycle")
REPLIES = N_("Liaisons reply to the reminder, before the deadline")
NO_QUESTION = N_("{chat}: the bot did not ask which measure")
NUDGES = N_("{moment}: the tick job nudges the chats that still miss measures")
NO_NUDGE = N_("{chat} got no nudge")
DEADLINE = N_("{moment}: the deadline has passed; the coordinators get the overdue digest")
NO_DIGEST = N_("the coordinators got no overdue digest")
RETURN = N_("A coordinator returns a vague report for 补报 (退回); the department reports again")
NO_RETURN_BUTTON = N_("the coordinators got no 退回 button for {label}")
NO_NOTICE = N_("{chat} was not told that its report was returned")
LATE = N_("A late reply, a day after the deadline")
CLOSE = N_("A finished measure is closed (销号)")
VIEWS = N_("A coordinator asks for /status, /overdue, /export, /chart and /bulletin")
FINAL_STATUS = N_("The final /status")
NO_LEDGER = N_("the bot sent no ledger for /export")
NO_CHART = N_("the bot sent no chart for /chart")
NO_BULLETIN = N_("the bot sent no 通报 for /bulletin")
SCREEN = N_("A coordinator makes a read-only link for the office's big screen")
SCREEN_NAME = N_("Office big screen")
NO_KIOSK = N_("the bot sent no big-screen link for /screen")
POLLS = N_("The bot polls a Bot API simulator at {url}; database {path}")
STREAM = N_(
    "The bot is connected over Stream to a DingTalk simulator at {url}; database {path}"
)
CANNOT_WRITE = N_("The demo cannot write to {path}: {reason}")
INTRO = N_("Demo of the follow-up (督办) bot: one whole reporting cycle, no token, no network.")
FAILED = N_("The demo failed: {reason}")
DETAILS = N_("Details: {path}")
LEDGER = N_("Ledger: {path}")
CHART = N_("Chart: {path}")
BULLETIN = N_("通报: {path}")
TRANSCRIPT = N_("Transcript: {path}")
KIOSK = N_("Big-screen dashboard: {url}")
RAN = N_("The demo ran in {seconds} s.")
SERVING = N_(
    "The bot and its dashboard keep running: open the link above in your browser. "
    "Press Ctrl+C to stop."
)
NO_ANSWER = N_("the bot did not answer within {seconds} s: {what}")
BOT_ERROR = N_("the bot ran into an error: {what}")
NO_BUTTON = N_("{chat}: no button {label} under message #{id} (buttons: {labels})")
NO_JOB = N_("the bot has no job called {name}")


def warnings_logged(t: Translator, count: int, path: Path) -> str:
    return t.ngettext(
        "The bot logged {count} warning: {path}",
        "The bot logged {count} warnings: {path}",
        count,
    ).format(count=count, path=path)
