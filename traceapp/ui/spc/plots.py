"""The SPC plots: a control chart with its zones and rule marks, and a histogram with the spec."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QPalette

from traceapp.domain.spc.charts import Chart
from traceapp.domain.spc.rules import Rule, Violation
from traceapp.domain.spc.series import SpcSubgroup
from traceapp.ui.chart_look import style_plot

CHART_HEIGHT = 170
LINE_PEN = (30, 90, 200)
CENTRE_PEN = (40, 140, 40)
LIMIT_PEN = (200, 40, 40)
SPEC_PEN = (200, 40, 40)
ONE_SIGMA_BRUSH = (60, 170, 60, 45)  # zone C: where most points belong
TWO_SIGMA_BRUSH = (230, 180, 0, 45)  # zone B
VIOLATION_BRUSH = (220, 0, 0)
POINT_SIZE = 9
MAX_LABELS = 60
BAR_BRUSH = (30, 90, 200, 110)
FIT_SAMPLES = 200
NAMES = {"xbar": "X-bar", "r": "Range", "s": "Std. dev.", "x": "Individuals", "mr": "Moving range"}


def rule_number(rule: Rule) -> str:
    """A rule as marked on a chart: N5, WE2, or L for a point beyond a limit."""
    return "L" if rule is Rule.LIMIT else rule.value


def _nan(values: Sequence[float | None]) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


class _ThemedPlot(pg.PlotWidget):  # type: ignore[misc]
    """A plot on the theme's base colour with axes in its text colour (light or dark theme)."""

    def _follow_theme(self) -> None:
        palette = self.palette()
        self.setBackground(palette.color(QPalette.ColorRole.Base))
        # Title, axes and tick labels in the app's font size and text colour (chart_look).
        style_plot(self.getPlotItem(), palette, self.font())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Qt sends palette changes while pyqtgraph builds the widget: no plot to colour yet.
        if (
            event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange)
            and self.getPlotItem() is not None
        ):
            self._follow_theme()


class ControlChart(_ThemedPlot):
    """One chart: points, centre, limits, 1- and 2-sigma zones, violations marked with their rule.

    `point_clicked` carries the 1-based subgroup number of the point clicked.
    """

    point_clicked = Signal(int)

    def __init__(
        self,
        chart: Chart,
        violations: Sequence[Violation],
        subgroups: Sequence[SpcSubgroup],
        *,
        zones: bool,
        unit: str = "",
    ) -> None:
        super().__init__()
        self.chart = chart
        self.setObjectName(f"controlChart_{chart.name}")
        self.setMinimumHeight(CHART_HEIGHT)
        self.setMenuEnabled(False)
        self.hideButtons()
        plot = self.getPlotItem()
        plot.setTitle(NAMES.get(chart.name, chart.name))
        plot.setLabel("bottom", "subgroup (inspection)")
        if unit and chart.name in ("xbar", "x"):
            plot.setLabel("left", unit)
        plot.showGrid(x=False, y=True, alpha=0.2)
        x = np.array(chart.points, dtype=float)
        y = np.array(chart.statistic, dtype=float)
        centre = chart.center
        sigma = np.array(chart.zone_sigma, dtype=float)
        self.zone_bands: list[pg.GraphicsObject] = []
        if zones and x.size:
            # One sigma for every point (the usual case): plain horizontal bands. A fill between
            # two curves costs about 0.1 s per band at 5,000 points; only varying limits need it.
            constant = bool(np.allclose(sigma, sigma[0]))
            for low, high, brush in (
                (centre - sigma, centre + sigma, ONE_SIGMA_BRUSH),
                (centre + sigma, centre + 2 * sigma, TWO_SIGMA_BRUSH),
                (centre - 2 * sigma, centre - sigma, TWO_SIGMA_BRUSH),
            ):
                band: pg.GraphicsObject
                if constant:
                    band = pg.LinearRegionItem(
                        values=(float(low[0]), float(high[0])),
                        orientation="horizontal",
                        movable=False,
                        brush=pg.mkBrush(*brush),
                        pen=pg.mkPen(None),
                    )
                else:
                    band = pg.FillBetweenItem(
                        pg.PlotCurveItem(x, low),
                        pg.PlotCurveItem(x, high),
                        brush=pg.mkBrush(*brush),
                    )
                band.setZValue(-20)
                plot.addItem(band)
                self.zone_bands.append(band)
        self.centre_line = pg.InfiniteLine(pos=centre, angle=0, pen=pg.mkPen(CENTRE_PEN, width=1))
        plot.addItem(self.centre_line)
        limit_pen = pg.mkPen(LIMIT_PEN, width=1, style=Qt.PenStyle.DashLine)
        self.lcl_curve = plot.plot(x, _nan(chart.lcl), pen=limit_pen, connect="finite")
        self.ucl_curve = plot.plot(x, _nan(chart.ucl), pen=limit_pen, connect="finite")
        self.curve = plot.plot(x, y, pen=pg.mkPen(LINE_PEN, width=1))
        by_number = {g.number: g for g in subgroups}
        marks: dict[int, list[str]] = {}
        for violation in violations:
            marks.setdefault(violation.point, []).append(rule_number(violation.rule))
        self.marks = {point: ", ".join(dict.fromkeys(rules)) for point, rules in marks.items()}
        # Two brushes shared by every spot: one per spot costs milliseconds per hundred points.
        plain, flagged = pg.mkBrush(*LINE_PEN), pg.mkBrush(*VIOLATION_BRUSH)
        marked = [number in self.marks for number in chart.points]
        self.points = pg.ScatterPlotItem(
            x=x,
            y=y,
            data=np.array(chart.points),
            size=np.where(marked, POINT_SIZE + 2, POINT_SIZE),
            brush=[flagged if m else plain for m in marked],
            pen=pg.mkPen(None),
            hoverable=True,
            tip=self._tip(by_number),
            pxMode=True,
        )
        self.points.sigClicked.connect(self._on_clicked)
        plot.addItem(self.points)
        self.rule_labels: list[pg.TextItem] = []
        # Labels for the newest marks only: hundreds of text items would freeze the window
        # (every flagged point stays red, with its rules in the tooltip).
        for number, text in sorted(self.marks.items())[-MAX_LABELS:]:
            label = pg.TextItem(text, color=VIOLATION_BRUSH, anchor=(0.5, 1.2))
            label.setPos(number, chart.statistic[chart.points.index(number)])
            label.setToolTip(f"Point {number} breaks {text}")
            plot.addItem(label)
            self.rule_labels.append(label)
        limits = [v for v in (*chart.lcl, *chart.ucl) if v is not None]
        bottom = min([*chart.statistic, *limits, centre])
        top = max([*chart.statistic, *limits, centre])
        pad = (top - bottom) * 0.12 or 1.0
        # Room above the highest point for its rule label, and right of the last one.
        plot.setYRange(bottom - pad, top + 2 * pad, padding=0)
        plot.setXRange(0.5, max(chart.points, default=1) + 1.0, padding=0)
        self._follow_theme()

    def _tip(self, by_number: dict[int, SpcSubgroup]):  # type: ignore[no-untyped-def]
        chart = self.chart
        marks = self.marks

        def tip(x: float, y: float, data: object) -> str:
            number = int(data)  # type: ignore[call-overload]
            group = by_number.get(number)
            lots = ", ".join(group.lots) if group is not None else ""
            rules = f"\nbreaks {marks[number]}" if number in marks else ""
            return f"{NAMES.get(chart.name, chart.name)} point {number}: {y:.6g}\n{lots}{rules}"

        return tip

    def _on_clicked(self, _item: object, points: Sequence[object], _event: object = None) -> None:
        if len(points):
            self.point_clicked.emit(int(points[0].data()))  # type: ignore[attr-defined]

    def scene_position(self, number: int) -> tuple[float, float]:
        """Where point `number` is drawn, in view coordinates (for tests and screenshots)."""
        vb = self.getPlotItem().getViewBox()
        scene = vb.mapViewToScene(
            pg.Point(number, self.chart.statistic[self.chart.points.index(number)])
        )
        view = self.mapFromScene(scene)
        return float(view.x()), float(view.y())


