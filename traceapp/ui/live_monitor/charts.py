"""Stacked live plots, one per channel: ring-buffered curve, history from aggregates, limits, gap bands.

The pyqtgraph practices (shared/STYLE.md) are on by default: curves made once, preallocated numpy
ring buffers, one `setData` per curve per frame and only when it has new data, peak
downsampling, clip to view, no finite check, no antialiasing. `fast=False` turns them all off
(curves made again every frame from copies, every point drawn, antialiased): the benchmark runs
both so the difference is a measured figure, not a belief.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette, QPen

from traceapp.domain.sensors import MICROS, Channel, Gap
from traceapp.ui.chart_look import SpacedAxis, style_plot
from traceapp.ui.live_monitor.ring import FloatArray, Ring

WINDOW_S = 600.0  # the live window: 10 minutes
MIN_SPAN_S = 5.0
MAX_SPAN_S = 7 * 86_400.0
ZOOM_STEP = 1.5  # one key press or button click zooms by this factor
SCROLL_FRACTION = 0.25  # Left/Right move the view by a quarter of its span
Y_PADDING = 0.08  # room above and below the data and limits
LIVE_PEN = "#1f77d0"
HISTORY_PEN = "#6b7a90"
SPEC_PEN = "#c0392b"
CONTROL_PEN = "#d08a00"
GAP_BRUSH = (140, 140, 140, 70)
VIEW_STEP_PX = 8  # following now, the view jumps this many pixels at a time
CURVES_PER_FRAME = 4  # setData calls per frame at most (with the practices)
DOWNSAMPLE_PER_PIXEL = 1.0  # peak buckets per pixel (pyqtgraph's default is 5)
STALE_S = 0.25  # a curve with new data is redrawn at least this often
PLOTS_PER_TURN = 4  # plots made per event-loop turn at most (each costs 25-50 ms)
BUILD_BUDGET_S = 0.040  # ...and no more plots in a turn once this much time went into them


@dataclass
class ChannelPlot:
    """The plot of one channel and what is drawn in it."""

    channel: Channel
    plot: pg.PlotItem
    ring: Ring
    curve: pg.PlotDataItem | None
    history: pg.PlotDataItem
    dirty: bool = False
    bands: list[pg.LinearRegionItem] = field(default_factory=list)
    open_gap_from: float | None = None  # silent since (s), while the channel is still silent
    y_range: tuple[float, float] | None = None
    drawn_at: float = 0.0  # monotonic time of the curve's last setData
    drawn_until: float = 0.0  # the newest reading time it was given


def _pen(colour: str, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen: QPen = pg.mkPen(QColor(colour), width=width)
    pen.setStyle(style)
    pen.setCosmetic(True)
    return pen


class ChannelPlots(pg.GraphicsLayoutWidget):  # type: ignore[misc]
    """One plot per channel, stacked, sharing the time axis. Keys: Space pause, Left/Right
    scroll, +/- zoom, End back to live (the page adds the same with Ctrl for anywhere)."""

    pause_toggled = Signal()
    scroll_requested = Signal(float)  # fraction of the span: negative is back in time
    zoom_requested = Signal(float)  # factor: above 1 shows more time
    live_requested = Signal()
    view_changed = Signal(float, float)  # the person panned or wheeled: start, end (s)
    plots_built = Signal(int, int)  # plots made so far, plots asked for (once per building turn)
    plots_ready = Signal()  # every plot of the last set_channels exists

    def __init__(self, *, fast: bool = True, capacity: int = 60_000) -> None:
        super().__init__()
        self.setObjectName("liveCharts")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.fast = fast
        self.capacity = capacity
        self.plots: dict[int, ChannelPlot] = {}
        self.span = WINDOW_S
        self._follow_theme()
        self.view = (0.0, WINDOW_S)
        self.following_end: float | None = None  # the view's end while following now
        self._lagging: list[ChannelPlot] = []  # plots a step of the followed view has not moved
        self._setting_range = False
        self.ready = True  # every plot of the last set_channels exists
        self._pending: list[Channel] = []  # channels whose plots are still to be made
        self._total = 0
        self._first: pg.PlotItem | None = None  # the plot the others' time axes follow
        self._build_timer = QTimer(self)
        self._build_timer.setSingleShot(True)
        self._build_timer.setInterval(0)
        self._build_timer.timeout.connect(self._build_some)

    def _follow_theme(self) -> None:
        # The chart takes the theme's base colour (white on the light theme, dark on the dark).
        self.setBackground(self.palette().color(QPalette.ColorRole.Base))
        # Titles, axes and tick labels in the app's font size and text colour: here on a theme
        # or font change and once when a plot is made, never per frame.
        for entry in getattr(self, "plots", {}).values():
            style_plot(entry.plot, self.palette(), self.font())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._follow_theme()

    # --- channels -------------------------------------------------------------------------

    def set_channels(self, channels: Sequence[Channel]) -> None:
        """Make the plots of `channels` (their curves are made here, once), a few per event-loop
        turn: each costs 25-50 ms, 16 at once froze the window for 400-800 ms (issue 6). The
        first plots come in the next turn; `plots_built` tells the progress and `plots_ready`
        (with `ready` True) when every plot exists. Called again meanwhile, it starts over."""
        self._build_timer.stop()
        self.clear()
        self.plots = {}
        self._first = None
        self._pending = list(channels)
        self._total = len(self._pending)
        self.ready = False
        # Not painted until every plot exists: a paint of the plots made so far after each
        # turn cost as much again as making them (30-40 ms at load 6), for a half-made chart.
        self.setUpdatesEnabled(False)
        self._build_timer.start()

    @property
    def building(self) -> bool:
        """Plots of the last `set_channels` are still being made."""
        return not self.ready

    @property
    def plots_total(self) -> int:
        """How many plots the last `set_channels` asked for."""
        return self._total

    def _build_some(self) -> None:
        # One event-loop turn's share: at most PLOTS_PER_TURN plots, and no more once another
        # would take the turn past BUILD_BUDGET_S (at least one plot); the rest in the next turn.
        began = time.perf_counter()
        made = 0
        while self._pending and made < PLOTS_PER_TURN:
            self._make_plot(self._pending.pop(0))
            made += 1
            spent = time.perf_counter() - began
            if spent + spent / made > BUILD_BUDGET_S:  # one more like these would overrun
                break
        if made:
            self.plots_built.emit(len(self.plots), self._total)
            # One more turn after the last plots: their layout (axis widths) settles first, then
            # the view is applied to all of them, aligned.
            self._build_timer.start()
            return
        self.ready = True
        self._apply_view()
        self.setUpdatesEnabled(True)
        self.plots_ready.emit()

    def _make_plot(self, channel: Channel) -> None:
        row, total = len(self.plots), self._total
        axis = pg.DateAxisItem(orientation="bottom")
        # No context menu: made and then taken away it cost ~12 ms a plot (issue 6).
        plot = self.addPlot(
            row=row,
            col=0,
            axisItems={"bottom": axis, "left": SpacedAxis(orientation="left")},
            enableMenu=False,
        )
        plot.hideButtons()
        # No grid: pyqtgraph draws it as part of each axis, replayed on every frame (about
        # 10 ms per axis offscreen, 32 axes); the limit lines are the reference that matters.
        # The unit in the title, not as an axis label, and no SI prefixes: pyqtgraph would
        # re-typeset an axis label (HTML) every time the range moves.
        plot.setTitle(f"{channel.key} ({channel.unit})")
        for side in ("left", "bottom"):
            plot.getAxis(side).enableAutoSIPrefix(False)
        style_plot(plot, self.palette(), self.font())
        plot.getViewBox().setMouseEnabled(x=True, y=False)
        if row < total - 1:
            plot.hideAxis("bottom")  # one time axis, under the last plot: each costs a paint
        if self._first is None:
            self._first = plot
            plot.getViewBox().sigXRangeChanged.connect(self._on_x_range_changed)
        else:
            plot.setXLink(self._first)
        history = plot.plot(
            pen=_pen(HISTORY_PEN, 1.0),
            antialias=False,
            connect="finite",
            skipFiniteCheck=False,
        )
        history.setDownsampling(auto=True, method="peak")
        history.setClipToView(True)
        history.opts["autoDownsampleFactor"] = DOWNSAMPLE_PER_PIXEL
        curve: pg.PlotDataItem | None = None
        if self.fast:
            curve = plot.plot(
                pen=_pen(LIVE_PEN, 1.0), antialias=False, connect="finite", skipFiniteCheck=True
            )
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            # Peak downsampling keeps each pixel column's min and max: one bucket per pixel
            # draws the same picture as pyqtgraph's default five, with a fifth of the path.
            curve.opts["autoDownsampleFactor"] = DOWNSAMPLE_PER_PIXEL
        for value, colour, style in (
            (channel.limits.lsl, SPEC_PEN, Qt.PenStyle.DashLine),
            (channel.limits.usl, SPEC_PEN, Qt.PenStyle.DashLine),
            (channel.limits.lcl, CONTROL_PEN, Qt.PenStyle.DotLine),
            (channel.limits.ucl, CONTROL_PEN, Qt.PenStyle.DotLine),
        ):
            if value is not None:
                line = pg.InfiniteLine(pos=value, angle=0, pen=_pen(colour, 1.0, style))
                line.setObjectName(f"limit_{channel.key}")
                plot.addItem(line, ignoreBounds=True)
        entry = ChannelPlot(channel, plot, Ring(self.capacity), curve, history)
        self.plots[channel.id] = entry
        # Its limits in sight from its first paint: the plots painted in earlier turns then
        # have the same y axis width as the ones made last (the time axes line up).
        self._fit_y(entry, *self.view)

    # --- data -----------------------------------------------------------------------------

    def add(self, channel_id: int, times: FloatArray, values: FloatArray) -> None:
        """New readings of a channel (time order); a silence longer than the channel's period
        gets a NaN, so no line is drawn across it."""
        entry = self.plots.get(channel_id)
        if entry is None or times.shape[0] == 0:
            return
        period = entry.channel.expected_period_us / MICROS
        last = entry.ring.last_time
        if last is not None:
            keep = times > last  # a reading seen twice (polls overlap) is drawn once
            times, values = times[keep], values[keep]
            if times.shape[0] == 0:
                return
            if times[0] - last > period:
                entry.ring.append(last + period / 2, math.nan)
        steps = np.flatnonzero(np.diff(times) > period)
        if steps.shape[0]:
            times = np.insert(times, steps + 1, times[steps] + period / 2)
            values = np.insert(values, steps + 1, math.nan)
        entry.ring.extend(times, values)
        entry.dirty = True

    def set_history(
        self, channel_id: int, times: FloatArray, values: FloatArray
    ) -> None:  # fmt: skip
        entry = self.plots.get(channel_id)
        if entry is not None:
            entry.history.setData(times, values)
            entry.y_range = None

    def set_gaps(self, gaps: Sequence[Gap], now_s: float) -> None:
        """Shade every gap (silences the recorder recorded); an open one reaches to now."""
        by_channel: dict[int, list[Gap]] = {}
        for gap in gaps:
            by_channel.setdefault(gap.channel_id, []).append(gap)
        for channel_id, entry in self.plots.items():
            mine = by_channel.get(channel_id, [])
            while len(entry.bands) < len(mine):
                band = pg.LinearRegionItem(
                    movable=False, brush=pg.mkBrush(*GAP_BRUSH), pen=pg.mkPen(None)
                )
                band.setZValue(-10)
                entry.plot.addItem(band, ignoreBounds=True)
                entry.bands.append(band)
            entry.open_gap_from = None
            for band, gap in zip(entry.bands, mine, strict=False):
                start = gap.start_us / MICROS
                end = now_s if gap.end_us is None else gap.end_us / MICROS
                if gap.end_us is None:
                    entry.open_gap_from = start
                band.setRegion((start, end))
                band.setVisible(True)
            for band in entry.bands[len(mine) :]:
                band.setVisible(False)

    def gap_regions(self, channel_id: int) -> list[tuple[float, float]]:
        entry = self.plots[channel_id]
        return [tuple(b.getRegion()) for b in entry.bands if b.isVisible()]

    def curve_data(self, channel_id: int) -> tuple[FloatArray, FloatArray]:
        """What the live curve of the channel was last given (times, values)."""
        entry = self.plots[channel_id]
        if entry.curve is None:
            return entry.ring.times, entry.ring.values
        x, y = entry.curve.getOriginalDataset()
        if x is None:
            empty = np.empty(0)
            return empty, empty
        return np.asarray(x), np.asarray(y)

    def history_data(self, channel_id: int) -> tuple[FloatArray, FloatArray]:
        x, y = self.plots[channel_id].history.getOriginalDataset()
        if x is None:
            empty = np.empty(0)
            return empty, empty
        return np.asarray(x), np.asarray(y)

    # --- frames ---------------------------------------------------------------------------

    def render_frame(self, now_s: float | None) -> None:
        """One frame: one setData per curve with new data; the view follows `now_s` (None: stays)."""
        for entry in self.plots.values():
            if entry.open_gap_from is not None and now_s is not None and entry.bands:
                for band in entry.bands:
                    low, _ = band.getRegion()
                    if band.isVisible() and low == entry.open_gap_from:
                        band.setRegion((low, now_s))
        if self.fast:
            self._draw_due_curves(CURVES_PER_FRAME - self._catch_up(CURVES_PER_FRAME))
        else:
            self._draw_every_curve()
        if now_s is not None and not self.fast:
            self.view = (now_s - self.span, now_s)
            self._apply_view()
        elif now_s is not None and (self.following_end is None or now_s > self.following_end):
            # Following now, the view moves in steps of VIEW_STEP_PX pixels, not every frame: a
            # view change re-clips and re-downsamples every curve and redraws the time axis,
            # and at 10 minutes on 1,500 px a frame moves the view by a tenth of a pixel.
            step = self.span * VIEW_STEP_PX / max(self.width(), 100)
            end = math.ceil(now_s / step) * step
            self.following_end = end
            self.view = (end - self.span, end)
            self._step_view()
        elif now_s is None:
            self.following_end = None
            self._lagging = []

    def _step_view(self) -> None:
        # A step of the followed view moves the first plot now and the others over the next
        # frames, CURVES_PER_FRAME plots a frame (_catch_up): moving all 16 at once re-clips
        # and re-downsamples 32 items in one go (up to ~100 ms on a loaded machine).
        if not self.plots:
            return
        entries = list(self.plots.values())
        first, others = entries[0], entries[1:]
        for entry in others:
            entry.plot.getViewBox().blockLink(True)
        self._setting_range = True
        try:
            first.plot.setXRange(*self.view, padding=0)
        finally:
            self._setting_range = False
            for entry in others:
                entry.plot.getViewBox().blockLink(False)
        self._fit_y(first, *self.view)
        # The plot with the time axis (the last) first: the axis moves with the top plot.
        self._lagging = others[::-1]

    def _catch_up(self, budget: int) -> int:
        """Move up to `budget` plots that lag behind a step of the view; the number moved."""
        if not self._lagging or not self.plots:
            return 0
        first = next(iter(self.plots.values())).plot.getViewBox()
        moved = self._lagging[:budget]
        del self._lagging[:budget]
        for entry in moved:
            box = entry.plot.getViewBox()
            box.linkedViewChanged(first, box.XAxis)
            self._fit_y(entry, *self.view)
        return len(moved)

    def _draw_every_curve(self) -> None:
        # Without the practices: a new curve item every frame, from copies, every point drawn.
        for entry in self.plots.values():
            if not entry.dirty:
                continue
            entry.dirty = False
            if entry.curve is not None:
                entry.plot.removeItem(entry.curve)
            entry.curve = entry.plot.plot(
                entry.ring.times.copy(),
                entry.ring.values.copy(),
                pen=_pen(LIVE_PEN, 1.0),
                antialias=True,
                connect="finite",
            )

    def _draw_due_curves(self, budget: int) -> None:
        # A curve gets its setData when its new data covers a pixel or waited STALE_S, at most
        # CURVES_PER_FRAME curves a frame, the longest-waiting first. At 10 minutes on 1,500 px
        # a pixel is 0.4 s: redrawing 16 x 60,000 points (clip + peak downsampling) 30 times a
        # second would redraw what cannot be seen, and spread out no frame carries all 16.
        pixel_s = self.span / max(self.width(), 100)
        wall = time.monotonic()
        due = []
        for entry in self.plots.values():
            if not entry.dirty:
                continue
            last = entry.ring.last_time
            pending = 0.0 if last is None else last - entry.drawn_until
            if pending >= pixel_s or wall - entry.drawn_at >= STALE_S:
                due.append(entry)
        due.sort(key=lambda e: e.drawn_at)
        for entry in due[: max(budget, 1)]:
            assert entry.curve is not None
            entry.curve.setData(entry.ring.times, entry.ring.values)
            entry.dirty = False
            entry.drawn_at = wall
            entry.drawn_until = entry.ring.last_time or 0.0
            self._fit_y(entry, *self.view)

    def _apply_view(self) -> None:
        self._lagging = []
        if not self.plots:
            return
        start, end = self.view
        first = next(iter(self.plots.values()))
        self._setting_range = True
        try:
            first.plot.setXRange(start, end, padding=0)
        finally:
            self._setting_range = False
        for entry in self.plots.values():
            self._fit_y(entry, start, end)

    def _fit_y(self, entry: ChannelPlot, start: float, end: float) -> None:
        # The y range is set by hand: the limits always in sight, plus the data in view.
        # (pyqtgraph's auto-range would scan every point of every curve each frame.)
        lows: list[float] = []
        highs: list[float] = []
        limits = entry.channel.limits
        for value in (limits.lsl, limits.usl, limits.lcl, limits.ucl):
            if value is not None:
                lows.append(value)
                highs.append(value)
        for times, values in (
            (entry.ring.times, entry.ring.values),
            self.history_data(entry.channel.id),
        ):
            if times.shape[0] == 0:
                continue
            a, b = np.searchsorted(times, (start, end))
            if b <= a:
                continue
            shown = values[a:b]  # a view: fmin/fmax skip the NaNs of silences without a copy
            low, high = float(np.fmin.reduce(shown)), float(np.fmax.reduce(shown))
            if not math.isnan(low):
                lows.append(low)
                highs.append(high)
        if not lows:
            return
        low, high = min(lows), max(highs)
        pad = max((high - low) * Y_PADDING, abs(high) * 1e-3, 1e-6)
        wanted = (low - pad, high + pad)
        if entry.y_range is not None:
            old_low, old_high = entry.y_range
            # Keep the range unless the data left it or shrank a lot: a steady axis is readable.
            inside = old_low <= wanted[0] and wanted[1] <= old_high
            if inside and (wanted[1] - wanted[0]) > 0.5 * (old_high - old_low):
                return
        entry.y_range = wanted
        entry.plot.setYRange(*wanted, padding=0)

    def set_view(self, start: float, end: float) -> None:
        self.following_end = None
        self.span = min(max(end - start, MIN_SPAN_S), MAX_SPAN_S)
        self.view = (end - self.span, end)
        self._apply_view()

    def _on_x_range_changed(self, _box: object, x_range: tuple[float, float]) -> None:
        if self._setting_range:
            return
        start, end = float(x_range[0]), float(x_range[1])
        self.following_end = None
        self.span = min(max(end - start, MIN_SPAN_S), MAX_SPAN_S)
        self.view = (start, end)
        self.view_changed.emit(start, end)

    # --- keys -----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            self.pause_toggled.emit()
        elif key == Qt.Key.Key_Left:
            self.scroll_requested.emit(-SCROLL_FRACTION)
        elif key == Qt.Key.Key_Right:
            self.scroll_requested.emit(SCROLL_FRACTION)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_requested.emit(1 / ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom_requested.emit(ZOOM_STEP)
        elif key == Qt.Key.Key_End:
            self.live_requested.emit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()
