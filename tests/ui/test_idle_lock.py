"""An idle station locks itself: pages hidden, the same person's work kept, activity postpones it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.ui.shell_support import PEOPLE, WAIT_MS, add_people, settings_file, sign_in
from traceapp.ui.context import StationContext
from traceapp.ui.idle_lock import IDLE_SETTING
from traceapp.ui.lots_page import LotsPage
from traceapp.ui.main_window import MainWindow

pytestmark = pytest.mark.gui

IDLE_MINUTES = 0.02  # 1.2 s: short for a test, long enough that typing can postpone it


@pytest.fixture
def window(qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path) -> Iterator[MainWindow]:
    add_people(sqlite_engine)
    settings = settings_file(tmp_path)
    settings.setValue(IDLE_SETTING, IDLE_MINUTES)  # as an administrator configures it
    context = StationContext(sqlite_engine, station_code=None, database_label="t", shared=False)
    shown = MainWindow(context, [LotsPage(context)], settings)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    shown.activateWindow()
    yield shown
    shown.context.background.wait()


def test_an_idle_station_locks_and_the_same_person_finds_their_work(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert window.idle.timeout_ms == 1200
    sign_in(qtbot, window, "anna.op")
    lots = window.page("Lots & genealogy")
    search = lots.search  # type: ignore[attr-defined]
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(search, "HALF-TYPED")

    qtbot.waitUntil(lambda: window.sign_in_screen.isVisible(), timeout=WAIT_MS)
    screen = window.sign_in_screen
    assert not lots.isVisible()
    assert not window.navigation.isVisible()
    assert screen.title.text() == "Locked"
    assert screen.identity.text() == "anna.op"
    assert window.status.user.text() == "User: locked (anna.op)"
    assert window.context.actor is None

    # Enter takes the prefilled name; the password opens the station again.
    qtbot.keyClick(screen.identity, Qt.Key.Key_Return)
    qtbot.keyClicks(screen.secret, PEOPLE["anna.op"][1])
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: lots.isVisible(), timeout=WAIT_MS)
    assert search.text() == "HALF-TYPED"
    assert window.status.user.text() == "User: anna.op (operator)"


def test_typing_keeps_the_station_open(qtbot: QtBot, window: MainWindow) -> None:
    sign_in(qtbot, window, "anna.op")
    search = window.page("Lots & genealogy").search  # type: ignore[attr-defined]
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    end = time.monotonic() + 3.0  # well past the idle time, with a key every 150 ms
    while time.monotonic() < end:
        qtbot.keyClick(search, Qt.Key.Key_A)
        qtbot.wait(150)
        assert window.workspace.isVisible()
    qtbot.waitUntil(lambda: window.sign_in_screen.isVisible(), timeout=WAIT_MS)


def test_page_keys_alone_keep_the_station_open(qtbot: QtBot, window: MainWindow) -> None:
    """F3 is taken by the window's shortcut: it reaches no widget as a key press, and it is
    the person at the station all the same."""
    sign_in(qtbot, window, "anna.op")
    lots = window.page("Lots & genealogy")
    end = time.monotonic() + 3.0  # well past the idle time, with F3 every 150 ms
    while time.monotonic() < end:
        qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F3)
        qtbot.wait(150)
        assert lots.isVisible()
    qtbot.waitUntil(lambda: window.sign_in_screen.isVisible(), timeout=WAIT_MS)


def test_someone_else_unlocking_starts_their_own_session(qtbot: QtBot, window: MainWindow) -> None:
    sign_in(qtbot, window, "anna.op")
    ended: list[bool] = []
    window.context.signed_out.connect(lambda: ended.append(True))
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # lock now
    screen = window.sign_in_screen
    qtbot.waitUntil(lambda: screen.isVisible() and screen.identity.hasFocus(), timeout=WAIT_MS)
    assert screen.identity.text() == "anna.op"
    # The prefilled name is selected: typing another name replaces it.
    qtbot.keyClicks(screen.identity, "dmitri.aud")
    qtbot.keyClick(screen.identity, Qt.Key.Key_Return)
    qtbot.keyClicks(screen.secret, PEOPLE["dmitri.aud"][1])
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace.isVisible(), timeout=WAIT_MS)
    assert window.status.user.text() == "User: dmitri.aud (auditor)"
    assert ended == [True]  # pages were told anna.op's session is over
