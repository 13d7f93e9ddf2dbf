"""Every word and format of the web dashboard's pages, for the templates in `webapp/`.

The pages use the chat views' vocabulary (status, task and role names, icons) so that the
dashboard and /status say the same thing; templates hold structure only and ask `Words`.
"""

from __future__ import annotations

from datetime import date, datetime

from messages.i18n import N_, Translator
from messages.status import SHORT_TEXT, cycle_line, days_overdue, task_marks
from messages.vocabulary import (
    REPORTING_ICONS,
    REPORTING_NAMES,
    SIGNAL_ICONS,
    SIGNAL_NAMES,
    STATUS_ICONS,
    STATUS_NAMES,
    due_text,
    joined,
    legend,
    progress_detail,
    role_name,
    shorten,
)
from models.schedules import Cycle
from reports.closures import Closure
from reports.progress_signal import CLOSED, SIGNALS, Progress, severity
from reports.status import (
    REPORTING_ORDER,
    REPORTING_STATES,
    TaskState,
)

FILE_KINDS = {
    "photo": N_("photo"),
    "document": N_("document"),
}

# Fixed words of the pages, by the name templates use.
WORDS = {
    "app_name": N_("督办 dashboard"),
    "cycle_title": N_("Progress of the current cycle"),
    "no_report_yet": N_("no report yet"),
    "no_measures_for_department": N_("The plan names this department for no measure."),
    "no_departments_for_measure": N_("The plan names no department for this measure."),
    "overview": N_("Overview"),
    "overdue": N_("Overdue"),
    "overdue_title": N_("Overdue reports"),
    "departments": N_("All departments"),
    "leads_and_supports": N_("Leads and supports"),
    "department": N_("Department"),
    "measures": N_("Measures"),
    "measure": N_("Measure"),
    "reporting_heading": N_("Reporting"),
    "progress_heading": N_("Progress"),
    "percent_heading": N_("Completion"),
    "role_heading": N_("Role"),
    "responsible": N_("Responsible"),
    "supporting": N_("Supporting"),
    "on_time_rate": N_("On-time rate"),
    "lights": N_("Reporting of the measures"),
    "reports_this_cycle": N_("Responsible reports this cycle"),
    "progress_of_measures": N_("Progress of the measures"),
    "trend": N_("Reporting over recent cycles"),
    "record": N_("On-time record over recent cycles"),
    "cycle": N_("Cycle"),
    "this_cycle": N_("This cycle"),
    "latest_report": N_("Latest report"),
    "updated": N_("Updated"),
    "days_overdue_heading": N_("Days overdue"),
    "filter": N_("Filter…"),
    "filter_label": N_("Filter the table"),
    "timeline": N_("Every report, newest first"),
    "recent_reports": N_("Recent reports"),
    "no_reports": N_("No update has been recorded yet."),
    "nothing_overdue": N_("Nothing is overdue: every department has reported. 🎉"),
    "not_due_yet": N_("The deadline has not passed yet; nothing is overdue."),
    "no_tasks": N_("This cycle asks no department for a report."),
    "no_cycle": N_("No reminder has gone out yet"),
    "leads": N_("Leads"),
    "supports": N_("Supports"),
    "none": N_("none"),
    "chart_table": N_("The numbers of the chart"),
    "edited": N_("edited"),
    "deadline_heading": N_("Time limit"),
    "pace_title": N_("Share completed / time elapsed"),
    "returned_word": N_("returned for a new report"),
    "unbound_department": N_(
        "No chat is bound to this unit, so nobody asks it; an admin binds one with /bind."
    ),
    "unbound_hint": N_("An admin binds each unit's group with /bind; /chats lists them."),
    "on_time": N_("on time"),
    "late": N_("late"),
    "your_departments": N_("Your departments"),
    "refreshes": N_("This screen refreshes itself every minute."),
    "language": N_("Language"),
    "opening": N_("Opening the dashboard…"),
    "signed_out_title": N_("Please open the dashboard from Telegram"),
    "signed_out": N_(
        "Open it with the bot's menu button, or send /dashboard to the bot in a private chat "
        "for a login link for this browser."
    ),
    "refused_title": N_("Sorry, this dashboard is not open to you"),
    "refused": N_(
        "It is for the coordinators and for the liaisons of the departments in the plan. "
        "If you should see it, ask an admin to add you as a coordinator or to bind your "
        "department's group."
    ),
    "department_refused": N_(
        "You can see the departments whose group you are in; this one is not among them."
    ),
    "login_failed_title": N_("This login link does not work any more"),
    "login_failed": N_(
        "A login link works once, for 10 minutes. Send /dashboard to the bot for a new one."
    ),
    "initdata_forged": N_(
        "Telegram's signature on this request is not valid. Close the dashboard and open it "
        "again from the bot."
    ),
    "initdata_stale": N_(
        "This sign-in from Telegram is too old. Close the dashboard and open it again from the bot."
    ),
    "kiosk_refused_title": N_("This screen link is no longer valid"),
    "kiosk_refused": N_(
        "It was revoked. Ask a coordinator for a new one (/screen in a private chat with the bot)."
    ),
    "not_found_title": N_("Not found"),
    "not_found": N_("The plan has no such page. Go back to the overview."),
    "too_many_title": N_("Too many requests"),
    "too_many": N_("Please wait a minute and try again."),
    "file_failed_title": N_("The file could not be fetched"),
    "file_failed": N_(
        "Telegram did not hand over this file (files over 20 MB cannot be fetched by a bot). "
        "It is still in the department's chat."
    ),
    "error_title": N_("Something went wrong"),
    "error": N_("The dashboard could not show this page. Please try again in a moment."),
}


