"""How a pyqtgraph plot's text looks: its title and tick labels in the app's font and text colour.

pyqtgraph draws titles in a fixed small grey and tick labels in its own default font, both hard
to read at arm's length beside the app's 12 pt text (issue 6). Applied when a plot is made and
again when the palette or font changes (theme switch), never per frame: a tick font change
makes pyqtgraph lay the axis out again.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF, QPalette

AXES = ("left", "bottom")
TICK_DENSITY = 0.7  # fewer ticks than pyqtgraph's default (1.0): bigger labels crowded less


LABEL_ROOM = 1.8  # a vertical axis's labels at least this many text lines apart


class SpacedAxis(pg.AxisItem):  # type: ignore[misc]
    """A vertical axis whose labelled ticks keep room between them: on a short plot pyqtgraph
    always labels at least 2.25 intervals (1480/1460/1440/1420 on 50 px, one on the next);
    here the major step grows (1, 2, 5, 10...) until the labels fit."""

    def tickSpacing(self, low: float, high: float, size: float) -> list[tuple[float, float]]:
        levels: list[tuple[float, float]] = super().tickSpacing(low, high, size)
        if not levels or self.orientation not in ("left", "right"):
            return levels
        font = self.style["tickFont"] or self.font()
        room = QFontMetricsF(font).height() * LABEL_ROOM
        fits = max(size / room, 1.0)
        span = abs(high - low)
        major = levels[0][0]
        while span / major > fits:
            digit = round(major / 10 ** math.floor(math.log10(major)))
            wider = major * (2.5 if digit == 2 else 2.0)
            if wider > span:  # no longer sure to have a multiple in view: keep one label
                break
            major = wider
        if major == levels[0][0]:
            return levels
        return [(major, 0.0), *[level for level in levels[1:] if level[0] < major]]


def tick_font(font: QFont) -> QFont:
    """The font tick labels are drawn in: the app's base font (family and size)."""
    return QFont(font)


def style_plot(plot: pg.PlotItem, palette: QPalette, font: QFont) -> None:
    """Title, axes and tick labels of `plot` in `palette`'s text colour and `font`'s size."""
    text = palette.color(QPalette.ColorRole.Text)
    ticks = tick_font(font)
    for name in AXES:
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(text))
        axis.setTextPen(pg.mkPen(text))
        axis.setStyle(tickFont=ticks)
        axis.setTickDensity(TICK_DENSITY)
    plot.titleLabel.setAttr("color", text)
    # The title in the app's base font size (not pyqtgraph's fixed small grey).
    size = font.pointSizeF()
    if size > 0:
        plot.titleLabel.setAttr("size", f"{size:g}pt")
    plot.titleLabel.setText(plot.titleLabel.text)
