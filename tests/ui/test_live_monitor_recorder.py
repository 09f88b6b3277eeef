"""The window's own recorder process ([monitoring] sources): readings from the real broker on the page, a cut link shown as a gap, restarts, stop with the window."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.devices.sensors.mqtt_helpers import Publisher, TcpProxy, require_broker, unique_site
from tests.ui.shell_support import add_people, settings_file, sign_in
from traceapp.db import sensors as store
from traceapp.db.engine import WRITE_OPTION
from traceapp.domain.errors import InvalidInput
from traceapp.domain.sensors import Limits
from traceapp.ui.context import StationContext
from traceapp.ui.live_monitor import LiveMonitorPage
from traceapp.ui.main_window import MainWindow
from traceapp.ui.recorder_process import sources_from_settings_file

WAIT_MS = 30_000  # a child process starts Python and its imports: seconds on a loaded machine
PERIOD_US = 1_000_000  # the test channel reports at least every second; longer silence is a gap


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that ended but was not reaped yet is a zombie: not running either.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def _write_settings(folder: Path, sources: list[str]) -> None:
    listed = ", ".join(f'"{s}"' for s in sources)
    (folder / "settings.toml").write_text(f"[monitoring]\nsources = [{listed}]\n", "utf-8")


def _window(qtbot: QtBot, engine: Engine, settings: QSettings) -> MainWindow:
    context = StationContext(engine, station_code=None, database_label="test", shared=False)
    page = LiveMonitorPage(context, settings=settings)  # sources from the settings file
    window = MainWindow(context, [page], settings)
    qtbot.addWidget(window)
    window.resize(1366, 800)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


@pytest.fixture
def people(sqlite_engine: Engine) -> Engine:
    add_people(sqlite_engine)
    return sqlite_engine


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(folder))
    return folder


def test_sources_come_from_the_settings_file_and_a_bad_value_is_refused(
    config_dir: Path,
) -> None:
    assert sources_from_settings_file() == []
    _write_settings(config_dir, ["mqtt://127.0.0.1:1883/plant/#", "simulator://?channels=2"])
    assert sources_from_settings_file() == [
        "mqtt://127.0.0.1:1883/plant/#",
        "simulator://?channels=2",
    ]
    (config_dir / "settings.toml").write_text("[monitoring]\nsources = 5\n", "utf-8")
    with pytest.raises(InvalidInput, match=r"\[monitoring\] sources must be a list of source URLs"):
        sources_from_settings_file()


@pytest.mark.mqtt
@pytest.mark.gui
def test_the_window_records_what_is_published_and_shows_a_cut_link_as_a_gap(
    qtbot: QtBot, people: Engine, config_dir: Path, tmp_path: Path
) -> None:
    require_broker()
    site = unique_site()
    with people.connect().execution_options(**{WRITE_OPTION: True}) as c, c.begin():
        store.add_channel(
            c, site=site, equipment="oven1", name="temp", quantity="temperature", unit="degC",
            limits=Limits(lsl=170.0, usl=190.0), expected_period_us=PERIOD_US,
        )  # fmt: skip
    proxy = TcpProxy()  # the recorder reaches the broker through it; the test cuts it
    _write_settings(config_dir, [f"mqtt://127.0.0.1:{proxy.port}/plant/{site}/#"])
    window = _window(qtbot, people, settings_file(tmp_path))
    page = window.findChild(LiveMonitorPage)
    assert page is not None
    assert page.recorder is not None
    publisher = Publisher()
    try:
        sign_in(qtbot, window, "admin")
        qtbot.waitUntil(
            lambda: page.isVisible() and page.channel_list.count() == 1, timeout=WAIT_MS
        )
        status = page.recorder_label
        qtbot.waitUntil(lambda: status.text().startswith("Recorder: running"), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: "reconnecting" not in status.text(), timeout=WAIT_MS)
        pid = page.recorder.pid
        assert pid is not None
        assert pid != os.getpid()
        label = page.value_label("oven1/temp")

        def publish(value: float) -> None:
            publisher.send(f"plant/{site}/oven1/temp", {"value": value, "unit": "degC"})

        # The subscription is made with the connection: publish until the first one arrives.
        deadline = time.monotonic() + WAIT_MS / 1000
        while "180.00 degC" not in label.text() and time.monotonic() < deadline:
            publish(180.0)
            qtbot.wait(300)
        assert "180.00 degC" in label.text()
        assert status.text().startswith("Recorder: running,")
        assert status.property("problem") is False

        proxy.cut()  # the broker out of reach for the recorder (mosquitto itself keeps running)
        qtbot.waitUntil(lambda: "reconnecting" in status.text(), timeout=WAIT_MS)
        assert status.property("problem") is True
        # the source as it was written (its topic's # not escaped)
        assert f"/plant/{site}/# reconnecting" in status.text()
        qtbot.waitUntil(lambda: "silent since" in label.text(), timeout=WAIT_MS)
        channel_id = page.channel("oven1/temp").id
        qtbot.waitUntil(lambda: len(page.charts.gap_regions(channel_id)) == 1, timeout=WAIT_MS)

        proxy.restore()
        qtbot.waitUntil(lambda: "reconnecting" not in status.text(), timeout=WAIT_MS)
        deadline = time.monotonic() + WAIT_MS / 1000
        while "181.00 degC" not in label.text() and time.monotonic() < deadline:
            publish(181.0)
            qtbot.wait(300)
        assert "181.00 degC" in label.text()
        qtbot.waitUntil(lambda: "silent since" not in label.text(), timeout=WAIT_MS)
        assert status.property("problem") is False
        # the closed gap stays drawn as a band, and the line is broken across it (a NaN
        # between the last reading before the cut and the first after)

        def line_broken_across_the_cut() -> bool:
            _, values = page.charts.curve_data(channel_id)
            before = np.flatnonzero(values == 180.0)
            after = np.flatnonzero(values == 181.0)
            if not before.size or not after.size:
                return False
            between = values[before[-1] + 1 : after[0]]
            return between.size > 0 and bool(np.isnan(between).all())

        qtbot.waitUntil(line_broken_across_the_cut, timeout=WAIT_MS)
        assert len(page.charts.gap_regions(channel_id)) == 1
    finally:
        publisher.close()
    with people.connect() as connection:
        (gap,) = store.gaps_between(connection, channel_id, 0, 2**62)
        readings = store.readings_between(connection, channel_id, 0, 2**62)
    # The gap runs from the last reading before the cut to the first one after it.
    assert gap.end_us is not None
    assert gap.start_us in [t for t, v in readings if v == 180.0]
    assert gap.end_us == min(t for t, v in readings if v == 181.0)

    window.close()  # the recorder goes with the window
    assert page.recorder.pid is None
    assert not _alive(pid)
    proxy.close()
    page.context.background.wait()


@pytest.mark.gui
def test_a_recorder_that_dies_is_started_again_and_stops_with_the_page(
    qtbot: QtBot, people: Engine, tmp_path: Path
) -> None:
    context = StationContext(people, station_code=None, database_label="test", shared=False)
    page = LiveMonitorPage(
        context,
        settings=settings_file(tmp_path),
        recorder_sources=["simulator://?channels=2&rate=20&seed=1&site=restart"],
    )
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    qtbot.waitExposed(page)
    status = page.recorder_label
    recorder = page.recorder
    assert recorder is not None
    try:
        qtbot.waitUntil(lambda: recorder.written > 0, timeout=WAIT_MS)
        assert status.text().startswith("Recorder: running,")
        assert status.text().endswith("readings/s")
        first = recorder.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)  # the recorder dies (a crash, the OOM killer)
        qtbot.waitUntil(lambda: "restarting in 1 s" in status.text(), timeout=WAIT_MS)
        assert status.text().startswith("Recorder: stopped (exit status")
        assert status.property("problem") is True
        qtbot.waitUntil(
            lambda: recorder.pid not in (None, first) and recorder.written > 0, timeout=WAIT_MS
        )
        qtbot.waitUntil(lambda: status.text().startswith("Recorder: running,"), timeout=WAIT_MS)
        assert recorder.restarts == 1
        second = recorder.pid
        assert second is not None
    finally:
        page.stop_recorder()
    assert status.text() == "Recorder: stopped"
    assert not _alive(second)
    page.context.background.wait()


@pytest.mark.gui
def test_a_bad_source_is_shown_with_what_to_do(
    qtbot: QtBot, people: Engine, tmp_path: Path
) -> None:
    context = StationContext(people, station_code=None, database_label="test", shared=False)
    page = LiveMonitorPage(
        context, settings=settings_file(tmp_path), recorder_sources=["mqtt:/no-host"]
    )
    qtbot.addWidget(page)
    page.show()
    try:
        qtbot.waitUntil(lambda: "restarting in" in page.recorder_label.text(), timeout=WAIT_MS)
        text = page.recorder_label.text()
        assert "is not an MQTT source" in text
        assert "mqtt://127.0.0.1:1883/plant/#" in text  # the hint
    finally:
        page.stop_recorder()
