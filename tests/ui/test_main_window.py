"""The main window used like a person: role navigation, F-keys, theme, remembered state, long work."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette, QTextDocument
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.ui.shell_support import WAIT_MS, add_people, settings_file, sign_in
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.ui.background import Cancelled, Progress
from traceapp.ui.context import StationContext
from traceapp.ui.lots_page import LotsPage
from traceapp.ui.main_window import MainWindow
from traceapp.ui.scan_station import ScanStationPage
from traceapp.ui.theme import COLOURS, Theme

pytestmark = pytest.mark.gui

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def people(sqlite_engine: Engine) -> Engine:
    add_people(sqlite_engine)
    return sqlite_engine


def _open(qtbot: QtBot, engine: Engine, settings: QSettings) -> MainWindow:
    context = StationContext(
        engine, station_code=None, database_label="sqlite:////srv/plant.db", shared=False
    )
    pages = [ScanStationPage(context, settings=settings), LotsPage(context)]
    window = MainWindow(context, pages, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


@pytest.fixture
def window(qtbot: QtBot, people: Engine, tmp_path: Path) -> Iterator[MainWindow]:
    shown = _open(qtbot, people, settings_file(tmp_path))
    yield shown
    shown.context.background.wait()


def _shown_entries(window: MainWindow) -> list[str]:
    return [title for title, button in window.nav_buttons.items() if button.isVisible()]


def test_an_operator_gets_the_scan_station_and_the_lots(qtbot: QtBot, window: MainWindow) -> None:
    sign_in(qtbot, window, "anna.op")
    assert _shown_entries(window) == ["Scan station", "Lots & genealogy"]
    assert window.nav_buttons["Scan station"].text() == "Scan station\nF2"
    assert window.page("Scan station").isVisible()  # the first page of the role


def test_an_auditor_sees_no_scan_station_not_even_by_its_key(
    qtbot: QtBot, window: MainWindow
) -> None:
    sign_in(qtbot, window, "dmitri.aud")
    assert _shown_entries(window) == ["Lots & genealogy"]
    assert window.page("Lots & genealogy").isVisible()
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert not window.page("Scan station").isVisible()
    assert window.page("Lots & genealogy").isVisible()


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def test_f_keys_and_clicks_move_between_pages_and_the_keyboard_follows(
    qtbot: QtBot, window: MainWindow
) -> None:
    sign_in(qtbot, window, "anna.op")
    lots, scan = window.page("Lots & genealogy"), window.page("Scan station")
    assert scan.isAncestorOf(_focused())
    # Keys go where a keyboard sends them: to the focused field (the scan field here).
    qtbot.keyClick(_focused(), Qt.Key.Key_F3)
    qtbot.waitUntil(lots.isVisible, timeout=WAIT_MS)
    assert not scan.isVisible()
    assert window.nav_buttons["Lots & genealogy"].isChecked()
    assert lots.isAncestorOf(_focused())
    qtbot.mouseClick(window.nav_buttons["Scan station"], Qt.MouseButton.LeftButton)
    assert scan.isVisible()
    assert not lots.isVisible()
    assert scan.isAncestorOf(_focused())
    qtbot.keyClick(_focused(), Qt.Key.Key_F3)
    qtbot.waitUntil(lots.isVisible, timeout=WAIT_MS)
    qtbot.keyClick(_focused(), Qt.Key.Key_F2)
    qtbot.waitUntil(scan.isVisible, timeout=WAIT_MS)


def test_the_status_bar_says_who_where_which_database_and_the_scanner(
    qtbot: QtBot, window: MainWindow
) -> None:
    bar = window.status
    assert bar.station.text() == "Station: none"
    assert bar.database.text() == "Database: local — sqlite:////srv/plant.db"
    sign_in(qtbot, window, "anna.op")
    assert bar.user.text() == "User: anna.op (operator)"
    window.set_scanner_state("serial /dev/ttyUSB0 disconnected", False)
    assert bar.scanner.text() == "Scanner: serial /dev/ttyUSB0 disconnected"
    assert bar.scanner.objectName() == "scannerProblem"  # styled red by the theme
    window.set_scanner_state("serial /dev/ttyUSB0", True)
    assert bar.scanner.objectName() == "scannerOk"


def test_the_theme_toggles_with_its_key_and_is_remembered(
    qtbot: QtBot, people: Engine, tmp_path: Path
) -> None:
    window = _open(qtbot, people, settings_file(tmp_path))
    sign_in(qtbot, window, "anna.op")
    light = COLOURS[Theme.LIGHT].window
    dark = COLOURS[Theme.DARK].window
    assert window.palette().color(QPalette.ColorRole.Window).name() == light
    qtbot.keyClick(window, Qt.Key.Key_T, CTRL_SHIFT)
    assert window.palette().color(QPalette.ColorRole.Window).name() == dark
    assert window.theme_button.text() == "Light theme\nCtrl+Shift+T"
    window.close()

    again = _open(qtbot, people, settings_file(tmp_path))
    assert again.palette().color(QPalette.ColorRole.Window).name() == dark
    sign_in(qtbot, again, "anna.op")
    qtbot.mouseClick(again.theme_button, Qt.MouseButton.LeftButton)
    assert again.palette().color(QPalette.ColorRole.Window).name() == light
    again.close()
    assert settings_file(tmp_path).value("ui/theme") == "light"


def test_size_and_last_page_are_remembered(qtbot: QtBot, people: Engine, tmp_path: Path) -> None:
    window = _open(qtbot, people, settings_file(tmp_path))
    window.resize(760, 540)  # the offscreen screen is 800 x 600: stay inside it
    sign_in(qtbot, window, "anna.op")
    qtbot.keyClick(window, Qt.Key.Key_F3)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # quit
    assert not window.isVisible()

    again = _open(qtbot, people, settings_file(tmp_path))
    assert (again.width(), again.height()) == (760, 540)
    sign_in(qtbot, again, "anna.op")
    assert again.page("Lots & genealogy").isVisible()
    assert not again.page("Scan station").isVisible()


def test_ctrl_l_locks_at_once(qtbot: QtBot, window: MainWindow) -> None:
    sign_in(qtbot, window, "anna.op")
    assert window.page("Scan station").isAncestorOf(_focused())
    qtbot.keyClick(_focused(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.sign_in_screen.isVisible, timeout=WAIT_MS)
    assert window.sign_in_screen.title.text() == "Locked"
    assert not window.page("Scan station").isVisible()
    qtbot.keyClick(_focused(), Qt.Key.Key_F3)  # page keys do nothing while locked
    assert not window.page("Lots & genealogy").isVisible()


def test_long_work_shows_progress_and_stops_when_cancel_is_clicked(
    qtbot: QtBot, window: MainWindow
) -> None:
    sign_in(qtbot, window, "anna.op")
    bar = window.status
    assert not bar.progress.isVisible()
    assert not bar.cancel.isVisible()
    outcome: list[object] = []

    def export(_uow: UnitOfWork, _actor: Actor, progress: Progress) -> int:
        done = 0
        while True:  # runs until the person cancels (or 60 s, so a broken cancel fails)
            progress.check()
            done += 1
            progress.report(min(done, 999), 1000, f"row {done}")
            if done > 600_000:
                return done
            threading.Event().wait(0.0001)

    window.context.run_with_progress(
        export, outcome.append, lambda error, _tb: outcome.append(error), title="Export"
    )
    qtbot.waitUntil(lambda: bar.cancel.isVisible() and bar.progress.value() > 0, timeout=WAIT_MS)
    assert bar.work_text.text().startswith("Export — row ")
    assert bar.progress.maximum() == 1000
    qtbot.mouseClick(bar.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: outcome != [], timeout=WAIT_MS)
    assert isinstance(outcome[0], Cancelled)
    assert str(outcome[0]) == "Export: cancelled. Start it again when you need it."
    qtbot.waitUntil(lambda: not bar.cancel.isVisible(), timeout=WAIT_MS)
    assert not bar.progress.isVisible()
    assert bar.work_text.text() == ""


def test_f1_lists_the_keys_of_the_role_s_pages_and_actions(
    qtbot: QtBot, window: MainWindow
) -> None:
    sign_in(qtbot, window, "dmitri.aud")
    qtbot.keyClick(window, Qt.Key.Key_F1)
    box = window.findChild(QMessageBox)
    assert box is not None
    qtbot.waitUntil(box.isVisible, timeout=WAIT_MS)
    shown = QTextDocument()
    shown.setHtml(box.text())  # a table: key, then what it does
    cells = [cell for cell in shown.toPlainText().splitlines() if cell]
    rows = list(zip(cells[::2], cells[1::2], strict=True))
    assert rows[0] == ("F3", "Lots & genealogy")  # no F2: an auditor has no scan station
    assert ("Ctrl+L", "Lock the station") in rows
    assert ("Ctrl+Shift+S", "Choose this workstation's station") in rows
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT_MS)
    # The keyboard is back with the window: its keys work at once.
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(
        QApplication.focusWidget() or window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
    )
    qtbot.waitUntil(window.sign_in_screen.isVisible, timeout=WAIT_MS)


def test_the_idle_lock_closes_the_open_key_list(
    qtbot: QtBot, people: Engine, tmp_path: Path
) -> None:
    context = StationContext(people, station_code=None, database_label="t", shared=False)
    window = MainWindow(context, [LotsPage(context)], settings_file(tmp_path), idle_timeout=1500)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    sign_in(qtbot, window, "anna.op")
    qtbot.keyClick(window, Qt.Key.Key_F1)
    box = window.findChild(QMessageBox)
    assert box is not None
    qtbot.waitUntil(box.isVisible, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.sign_in_screen.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: not any(b.isVisible() for b in window.findChildren(QMessageBox)), timeout=WAIT_MS
    )
    window.context.background.wait()


def test_a_long_database_url_is_shortened_in_the_middle(
    qtbot: QtBot, people: Engine, tmp_path: Path
) -> None:
    label = "postgresql+psycopg://trace@" + "db-server-" * 12 + ".example/traceapp"
    context = StationContext(people, station_code="ST1", database_label=label, shared=True)
    window = MainWindow(context, [], settings_file(tmp_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    shown = window.status.database.text()
    assert shown.startswith("Database: shared — pos")
    assert shown.endswith(".example/traceapp")
    assert "…" in shown
    assert window.status.database.toolTip() == f"Database: shared — {label}"
    assert window.status.station.text() == "Station: ST1"
    window.context.background.wait()
