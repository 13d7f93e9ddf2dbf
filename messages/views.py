"""The coordinators' views as messages: pages with ◀ n/N ▶ buttons, 退回 buttons under a
measure's reports, polite misses with the closest departments as buttons.
"""

from __future__ import annotations

from commands.review import return_payload
from commands.views import (
    NO_OP,
    VIEW_DEPARTMENT,
    VIEW_HISTORY,
    VIEW_MEASURE,
    VIEW_OVERDUE,
    Miss,
    View,
    ViewAnswer,
    ViewMiss,
    page_payload,
)
from messages.html import echo, escape, split_html
from messages.i18n import Translator
from messages.outgoing import Button, Outgoing, button_rows
from messages.status import (
    render_department,
    render_history,
    render_measure,
    render_overdue,
    render_overview,
)
from messages.vocabulary import RETURNED_ICON
from reports.history import History, MeasureDetail
from reports.status import DepartmentView, Overview

SUGGESTION_LABEL = 60  # characters of a department's name on its button


def view_text(t: Translator, view: View) -> str:
    """The whole view as one HTML text (split into pages by `view_pages`)."""
    data = view.data
    if view.view == VIEW_DEPARTMENT:
        assert isinstance(data, DepartmentView)
        return render_department(t, data, view.now)
    if view.view == VIEW_MEASURE:
        assert isinstance(data, MeasureDetail)
        return render_measure(t, data)
    if view.view == VIEW_HISTORY:
        assert isinstance(data, History)
        return render_history(t, data)
    assert isinstance(data, Overview)
    return render_overdue(t, data) if view.view == VIEW_OVERDUE else render_overview(t, data)


def miss_text(t: Translator, miss: ViewMiss) -> str:
    if miss.miss == Miss.NO_MEASURE:
        return t._(
            "The plan has no measure {label}. /status lists the measures of the cycle."
        ).format(label=echo(miss.token))
    if miss.miss == Miss.NO_DEPARTMENT:
        if not miss.suggestions:
            return t._(
                "No department is called “{name}”. Check the name, or send /status for the "
                "whole cycle."
            ).format(name=echo(miss.token))
        lines = [
            t._("No department is called “{name}”. Did you mean:").format(name=echo(miss.token))
        ]
        lines += [f"• {escape(name)}" for name, _view, _args in miss.suggestions]
        return "\n".join(lines)
    if miss.miss == Miss.HISTORY_USAGE:
        return t._(
            "Usage: /history &lt;measure&gt; [department], "
            "for example /history 5 or /history （五） 省水利厅"
        )
    if miss.miss == Miss.HISTORY_NEEDS_MEASURE:
        return t._(
            "Please name a measure by its number, for example /history 5 or /history （五）."
        )
    return t._("This view is no longer available; please send the command again.")


def view_pages(t: Translator, answer: ViewAnswer) -> list[str]:
    if isinstance(answer, ViewMiss):
        return [miss_text(t, answer)]
    return split_html(view_text(t, answer))


def pager(view: View, page: int, total: int) -> tuple[tuple[Button, ...], ...]:
    """◀ 2/3 ▶ under a view of several pages (no arrow past either end)."""
    if total <= 1:
        return ()
    row = []
    if page > 1:
        row.append(Button("◀", page_payload(view.view, view.args, page - 1)))
    row.append(Button(f"{page}/{total}", NO_OP))
    if page < total:
        row.append(Button("▶", page_payload(view.view, view.args, page + 1)))
    return button_rows([row])


def suggestion_buttons(miss: ViewMiss) -> tuple[tuple[Button, ...], ...]:
    return button_rows(
        [
            [Button(name[:SUGGESTION_LABEL], page_payload(view, args, 1))]
            for name, view, args in miss.suggestions
        ]
    )


def return_buttons(t: Translator, view: View) -> tuple[tuple[Button, ...], ...]:
    """Under a measure's view: 退回 for each unit whose latest report stands (none once closed)."""
    data = view.data
    if view.view != VIEW_MEASURE or not isinstance(data, MeasureDetail) or data.closed:
        return ()
    return button_rows(
        [
            [
                Button(
                    t._("{icon} Return {department}'s report").format(
                        icon=RETURNED_ICON, department=item.name[:SUGGESTION_LABEL]
                    ),
                    return_payload(item.latest.update_id),
                )
            ]
            for item in data.departments
            if item.latest is not None and not item.latest.returned and item.latest.update_id
        ]
    )


def render_view(t: Translator, answer: ViewAnswer) -> list[Outgoing]:
    """The answer to a view command: its first page with the pager, or the miss."""
    pages = view_pages(t, answer)
    if isinstance(answer, ViewMiss):
        return [Outgoing(pages[0], suggestion_buttons(answer))] + [Outgoing(p) for p in pages[1:]]
    return [Outgoing(pages[0], pager(answer, 1, len(pages)) + return_buttons(t, answer))]


def render_page(t: Translator, answer: ViewAnswer, page: int) -> Outgoing:
    """Page `page` of the view (the nearest page when it shrank), with the pager."""
    pages = view_pages(t, answer)
    page = min(max(page, 1), len(pages))
    buttons = (
        pager(answer, page, len(pages)) + return_buttons(t, answer)
        if isinstance(answer, View)
        else ()
    )
    return Outgoing(pages[page - 1], buttons)
