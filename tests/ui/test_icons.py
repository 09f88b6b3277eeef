"""Icons: every shipped line icon is valid SVG in one style, and it takes the theme's colour."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QByteArray, QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from traceapp.domain.dispositions import Decision
from traceapp.ui.icons import (
    ACTIONS,
    DECISION_ICONS,
    NAV_ICONS,
    decorate,
    names,
    svg_source,
    themed_icon,
)
from traceapp.ui.theme import COLOURS, Theme, palette

pytestmark = pytest.mark.gui

LINE_ICONS = sorted(set(NAV_ICONS.values()) | set(ACTIONS))


def test_every_navigation_entry_action_and_decision_has_a_file() -> None:
    assert set(LINE_ICONS) <= set(names())
    assert set(DECISION_ICONS) == {decision.value for decision in Decision}
    assert set(DECISION_ICONS.values()) <= set(LINE_ICONS)


@pytest.mark.parametrize("name", LINE_ICONS)
def test_line_icons_share_one_style_and_draw_only_in_current_colour(name: str) -> None:
    source = svg_source(name)
    assert 'viewBox="0 0 24 24"' in source
    assert 'stroke-width="2"' in source
    assert 'stroke-linecap="round"' in source
    assert not re.findall(r"#[0-9a-fA-F]{3,6}\b", source)  # no fixed colour: the theme's only
    assert QSvgRenderer(QByteArray(source.encode())).isValid()


def _ink(icon: QIcon, size: int, mode: QIcon.Mode, state: QIcon.State) -> set[str]:
    image = icon.pixmap(QSize(size, size), mode, state).toImage()
    opaque = set()
    for x in range(image.width()):
        for y in range(image.height()):
            colour = image.pixelColor(x, y)
            if colour.alpha() == 255:
                opaque.add(colour.name())
    return opaque


@pytest.mark.parametrize("theme", list(Theme))
def test_an_icon_is_drawn_in_the_themes_text_and_highlight_colours(
    qapp: QApplication, theme: Theme
) -> None:
    saved = QGuiApplication.palette()
    try:
        QGuiApplication.setPalette(palette(theme))
        c = COLOURS[theme]
        icon = themed_icon("confirm")
        normal = QIcon.Mode.Normal
        assert _ink(icon, 24, normal, QIcon.State.Off) == {QColor(c.text).name()}
        assert _ink(icon, 32, normal, QIcon.State.On) == {QColor(c.accent_text).name()}
        accent = themed_icon("confirm", on_accent=True)
        assert _ink(accent, 24, normal, QIcon.State.Off) == {QColor(c.accent_text).name()}
        disabled = _ink(icon, 24, QIcon.Mode.Disabled, QIcon.State.Off)
        assert disabled == {QColor(c.muted).name()}
    finally:
        QGuiApplication.setPalette(saved)


def test_a_wrong_icon_name_fails_where_it_is_written(qtbot: QtBot) -> None:
    button = QPushButton("Print")
    qtbot.addWidget(button)
    with pytest.raises(KeyError, match="no icon 'printer'"):
        decorate(button, "printer")
    decorate(button, "print")
    assert not button.icon().isNull()
