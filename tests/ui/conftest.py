"""GUI tests run offscreen; the window's data come from a real SQLite plant."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from traceapp.ui.theme import Theme, apply_base_font, apply_theme

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def shop_floor_look(qapp: QApplication) -> Iterator[None]:
    """The font and theme the app starts with (application()), put back afterwards."""
    font = QFont(qapp.font())
    apply_base_font(qapp)
    apply_theme(qapp, Theme.LIGHT)
    yield
    qapp.setFont(font)


@pytest.fixture(autouse=True)
def _widgets_freed_on_the_gui_thread() -> Iterator[None]:
    """After each test, what it left in reference cycles (a window whose signal is connected to
    its own bound method is one) is collected here, on the GUI thread, once its widgets are
    closed. Left to the collector, it is freed whenever a collection next runs, on whichever
    thread allocates at that moment, a worker's included; a widget deleted off the GUI thread
    while that thread walks its widgets crashes Qt (a clean-clone CI run segfaulted once in the
    theme switch's listing of every widget, under a window of an earlier test)."""
    yield
    gc.collect()
