"""The words of the office's review: a report returned for 补报 (to the coordinator and to the
department's chat), closing and reopening a measure, a deadline set, the leaders' chat, and
each such act as a line of a history.
"""

from __future__ import annotations

from commands.admin import CoordinatorsChatAnswer
from commands.deadlines import DeadlineAnswer, DeadlineOutcome
from commands.review import (
    ClosingAnswer,
    ClosingDone,
    Miss,
    ReasonPrompt,
    ReturnAnswer,
    ReviewMiss,
    return_payload,
)
from coordination.review import (
    REASON_DETAIL,
    REASON_MISMATCH,
    REASON_PERCENT,
    REASON_PROBLEMS,
    Returned,
)
from messages.html import escape
from messages.i18n import N_, Translator
from messages.outgoing import Button, Outgoing, button_rows
from messages.vocabulary import RETURNED_ICON, SIGNAL_ICONS, joined, moment_text
from models.review import ACTION_CLOSE, ACTION_DEADLINE, ACTION_REOPEN, ACTION_RETURN
from reports.history import ActionEntry
from reports.progress_signal import SIGNAL_CLOSED

REASON_NAMES = {
    REASON_DETAIL: N_("Please add the concrete progress and figures"),
    REASON_PERCENT: N_("Please state the share completed, in percent"),
    REASON_PROBLEMS: N_("Please state the problems and the next steps"),
    REASON_MISMATCH: N_("The report does not match this measure"),
}
REOPEN_ICON = "🔓"
DEADLINE_ICON = "📅"


def esc(text: str) -> str:
    return escape(text, quote=False)


def reason_text(t: Translator, code: str | None, note: str) -> str:
    """The reason for a return, escaped: the coordinator's words, else the usual one."""
    if note:
        return esc(note)
    return t._(REASON_NAMES[code]) if code in REASON_NAMES else ""


def action_line(t: Translator, entry: ActionEntry) -> str:
    """One review act as a history line: '11月26日 10:00 · ↩️ 刘 督查室 退回 省发展改革委：理由'."""
    when = t.datetime(entry.at, "short")
    who = esc(entry.user_name) or t._("a coordinator")
    if entry.kind == ACTION_RETURN:
        text = t._("{icon} {who} returned the report of {department}: {reason}").format(
            icon=RETURNED_ICON,
            who=who,
            department=esc(entry.department or ""),
            reason=reason_text(t, entry.reason_code, entry.note),
        )
    elif entry.kind == ACTION_CLOSE:
        text = t._("{icon} {who} closed the measure").format(
            icon=SIGNAL_ICONS[SIGNAL_CLOSED], who=who
        )
        if entry.note:
            text += t._(": {note}").format(note=esc(entry.note))
    elif entry.kind == ACTION_REOPEN:
        text = t._("{icon} {who} reopened the measure").format(icon=REOPEN_ICON, who=who)
        if entry.note:
            text += t._(": {note}").format(note=esc(entry.note))
    elif entry.kind == ACTION_DEADLINE and entry.note:
        text = t._("{icon} {who} set the deadline to {day}").format(
            icon=DEADLINE_ICON, who=who, day=esc(entry.note)
        )
    elif entry.kind == ACTION_DEADLINE:
        text = t._("{icon} {who} cleared the deadline").format(icon=DEADLINE_ICON, who=who)
    else:
        text = esc(entry.kind)
    return f"{when} · {text}"


# --- /return and its buttons ---------------------------------------------------------


