"""The liaison side: acknowledgements of recorded progress with buttons to correct the
status, the question (with a button per measure) for a reply that names none, refusals.

Every function takes a `Translator`; every text from users or from the plan is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from coordination.replies import (
    MeasureRef,
    Outcome,
    RecordView,
    ReplyOutcome,
    choice_payload,
    status_payload,
)
from coordination.replies.buttons import STATUS_CODES
from messages.html import ALERT_LIMIT, cut_lines, escape
from messages.i18n import Translator
from messages.outgoing import Button, Outgoing, button_rows
from messages.vocabulary import (
    STATUS_ICONS,
    aside,
    joined,
    reporting_mark,
    shorten,
    signal_mark,
    status_mark,
)
from reports.progress_signal import SIGNAL_BEHIND
from reports.status import TASK_LATE

TITLE_LIMIT = 40
CHOICES_PER_ROW = 4


def status_button(t: Translator, status: str) -> str:
    """The label of a status button: icon and word (✅ 已完成)."""
    return status_mark(t, status)


def measure_line(measure: MeasureRef) -> str:
    """（五）完善现代综合交通网络 — escaped, title shortened."""
    return f"{escape(measure.label)}{escape(shorten(measure.title, TITLE_LIMIT))}"


def behind_reason(t: Translator, record: RecordView) -> str:
    """Why a record is behind: its deadline passed, or the time elapsed (序时进度)."""
    expected = record.progress.expected
    if expected is None or expected >= 100:
        return t._("past its deadline")
    return t._("time elapsed {percent}").format(percent=t.percent(expected / 100))


def _record_line(t: Translator, record: RecordView) -> str:
    """'省能源局：🔄 推进中 · 60% · 📉 滞后 · 60%，序时进度 89% · 🟡 逾期报送'."""
    status = status_mark(t, record.status)
    if record.percent is not None:
        status += " · " + t.percent(record.percent / 100)
    if record.progress.signal == SIGNAL_BEHIND:
        # The same judgement as /status: the pace or the deadline says it is behind.
        status += " · " + signal_mark(t, SIGNAL_BEHIND) + aside(t, behind_reason(t, record))
    line = t._("{department}: {status}").format(
        department=escape(record.department_name), status=status
    )
    if record.on_time is False:
        line += " · " + reporting_mark(t, TASK_LATE)
    elif not record.in_cycle:
        line += " " + t._("(outside a reminder)")
    return line


def _fit(lines: list[str]) -> str:
    return cut_lines("\n".join(lines))


def _grouped(t: Translator, records: Sequence[RecordView]) -> list[str]:
    """Records grouped by measure: the measure once, then one line per department."""
    lines: list[str] = []
    seen: list[int] = []
    for record in records:
        if record.measure.measure_id in seen:
            continue
        seen.append(record.measure.measure_id)
        lines.append(f"<b>{measure_line(record.measure)}</b>")
        lines += [
            "  " + _record_line(t, r)
            for r in records
            if r.measure.measure_id == record.measure.measure_id
        ]
    return lines


def measures_list(t: Translator, measures: Sequence[MeasureRef]) -> list[str]:
    if not measures:
        return [t._("This chat's departments have no measures to report on.")]
    return [t._("This chat's measures:")] + ["• " + measure_line(m) for m in measures]


def unknown_note(t: Translator, labels: Sequence[str], measures: Sequence[MeasureRef]) -> list[str]:
    """The polite note for measures a reply named that this chat does not have."""
    names = joined(t, (escape(label) for label in labels))
    head = t.ngettext(
        "Measure {labels} is not among this chat's measures, so nothing was recorded for it.",
        "Measures {labels} are not among this chat's measures, so nothing was recorded for them.",
        len(labels),
    ).format(labels=names)
    return [head, *measures_list(t, measures)]


def render_ack(
    t: Translator,
    records: Sequence[RecordView],
    *,
    unknown_labels: Sequence[str] = (),
    chat_measures: Sequence[MeasureRef] = (),
    edited: bool = False,
) -> str:
    """The acknowledgement of a recorded (or updated) reply, with what was understood."""
    head = t._("Updated from your edit:") if edited else t._("Recorded, thank you:")
    lines = [head, *_grouped(t, records)]
    if unknown_labels:
        lines += ["", *unknown_note(t, unknown_labels, chat_measures)]
    lines += ["", t._("Wrong status? Correct it with the buttons below.")]
    return _fit(lines)


def render_status_corrected(t: Translator, records: Sequence[RecordView]) -> str:
    """The alert after a status button (short: Telegram cuts alerts)."""
    return _fit([t._("Status corrected:"), *_grouped(t, records)])[:ALERT_LIMIT]


def render_unknown(t: Translator, labels: Sequence[str], measures: Sequence[MeasureRef]) -> str:
    return _fit(
        [
            *unknown_note(t, labels, measures),
            t._("Please name one of these measures, e.g. （五）, and send it again."),
        ]
    )


def render_no_measures(t: Translator) -> str:
    return t._(
        "This chat's departments have no measures to report on, so nothing was "
        "recorded. An administrator can check the binding with /start."
    )


def render_choice_prompt(t: Translator, choices: Sequence[MeasureRef]) -> str:
    """The question for a reply that names no measure when several fit."""
    lines = [
        t._("Which measure is your reply about? Tap one, or “All” if it covers all of them."),
        *["• " + measure_line(m) for m in choices],
        "",
        t._("Tip: name measures like （五） in your reply to skip this question."),
    ]
    return _fit(lines)


def render_name_the_measure(t: Translator, choices: Sequence[MeasureRef]) -> Outgoing:
    """The question where no button can answer it (DingTalk without a card template): the
    report waits, and the liaison sends it again naming the measure."""
    lines = [
        t._("Which measure is your report about? Send it again naming the measure, for "
            "example: （五）completed …"),
        *["• " + measure_line(m) for m in choices],
    ]
    return Outgoing(_fit(lines))


def all_button(t: Translator) -> str:
    return t._("All")


def render_save_failed(t: Translator) -> str:
    return t._("Sorry, your report could not be saved just now. Please send it again in a minute.")


def render_report_usage(t: Translator) -> str:
    return t._("Usage: /report &lt;measure&gt; &lt;text&gt;, e.g. /report （五） 已完成80%")


def render_report_refused(t: Translator) -> str:
    return t._("/report is for department liaisons: please use it in your department's group chat.")


def callback_alert(t: Translator, kind: str) -> str:
    """Short alert texts for buttons that cannot act."""
    if kind == "resolved":
        return t._("This question was answered already.")
    if kind == "unchanged":
        return t._("The status is already set to that.")
    if kind == "failed":
        return t._("Could not save just now; please try again.")
    return t._("This button does not belong to this chat or is no longer valid.")


# --- buttons and whole messages ----------------------------------------------------------


def status_buttons(t: Translator, records: Sequence[RecordView]) -> tuple[tuple[Button, ...], ...]:
    """Buttons to correct the status: words for one measure, one row per measure for more."""
    firsts: dict[int, RecordView] = {}
    for record in records:
        firsts.setdefault(record.measure.measure_id, record)
    rows: list[list[Button]] = []
    single = len(firsts) == 1
    for record in firsts.values():
        buttons = [
            Button(
                status_button(t, status)
                if single
                else f"{record.measure.label}{STATUS_ICONS[status]}",
                status_payload(record.update_id, status),
            )
            for status in STATUS_CODES.values()
        ]
        rows += [buttons[:2], buttons[2:]] if single else [buttons]
    return button_rows(rows)


def choice_buttons(
    t: Translator, pending_id: int, choices: Sequence[MeasureRef]
) -> tuple[tuple[Button, ...], ...]:
    """One button per candidate measure (four a row), and "All"."""
    buttons = [Button(ref.label, choice_payload(pending_id, ref.measure_id)) for ref in choices]
    rows = [buttons[i : i + CHOICES_PER_ROW] for i in range(0, len(buttons), CHOICES_PER_ROW)]
    rows.append([Button(all_button(t), choice_payload(pending_id, None))])
    return button_rows(rows)


def ack_message(t: Translator, records: Sequence[RecordView]) -> Outgoing:
    """The acknowledgement redrawn after a button: what is recorded now, with the buttons."""
    return Outgoing(render_ack(t, records), status_buttons(t, records))


def render_outcome(t: Translator, outcome: ReplyOutcome) -> Outgoing | None:
    """What a recorded reply or /report gets as an answer; None when nothing is to be said."""
    if outcome.kind in (Outcome.RECORDED, Outcome.UPDATED):
        text = render_ack(
            t,
            outcome.records,
            unknown_labels=outcome.unknown_labels,
            chat_measures=outcome.chat_measures,
            edited=outcome.kind == Outcome.UPDATED,
        )
        return Outgoing(text, status_buttons(t, outcome.records) if outcome.records else ())
    if outcome.kind == Outcome.ASK and outcome.pending_id is not None:
        return Outgoing(
            render_choice_prompt(t, outcome.choices),
            choice_buttons(t, outcome.pending_id, outcome.choices),
        )
    if outcome.kind == Outcome.UNKNOWN:
        return Outgoing(render_unknown(t, outcome.unknown_labels, outcome.chat_measures))
    if outcome.kind == Outcome.NO_MEASURES:
        return Outgoing(render_no_measures(t))
    if outcome.kind == Outcome.EMPTY:
        return Outgoing(
            t._(
                "Nothing was recorded: the reply has no text. Reply to the reminder with "
                "the measure and its progress, for example: （五）已完成80%"
            )
        )
    return None


def render_report_help(t: Translator, measures: Sequence[MeasureRef] | None) -> Outgoing:
    """/report without a measure or a text: how to use it (and the chat's measures)."""
    if measures is None:
        return Outgoing(render_report_usage(t))
    return Outgoing("\n".join([render_report_usage(t), "", *measures_list(t, measures)]))
