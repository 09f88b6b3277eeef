"""Light and dark themes: high contrast, large touch targets, one palette and one stylesheet.

Pages do not pick colours: they use palette roles, or give a widget an object name this
stylesheet styles (`QLabel#feedbackOk` / `#feedbackRefused` for the scan station's big green and
red answers, `#errorText`, `#screenTitle`, ...). Sizes are in points or device-independent
pixels, which Qt 6 scales on high-DPI screens (150 %, 200 %) by itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from importlib.resources import files

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

BASE_POINT_SIZE = 12  # read at arm's length on a shop-floor screen
TOUCH_TARGET_PX = 44  # the smallest thing a gloved finger hits reliably (WCAG 2.5.5)


class Theme(enum.StrEnum):
    LIGHT = "light"
    DARK = "dark"

    def toggled(self) -> Theme:
        return Theme.DARK if self is Theme.LIGHT else Theme.LIGHT


@dataclass(frozen=True, slots=True)
class Colours:
    window: str
    base: str
    alternate: str
    text: str
    muted: str
    button: str
    border: str
    accent: str  # selection, the current navigation entry, the default button
    accent_text: str
    focus: str
    error: str
    ok_bg: str
    ok_text: str
    refused_bg: str
    refused_text: str
    warning_bg: str
    warning_text: str


# Text on its background is at least 7:1 (WCAG AAA) for body text in both themes; the feedback
# colours carry meaning (green = recorded, red = refused) and keep white text at 5:1 or more.
COLOURS = {
    Theme.LIGHT: Colours(
        window="#eef0f3",
        base="#ffffff",
        alternate="#f3f5f8",
        text="#111418",
        muted="#3d4450",
        button="#ffffff",
        border="#5b6370",
        accent="#0b4fb3",
        accent_text="#ffffff",
        focus="#e07a00",
        error="#a1120b",
        ok_bg="#146c2e",
        ok_text="#ffffff",
        refused_bg="#b0170f",
        refused_text="#ffffff",
        warning_bg="#ffd23f",
        warning_text="#111418",
    ),
    Theme.DARK: Colours(
        window="#17191c",
        base="#202328",
        alternate="#272b31",
        text="#f2f4f7",
        muted="#c3c9d2",
        button="#2b3038",
        border="#8a93a0",
        accent="#5b9cff",
        accent_text="#0b0d10",
        focus="#ffb74d",
        error="#ff8a80",
        ok_bg="#1f8a3d",
        ok_text="#ffffff",
        refused_bg="#c62828",
        refused_text="#ffffff",
        warning_bg="#ffd23f",
        warning_text="#111418",
    ),
}


def palette(theme: Theme) -> QPalette:
    c = COLOURS[theme]
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: c.window,
        QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.base,
        QPalette.ColorRole.AlternateBase: c.alternate,
        QPalette.ColorRole.Text: c.text,
        QPalette.ColorRole.PlaceholderText: c.muted,
        QPalette.ColorRole.Button: c.button,
        QPalette.ColorRole.ButtonText: c.text,
        QPalette.ColorRole.BrightText: c.error,
        QPalette.ColorRole.Highlight: c.accent,
        QPalette.ColorRole.HighlightedText: c.accent_text,
        QPalette.ColorRole.ToolTipBase: c.base,
        QPalette.ColorRole.ToolTipText: c.text,
        QPalette.ColorRole.Link: c.accent,
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.muted))
    return pal


def _icon(name: str) -> str:
    """A shipped icon's path for `url(...)` (resources install as plain files, never zipped)."""
    return str(files("traceapp.resources").joinpath(f"icons/{name}")).replace("\\", "/")


