"""The Live monitor's frames: a step of the followed view moves the plots over a few frames (at
most CURVES_PER_FRAME items re-clipped a frame), all plots end aligned on the same time range,
the y range ignores the NaNs of silences; the page freezes the garbage collector's survivors
once it starts."""

from __future__ import annotations

import gc
import itertools
import math

import numpy as np
from pytestqt.qtbot import QtBot

from traceapp.domain.sensors import MICROS, Channel, Limits
from traceapp.ui.live_monitor import page as page_module
from traceapp.ui.live_monitor.charts import CURVES_PER_FRAME, PLOTS_PER_TURN, ChannelPlots

CHANNELS = 16
RATE = 100.0


def _channels() -> list[Channel]:
    return [
        Channel(
            id=i + 1,
            site="s",
            equipment="oven",
            name=f"t{i:02d}",
            quantity="temperature",
            unit="degC",
            limits=Limits(lsl=10.0, usl=90.0),
            expected_period_us=round(MICROS / RATE),
        )
        for i in range(CHANNELS)
    ]


def _x_ranges(charts: ChannelPlots) -> list[tuple[float, float]]:
    return [
        tuple(round(v, 6) for v in e.plot.getViewBox().viewRange()[0])  # type: ignore[misc]
        for e in charts.plots.values()
    ]


def _feed(charts: ChannelPlots, start: float, seconds: float) -> None:
    times = start + np.arange(int(seconds * RATE)) / RATE
    for channel_id in charts.plots:
        charts.add(channel_id, times, 50.0 + np.sin(times + channel_id))


def test_a_step_of_the_followed_view_reaches_every_plot_within_a_few_frames(
    qtbot: QtBot,
) -> None:
    charts = ChannelPlots()
    qtbot.addWidget(charts)
    charts.resize(1200, 900)
    charts.show()
    qtbot.waitExposed(charts)
    with qtbot.waitSignal(charts.plots_ready):
        charts.set_channels(_channels())
    now = 1_800_000_000.0
    _feed(charts, now - 60, 60)
    charts.render_frame(now)
    frames = math.ceil((CHANNELS - 1) / CURVES_PER_FRAME)
    for _ in range(frames):
        charts.render_frame(now)
    first = _x_ranges(charts)
    assert len(set(first)) == 1  # aligned
    assert first[0][1] >= now
    # Time goes on past the view's end: one step; the first plot moves at once, the rest lag
    later = first[0][1] + 0.01
    _feed(charts, now, later - now)
    moved: list[list[bool]] = []
    charts.render_frame(later)
    ranges = _x_ranges(charts)
    moved.append([r != first[0] for r in ranges])
    assert ranges[0] != first[0]
    assert ranges[0][1] >= later
    assert sum(moved[0]) < CHANNELS  # not all 16 in the frame of the step
    for _ in range(frames):
        charts.render_frame(later)
        moved.append([r != first[0] for r in _x_ranges(charts)])
    assert all(moved[-1])  # every plot moved within `frames` more frames
    assert len(set(_x_ranges(charts))) == 1  # and they agree again
    newly = [sum(b) - sum(a) for a, b in itertools.pairwise(moved)]
    assert max(newly) <= CURVES_PER_FRAME


def test_sixteen_plots_are_made_a_few_per_event_loop_turn(qtbot: QtBot) -> None:
    # Issue 6: 16 plots at 25-50 ms each, made in one turn, froze the window for 400-800 ms.
    charts = ChannelPlots()
    qtbot.addWidget(charts)
    charts.resize(1200, 900)
    charts.show()
    qtbot.waitExposed(charts)
    progress: list[tuple[int, int]] = []
    charts.plots_built.connect(lambda built, total: progress.append((built, total)))
    charts.set_channels(_channels())
    assert charts.building
    assert len(charts.plots) < CHANNELS  # set_channels returned before making them all
    qtbot.waitUntil(lambda: not charts.building)
    assert [p.channel.name for p in charts.plots.values()] == [c.name for c in _channels()]
    built = [b for b, _ in progress]
    assert len(built) >= CHANNELS // PLOTS_PER_TURN  # in several turns, not one
    assert built == sorted(built)
    assert all(b - a <= PLOTS_PER_TURN for a, b in itertools.pairwise([0, *built]))
    assert progress[-1] == (CHANNELS, CHANNELS)
    # Only the last plot has the time axis; all share the first plot's time range.
    shown_axes = [e.plot.getAxis("bottom").isVisible() for e in charts.plots.values()]
    assert shown_axes == [False] * (CHANNELS - 1) + [True]
    assert len(set(_x_ranges(charts))) == 1


