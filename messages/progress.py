"""Texts of the liaison side: acknowledgements of recorded progress, questions, refusals.

Every function takes a `Translator`; every text from users or from the plan is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from coordination.progress import MeasureRef, RecordView
from messages.i18n import N_, Translator
from models.progress import (
    PROGRESS_AT_RISK,
    PROGRESS_BLOCKED,
    PROGRESS_DONE,
    PROGRESS_IN_PROGRESS,
)

STATUS_NAMES = {
    PROGRESS_DONE: N_("done"),
    PROGRESS_IN_PROGRESS: N_("in progress"),
    PROGRESS_AT_RISK: N_("at risk"),
    PROGRESS_BLOCKED: N_("blocked"),
}
STATUS_ICONS = {
    PROGRESS_DONE: "✅",
    PROGRESS_IN_PROGRESS: "🔄",
    PROGRESS_AT_RISK: "⚠️",
    PROGRESS_BLOCKED: "⛔",
}
# Telegram refuses messages longer than 4,096 characters; lists are cut well before that.
MESSAGE_LIMIT = 3800
TITLE_LIMIT = 40


def status_name(t: Translator, status: str) -> str:
    return t._(STATUS_NAMES.get(status, STATUS_NAMES[PROGRESS_IN_PROGRESS]))


def status_button(t: Translator, status: str) -> str:
    """The label of a status button: icon and word (✅ 完成)."""
    return f"{STATUS_ICONS[status]} {status_name(t, status)}"


def short_title(title: str, limit: int = TITLE_LIMIT) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1] + "…"


def measure_line(measure: MeasureRef) -> str:
    """（五）完善现代综合交通网络 — escaped, title shortened."""
    return f"{escape(measure.label)}{escape(short_title(measure.title))}"


def _record_line(t: Translator, record: RecordView) -> str:
    status = f"{STATUS_ICONS.get(record.status, '')} {status_name(t, record.status)}"
    if record.percent is not None:
        status += " · " + t.percent(record.percent / 100)
    line = t._("{department}: {status}").format(
        department=escape(record.department_name), status=status
    )
    if record.on_time is False:
        line += " " + t._("(after the deadline)")
    elif not record.in_cycle:
        line += " " + t._("(outside a reminder)")
    return line


def _fit(lines: list[str]) -> str:
    text = "\n".join(lines)
    if len(text) <= MESSAGE_LIMIT:
        return text
    return text[: MESSAGE_LIMIT - 1].rsplit("\n", 1)[0] + "\n…"


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
    joined = ("、" if t.is_chinese else ", ").join(escape(label) for label in labels)
    head = t.ngettext(
        "Measure {labels} is not among this chat's measures, so nothing was recorded for it.",
        "Measures {labels} are not among this chat's measures, so nothing was recorded for them.",
        len(labels),
    ).format(labels=joined)
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
    return _fit([t._("Status corrected:"), *_grouped(t, records)])


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
