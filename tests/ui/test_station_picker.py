"""The station picker driven by keys: choose, filter, cancel, remembered; an unknown station."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.ui.shell_support import (
    WAIT_MS,
    add_people,
    settings_file,
    sign_in,
    wait_for_sign_in_screen,
)
from traceapp.db.uow import UnitOfWork
from traceapp.services.masterdata import actor_for, add_location
from traceapp.ui.application import station_for
from traceapp.ui.context import StationContext
from traceapp.ui.lots_page import LotsPage
from traceapp.ui.main_window import MainWindow
from traceapp.ui.scan_station import ScanStationPage
from traceapp.ui.station_picker import StationPicker

pytestmark = pytest.mark.gui

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
PLACES = (
    ("PLANT", "Plant", "site", None),
    ("PACK", "Packing hall", "area", "PLANT"),
    ("PACK-ST1", "Packing station 1", "station", "PACK"),
    ("PACK-ST2", "Packing station 2", "station", "PACK"),
    ("RECV-ST1", "Goods-in desk", "station", "PACK"),
    ("PACK-SEALER", "Sealer", "equipment", "PACK-ST1"),
)


@pytest.fixture
def plant(sqlite_engine: Engine) -> Engine:
    add_people(sqlite_engine)
    with UnitOfWork(sqlite_engine) as uow:
        admin = actor_for(uow)
    for code, name, kind, parent in PLACES:
        with UnitOfWork(sqlite_engine) as uow:
            add_location(uow, actor=admin, code=code, name=name, kind=kind, parent=parent)
    return sqlite_engine


def _open(qtbot: QtBot, engine: Engine, settings: QSettings, station: str | None) -> MainWindow:
    context = StationContext(engine, station_code=station, database_label="plant.db", shared=False)
    pages = [ScanStationPage(context, settings=settings), LotsPage(context)]
    window = MainWindow(context, pages, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return settings_file(tmp_path)


@pytest.fixture
def window(qtbot: QtBot, plant: Engine, settings: QSettings) -> Iterator[MainWindow]:
    shown = _open(qtbot, plant, settings, None)
    yield shown
    shown.context.background.wait()


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _open_picker(qtbot: QtBot, window: MainWindow) -> StationPicker:
    qtbot.keyClick(_focused(), Qt.Key.Key_S, CTRL_SHIFT)
    picker = window.station_picker
    assert picker is not None
    qtbot.waitUntil(lambda: picker.isVisible() and picker.filter.hasFocus(), timeout=WAIT_MS)
    return picker


def _rows(picker: StationPicker) -> list[str]:
    return [picker.list.item(i).text() for i in range(picker.list.count())]


def test_ctrl_shift_s_on_the_sign_in_screen_lists_the_stations_and_enter_takes_one(
    qtbot: QtBot, window: MainWindow, settings: QSettings
) -> None:
    wait_for_sign_in_screen(qtbot, window)
    assert window.status.station.text() == "Station: none"
    picker = _open_picker(qtbot, window)
    # Stations only (not the site, the area or the sealer), each with its name and area.
    assert _rows(picker) == [
        "PACK-ST1 — Packing station 1  (PACK)",
        "PACK-ST2 — Packing station 2  (PACK)",
        "RECV-ST1 — Goods-in desk  (PACK)",
    ]
    qtbot.keyClicks(picker.filter, "st2")
    assert _rows(picker) == ["PACK-ST2 — Packing station 2  (PACK)"]
    qtbot.keyClick(picker.filter, Qt.Key.Key_Return)
    assert not picker.isVisible()
    assert window.status.station.text() == "Station: PACK-ST2"
    assert window.sign_in_screen.subtitle.text() == "Station PACK-ST2"
    # The next scan is the badge.
    qtbot.waitUntil(window.sign_in_screen.identity.hasFocus, timeout=WAIT_MS)
    settings.sync()
    assert station_for(None, settings) == "PACK-ST2"  # the next start opens at it
    sign_in(qtbot, window, "anna.op")  # the sign-in service checks the station exists
    actor = window.context.actor
    assert actor is not None
    assert actor.station_code == "PACK-ST2"
    assert window.status.station.text() == "Station: PACK-ST2"


def test_a_signed_in_operator_moves_to_another_station_with_the_arrow_keys(
    qtbot: QtBot, window: MainWindow
) -> None:
    sign_in(qtbot, window, "anna.op")
    scan = window.page("Scan station")
    picker = _open_picker(qtbot, window)
    assert "Now: no station chosen" in picker.current.text()
    qtbot.keyClick(picker.filter, Qt.Key.Key_Down)
    qtbot.keyClick(picker.filter, Qt.Key.Key_Down)
    assert picker.list.currentItem().text().startswith("RECV-ST1")
    assert picker.filter.hasFocus()  # the arrows move the list, typing still filters
    qtbot.keyClick(picker.filter, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=WAIT_MS)
    assert window.status.station.text() == "Station: RECV-ST1"
    actor = window.context.actor
    assert actor is not None
    assert (actor.username, actor.station_code) == ("anna.op", "RECV-ST1")
    assert actor.station_id is not None
    qtbot.waitUntil(  # back to scanning
        lambda: scan.isAncestorOf(QApplication.focusWidget()), timeout=WAIT_MS
    )
    # Opened again, the list starts on the station in use.
    picker = _open_picker(qtbot, window)
    assert picker.list.currentItem().text().startswith("RECV-ST1")
    assert "Now: RECV-ST1" in picker.current.text()


def test_esc_keeps_the_station_and_a_filter_without_match_says_so(
    qtbot: QtBot, window: MainWindow, settings: QSettings
) -> None:
    wait_for_sign_in_screen(qtbot, window)
    picker = _open_picker(qtbot, window)
    qtbot.keyClicks(picker.filter, "oven")
    assert _rows(picker) == []
    assert picker.message.isVisible()
    assert picker.message.text() == "No station matches 'oven'. Clear the field to see all."
    assert not picker.use.isEnabled()
    qtbot.keyClick(picker.filter, Qt.Key.Key_Return)  # nothing to take: stays open
    assert picker.isVisible()
    qtbot.keyClick(picker.filter, Qt.Key.Key_Escape)
    assert not picker.isVisible()
    assert window.status.station.text() == "Station: none"
    assert window.context.station_code is None
    settings.sync()
    assert station_for(None, settings) is None


def test_a_station_the_database_lacks_opens_the_picker_at_start(
    qtbot: QtBot, plant: Engine, settings: QSettings
) -> None:
    window = _open(qtbot, plant, settings, "GONE-ST9")
    picker_shown = lambda: window.station_picker is not None and window.station_picker.isVisible()  # noqa: E731
    qtbot.waitUntil(picker_shown, timeout=WAIT_MS)
    screen = window.sign_in_screen
    assert "This database has no station 'GONE-ST9'" in screen.message.text()
    picker = window.station_picker
    assert picker is not None
    qtbot.waitUntil(lambda: picker.list.count() == 3, timeout=WAIT_MS)
    qtbot.keyClicks(picker.filter, "recv-st1")
    qtbot.keyClick(picker.filter, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.identity.hasFocus(), timeout=WAIT_MS)
    assert not screen.message.isVisible()
    assert window.status.station.text() == "Station: RECV-ST1"
    sign_in(qtbot, window, "anna.op")
    actor = window.context.actor
    assert actor is not None
    assert actor.station_code == "RECV-ST1"
    window.context.background.wait()


def test_the_key_list_names_the_station_key(qtbot: QtBot, window: MainWindow) -> None:
    sign_in(qtbot, window, "anna.op")
    assert "Ctrl+Shift+S\tChoose this workstation's station" in window.shortcut_lines()