def test_channels_set_again_while_building_start_over(qtbot: QtBot) -> None:
    charts = ChannelPlots()
    qtbot.addWidget(charts)
    charts.show()
    qtbot.waitExposed(charts)
    charts.set_channels(_channels())
    qtbot.waitUntil(lambda: len(charts.plots) >= 1)
    assert charts.building
    with qtbot.waitSignal(charts.plots_ready):
        charts.set_channels(_channels()[:3])
    assert [p.channel.name for p in charts.plots.values()] == ["t00", "t01", "t02"]
    qtbot.wait(50)  # no turn of the first set comes after
    assert len(charts.plots) == 3


def test_the_y_range_ignores_a_silence(qtbot: QtBot) -> None:
    charts = ChannelPlots()
    qtbot.addWidget(charts)
    charts.resize(800, 400)
    charts.show()
    qtbot.waitExposed(charts)
    (channel,) = _channels()[:1]
    with qtbot.waitSignal(charts.plots_ready):
        charts.set_channels([channel])
    now = 1_800_000_000.0
    times = now - 10 + np.arange(1000) / RATE
    values = np.full(1000, 50.0)
    values[500] = 70.0
    charts.add(channel.id, times[:400], values[:400])
    charts.add(channel.id, times[600:], values[600:])  # a silence between: a NaN in the ring
    charts.add(channel.id, times[[999]] + 0.01, np.array([70.0]))
    assert np.isnan(charts.plots[channel.id].ring.values).any()
    charts.render_frame(now + 1)
    low, high = charts.plots[channel.id].plot.getViewBox().viewRange()[1]
    assert low < 10.0  # the limits stay in sight
    assert 90.0 < high < 100.0
    assert math.isfinite(low)
    assert math.isfinite(high)


def test_freezing_the_garbage_happens_once_per_process() -> None:
    page_module._frozen = False  # as in a fresh process
    try:
        assert page_module.freeze_garbage() is True
        assert gc.get_freeze_count() > 0
        assert page_module.freeze_garbage() is False
    finally:
        page_module._frozen = True


def test_the_page_says_its_charts_are_loading_until_every_plot_exists(qtbot: QtBot) -> None:
    from traceapp.db.engine import make_engine
    from traceapp.ui.context import StationContext
    from traceapp.ui.live_monitor import LiveMonitorPage

    engine = make_engine("sqlite://")
    context = StationContext(engine, station_code=None, database_label="test", shared=False)
    page = LiveMonitorPage(context, poll=False, recorder_sources=[])
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    qtbot.waitExposed(page)
    seen: list[tuple[int, str, bool]] = []
    page.charts.plots_built.connect(
        lambda built, _total: seen.append(
            (built, page.charts_loading.text(), page.charts_loading.isVisible())
        )
    )
    page.set_channels(_channels())
    # The person sees the value labels at once and is told the charts are coming.
    assert len(page.value_labels) == CHANNELS
    assert not page.charts_ready
    assert page.charts_loading.isVisible()
    assert page.charts_loading.text() == f"Loading charts\u2026 0 of {CHANNELS}"
    assert not page.charts.updatesEnabled()  # no half-made chart painted
    qtbot.waitUntil(lambda: page.charts_ready)
    partial = [entry for entry in seen if entry[0] < CHANNELS]
    assert partial  # a turn with some plots made, the rest to come
    for built, text, visible in partial:
        assert text == f"Loading charts\u2026 {built} of {CHANNELS}"
        assert visible
    assert not page.charts_loading.isVisible()
    assert page.charts.updatesEnabled()
    assert len(page.charts.plots) == CHANNELS
    page.close()
    engine.dispose()
