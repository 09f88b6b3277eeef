"""The wedge adapter judges keys by the window system's timestamps, not by when Qt got round to them.

qtbot cannot set a key event's timestamp, and the point here is exactly the timestamp: these tests
hand the focused field QKeyEvents stamped as X11 stamps them, all delivered at once, as happens
when the GUI thread was busy while a person typed or a scanner sent its burst.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from traceapp.devices.input.events import ScanEvent
from traceapp.ui.scanner_input import WedgeInput


@pytest.fixture
def field(qtbot: QtBot) -> tuple[QLineEdit, WedgeInput, list[ScanEvent]]:
    scope = QWidget()
    edit = QLineEdit()
    QVBoxLayout(scope).addWidget(edit)
    qtbot.addWidget(scope)
    wedge = WedgeInput(scope)
    scans: list[ScanEvent] = []
    wedge.scanned.connect(scans.append)
    scope.show()
    qtbot.waitExposed(scope)
    edit.setFocus()
    return edit, wedge, scans


def _send(widget: QWidget, keys: list[tuple[Qt.Key, str, int]]) -> None:
    for key, text, stamp in keys:
        event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text)
        event.setTimestamp(stamp)
        QApplication.sendEvent(widget, event)


def _keys(text: str, start: int, gap: int) -> list[tuple[Qt.Key, str, int]]:
    keys = []
    for n, character in enumerate(text):
        key = Qt.Key(ord(character.upper())) if character.isalnum() else Qt.Key.Key_Minus
        keys.append((key, character, start + n * gap))
    return keys


def test_a_persons_keys_that_arrive_together_are_still_typing(
    qtbot: QtBot, field: tuple[QLineEdit, WedgeInput, list[ScanEvent]]
) -> None:
    edit, _wedge, scans = field
    _send(edit, _keys("L-1234", start=10_000, gap=120))  # typed 120 ms apart, handled at once
    qtbot.waitUntil(lambda: edit.text() == "L-1234", timeout=5000)
    assert scans == []


def test_a_scanner_burst_is_a_scan_and_never_reaches_the_field(
    qtbot: QtBot, field: tuple[QLineEdit, WedgeInput, list[ScanEvent]]
) -> None:
    edit, _wedge, scans = field
    burst = _keys("L-1234", start=20_000, gap=4)
    _send(edit, [*burst, (Qt.Key.Key_Return, "\r", 20_030)])
    qtbot.waitUntil(lambda: len(scans) == 1, timeout=5000)
    assert scans[0].payload == "L-1234"
    qtbot.wait(200)
    assert edit.text() == ""