def stylesheet(theme: Theme) -> str:
    c = COLOURS[theme]
    t = TOUCH_TARGET_PX
    # Styled boxes lose the platform's arrows: draw ours, in the theme's text colour.
    ink = "dark" if theme is Theme.LIGHT else "light"
    down, up = _icon(f"arrow-down-{ink}.svg"), _icon(f"arrow-up-{ink}.svg")
    return f"""
QWidget {{ color: {c.text}; }}
QPushButton, QToolButton {{
    min-height: {t}px; min-width: {t}px; padding: 2px 12px;
    background: {c.button}; border: 2px solid {c.border}; border-radius: 6px;
}}
QPushButton:hover, QToolButton:hover {{ border-color: {c.accent}; }}
QPushButton:focus, QToolButton:focus {{ border: 3px solid {c.focus}; }}
QPushButton:pressed, QToolButton:pressed {{ background: {c.alternate}; }}
QPushButton:disabled {{ color: {c.muted}; border-style: dashed; }}
QPushButton:default, QPushButton#primary {{
    background: {c.accent}; color: {c.accent_text}; font-weight: bold; border-color: {c.accent};
}}
QPushButton:default:focus, QPushButton#primary:focus {{ border: 3px solid {c.focus}; }}
QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox, QDateEdit, QDateTimeEdit, QPlainTextEdit, QTextEdit {{
    min-height: {t - 4}px; padding: 0px 8px;
    background: {c.base}; border: 2px solid {c.border}; border-radius: 6px;
    selection-background-color: {c.accent}; selection-color: {c.accent_text};
}}
QLineEdit:focus, QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus, QDateEdit:focus,
QDateTimeEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border: 3px solid {c.focus}; }}
QComboBox::drop-down, QDateEdit::drop-down, QDateTimeEdit::drop-down {{
    width: 32px; border: 0px; subcontrol-origin: padding; subcontrol-position: center right;
}}
QComboBox::down-arrow, QAbstractSpinBox::down-arrow {{ image: url({down}); width: 16px; height: 16px; }}
QAbstractSpinBox::up-arrow {{ image: url({up}); width: 16px; height: 16px; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 28px; border: 0px; }}
QComboBox QAbstractItemView {{ background: {c.base}; selection-background-color: {c.accent}; }}
QTableView, QTreeView, QListView, QListWidget, QTableWidget {{
    background: {c.base}; alternate-background-color: {c.alternate};
    border: 1px solid {c.border}; gridline-color: {c.border};
    selection-background-color: {c.accent}; selection-color: {c.accent_text};
}}
QTableView:focus, QTreeView:focus, QListView:focus {{ border: 2px solid {c.focus}; }}
QHeaderView::section {{
    background: {c.alternate}; padding: 6px; border: 0px; border-bottom: 2px solid {c.border};
    font-weight: bold;
}}
QTabBar::tab {{ min-height: {t}px; padding: 0px 18px; }}
QTabBar::tab:selected {{ background: {c.accent}; color: {c.accent_text}; }}
QCheckBox, QRadioButton {{ min-height: {t}px; spacing: 10px; }}
QCheckBox::indicator, QRadioButton::indicator {{ width: 24px; height: 24px; }}
QScrollBar:vertical {{ width: 18px; }}
QScrollBar:horizontal {{ height: 18px; }}
QToolTip {{ background: {c.base}; color: {c.text}; border: 1px solid {c.border}; }}

QWidget#navigation {{ background: {c.alternate}; border-right: 2px solid {c.border}; }}
QPushButton#navEntry {{
    min-height: 64px; text-align: left; padding: 4px 14px; font-size: 14pt;
    border: 2px solid transparent; background: transparent;
}}
QPushButton#navEntry:hover {{ border-color: {c.border}; }}
QPushButton#navEntry:focus {{ border: 3px solid {c.focus}; }}
QPushButton#navEntry:checked {{ background: {c.accent}; color: {c.accent_text}; }}
QLabel#navUser {{ font-weight: bold; padding: 4px 6px; }}

QLabel#screenTitle {{ font-size: 24pt; font-weight: bold; }}
QLabel#screenSubtitle {{ color: {c.muted}; }}
QLabel#errorText {{ color: {c.error}; font-weight: bold; font-size: 13pt; }}
QLabel#infoText {{ color: {c.muted}; }}
QFrame#authCard {{ background: {c.base}; border: 2px solid {c.border}; border-radius: 10px; }}

QLabel#feedbackOk, QLabel#feedbackRefused, QLabel#feedbackIdle, QLabel#feedbackWarning {{
    font-size: 26pt; font-weight: bold; padding: 18px; border-radius: 10px;
}}
QLabel#feedbackOk {{ background: {c.ok_bg}; color: {c.ok_text}; }}
QLabel#feedbackRefused {{ background: {c.refused_bg}; color: {c.refused_text}; }}
QLabel#feedbackWarning {{ background: {c.warning_bg}; color: {c.warning_text}; }}
QLabel#feedbackIdle {{ background: {c.alternate}; color: {c.text}; border: 2px solid {c.border}; }}

QStatusBar {{ background: {c.alternate}; border-top: 2px solid {c.border}; }}
QStatusBar QLabel {{ padding: 2px 10px; }}
QStatusBar::item {{ border: 0px; }}
QLabel#scannerOk {{ color: {c.text}; }}
QLabel#scannerProblem {{ background: {c.refused_bg}; color: {c.refused_text}; font-weight: bold; }}
QLabel#databaseOffline {{ background: {c.warning_bg}; color: {c.warning_text}; font-weight: bold; }}
QProgressBar {{
    min-height: 24px; border: 2px solid {c.border}; border-radius: 6px; text-align: center;
    background: {c.base};
}}
QProgressBar::chunk {{ background: {c.accent}; }}
"""


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Fusion style (the same on every platform), the theme's palette, the stylesheet."""
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None and app.style().name().lower() != "fusion":
        app.setStyle(fusion)
    app.setPalette(palette(theme))
    app.setStyleSheet(stylesheet(theme))


def apply_base_font(app: QApplication) -> None:
    font = QFont(app.font())
    font.setPointSize(max(font.pointSize(), BASE_POINT_SIZE))
    app.setFont(font)
