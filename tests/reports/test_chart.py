"""/chart's picture: a valid PNG with Chinese labels when a CJK font is installed, and
measure numbers and ASCII department codes (never empty boxes) when none is."""

from __future__ import annotations

import io
import re

import matplotlib.image
import matplotlib.text
import pytest
from matplotlib.colors import to_hex

from messages.chart import (
    REPORTING_COLOURS,
    SIGNAL_COLOURS,
    build_figure,
    find_cjk_font,
    render_chart,
)
from messages.i18n import get_translator
from models.db import Database, create_schema
from reports.chart import chart_data
from tests.support.coordinator_data import NOW, build_sample

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ZH = get_translator("zh_CN")


@pytest.fixture
def data(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path / 'chart.sqlite3'}")
    create_schema(db.engine)
    db.call(build_sample)
    yield db.call(chart_data, now=NOW)
    db.dispose()


def figure_texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text) if t.get_text()]


def test_the_data_has_both_signals_per_measure_and_punctuality_per_department(data):
    by_number = {m.number: (m.reporting, m.progress.signal) for m in data.measures}
    assert by_number == {
        3: ("on_time", "done"),
        4: ("late", "on_track"),
        5: ("on_time", "difficult"),
        6: ("overdue", "on_track"),
        7: ("on_time", "blocked"),  # punctual, and blocked: the chart says both
        8: ("overdue", "on_track"),
    }
    rates = {name: rate for name, rate, _n in data.departments}
    assert rates["省水利厅"] == 1.0  # on time in all three cycles
    assert rates["省交通运输厅"] == pytest.approx(1 / 3)  # late twice
    assert rates["省工信厅"] == 0.0  # a supporting department that never reported


def test_each_bar_has_the_colour_of_its_progress_and_each_square_of_its_reporting(data):
    figure, _codes = build_figure(ZH, data, None)
    axes = figure.axes[0]
    bars = [p for p in axes.patches if p.get_gid() == "progress"]
    assert [to_hex(b.get_facecolor()) for b in bars] == [
        SIGNAL_COLOURS[m.progress.signal] for m in data.measures
    ]
    # A bar is as high as the share completed: done is full, (五) stands at 45%.
    heights = {m.number: b.get_height() for m, b in zip(data.measures, bars, strict=True)}
    assert heights[3] == 100 and heights[5] == 45
    squares = next(c for c in axes.collections if c.get_gid() == "reporting")
    assert [to_hex(c) for c in squares.get_facecolors()] == [
        REPORTING_COLOURS[m.reporting] for m in data.measures
    ]


def test_without_a_cjk_font_the_labels_are_numbers_and_ascii_codes(data):
    figure, codes = build_figure(ZH, data, None)
    texts = figure_texts(figure)
    assert texts and all(not re.search(r"[^\x20-\x7e]", text) for text in texts), texts
    tick_labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert tick_labels == ["3", "4", "5", "6", "7", "8"]
    assert ("D1", "省水利厅") in codes or any(name == "省水利厅" for _c, name in codes)
    assert len(codes) == len(data.departments)
    chart = render_chart(ZH, data, font=None)  # warnings are errors: no "Glyph missing"
    assert chart.png.startswith(PNG_MAGIC) and not chart.uses_cjk_font


def test_with_a_cjk_font_the_labels_are_chinese_and_the_png_decodes(data):
    family = find_cjk_font()
    if family is None:
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-wqy-microhei)")
    figure, codes = build_figure(ZH, data, family)
    assert codes == []
    tick_labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert tick_labels[:2] == ["三", "四"]
    assert "各项措施进展与报送（2026年11月15日 一轮）" in figure_texts(figure)
    chart = render_chart(ZH, data)
    assert chart.uses_cjk_font and chart.png.startswith(PNG_MAGIC)
    pixels = matplotlib.image.imread(io.BytesIO(chart.png), format="png")
    assert pixels.ndim == 3 and pixels.shape[0] > 300 and pixels.shape[1] > 600