def miss_text(t: Translator, miss: ReviewMiss) -> str:
    """One short answer for review input that does nothing."""
    label, department = esc(miss.label), esc(miss.department)
    if miss.miss == Miss.USAGE:
        return {
            "return": t._(
                "Usage: /return &lt;measure&gt; [department] &lt;reason&gt;, for example "
                "/return （三） 省发展改革委 请写明完成比例"
            ),
            "close": t._(
                "Usage: /close &lt;measure&gt; [note], for example /close （五） 已竣工验收"
            ),
            "reopen": t._("Usage: /reopen &lt;measure&gt; [note], for example /reopen （五）"),
        }.get(miss.command, "")
    if miss.miss == Miss.NO_MEASURE:
        return t._("The plan has no measure {label}.").format(label=esc(miss.token))
    if miss.miss == Miss.CLOSED:
        return t._("{label} is closed; reopen it first with /reopen {label}.").format(label=label)
    if miss.miss == Miss.NO_REPORT:
        if department:
            return t._("{department} has no report on {label} to return.").format(
                department=department, label=label
            )
        return t._("Nobody has reported on {label} yet: there is nothing to return.").format(
            label=label
        )
    if miss.miss == Miss.WHICH_DEPARTMENT:
        return t._("Several units reported on {label}; name one: {names}").format(
            label=label, names=joined(t, [esc(n) for n in miss.choices])
        )
    if miss.miss == Miss.NEEDS_REASON:
        return t._(
            "Please give the reason, for example /return {label} {department} 请写明完成比例"
        ).format(label=label, department=department)
    if miss.miss == Miss.ALREADY_RETURNED:
        return t._("That report of {department} on {label} was returned already.").format(
            department=department, label=label
        )
    if miss.miss == Miss.NOT_LATEST:
        return t._("{department} has reported on {label} again since; see /status {label}.").format(
            department=department, label=label
        )
    if miss.miss == Miss.ALREADY_CLOSED:
        return t._("{label} was closed already ({moment}, {who}).").format(
            label=label,
            moment=t.datetime(miss.closed_at, "short") if miss.closed_at else "",
            who=esc(miss.closed_by),
        )
    return t._("{label} is not closed.").format(label=label)


def reason_buttons(t: Translator, prompt: ReasonPrompt) -> tuple[tuple[Button, ...], ...]:
    return button_rows(
        [
            [Button(t._(REASON_NAMES[code]), return_payload(prompt.update_id, code))]
            for code in prompt.reasons
        ]
    )


def render_return(t: Translator, answer: ReturnAnswer, told: int | None = None) -> list[Outgoing]:
    """/return and the 退回 buttons, to the coordinator; `told`: the department's chats that
    got the notice (None: not tried yet)."""
    if isinstance(answer, ReviewMiss):
        return [Outgoing(miss_text(t, answer))]
    if isinstance(answer, ReasonPrompt):
        text = "\n".join(
            [
                t._(
                    "{icon} Return the report of {department} on {label}{title} ({moment})?"
                ).format(
                    icon=RETURNED_ICON,
                    department=f"<b>{esc(answer.department)}</b>",
                    label=esc(answer.label),
                    title=esc(answer.title),
                    moment=t.datetime(answer.reported_at, "short"),
                ),
                t._(
                    "Choose the reason, or send your own: "
                    "/return {label} {department} &lt;reason&gt;"
                ).format(label=esc(answer.label), department=esc(answer.department)),
            ]
        )
        return [Outgoing(text, reason_buttons(t, answer))]
    returned = answer.returned
    lines = [
        t._("{icon} Returned the report of {department} on {label}{title} ({moment}).").format(
            icon=RETURNED_ICON,
            department=f"<b>{esc(returned.department)}</b>",
            label=esc(returned.label),
            title=esc(returned.title),
            moment=t.datetime(returned.reported_at, "short"),
        ),
        t._("Reason: {reason}").format(reason=reason_text(t, returned.reason_code, returned.note)),
        t._("Until a new report comes, the measure counts as not reported for them."),
    ]
    if not returned.chats:
        lines.append(t._("They have no chat bound, so nobody could be told."))
    elif told:
        lines.append(t._("Their chat has been told."))
    elif told is not None:
        lines.append(
            t._("Their chat could not be reached just now; the next nudge names the measure.")
        )
    return [Outgoing("\n".join(lines))]


def render_return_notice(t: Translator, returned: Returned) -> Outgoing:
    """To the department's chat: its report was returned, why, and how to report again."""
    lines = [
        f"<b>{RETURNED_ICON} " + t._("Report returned: please report again") + "</b>",
        f"{esc(returned.label)}{esc(returned.title)}",
        t._("The report of {department} of {moment} was returned by the coordinators.").format(
            department=esc(returned.department), moment=t.datetime(returned.reported_at, "short")
        ),
        t._("Reason: {reason}").format(reason=reason_text(t, returned.reason_code, returned.note)),
    ]
    if returned.due_at is not None:
        lines.append(
            t._(
                "Reply to this message with the new report, naming {label}; the deadline is {due}."
            ).format(label=esc(returned.label), due=f"<b>{moment_text(t, returned.due_at)}</b>")
        )
    else:
        lines.append(
            t._("Reply to this message with the new report, naming {label}.").format(
                label=esc(returned.label)
            )
        )
    return Outgoing("\n".join(lines))


