"""Chart text readable (issue 6): the Live monitor's titles and tick labels in the app's base font
size and the palette's text colour (were pyqtgraph's 9 pt grey titles and its default-size ticks),
following a palette change; the tick font is set when a plot is made, not per frame."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from traceapp.domain.sensors import MICROS, Channel, Limits
from traceapp.ui.chart_look import SpacedAxis
from traceapp.ui.live_monitor.charts import ChannelPlots
from traceapp.ui.theme import apply_base_font


def _channels(count: int = 3) -> list[Channel]:
    return [
        Channel(
            id=i + 1,
            site="s",
            equipment="oven",
            name=f"t{i:02d}",
            quantity="temperature",
            unit="degC",
            limits=Limits(lsl=1420.0, usl=1480.0),
            expected_period_us=MICROS // 10,
        )
        for i in range(count)
    ]


def title_look(plot: object) -> tuple[float, str]:
    """The point size and colour a plot's title is drawn in (its first character's format)."""
    item = plot.titleLabel.item  # type: ignore[attr-defined]
    fragment = item.document().begin().begin().fragment()
    shown = fragment.charFormat()
    return shown.fontPointSize(), shown.foreground().color().name()


def tick_look(plot: object, side: str) -> tuple[float, str]:
    """The point size of an axis's tick labels and the colour they are drawn in."""
    axis = plot.getAxis(side)  # type: ignore[attr-defined]
    font = axis.style["tickFont"]
    assert font is not None, f"{side} ticks in pyqtgraph's default font"
    return font.pointSizeF(), axis.textPen().color().name()


@pytest.fixture
def base_font(qapp: QApplication) -> Iterator[float]:
    before = QFont(qapp.font())
    apply_base_font(qapp)
    yield qapp.font().pointSizeF()
    qapp.setFont(before)


def _charts(qtbot: QtBot) -> ChannelPlots:
    charts = ChannelPlots()
    qtbot.addWidget(charts)
    charts.resize(1100, 600)
    charts.show()
    qtbot.waitExposed(charts)
    charts.set_channels(_channels())
    qtbot.waitUntil(lambda: not charts.building)
    return charts


def test_live_monitor_titles_and_ticks_are_in_the_base_size_and_text_colour(
    qtbot: QtBot, base_font: float
) -> None:
    assert base_font >= 12
    charts = _charts(qtbot)
    text = charts.palette().color(QPalette.ColorRole.Text).name()
    for entry in charts.plots.values():
        assert title_look(entry.plot) == (base_font, text)
        assert tick_look(entry.plot, "left") == (base_font, text)
        assert tick_look(entry.plot, "bottom") == (base_font, text)


def test_live_monitor_text_follows_a_palette_change(qtbot: QtBot, base_font: float) -> None:
    charts = _charts(qtbot)
    palette = QPalette(charts.palette())
    palette.setColor(QPalette.ColorRole.Text, QColor("#e8e8e8"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#202020"))
    charts.setPalette(palette)
    for entry in charts.plots.values():
        assert title_look(entry.plot) == (base_font, "#e8e8e8")
        assert tick_look(entry.plot, "left") == (base_font, "#e8e8e8")
    assert charts.backgroundBrush().color().name() == "#202020"


def test_frames_do_not_set_the_tick_font_again(
    qtbot: QtBot, base_font: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    charts = _charts(qtbot)
    calls: list[object] = []
    for entry in charts.plots.values():
        axis = entry.plot.getAxis("left")
        monkeypatch.setattr(axis, "setStyle", lambda **kw: calls.append(kw))
        monkeypatch.setattr(axis, "setTickFont", lambda font: calls.append(font))
    times = 1000.0 + np.arange(50) / 10
    for channel_id in charts.plots:
        charts.add(channel_id, times, 1450.0 + np.sin(times))
    for frame in range(5):
        charts.render_frame(1005.0 + frame)
    assert calls == []


def test_a_short_plots_value_labels_do_not_crowd(qtbot: QtBot, base_font: float) -> None:
    """1480/1460/1440/1420 on a 50 px axis were one on the next: the labelled ticks of a
    vertical axis are now at least a line and a half of text apart."""
    charts = _charts(qtbot)
    charts.resize(1100, 260)  # three plots of about 50 px, as at 1366x768 with four channels
    qtbot.waitUntil(lambda: next(iter(charts.plots.values())).plot.height() < 90)
    for entry in charts.plots.values():
        axis = entry.plot.getAxis("left")
        low, high = entry.plot.getViewBox().viewRange()[1]
        size = axis.geometry().height()
        spacing, values = axis.tickValues(low, high, size)[0]
        shown = [v for v in values if low <= v <= high]
        assert shown, (low, high, values)  # still a value to read
        line = QFontMetricsF(tick_font_of(axis)).height()
        if len(shown) > 1:  # two or more labels: a line and a half of text apart
            assert spacing / (high - low) * size >= 1.5 * line, (spacing, low, high, size)


def tick_font_of(axis: object) -> QFont:
    font: QFont = axis.style["tickFont"]  # type: ignore[attr-defined]
    return font


def test_a_crowded_axis_keeps_a_value_to_read(qtbot: QtBot, base_font: float) -> None:
    """The speed plot at 1366x768 (1410-1490 on 50 px) went blank when the step grew to 100."""
    axis = SpacedAxis(orientation="left")
    axis.setStyle(tickFont=QFont(QApplication.font()))
    for low, high in ((1410.0, 1490.0), (5.75, 6.25), (38.0, 52.0)):
        values = [v for _spacing, shown in axis.tickValues(low, high, 50) for v in shown]
        assert any(low <= v <= high for v in values), (low, high, values)
