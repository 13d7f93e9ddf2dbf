"""Texts of /schedule and /remind: a schedule described, its next fire times, why a schedule
could not be read, and how a cycle started by hand went out.
"""

from __future__ import annotations

from datetime import datetime

from commands.schedules import RemindAnswer, ScheduleAnswer, ScheduleOutcome
from coordination import schedule_spec as spec
from coordination.outbox_content import FanOutReport
from coordination.schedule_triggers import clamped_day
from coordination.schedules import ScheduleView
from messages.admin import unknown_department_text
from messages.html import echo, escape, split_html
from messages.i18n import N_, Translator, get_translator
from messages.outgoing import Outgoing
from messages.vocabulary import moment_text
from models.schedules import SCHEDULE_DIGEST, SCOPE_LEAD
from reports.deliveries import FAILED_REMOVED

USAGE = N_(
    "Usage: /schedule add monthly 25 09:00 | weekly mon 09:30 | daily 09:00 | "
    'cron "0 9 25 * *", then options: due 3d, nudge 24h, scope lead|all, '
    "to <department>, kind digest, noholiday, tz Asia/Shanghai"
)
# Why a schedule could not be read, by the parser's code; `{value}` is what was typed.
SPEC_ERRORS = {
    spec.USAGE: USAGE,
    spec.MISSING_TIME: N_("Missing the time of day, for example 09:30."),
    spec.BAD_TIME: N_("Not a valid time: {value}. Use HH:MM, for example 09:30."),
    spec.MISSING_WEEKDAY: N_("Missing the day of the week, for example mon."),
    spec.BAD_WEEKDAY: N_(
        "Unknown day of the week: {value}. Use mon, tue, wed, thu, fri, sat or sun."
    ),
    spec.MISSING_DAY: N_("Missing the day of the month, for example 25."),
    spec.BAD_DAY: N_("The day of the month must be a number from 1 to 31, not {value}."),
    spec.BAD_CRON: N_(
        "Not a valid cron expression: {value}. It needs five fields (minute hour day "
        'month weekday), for example "0 9 25 * *".'
    ),
    spec.TOO_OFTEN: N_(
        "This schedule would fire {times} times a day, and each time every chat it "
        "reaches gets a reminder. Schedules fire at most once a day; if this is really "
        "meant, add --force."
    ),
    spec.SUB_HOURLY: N_(
        "A schedule may never fire more than once an hour: give one minute "
        "(the first cron field), for example 0."
    ),
    spec.BAD_DUE: N_("The reply window must be 1 to {max} days, for example: due 3d."),
    spec.BAD_NUDGE: N_(
        "Not a valid nudge time: {value}. Use hours before the deadline, "
        "for example: nudge 24h (or nudge off)."
    ),
    spec.OPEN_QUOTE: N_("A quotation mark is not closed: {value}"),
    spec.UNKNOWN_FORM: N_("Unknown schedule form: {value}."),
    spec.UNKNOWN_ZONE: N_("Unknown time zone: {value}. For example: tz Asia/Shanghai."),
    spec.MISSING_CRON: N_('Missing the cron expression, for example: cron "0 9 25 * *".'),
    spec.BAD_SCOPE: N_("Unknown scope: {value}. Use scope lead or scope all."),
    spec.MISSING_DEPARTMENT: N_("Name the department after 'to', for example: to 省水利厅."),
    spec.BAD_KIND: N_("Unknown kind: {value}. Use kind reminder or kind digest."),
    spec.UNKNOWN_OPTION: N_(
        "Unknown option: {value}. Options: due 3d, nudge 24h, scope lead|all, "
        "to <department>, kind digest, noholiday, tz <zone>."
    ),
    spec.NUDGE_TOO_LATE: N_(
        "The nudge must come before the deadline: less than {hours} hours (the reply window)."
    ),
}


def spec_error_text(t: Translator, error: spec.SpecError) -> str:
    """Why the schedule was not added, and (unless that was all) how to write one."""
    params = {key: echo(str(value)) for key, value in error.params.items()}
    reason = escape(t._(SPEC_ERRORS[error.code])).format(**params)
    usage = "" if error.code == spec.USAGE else "\n" + escape(t._(USAGE))
    return t._("Schedule not added: {reason}").format(reason=reason) + usage


