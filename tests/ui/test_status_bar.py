"""The status bar as a person reads it: who, which station, which database, the scanner, in
the installed language, and every field whole at 1366x768."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from traceapp.ui.context import StationContext
from traceapp.ui.resources import install_translator, remove_translator
from traceapp.ui.status_bar import StationStatusBar

from .scan_plant import build_plant, floor_actor


@pytest.fixture
def german(qapp: object) -> Iterator[None]:
    translator = install_translator("de")
    assert translator is not None
    yield
    remove_translator(translator)


def _shown(bar: StationStatusBar) -> list[str]:
    fields: list[QWidget] = [bar.user, bar.station, bar.database, bar.scanner]
    return [f.text() for f in fields if isinstance(f, QLabel | QPushButton)]


def _in_window(qtbot: QtBot, context: StationContext) -> tuple[QMainWindow, StationStatusBar]:
    """The bar at the foot of a 1366x768 window."""
    window = QMainWindow()
    bar = StationStatusBar(context, window)
    window.setStatusBar(bar)
    window.setCentralWidget(QWidget())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window, bar


@pytest.mark.gui
@pytest.mark.usefixtures("german", "shop_floor_look")
def test_the_status_bar_speaks_german_and_every_field_is_whole_at_1366(
    qtbot: QtBot, sqlite_engine: Engine
) -> None:
    build_plant(sqlite_engine)
    context = StationContext(
        sqlite_engine, station_code=None, database_label="plant.db (demo)", shared=False
    )
    window, bar = _in_window(qtbot, context)
    assert window.statusBar() is bar
    assert _shown(bar) == [
        "Benutzer: niemand angemeldet",
        "Station: keine",
        "Datenbank: lokal — plant.db (demo)",
        "Scanner: Tastatur",
    ]
    context.sign_in(floor_actor(sqlite_engine, "sam"))
    assert bar.user.text() == "Benutzer: sam (Schichtleiter)"
    assert bar.station.text() == "Station: RCV1"
    assert bar.station.toolTip() == "Station dieses Arbeitsplatzes wählen (Strg+Umschalt+S)"
    qtbot.wait(50)  # the bar lays the longer words out
    for field in (bar.user, bar.station, bar.database, bar.scanner):
        words = field.text()
        assert field.fontMetrics().horizontalAdvance(words) <= field.contentsRect().width(), words
        left = field.mapTo(bar, QPoint(0, 0)).x()
        assert left >= 0, words
        assert left + field.width() <= bar.width(), words
    context.lock()
    assert bar.user.text() == "Benutzer: gesperrt (sam)"
    context.background.wait()


@pytest.mark.gui
def test_without_a_translation_the_status_bar_stays_english(
    qtbot: QtBot, sqlite_engine: Engine
) -> None:
    build_plant(sqlite_engine)
    context = StationContext(
        sqlite_engine, station_code="RCV1", database_label="plant.db", shared=True
    )
    window, bar = _in_window(qtbot, context)
    assert window.statusBar() is bar
    context.sign_in(floor_actor(sqlite_engine, "olga"))
    assert _shown(bar) == [
        "User: olga (operator)",
        "Station: RCV1",
        "Database: shared — plant.db",
        "Scanner: keyboard",
    ]
    context.background.wait()
