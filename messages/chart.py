"""The /chart picture: reports per measure in the current cycle, on-time rate per department.

Chinese labels need a CJK font (Noto Sans CJK, WenQuanYi, Source Han, …); without one the
labels fall back to measure numbers and ASCII department codes, never to empty boxes.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # no display: the picture is rendered to bytes in a worker thread

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from commands.views import ChartAnswer
from messages.html import escape, split_html
from messages.i18n import N_, Translator
from messages.outgoing import FILE_PHOTO, File, Outgoing
from messages.status import render_no_cycle
from messages.vocabulary import REPORTING_NAMES, SIGNAL_NAMES, shorten
from reports.chart import ChartData, ChartMeasure
from reports.progress_signal import (
    SIGNAL_BEHIND,
    SIGNAL_BLOCKED,
    SIGNAL_CLOSED,
    SIGNAL_DIFFICULT,
    SIGNAL_DONE,
    SIGNAL_NONE,
    SIGNAL_ON_TRACK,
    SIGNALS,
)
from reports.status import (
    REPORTING_STATES,
    TASK_LATE,
    TASK_ON_TIME,
    TASK_OVERDUE,
    TASK_PENDING,
    TASK_UNBOUND,
)

# Families to try, best first; the first one installed is used.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Sans CJK JP",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
# File names of CJK fonts that matplotlib's cache may not know yet (installed after it).
_CJK_FILE = re.compile(r"(wqy|notosanscjk|notoserifcjk|sourcehan|droidsansfallback|uming)", re.I)
_NOT_ASCII = re.compile(r"[^\x20-\x7e]")

DEPARTMENT_LABEL = 14  # characters of a department's name beside its bar

# The colours of the dashboard (webapp/static/app.css), so a signal looks the same in both.
SIGNAL_COLOURS = {
    SIGNAL_DONE: "#1d7f53",
    SIGNAL_ON_TRACK: "#3b7dd8",
    SIGNAL_BEHIND: "#f0ad33",
    SIGNAL_DIFFICULT: "#e0731f",
    SIGNAL_BLOCKED: "#a3242f",
    SIGNAL_NONE: "#9aa5b1",
    SIGNAL_CLOSED: "#7a5cb8",
}
REPORTING_COLOURS = {
    TASK_ON_TIME: "#2e9d5b",
    TASK_LATE: "#e6c01c",
    TASK_OVERDUE: "#d64541",
    TASK_UNBOUND: "#5f6b7a",
    TASK_PENDING: "#aab4bf",
}
NO_PERCENT = 4  # the height of a measure's bar when no percent was reported
STRIP = -10  # where the reporting strip sits, under the bars


@functools.cache
def find_cjk_font() -> str | None:
    """The family name of an installed CJK font, or None."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    for path in font_manager.findSystemFonts():
        if _CJK_FILE.search(path.replace("-", "").replace("_", "")):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def bar_height(measure: ChartMeasure) -> float:
    """The bar of a measure: its completion in percent (a stub when none was reported)."""
    if measure.progress.signal in (SIGNAL_DONE, SIGNAL_CLOSED):
        return 100
    if measure.progress.percent is None:
        return NO_PERCENT
    return max(measure.progress.percent, NO_PERCENT)


def draw_measures(axes: object, measures: list[ChartMeasure]) -> None:
    """Each measure: a bar in its progress colour as high as its completion, a mark at the
    time elapsed, and a square in its reporting colour under the axis."""
    positions = list(range(len(measures)))
    axes.bar(  # type: ignore[attr-defined]
        positions,
        [bar_height(m) for m in measures],
        color=[SIGNAL_COLOURS[m.progress.signal] for m in measures],
        gid="progress",
    )
    paces = [
        (i, m.progress.expected)
        for i, m in enumerate(measures)
        if m.progress.expected is not None and not m.closed
    ]
    if paces:
        axes.scatter(  # type: ignore[attr-defined]
            [i for i, _ in paces],
            [e for _, e in paces],
            marker="_",
            s=160,
            color="black",
            linewidths=1.6,
            zorder=3,
            gid="pace",
        )
    strip = [(i, m) for i, m in enumerate(measures) if not m.closed]
    axes.scatter(  # type: ignore[attr-defined]
        [i for i, _ in strip],
        [STRIP] * len(strip),
        marker="s",
        s=70,
        color=[REPORTING_COLOURS[m.reporting] for _, m in strip],
        gid="reporting",
    )


@dataclass
class Chart:
    png: bytes
    uses_cjk_font: bool
    # ASCII code → department name, when the picture had to use codes.
    codes: list[tuple[str, str]] = field(default_factory=list)


def render_chart(t: Translator, data: ChartData, *, font: str | bool | None = True) -> Chart:
    """The PNG; `font=True` finds a CJK font, `None`/`False` forces the ASCII fallback."""
    family = find_cjk_font() if font is True else (font or None)
    figure, codes = build_figure(t, data, family)
    buffer = io.BytesIO()
    with matplotlib.rc_context(_font_rc(family)):
        figure.savefig(buffer, format="png", dpi=110)
    return Chart(png=buffer.getvalue(), uses_cjk_font=family is not None, codes=codes)


def _font_rc(family: str | None) -> dict[str, object]:
    if family is None:
        return {"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}
    return {"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"]}


