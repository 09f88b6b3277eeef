"""Themes: the colours keep shop-floor contrast, and a switch recolours what a person sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.ui.shell_support import WAIT_MS, add_people, settings_file, sign_in
from traceapp.ui.context import StationContext
from traceapp.ui.lots_page import LotsPage
from traceapp.ui.main_window import MainWindow
from traceapp.ui.scan_station import ScanStationPage
from traceapp.ui.theme import COLOURS, Colours, Theme, stylesheet

pytestmark = pytest.mark.gui

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
BODY = 7.0  # WCAG AAA for body text
LARGE = 4.5  # WCAG AAA for large text: the 26 pt bold feedback panels, badges, selections


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    q = QColor(colour)
    return 0.2126 * channel(q.red()) + 0.7152 * channel(q.green()) + 0.0722 * channel(q.blue())


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula_matches_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("theme", list(Theme))
def test_body_text_keeps_7_to_1_on_every_background_it_sits_on(theme: Theme) -> None:
    c = COLOURS[theme]
    for background in (c.window, c.base, c.alternate, c.button):
        assert contrast(c.text, background) >= BODY, (theme, background)
    # muted text (hints, subtitles) and error text are read too, on the page and in fields
    for foreground in (c.muted, c.error):
        for background in (c.window, c.base, c.alternate):
            assert contrast(foreground, background) >= BODY, (theme, foreground, background)


@pytest.mark.parametrize("theme", list(Theme))
def test_signal_colours_and_selection_keep_large_text_contrast(theme: Theme) -> None:
    c = COLOURS[theme]
    pairs = [
        (c.ok_text, c.ok_bg),
        (c.refused_text, c.refused_bg),
        (c.warning_text, c.warning_bg),
        (c.accent_text, c.accent),
    ]
    for text, background in pairs:
        assert contrast(text, background) >= LARGE, (theme, text, background)
    # the focus ring and borders must stand out from the page (WCAG 1.4.11: 3:1)
    for edge in (c.focus, c.border):
        assert contrast(edge, c.base) >= 3.0, (theme, edge)


def test_the_two_themes_differ_in_every_background() -> None:
    light, dark = COLOURS[Theme.LIGHT], COLOURS[Theme.DARK]
    for name in ("window", "base", "alternate", "text", "accent"):
        assert getattr(light, name) != getattr(dark, name), name
    assert isinstance(light, Colours)


def test_the_stylesheet_file_is_complete() -> None:
    sheet = stylesheet()
    assert "$" not in sheet  # every placeholder filled
    assert '*[theme="dark"] QLabel#feedbackOk' in sheet
    for theme in Theme:
        assert COLOURS[theme].ok_bg in sheet


def _pixel(widget: QWidget, at: QPoint | None = None) -> str:
    image = widget.grab().toImage()
    point = at if at is not None else QPoint(image.width() // 2, image.height() - 4)
    return str(image.pixelColor(point).name())


@pytest.fixture
def people(sqlite_engine: Engine) -> Engine:
    add_people(sqlite_engine)
    return sqlite_engine


def test_a_theme_switch_recolours_the_visible_window_and_the_hidden_pages(
    qtbot: QtBot, people: Engine, tmp_path: Path
) -> None:
    settings = settings_file(tmp_path)
    context = StationContext(people, station_code=None, database_label="plant.db", shared=False)
    scan = ScanStationPage(context, settings=settings)
    lots = LotsPage(context)
    window = MainWindow(context, [scan, lots], settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    sign_in(qtbot, window, "anna.op")
    qtbot.keyClick(window, Qt.Key.Key_F3)  # the lots page is polished, then hidden
    qtbot.keyClick(window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: not window.restyler.busy, timeout=WAIT_MS)
    feedback = scan.findChild(QLabel, "feedbackIdle")
    assert feedback is not None
    nav = window.nav_buttons["Scan station"]  # the current entry: accent background
    assert not nav.icon().isNull()  # found by the page's title in traceapp.ui.icons.NAV_ICONS
    assert not scan.confirm_button.icon().isNull()
    for theme in (Theme.DARK, Theme.LIGHT):
        qtbot.keyClick(window, Qt.Key.Key_T, CTRL_SHIFT)
        qtbot.waitUntil(lambda: not window.restyler.busy, timeout=WAIT_MS)
        c = COLOURS[theme]
        assert window.theme is theme
        assert _pixel(feedback) == c.alternate  # the idle panel's background
        assert _pixel(nav, QPoint(8, nav.height() // 2)) == c.accent
        assert _pixel(window.navigation, QPoint(4, 4)) == c.alternate
        assert _pixel(scan.scan, QPoint(1, scan.scan.height() // 2)) == c.focus  # focus ring
        # the switch ran in slices: the window took keys between them
        assert len(window.restyler.slices_ms) >= 1
    qtbot.keyClick(window, Qt.Key.Key_T, CTRL_SHIFT)
    qtbot.waitUntil(lambda: not window.restyler.busy, timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_F3)  # a page hidden during the switch has the colours too
    table = lots.findChild(QWidget, "lotTable")
    assert table is not None
    qtbot.waitUntil(table.isVisible, timeout=WAIT_MS)
    assert _pixel(window.navigation, QPoint(4, 4)) == COLOURS[Theme.DARK].alternate
    window.close()