def describe(t: Translator, schedule: ScheduleView) -> str:
    """One schedule, for /schedule list and the answer to add/pause/resume."""
    kind = t._("digest (通报)") if schedule.kind == SCHEDULE_DIGEST else t._("reminder")
    scope = t._("leads only") if schedule.scope == SCOPE_LEAD else t._("leads and supports")
    target = escape(schedule.department) if schedule.department else t._("every bound chat")
    parts = [
        f"<b>#{schedule.id}</b> {escape(schedule.spec)} · {kind}",
        t._("cron {cron} · time zone {zone}").format(
            cron=escape(schedule.cron), zone=escape(schedule.timezone)
        ),
    ]
    if schedule.kind != SCHEDULE_DIGEST:
        window = t.ngettext(
            "reply window {days} day", "reply window {days} days", schedule.due_days
        ).format(days=schedule.due_days)
        parts.append(f"{window} · {scope} · {target}")
    parts.append(
        t._("moves to the next working day on holidays")
        if schedule.skip_holidays
        else t._("fires on holidays too")
    )
    clamped = clamped_day(schedule.cron)
    if clamped is not None:
        parts.append(
            t._("in months with fewer than {day} days: on their last day").format(day=clamped)
        )
    if schedule.paused:
        parts.append(t._("⏸ paused"))
    return "\n".join(parts)


def next_times_text(
    t: Translator, schedule: ScheduleView, times: list[tuple[datetime, datetime]]
) -> str:
    """The coming fire times in the schedule's zone; a moved one says from which day."""
    zone_t = get_translator(t.locale, schedule.timezone)
    lines = [t._("Next fire times:")]
    for nominal, actual in times:
        line = "• " + moment_text(zone_t, actual)
        if actual != nominal:
            line += " " + t._("(moved from {date}, a day off)").format(
                date=moment_text(zone_t, nominal, with_year=False)
            )
        lines.append(line)
    return "\n".join(lines)


def _changed_text(t: Translator, answer: ScheduleAnswer) -> str:
    assert answer.schedule is not None
    if answer.outcome == ScheduleOutcome.ADDED:
        lines = [
            t._("Schedule added."),
            describe(t, answer.schedule),
            next_times_text(t, answer.schedule, answer.next_times),
        ]
        if answer.firings_per_day > 1:
            lines.append(
                t.ngettext(
                    "⚠️ Forced: this schedule fires {times} time a day, and every chat it "
                    "reaches gets each reminder.",
                    "⚠️ Forced: this schedule fires {times} times a day, and every chat it "
                    "reaches gets each reminder.",
                    answer.firings_per_day,
                ).format(times=answer.firings_per_day)
            )
        return "\n".join(lines)
    if answer.outcome == ScheduleOutcome.DELETED:
        text = t._("Schedule #{id} deleted; past cycles and their reports are kept.")
    elif answer.outcome == ScheduleOutcome.PAUSED:
        text = t._("Schedule #{id} paused: it will not fire until /schedule resume {id}.")
    else:
        text = t._("Schedule #{id} resumed.")
    text = text.format(id=answer.schedule_id)
    if answer.outcome == ScheduleOutcome.RESUMED:
        text += "\n" + next_times_text(t, answer.schedule, answer.next_times)
    return text


def render_schedule(t: Translator, answer: ScheduleAnswer) -> list[Outgoing]:
    """/schedule: the list, the schedule added or changed, or why nothing changed."""
    outcome = answer.outcome
    if outcome == ScheduleOutcome.LISTED:
        if not answer.schedules:
            text = t._("No schedules yet. Add one, for example: /schedule add monthly 25 09:00")
            return [Outgoing(text)]
        blocks = "\n\n".join(describe(t, s) for s in answer.schedules)
        return [Outgoing(page) for page in split_html(blocks)]
    if outcome == ScheduleOutcome.INVALID:
        assert answer.error is not None
        text = spec_error_text(t, answer.error)
    elif outcome == ScheduleOutcome.UNKNOWN_DEPARTMENT:
        assert answer.unknown is not None
        text = unknown_department_text(t, answer.unknown)
    elif outcome == ScheduleOutcome.NO_NUMBER:
        text = t._("Give the schedule's number, for example: /schedule {action} 1").format(
            action=escape(answer.action)
        )
    elif outcome == ScheduleOutcome.NOT_FOUND:
        text = t._("There is no schedule #{id}. See /schedule list.").format(id=answer.schedule_id)
    elif outcome == ScheduleOutcome.UNKNOWN_ACTION:
        text = (
            t._("Unknown /schedule action: {action}.").format(action=escape(answer.action))
            + "\n"
            + escape(t._(USAGE))
        )
    else:
        text = _changed_text(t, answer)
    return [Outgoing(text)]


