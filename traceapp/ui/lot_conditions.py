"""The process conditions of the lot shown: one small chart per channel and residence, with its
limits, the residence window and the excursions marked, loaded in the background."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.conditions import ChannelWindow, ConditionExcursion, LotConditions
from traceapp.domain.sensors import MICROS
from traceapp.services import conditions
from traceapp.ui.context import StationContext
from traceapp.ui.messages import error_text

CHART_HEIGHT = 150
SPEC_PEN = (200, 40, 40)
CONTROL_PEN = (200, 140, 0)
LINE_PEN = (30, 90, 200)
RESIDENCE_BRUSH = (120, 120, 120, 40)
EXCURSION_BRUSH = (220, 0, 0, 70)


def _label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # channel and lot names come from outside
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


class ConditionChart(pg.PlotWidget):  # type: ignore[misc]
    """One channel during one residence: readings, limits, residence shaded, excursions red."""

    def __init__(self, window: ChannelWindow, excursions: Sequence[ConditionExcursion]) -> None:
        super().__init__(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.window = window
        self.excursions = tuple(excursions)
        self.setObjectName("conditionChart")
        self.setFixedHeight(CHART_HEIGHT)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=True, y=False)
        self.hideButtons()
        plot = self.getPlotItem()
        channel = window.channel
        plot.setTitle(f"{channel.key} ({window.resolution.value})", size="9pt")
        plot.setLabel("left", channel.unit)
        plot.showGrid(x=True, y=True, alpha=0.2)
        # A recorded gap of the channel is a NaN point: the line is broken across the silence
        points = window.points_with_breaks()
        times = np.fromiter((p.time_us / MICROS for p in points), float)
        if any(p.low != p.high for p in window.points):
            # Aggregates: the band between each bucket's lowest and highest reading
            low = plot.plot(
                times, np.fromiter((p.low for p in points), float), pen=None, connect="finite"
            )
            high = plot.plot(
                times, np.fromiter((p.high for p in points), float), pen=None, connect="finite"
            )
            plot.addItem(pg.FillBetweenItem(low, high, brush=pg.mkBrush(*LINE_PEN, 60)))
        self.curve = plot.plot(
            times,
            np.fromiter((p.mean for p in points), float),
            pen=pg.mkPen(LINE_PEN, width=1),
            antialias=False,
            connect="finite",
        )
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.limit_lines: list[pg.InfiniteLine] = []
        limits = channel.limits
        for value, colour, style in (
            (limits.lsl, SPEC_PEN, Qt.PenStyle.DashLine),
            (limits.usl, SPEC_PEN, Qt.PenStyle.DashLine),
            (limits.lcl, CONTROL_PEN, Qt.PenStyle.DotLine),
            (limits.ucl, CONTROL_PEN, Qt.PenStyle.DotLine),
        ):
            if value is not None:
                line = pg.InfiniteLine(
                    pos=value, angle=0, pen=pg.mkPen(colour, width=1, style=style)
                )
                plot.addItem(line)
                self.limit_lines.append(line)
        residence = window.residence
        since, until = residence.since.timestamp(), residence.until.timestamp()
        self.residence_band = pg.LinearRegionItem(
            values=(since, max(until, since + 1)),
            movable=False,
            brush=pg.mkBrush(*RESIDENCE_BRUSH),
            pen=pg.mkPen(None),
        )
        self.residence_band.setZValue(-20)
        plot.addItem(self.residence_band)
        self.excursion_bands: list[pg.LinearRegionItem] = []
        for excursion in self.excursions:
            band = pg.LinearRegionItem(
                values=(
                    excursion.start_us / MICROS,
                    max(excursion.end_us, excursion.start_us + MICROS) / MICROS,
                ),
                movable=False,
                brush=pg.mkBrush(*EXCURSION_BRUSH),
                pen=pg.mkPen(SPEC_PEN, width=1),
            )
            band.setZValue(-10)
            band.setToolTip(excursion.describe())
            plot.addItem(band)
            self.excursion_bands.append(band)
        plot.setXRange(window.start_us / MICROS, window.end_us / MICROS, padding=0)


class LotConditionsSection(QWidget):
    """Process conditions of one lot; `show_lot` loads them in the worker pool."""

    def __init__(self, context: StationContext | None = None) -> None:
        super().__init__()
        self.setObjectName("lotConditions")
        self._context = context
        self._generation = 0
        self.conditions: LotConditions | None = None
        self.caption = QLabel("Process conditions")
        self.caption.setStyleSheet("font-weight: bold;")
        self.summary = _label("", "conditionsSummary")
        self.excursion_text = _label("", "conditionsExcursions")
        self.charts: list[ConditionChart] = []
        self._charts_box = QVBoxLayout()
        self._charts_box.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.summary)
        layout.addWidget(self.excursion_text)
        layout.addLayout(self._charts_box)
        self.excursion_text.hide()
        self.hide()

    def show_lot(self, lot_id: uuid.UUID) -> None:
        """Load and show the conditions of a lot (a later call wins over one still loading)."""
        self._generation += 1
        generation = self._generation
        self._clear_charts()
        self.conditions = None
        if self._context is None:
            self.hide()
            return
        self.summary.setText("Loading process conditions…")
        self.excursion_text.hide()
        self.show()

        def work(uow: UnitOfWork, actor: Actor) -> LotConditions:
            return conditions.lot_conditions(uow, actor=actor, lot_id=lot_id)

        # The record may be closed (its window gone) before the worker answers: drop it then.
        def done(found: LotConditions) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self.set_conditions(found)

        def fail(error: BaseException, details: str) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self.summary.setText(
                    "Process conditions could not be read: " + error_text(error, details)
                )

        self._context.run(work, done, fail)

    def set_conditions(self, found: LotConditions) -> None:
        self._clear_charts()
        self.conditions = found
        self.show()
        if not found.residences:
            self.summary.setText("No monitored equipment or logger recorded for this lot.")
            self.summary.setStyleSheet("")
            self.excursion_text.hide()
            return
        places = ", ".join(dict.fromkeys(r.label for r in found.residences))
        spec = [e for e in found.excursions if e.flags]
        control = [e for e in found.excursions if not e.flags]
        if spec:
            self.summary.setText(
                f"FLAGGED: {len(spec)} excursion{'s' if len(spec) != 1 else ''} outside the "
                f"specification while it was at {places}."
            )
            self.summary.setStyleSheet("font-weight: bold; color: #c62828;")
        else:
            words = f"; {len(control)} outside control limits" if control else ""
            self.summary.setText(f"Within specification at {places}{words}.")
            self.summary.setStyleSheet("")
        lines = [f"SPEC  {e.describe()}" for e in spec] + [
            f"control  {e.describe()}" for e in control
        ]
        self.excursion_text.setText("\n".join(lines))
        self.excursion_text.setVisible(bool(lines))
        for window in found.windows:
            mine = [
                e
                for e in found.excursions
                if e.channel.id == window.channel.id and e.residence == window.residence
            ]
            chart = ConditionChart(window, mine)
            self.charts.append(chart)
            self._charts_box.addWidget(chart)
            chart.show()

    def clear(self) -> None:
        self._generation += 1
        self._clear_charts()
        self.conditions = None
        self.hide()

    def _clear_charts(self) -> None:
        for chart in self.charts:
            self._charts_box.removeWidget(chart)
            chart.deleteLater()
        self.charts = []
