"""GUI tests run offscreen; the window's data come from a real SQLite plant."""

from __future__ import annotations

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