def duration_text(t: Translator, seconds: float) -> str:
    """'about 40 seconds', 'about 3 minutes'."""
    if seconds < 90:
        n = max(1, round(seconds))
        return t.ngettext("about {n} second", "about {n} seconds", n).format(n=n)
    n = round(seconds / 60)
    return t.ngettext("about {n} minute", "about {n} minutes", n).format(n=n)


def render_remind(t: Translator, answer: RemindAnswer) -> list[Outgoing]:
    """/remind, at once: how many chats are being asked by when; the report follows."""
    if answer.unknown is not None:
        return [Outgoing(unknown_department_text(t, answer.unknown))]
    cycle = answer.cycle
    if cycle is None or cycle.chats == 0:
        return [
            Outgoing(
                t._(
                    "No reminder sent: no bound chat has measures to "
                    "report. Bind department chats first with /bind."
                )
            )
        ]
    assert cycle.due_at is not None
    lines = [
        t.ngettext(
            "Sending the reminder to {chats} chat ({tasks} measures to report); "
            "deadline {deadline}.",
            "Sending the reminder to {chats} chats ({tasks} measures to report); "
            "deadline {deadline}.",
            cycle.chats,
        ).format(chats=cycle.chats, tasks=cycle.tasks, deadline=moment_text(t, cycle.due_at))
    ]
    if answer.seconds >= 10:
        lines.append(
            t._("At Telegram's pace this takes {duration}.").format(
                duration=duration_text(t, answer.seconds)
            )
        )
    lines.append(t._("I will report here once they are out."))
    return [Outgoing("\n".join(lines))]


def _failure_reason(t: Translator, why: str) -> str:
    if why == FAILED_REMOVED:
        return t._("bot removed")
    return t._("chat gone or refusing messages")


def render_fanout_report(t: Translator, report: FanOutReport) -> str:
    """After /remind's fan-out: how many chats got the reminder, and what became of the rest."""
    tally = report.tally
    total = tally.total
    head = t.ngettext(
        "Reminders are out: {sent} of {total} chat reached.",
        "Reminders are out: {sent} of {total} chats reached.",
        total,
    ).format(sent=tally.sent, total=total)
    if report.department:
        head += " " + t._("(chats of {department})").format(department=escape(report.department))
    lines = ["<b>" + head + "</b>"]
    if tally.sending:
        lines.append(
            t.ngettext(
                "{n} chat is being sent to right now.",
                "{n} chats are being sent to right now.",
                tally.sending,
            ).format(n=tally.sending)
        )
    if tally.rate_limited:
        lines.append(
            t.ngettext(
                "{n} chat waits out Telegram's rate limit; its reminder follows by itself.",
                "{n} chats wait out Telegram's rate limit; their reminders follow by themselves.",
                tally.rate_limited,
            ).format(n=tally.rate_limited)
        )
    if tally.retrying:
        lines.append(
            t.ngettext(
                "{n} chat could not be reached because of a network error; the bot keeps trying.",
                "{n} chats could not be reached because of network errors; the bot keeps trying.",
                tally.retrying,
            ).format(n=tally.retrying)
        )
    if tally.failed:
        named = "、".join(
            t._("{chat} ({why})").format(
                chat=escape(failed.title), why=_failure_reason(t, failed.why)
            )
            for failed in tally.failed_chats
        )
        more = tally.failed - len(tally.failed_chats)
        if more > 0:
            named += " " + t.ngettext("and {n} more", "and {n} more", more).format(n=more)
        lines.append(
            t.ngettext(
                "{n} chat cannot get it: {chats}.",
                "{n} chats cannot get it: {chats}.",
                tally.failed,
            ).format(n=tally.failed, chats=named)
        )
    if tally.skipped:
        lines.append(
            t.ngettext(
                "{n} chat no longer needed it (everything reported, or past the deadline).",
                "{n} chats no longer needed it (everything reported, or past the deadline).",
                tally.skipped,
            ).format(n=tally.skipped)
        )
    lines.append(
        t._("Deadline {deadline}. /status shows the replies.").format(
            deadline=moment_text(t, report.due_at)
        )
    )
    return "\n".join(lines)