def build_figure(
    t: Translator, data: ChartData, family: str | None
) -> tuple[Figure, list[tuple[str, str]]]:
    """The figure and, without a CJK font, the department codes it uses."""

    def say(message: str) -> str:
        # Without a CJK font a Chinese text would print as boxes: keep the English source.
        text = t._(message)
        return text if family is not None or not _NOT_ASCII.search(text) else message

    codes: list[tuple[str, str]] = []
    department_labels: list[str] = []
    for index, (name, _rate, _n) in enumerate(data.departments, start=1):
        if family is None and _NOT_ASCII.search(name):
            code = f"D{index}"
            codes.append((code, name))
            department_labels.append(code)
        else:
            department_labels.append(shorten(name, DEPARTMENT_LABEL))
    # "十一" rather than "（十一）": the brackets cost room and say nothing under a bar.
    measure_labels = [
        m.label.strip("（）() ") or str(m.number) if family is not None else str(m.number)
        for m in data.measures
    ]

    n_departments = max(1, len(data.departments))
    height = 4.2 + 0.28 * n_departments
    with matplotlib.rc_context(_font_rc(family)):
        figure = Figure(figsize=(max(8.0, 0.42 * len(data.measures) + 2), height))
        top, bottom = figure.subplots(
            2, 1, gridspec_kw={"height_ratios": [3.8, 0.28 * n_departments + 0.6]}
        )
        when = t.date(data.cycle_date) if data.cycle_date is not None else ""
        if family is None and _NOT_ASCII.search(when) and data.cycle_date is not None:
            when = data.cycle_date.strftime("%Y-%m-%d")
        top.set_title(
            say(N_("Progress and reporting per measure, cycle of {date}")).format(date=when)
        )
        draw_measures(top, data.measures)
        crowded = len(data.measures) > 30
        top.set_xticks(
            list(range(len(data.measures))),
            measure_labels,
            rotation=90 if crowded else 0,
            fontsize=7 if crowded else 8,
        )
        top.set_ylabel(say(N_("Share completed (%)")))
        top.set_yticks([0, 25, 50, 75, 100])
        # Head room above the bars for the legend; the reporting strip below zero.
        top.set_ylim(STRIP - 8, 150)
        top.set_xlim(-0.7, max(len(data.measures), 1) - 0.3)
        top.axhline(0, color="#888888", linewidth=0.6)
        shown_signals = [s for s in SIGNALS if any(m.progress.signal == s for m in data.measures)]
        shown_states = [
            s
            for s in REPORTING_STATES
            if any(m.reporting == s and not m.closed for m in data.measures)
        ]
        handles = [
            Patch(color=SIGNAL_COLOURS[s], label=say(SIGNAL_NAMES[s])) for s in shown_signals
        ]
        handles += [
            Patch(color=REPORTING_COLOURS[s], label=say(REPORTING_NAMES[s]), alpha=0.9)
            for s in shown_states
        ]
        if data.measures:
            handles.append(
                Line2D(
                    [],
                    [],
                    color="black",
                    marker="_",
                    linestyle="",
                    markersize=12,
                    label=say(N_("time elapsed")),
                )
            )
        top.legend(
            handles=handles, loc="upper right", fontsize=7, ncols=min(6, max(len(handles), 1))
        )
        # Left of the axis, level with the strip: x in the axes' width, y in percent.
        top.text(
            -0.01,
            STRIP,
            say(N_("Reporting")),
            fontsize=7,
            va="center",
            ha="right",
            transform=top.get_yaxis_transform(),
        )
        if not data.measures:
            top.text(
                0.5, 0.5, say(N_("No tasks in this cycle")), ha="center", transform=top.transAxes
            )

        rates = [rate * 100 for _name, rate, _n in data.departments]
        rows = list(range(len(data.departments)))
        bottom.barh(rows, rates, color="#3b7dd8")
        bottom.set_yticks(rows, department_labels, fontsize=8)
        bottom.invert_yaxis()
        bottom.set_xlim(0, 100)
        bottom.set_xlabel(say(N_("On-time rate per department (%)")))
        for row, rate in zip(rows, rates, strict=True):
            bottom.text(min(rate + 1, 92), row, f"{rate:.0f}%", va="center", fontsize=7)
        if not data.departments:
            bottom.text(50, 0, say(N_("No closed tasks yet")), ha="center")
            bottom.set_yticks([])
        figure.tight_layout()
    return figure, codes


def render_chart_answer(
    t: Translator, answer: ChartAnswer, *, font: str | bool | None = True
) -> list[Outgoing]:
    """/chart: the PNG with its caption, and the codes of departments when no CJK font exists."""
    if answer.data.cycle_date is None:
        return [Outgoing(render_no_cycle(t, answer.measure_count))]
    chart = render_chart(t, answer.data, font=font)
    caption = t._(
        "Progress (bars) and reporting (squares) of each measure in the current cycle, and "
        "the on-time rate per department over the recent cycles"
    )
    messages = [Outgoing(caption, file=File("chart.png", chart.png, FILE_PHOTO))]
    if chart.codes:
        lines = [t._("Department codes in the chart:")]
        lines += [f"{code} = {escape(name)}" for code, name in chart.codes]
        messages += [Outgoing(page) for page in split_html("\n".join(lines))]
    return messages
