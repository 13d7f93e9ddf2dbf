"""What /plan and /assign say: the map's doubts, one measure's map, a correction's outcome.

Rendered from the records of `commands/plan_map.py` in the chat's language; names and
titles from the plan are HTML-escaped, and long answers are split into pages.
"""

from __future__ import annotations

from commands.plan_map import AssignAnswer, AssignOutcome, PlanAnswer, PlanOutcome
from messages.html import bold, escape, split_html
from messages.i18n import N_, Translator
from messages.outgoing import Outgoing
from messages.plan import warning_text
from messages.status import heading
from messages.vocabulary import DUE, gap, joined, role_name
from models.plan import ROLE_LEAD, ROLE_SUPPORT
from planreader.corrections import MeasureMap

ASSIGN_USAGE = N_(
    "Correct who leads and supports a measure:\n"
    "/assign （五） 牵头 省水利厅 配合 省财政厅、省农业农村厅\n"
    "/assign 5 lead 省水利厅 support 省财政厅\n"
    "Only supports: nobody leads and every unit named is responsible. A name the plan does "
    "not have yet: +省统计局. Back to the document's reading: /assign （五） reset. See a measure: "
    "/assign （五）."
)


def _names(t: Translator, names: list[str]) -> str:
    return joined(t, (escape(n) for n in names))


def _pages(lines: list[str]) -> list[Outgoing]:
    return [Outgoing(page) for page in split_html("\n".join(lines))]


def due_text(t: Translator, entry: MeasureMap) -> str:
    """2023年6月30日 (2023年6月底前), or the kind as written (长期坚持), or empty."""
    if entry.deadline is not None:
        written = entry.deadline_text or ""
        shown = t.date(entry.deadline, "long")
        return f"{shown}（{escape(written)}）" if written and t.is_chinese else shown
    return escape(entry.deadline_text or "")


def measure_lines(t: Translator, entry: MeasureMap, *, doubts: bool = True) -> list[str]:
    """A measure's map: title, who leads, who supports, the deadline, and its doubts.

    The role words are the views' and the reminders': with no lead, the units named are 负责.
    """
    lines = [f"<b>{escape(entry.label)}</b>{gap(entry.label)}{escape(entry.title)}"]
    if entry.leads or entry.supports:
        lines.append(
            "  "
            + t._("{role}: {units}").format(
                role=heading(role_name(t, ROLE_LEAD)),
                units=_names(t, entry.leads) or t._("none"),
            )
        )
    if entry.supports:
        other = heading(role_name(t, ROLE_SUPPORT, responsible=not entry.leads))
        lines.append(
            "  " + t._("{role}: {units}").format(role=other, units=_names(t, entry.supports))
        )
    if not entry.leads and not entry.supports:
        lines.append("  " + t._("No departments"))
    if due := due_text(t, entry):
        lines.append("  " + t._(DUE).format(due=due))
    if entry.corrected and entry.corrected_at is not None:
        lines.append(
            "  ✓ " + t._("Corrected by an admin on {date}").format(date=t.date(entry.corrected_at))
        )
    elif doubts:
        lines += ["  ? " + escape(warning_text(t, d)) for d in entry.doubts]
    return lines


def render_plan(t: Translator, answer: PlanAnswer) -> list[Outgoing]:
    """The pages /plan answers with."""
    if answer.outcome == PlanOutcome.NO_PLAN:
        return [Outgoing(t._("No plan is imported yet."))]
    if answer.outcome == PlanOutcome.UNKNOWN_MEASURE:
        text = t._("The plan has no measure {measure}. Try /plan all.")
        return [Outgoing(text.format(measure=escape(answer.token)))]
    head = bold(answer.title)
    if answer.doc_number:
        head += " " + escape(answer.doc_number)
    lines = [head]
    if answer.outcome == PlanOutcome.SHOWN:
        for entry in answer.shown:
            lines += ["", *measure_lines(t, entry)]
        return _pages(lines)
    lines.append(
        t.ngettext(
            "{n} measure; {doubtful} to check, {corrected} corrected.",
            "{n} measures; {doubtful} to check, {corrected} corrected.",
            answer.measures,
        ).format(n=answer.measures, doubtful=len(answer.doubtful), corrected=len(answer.corrected))
    )
    if answer.doubtful:
        lines += ["", bold(t._("The reader is unsure of these measures:"))]
        for entry in answer.doubtful:
            lines += measure_lines(t, entry)
    else:
        lines.append(t._("The reader is sure of every measure."))
    if answer.corrected:
        lines += ["", bold(t._("Corrected by an admin:"))]
        lines += [f"{escape(m.label)}{gap(m.label)}{escape(m.title)}" for m in answer.corrected]
    lines += [
        "",
        escape(
            t._(
                "Check a measure against the document; correct it with /assign （五） 牵头 … "
                "配合 …; see one with /plan （五）, all with /plan all."
            )
        ),
    ]
    return _pages(lines)


def render_assign(t: Translator, answer: AssignAnswer) -> list[Outgoing]:
    """The pages /assign answers with."""
    outcome = answer.outcome
    if outcome == AssignOutcome.USAGE:
        return [Outgoing(escape(t._(ASSIGN_USAGE)))]
    if outcome == AssignOutcome.NO_PLAN:
        return [Outgoing(t._("No plan is imported yet."))]
    if outcome == AssignOutcome.UNKNOWN_MEASURE:
        text = t._("The plan has no measure {measure}. See the measures with /plan all.")
        return [Outgoing(text.format(measure=escape(answer.token)))]
    assert answer.measure is not None or answer.before is not None
    entry = answer.measure or answer.before
    assert entry is not None
    lines: list[str] = []
    if outcome == AssignOutcome.UNKNOWN_NAMES:
        lines.append(t._("Nothing was changed."))
        for name, suggestions in answer.unknown:
            if suggestions:
                lines.append(
                    t._("• No department called {name}. Did you mean: {suggestions}?").format(
                        name=escape(name), suggestions=_names(t, suggestions)
                    )
                )
            else:
                lines.append(
                    t._("• No department called {name} (a new one: +{name}).").format(
                        name=escape(name)
                    )
                )
        return _pages(lines)
    if outcome == AssignOutcome.BOTH_ROLES:
        text = t._("Nothing was changed: {names} cannot both lead and support.")
        return [Outgoing(text.format(names=_names(t, answer.both)))]
    if outcome == AssignOutcome.NO_NAMES:
        return [Outgoing(t._("Nothing was changed: name at least one department."))]
    if outcome == AssignOutcome.CORRECTED:
        lines.append(t._("Corrected. The reminders follow the new map from now on."))
        if answer.created:
            lines.append(t._("New departments: {names}").format(names=_names(t, answer.created)))
    elif outcome == AssignOutcome.RESET:
        lines.append(t._("Back to what the reader made of the document."))
    elif outcome == AssignOutcome.NOT_CORRECTED:
        lines.append(t._("This measure was not corrected; nothing to undo."))
    lines += measure_lines(t, entry)
    if outcome == AssignOutcome.CORRECTED and answer.before is not None:
        previous = answer.before
        was = _names(t, previous.leads) or "—"
        lines.append(
            t._("Before: leads {leads}; supports {supports}").format(
                leads=was, supports=_names(t, previous.supports) or "—"
            )
        )
    return _pages(lines)
