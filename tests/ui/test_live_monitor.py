"""The Live monitor used like a supervisor: readings from the real broker, an excursion, its alarm, a silence, history."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from traceapp.db import sensors as store
from traceapp.db.engine import WRITE_OPTION
from traceapp.db.models import AuditEntry
from traceapp.db.uow import UnitOfWork
from traceapp.domain.sensors import MICROS, Limits, Reading
from traceapp.services import sensors
from traceapp.services.masterdata import actor_for
from traceapp.ui.context import StationContext
from traceapp.ui.live_monitor import LiveMonitorPage
from traceapp.ui.live_monitor.charts import VIEW_STEP_PX
from traceapp.ui.live_monitor.page import SPEC_TEXT

from ..devices.sensors.mqtt_helpers import Publisher, require_broker, unique_site
from .shell_support import add_people

WAIT_MS = 10_000
PERIOD_US = 400_000  # the test channel reports at least every 0.4 s; longer silence is a gap
LIMITS = Limits(lsl=170.0, usl=190.0, lcl=175.0, ucl=185.0)


@dataclass
class Monitor:
    page: LiveMonitorPage
    engine: Engine
    site: str


def _channel(engine: Engine, site: str, *, period_us: int = PERIOD_US) -> None:
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as c, c.begin():
        store.add_channel(
            c,
            site=site,
            equipment="oven1",
            name="temp",
            quantity="temperature",
            unit="degC",
            limits=LIMITS,
            expected_period_us=period_us,
        )


def _open_page(qtbot: QtBot, engine: Engine, tmp_path: Path) -> LiveMonitorPage:
    context = StationContext(engine, station_code=None, database_label="test", shared=False)
    with UnitOfWork(engine) as uow:
        context.sign_in(actor_for(uow))  # the administrator: may watch and acknowledge
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    page = LiveMonitorPage(context, settings=settings)
    qtbot.addWidget(page)
    page.resize(1280, 900)
    page.show()
    qtbot.waitExposed(page)
    return page


@pytest.fixture
def people(sqlite_engine: Engine) -> Engine:
    add_people(sqlite_engine)
    return sqlite_engine


@pytest.fixture
def mqtt_monitor(qtbot: QtBot, people: Engine, tmp_path: Path) -> Iterator[Monitor]:
    """A recorder on the real broker writing the database; the page reading it."""
    require_broker()
    site = unique_site()
    _channel(people, site)
    events: list[str] = []
    recorder = sensors.Recorder(
        people,
        f"mqtt://127.0.0.1:1883/plant/{site}/#",
        batch_seconds=0.05,
        on_event=events.append,
    )
    recorder.start()
    deadline = time.monotonic() + WAIT_MS / 1000
    while "source connected" not in events and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "source connected" in events
    time.sleep(0.2)  # the subscription is asked for with the connection; let the broker take it
    page = _open_page(qtbot, people, tmp_path)
    try:
        yield Monitor(page, people, site)
    finally:
        page.stop()
        page.context.background.wait()
        recorder.stop()


def _publish(publisher: Publisher, site: str, value: float, *, at: float | None = None) -> None:
    payload = {"value": value, "unit": "degC", "time": time.time() if at is None else at}
    publisher.send(f"plant/{site}/oven1/temp", payload)


def _label_colour(monitor: Monitor) -> str:
    label = monitor.page.value_label("oven1/temp")
    return label.palette().color(QPalette.ColorRole.WindowText).name()


@pytest.mark.mqtt
@pytest.mark.gui
def test_published_readings_show_in_the_chart_and_the_value(
    qtbot: QtBot, mqtt_monitor: Monitor
) -> None:
    page = mqtt_monitor.page
    qtbot.waitUntil(lambda: page.channel_list.count() == 1, timeout=WAIT_MS)
    publisher = Publisher()
    try:
        start = time.time()
        for i, value in enumerate((180.25, 181.5, 179.75)):
            _publish(publisher, mqtt_monitor.site, value, at=start + i * 0.1)
    finally:
        publisher.close()
    label = page.value_label("oven1/temp")
    qtbot.waitUntil(lambda: "179.75 degC" in label.text(), timeout=WAIT_MS)
    # In limits: no excursion, and no alarm. The channel reports every 0.4 s and these three
    # readings are all it gets, so a machine busy with other tests may poll them only after
    # the recorder has marked the channel silent: that state is about time, not the values.
    assert label.property("excursion") in ("", "silent")
    assert page.alarm_table.rowCount() == 0
    channel_id = page.channel("oven1/temp").id
    qtbot.waitUntil(lambda: len(page.charts.curve_data(channel_id)[1]) == 3, timeout=WAIT_MS)
    times, values = page.charts.curve_data(channel_id)
    assert list(values) == [180.25, 181.5, 179.75]
    assert times[0] == pytest.approx(start, abs=1e-3)
    assert page.state_label.text() == "LIVE"


@pytest.mark.mqtt
@pytest.mark.gui
def test_an_excursion_colours_the_value_and_its_alarm_is_acknowledged_by_keyboard(
    qtbot: QtBot, mqtt_monitor: Monitor
) -> None:
    page = mqtt_monitor.page
    qtbot.waitUntil(lambda: page.channel_list.count() == 1, timeout=WAIT_MS)
    publisher = Publisher()
    try:
        start = time.time()
        _publish(publisher, mqtt_monitor.site, 180.0, at=start)
        _publish(publisher, mqtt_monitor.site, 195.5, at=start + 0.1)  # above USL 190
    finally:
        publisher.close()
    label = page.value_label("oven1/temp")
    qtbot.waitUntil(lambda: "195.50 degC" in label.text(), timeout=WAIT_MS)
    assert "OUT OF SPEC" in label.text()
    assert label.property("excursion") == "spec"
    assert _label_colour(mqtt_monitor) == SPEC_TEXT[0]

    qtbot.waitUntil(lambda: page.alarm_table.rowCount() == 2, timeout=WAIT_MS)  # spec + control
    rows = page.alarm_rows()
    spec = next(r for r in rows if r[2] == "OUT OF SPEC")
    assert spec[1] == "oven1/temp"
    assert spec[3] == "195.50 degC"
    assert spec[4] == "still outside"
    assert spec[5] == "\u2014 not yet"
    assert page.alarm_title.text() == "Alarms: 2, 2 not acknowledged"

    # The keyboard: into the alarm list, pick the OUT OF SPEC row, Ctrl+K.
    page.alarm_table.setFocus()
    spec_row = rows.index(spec)
    qtbot.keyClick(page.alarm_table, Qt.Key.Key_Down)
    qtbot.keyClick(page.alarm_table, Qt.Key.Key_Up)  # the first row, selected
    for _ in range(spec_row):
        qtbot.keyClick(page.alarm_table, Qt.Key.Key_Down)
    assert page.selected_alarm() is not None
    assert page.selected_alarm().kind.value == "spec"  # type: ignore[union-attr]
    qtbot.keyClick(page.alarm_table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: next(r for r in page.alarm_rows() if r[2] == "OUT OF SPEC")[5].startswith(
            "admin at "
        ),
        timeout=WAIT_MS,
    )
    assert page.alarm_title.text() == "Alarms: 2, 1 not acknowledged"
    with UnitOfWork(mqtt_monitor.engine) as uow:
        entries = uow.session.execute(
            select(AuditEntry.username, AuditEntry.entity_id).where(
                AuditEntry.action == "acknowledge", AuditEntry.entity == "sensor_alarm"
            )
        ).all()
    channel_id = page.channel("oven1/temp").id
    assert [(u, e.split(":")[:2]) for u, e in entries] == [("admin", [str(channel_id), "spec"])]
    # It stays acknowledged through the next polls (read back from the audit trail).
    qtbot.wait(700)
    assert next(r for r in page.alarm_rows() if r[2] == "OUT OF SPEC")[5].startswith("admin at ")


@pytest.mark.mqtt
@pytest.mark.gui
def test_a_source_going_silent_shows_a_gap(qtbot: QtBot, mqtt_monitor: Monitor) -> None:
    page = mqtt_monitor.page
    qtbot.waitUntil(lambda: page.channel_list.count() == 1, timeout=WAIT_MS)
    channel_id = page.channel("oven1/temp").id
    label = page.value_label("oven1/temp")
    publisher = Publisher()
    try:
        start = time.time()
        for i, value in enumerate((180.0, 180.5, 181.0)):
            # Times of their own, 50 ms apart: a slow publish on a loaded machine is no gap.
            _publish(publisher, mqtt_monitor.site, value, at=start + i * 0.05)
        # Then nothing: after the channel's period the recorder records a gap, the page shows it.
        qtbot.waitUntil(lambda: "silent since" in label.text(), timeout=WAIT_MS)
        assert label.property("excursion") == "silent"
        regions = page.charts.gap_regions(channel_id)
        assert len(regions) == 1
        times, _ = page.charts.curve_data(channel_id)
        assert regions[0][0] == pytest.approx(times[-1], abs=1e-3)  # from the last reading on
        # Readings again: the value comes back and the line is broken across the silence.
        _publish(publisher, mqtt_monitor.site, 182.0)
    finally:
        publisher.close()
    qtbot.waitUntil(lambda: "182.00 degC" in label.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(page.charts.curve_data(channel_id)[1]) == 5, timeout=WAIT_MS)
    _, values = page.charts.curve_data(channel_id)
    assert list(values[:3]) == [180.0, 180.5, 181.0]
    assert math.isnan(values[3])  # no line drawn across the gap
    assert values[4] == 182.0


def _write_history(engine: Engine, site: str, hours: float) -> int:
    """Readings of the last `hours` at 1 Hz, with a 5-minute silence 30 minutes ago."""
    now_us = time.time_ns() // 1000
    start = now_us - int(hours * 3600 * MICROS)
    silence = (now_us - 35 * 60 * MICROS, now_us - 30 * 60 * MICROS)
    writer = store.SensorWriter(engine, auto_create=False)
    batch: list[Reading] = []
    for t in range(start, now_us, MICROS):
        if silence[0] <= t < silence[1]:
            continue
        value = 180.0 + 2.0 * math.sin(t / (600 * MICROS))
        batch.append(Reading(site, "oven1", "temp", t, value, "degC"))
        if len(batch) >= 5000:
            writer.write(batch)
            batch = []
    writer.write(batch)
    return start


@pytest.mark.gui
def test_pause_and_scroll_back_load_history_from_the_aggregates(
    qtbot: QtBot, people: Engine, tmp_path: Path
) -> None:
    site = "hist"
    _channel(people, site, period_us=5 * MICROS)
    first_us = _write_history(people, site, hours=1.5)
    page = _open_page(qtbot, people, tmp_path)
    try:
        qtbot.waitUntil(lambda: page.channel_list.count() == 1, timeout=WAIT_MS)
        channel_id = page.channel("oven1/temp").id
        qtbot.waitUntil(lambda: len(page.charts.curve_data(channel_id)[1]) > 50, timeout=WAIT_MS)
        ring_start = float(page.charts.curve_data(channel_id)[0][0])
        assert ring_start > time.time() - 61  # raw: the last minute; before it, the aggregates
        qtbot.waitUntil(lambda: len(page.charts.history_data(channel_id)[0]) > 0, timeout=WAIT_MS)
        opened_from = float(page.charts.history_data(channel_id)[0][0])
        assert opened_from < time.time() - 590  # the 10-minute window, from per-second buckets

        page.charts.setFocus()
        qtbot.keyClick(page.charts, Qt.Key.Key_Space)
        assert page.state_label.text() == "PAUSED"
        assert page.pause_button.text() == "Resume"
        view_end = page.charts.view[1]
        qtbot.wait(300)
        assert page.charts.view[1] == view_end  # paused: the view stays where it was

        # Zoom out to an hour, then scroll back by keys: the history comes from the aggregates.
        for _ in range(4):
            qtbot.keyClick(page.charts, Qt.Key.Key_Minus)
        assert page.span_label.text() == "showing 51 min"
        for _ in range(2):
            qtbot.keyClick(page.charts, Qt.Key.Key_Left)
        qtbot.waitUntil(
            lambda: page.charts.history_data(channel_id)[0][0] < opened_from - 600, timeout=WAIT_MS
        )
        times, means = page.charts.history_data(channel_id)
        assert page.history_width == "second"
        assert times[0] < ring_start - 1800
        assert times[0] >= first_us / MICROS - 1  # buckets of whole seconds, drawn at their middle
        finite = means[np.isfinite(means)]
        assert finite.min() > 177.9
        assert finite.max() < 182.1
        # The recorded silence is a gap: a NaN in the history line and a shaded band.
        assert np.isnan(means).sum() >= 1
        assert any(b - a >= 299 for a, b in page.charts.gap_regions(channel_id))
        assert page.state_label.text() == "PAUSED"

        qtbot.keyClick(page.charts, Qt.Key.Key_End)  # back to live
        assert page.state_label.text() == "LIVE"
        step = page.charts.span * VIEW_STEP_PX / page.charts.width()  # following: 8-px steps
        assert time.time() - 1 <= page.charts.view[1] <= time.time() + step + 1
    finally:
        page.stop()
        page.context.background.wait()


@pytest.mark.gui
def test_in_the_window_the_admin_opens_it_with_f5_and_operator_and_auditor_have_none(
    qtbot: QtBot, people: Engine, tmp_path: Path
) -> None:
    from traceapp.ui.application import standard_pages
    from traceapp.ui.main_window import MainWindow

    from .shell_support import settings_file
    from .shell_support import sign_in as window_sign_in

    _channel(people, "win", period_us=5 * MICROS)
    _write_history(people, "win", hours=0.05)
    settings = settings_file(tmp_path)
    context = StationContext(people, station_code=None, database_label="test", shared=False)
    window = MainWindow(context, [make(context) for make in standard_pages(settings)], settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    for name in ("anna.op", "dmitri.aud"):
        window_sign_in(qtbot, window, name)
        assert not window.nav_buttons["Live monitor"].isVisible()
        window.sign_out()
    window_sign_in(qtbot, window, "admin")
    assert window.nav_buttons["Live monitor"].text() == "Live monitor\nF5"
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F5)
    page = window.page("Live monitor")
    assert isinstance(page, LiveMonitorPage)
    qtbot.waitUntil(page.isVisible, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page.charts.hasFocus(), timeout=WAIT_MS)  # keys go to the chart
    qtbot.waitUntil(lambda: page.channel_list.count() == 1, timeout=WAIT_MS)
    label = page.value_label("oven1/temp")
    qtbot.waitUntil(lambda: "degC" in label.text(), timeout=WAIT_MS)
    window.sign_out()
    assert not page._poll_timer.isActive()  # nothing is read for nobody
    context.background.wait()
