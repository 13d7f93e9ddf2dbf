"""What the digest names for attention: measures at risk or blocked two cycles in a row, and
departments that missed two deadlines in a row — for the chat (HTML) and the 通报 (plain).
"""

from __future__ import annotations

from messages.html import escape
from messages.i18n import Translator
from messages.vocabulary import SIGNAL_ICONS, joined, signal_name
from reports.escalation import Escalations


def escalation_items(t: Translator, found: Escalations, *, html: bool = True) -> list[str]:
    """One line per measure and per department that needs attention."""

    def text(value: str) -> str:
        return escape(value, quote=False) if html else value

    items = []
    for measure in found.measures:
        signals = " → ".join(
            (f"{SIGNAL_ICONS[s]} " if html else "") + signal_name(t, s) for s in measure.signals
        )
        line = t._("{label}{title}: {signals}, two cycles in a row").format(
            label=text(measure.label), title=text(measure.title), signals=signals
        )
        if measure.departments:
            line += t._(" ({units})").format(
                units=joined(t, [text(n) for n in measure.departments])
            )
        items.append(line)
    for department in found.departments:
        items.append(
            t._("{department}: reports missing at two deadlines in a row ({counts})").format(
                department=text(department.name),
                counts=joined(
                    t,
                    [
                        t._("{n} missing on {day}").format(n=n, day=t.date(due, "short"))
                        for n, due in zip(department.missed, department.deadlines, strict=True)
                    ],
                ),
            )
        )
    return items


def render_escalations(t: Translator, found: Escalations) -> str:
    """The section of the digest that needs attention; empty when nothing does."""
    items = escalation_items(t, found)
    if not items:
        return ""
    return "\n".join(["<b>⚠️ " + t._("Needs attention") + "</b>", *("• " + i for i in items)])