class Histogram(_ThemedPlot):
    """The measured values binned, the spec limits and the normal curve fitted to them."""

    def _fit_colour(self) -> QColor:
        """The fitted normal in the theme's text colour (near-black was lost on the dark base)."""
        colour: QColor = self.palette().color(QPalette.ColorRole.Text)
        return colour

    def _follow_theme(self) -> None:
        super()._follow_theme()
        curve = getattr(self, "fit_curve", None)  # None while pyqtgraph builds the widget
        if curve is not None:
            curve.setPen(pg.mkPen(self._fit_colour(), width=2))

    def __init__(
        self,
        values: Sequence[float],
        *,
        lsl: float | None,
        usl: float | None,
        target: float | None,
        unit: str,
    ) -> None:
        super().__init__()
        self.setObjectName("spcHistogram")
        self.setMinimumHeight(CHART_HEIGHT)
        self.setMenuEnabled(False)
        self.hideButtons()
        plot = self.getPlotItem()
        plot.setTitle("Histogram")
        plot.setLabel("bottom", unit)
        plot.setLabel("left", "count")
        self.fit_curve: pg.PlotDataItem | None = None
        self._follow_theme()
        data = np.array(values, dtype=float)
        self.bars: pg.BarGraphItem | None = None
        self.spec_lines: dict[str, pg.InfiniteLine] = {}
        if data.size == 0:
            return
        bins = max(5, min(30, math.ceil(math.sqrt(data.size))))
        counts, edges = np.histogram(data, bins=bins)
        width = float(edges[1] - edges[0])
        self.bars = pg.BarGraphItem(
            x0=edges[:-1],
            x1=edges[1:],
            height=counts,
            brush=pg.mkBrush(*BAR_BRUSH),
            pen=pg.mkPen(None),
        )
        plot.addItem(self.bars)
        mean, sd = float(data.mean()), float(data.std(ddof=1)) if data.size > 1 else 0.0
        low, high = float(edges[0]), float(edges[-1])
        for name, value in (("LSL", lsl), ("USL", usl), ("target", target)):
            if value is None:
                continue
            style = Qt.PenStyle.DotLine if name == "target" else Qt.PenStyle.DashLine
            line = pg.InfiniteLine(
                pos=value,
                angle=90,
                pen=pg.mkPen(SPEC_PEN if name != "target" else CENTRE_PEN, width=2, style=style),
                label=f"{name} {value:g}",
                labelOpts={"position": 0.92, "color": SPEC_PEN, "movable": False},
            )
            plot.addItem(line)
            self.spec_lines[name] = line
            low, high = min(low, value), max(high, value)
        if sd > 0:
            low, high = min(low, mean - 3.5 * sd), max(high, mean + 3.5 * sd)
            xs = np.linspace(low, high, FIT_SAMPLES)
            # The normal density scaled to the bars: count per bin = n * width * pdf
            ys = (
                data.size
                * width
                * np.exp(-0.5 * ((xs - mean) / sd) ** 2)
                / (sd * math.sqrt(2 * math.pi))
            )
            self.fit_curve = plot.plot(xs, ys, pen=pg.mkPen(self._fit_colour(), width=2))
        span = (high - low) or 1.0
        plot.setXRange(low - span * 0.03, high + span * 0.03, padding=0)