# --- /close, /reopen -----------------------------------------------------------------


def render_closing(t: Translator, answer: ClosingAnswer) -> list[Outgoing]:
    if isinstance(answer, ReviewMiss):
        return [Outgoing(miss_text(t, answer))]
    assert isinstance(answer, ClosingDone)
    measure = f"<b>{esc(answer.label)}</b>{esc(answer.title)}"
    if answer.reopened:
        lines = [
            t._("{icon} {measure} is open again: the next reminders ask for it.").format(
                icon=REOPEN_ICON, measure=measure
            )
        ]
    else:
        lines = [
            t._(
                "{icon} {measure} is closed (销号) as of {moment}: no more reminders ask for it, "
                "and the views show it as closed."
            ).format(
                icon=SIGNAL_ICONS[SIGNAL_CLOSED],
                measure=measure,
                moment=t.datetime(answer.at, "short"),
            ),
            t._("Undo it with /reopen {label}.").format(label=esc(answer.label)),
        ]
    if answer.note:
        lines.insert(1, t._("Note: {note}").format(note=esc(answer.note)))
    return [Outgoing("\n".join(lines))]


# --- /deadline -----------------------------------------------------------------------


def _day(t: Translator, answer: DeadlineAnswer) -> str:
    if answer.deadline is None:
        return ""
    return t.date(answer.deadline, "long")


def render_deadline(t: Translator, answer: DeadlineAnswer) -> list[Outgoing]:
    measure = f"<b>{esc(answer.label)}</b>{esc(answer.title)}"
    outcome = answer.outcome
    if outcome == DeadlineOutcome.USAGE:
        text = t._(
            "Usage: /deadline &lt;measure&gt; &lt;date&gt;, for example /deadline （五） "
            "2027-06-30; /deadline （五） none clears it."
        )
    elif outcome == DeadlineOutcome.NO_MEASURE:
        text = t._("The plan has no measure {label}.").format(label=esc(answer.typed))
    elif outcome == DeadlineOutcome.CLOSED:
        text = t._("{label} is closed; reopen it first with /reopen {label}.").format(
            label=esc(answer.label)
        )
    elif outcome == DeadlineOutcome.BAD_DATE:
        text = t._("“{typed}” is not a date; write it as 2027-06-30.").format(
            typed=esc(answer.typed[:40])
        )
    elif outcome == DeadlineOutcome.PAST_DATE:
        text = t._("{day} has passed; a deadline must be today or later.").format(
            day=_day(t, answer)
        )
    elif outcome == DeadlineOutcome.SHOWN:
        if answer.deadline is None and not answer.deadline_text:
            text = t._("{measure} has no deadline. Set one: /deadline {label} 2027-06-30").format(
                measure=measure, label=esc(answer.label)
            )
        else:
            due = esc(answer.deadline_text) if answer.deadline_text else _day(t, answer)
            text = t._("{measure}: due {due}.").format(measure=measure, due=due)
    elif outcome == DeadlineOutcome.UNCHANGED:
        text = t._("{measure} already has that deadline.").format(measure=measure)
    elif outcome == DeadlineOutcome.CLEARED:
        text = t._("{icon} {measure} has no deadline any more.").format(
            icon=DEADLINE_ICON, measure=measure
        )
    else:
        text = t._(
            "{icon} {measure} is due {day}: its progress is judged against it "
            "(behind when the percent reported lags the time elapsed)."
        ).format(icon=DEADLINE_ICON, measure=measure, day=_day(t, answer))
    return [Outgoing(text)]


# --- /leaders_chat -------------------------------------------------------------------


def render_leaders_chat(t: Translator, answer: CoordinatorsChatAnswer) -> list[Outgoing]:
    if answer.off:
        text = (
            t._("This chat is no longer the leaders' chat.")
            if answer.changed
            else t._("This chat was not the leaders' chat.")
        )
    elif answer.changed:
        text = t._(
            "This chat is now the leaders' chat: the 通报 of each digest comes here, with the "
            "measures and departments that need attention."
        )
    else:
        text = t._("This chat already is the leaders' chat (/leaders_chat off to undo).")
    return [Outgoing(text)]