class Words:
    """The pages' words and formats in one reader's language and time zone."""

    def __init__(self, t: Translator) -> None:
        self.t = t

    def __getattr__(self, name: str) -> str:
        if name in WORDS:
            return self.t._(WORDS[name])
        raise AttributeError(name)

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self.t.is_chinese else "en"

    @property
    def locale(self) -> str:
        return self.t.locale

    # --- the two signals --------------------------------------------------------------
    def reporting(self, state: str) -> str:
        return self.t._(REPORTING_NAMES[state])

    def reporting_icon(self, state: str) -> str:
        return REPORTING_ICONS[state]

    # A unit's task in a cycle has the same reporting words and icons as a measure.
    task = reporting
    task_icon = reporting_icon

    def progress(self, signal: str) -> str:
        return self.t._(SIGNAL_NAMES[signal])

    def progress_icon(self, signal: str) -> str:
        return SIGNAL_ICONS[signal]

    def status(self, status: str) -> str:
        # Not escaped here: Jinja escapes every value (a status the bot does not know too).
        return self.t._(STATUS_NAMES[status]) if status in STATUS_NAMES else status

    def status_icon(self, status: str) -> str:
        return STATUS_ICONS.get(status, "")

    def role(self, role: str, responsible: bool = False) -> str:
        return role_name(self.t, role, responsible)

    def file_kind(self, kind: str | None) -> str:
        if not kind:
            return ""
        return self.t._(FILE_KINDS[kind]) if kind in FILE_KINDS else kind

    def task_marks(self, task: TaskState) -> str:
        """The marks /status puts after a unit: 🟢🔄, ↩️🔴 for a report returned."""
        return task_marks(task)

    @property
    def progress_keys(self) -> tuple[str, ...]:
        return SIGNALS

    @property
    def reporting_keys(self) -> tuple[str, ...]:
        return REPORTING_STATES

    def progress_rows(self, counts: dict[str, int]) -> list[tuple[str, str, str, int]]:
        """(signal, icon, label, measures) for the progress chart and its table."""
        return [(s, SIGNAL_ICONS[s], self.progress(s), counts[s]) for s in SIGNALS]

    def reporting_rows(self, counts: dict[str, int]) -> list[tuple[str, str, str, int]]:
        """(state, icon, label, measures) for the reporting chart and its table."""
        return [(k, REPORTING_ICONS[k], self.reporting(k), counts[k]) for k in REPORTING_STATES]

    def reporting_rank(self, state: str | None) -> int:
        """0 for the worst reporting; for sorting tables worst first."""
        return REPORTING_ORDER.index(state) if state in REPORTING_ORDER else len(REPORTING_ORDER)

    task_rank = reporting_rank

    def progress_rank(self, signal: str) -> int:
        return severity(signal)

    @property
    def legend(self) -> str:
        """The chat's legend of both signals, on one line."""
        return " · ".join(legend(self.t).splitlines())

    @property
    def progress_word(self) -> str:
        return self.t._(WORDS["progress_heading"])

    # --- text -------------------------------------------------------------------------
    def short(self, text: str, limit: int = SHORT_TEXT) -> str:
        """One line of at most `limit` characters (Jinja escapes it)."""
        return shorten(text, limit)

    def joined(self, items: list[str]) -> str:
        return joined(self.t, items)

    # --- numbers and times ------------------------------------------------------------
    def percent(self, value: int | None) -> str:
        """A reported percent (60 → "60%"), or a dash."""
        return "—" if value is None else self.t.percent(value / 100)

    def rate(self, ratio: float) -> str:
        return self.t.percent(ratio)

    def when(self, moment: datetime | None) -> str:
        return self.t.datetime(moment, "short") if moment is not None else "—"

    def edited_at(self, moment: datetime) -> str:
        return self.t._("edited {moment}").format(moment=self.when(moment))

    def returned_at(self, moment: datetime) -> str:
        return self.t._("returned {moment}").format(moment=self.when(moment))

    def closed_on(self, closure: Closure) -> str:
        text = self.t._("closed {moment}").format(moment=self.when(closure.closed_at))
        return text + (
            self.t._(" by {who}").format(who=closure.closed_by) if closure.closed_by else ""
        )

    @property
    def closed_progress(self) -> Progress:
        return CLOSED

    def progress_figures(self, progress: Progress) -> str:
        """'60%，序时进度 89%' (Jinja escapes it)."""
        return progress_detail(self.t, progress)

    def due(self, deadline: date | None, written: str | None) -> str:
        return due_text(self.t, deadline, written)

    def unbound_title(self, n: int) -> str:
        return self.t.ngettext(
            "{n} unit has no chat bound, so nobody asks it:",
            "{n} units have no chat bound, so nobody asks them:",
            n,
        ).format(n=n)

    def day(self, moment: datetime) -> str:
        return self.t.date(moment, "short" if not self.t.is_chinese else "medium")

    def cycle_day(self, moment: datetime) -> str:
        """A cycle's short name on an axis: its reminder's date."""
        return self.t.date(moment, "M月d日" if self.t.is_chinese else "MMM d")

    def cycle_line(self, cycle: Cycle, now: datetime) -> str:
        return cycle_line(self.t, cycle.fire_at, cycle.due_at, now)

    def as_of(self, now: datetime) -> str:
        return self.t._("As of {moment}").format(moment=self.t.datetime(now, "short"))

    def days_overdue(self, cycle: Cycle, now: datetime) -> int:
        return days_overdue(cycle.due_at, now)

    # --- counted phrases --------------------------------------------------------------
    def measure_count(self, n: int) -> str:
        return self.t.ngettext("{n} measure", "{n} measures", n).format(n=n)

    def days_past(self, days: int) -> str:
        return self.t.ngettext(
            "{days} day past the deadline", "{days} days past the deadline", days
        ).format(days=days)

    def missing_count(self, n: int) -> str:
        return self.t.ngettext("{n} report missing", "{n} reports missing", n).format(n=n)

    def reported_of(self, reported: int, asked: int) -> str:
        return self.t._("This cycle: {reported} of {asked} reported").format(
            reported=reported, asked=asked
        )

    def report_count(self, shown: int, total: int) -> str:
        if shown < total:
            return self.t._("The latest {shown} of {total} reports").format(
                shown=shown, total=total
            )
        return self.t.ngettext("{n} report", "{n} reports", total).format(n=total)

    def plan_measures(self, n: int) -> str:
        return self.t.ngettext("The plan has {n} measure.", "The plan has {n} measures.", n).format(
            n=n
        )

    def screen_title(self, label: str) -> str:
        return label or self.t._("Big screen")
