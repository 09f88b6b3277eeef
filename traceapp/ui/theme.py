"""Light and dark themes: high contrast, large touch targets; a switch is a palette change.

The stylesheet (resources/themes/traceapp.qss) takes its colours from palette() roles and is set
on the application once; the colours of each theme are in resources/themes/light.toml and
dark.toml. Switching the theme sets the new palette and then re-polishes the widgets a few at a
time across event-loop turns, visible ones first (`Restyler`): Qt resolves palette() when it
polishes a widget, and setting a new application stylesheet instead re-polishes every widget
once per ancestor (about a second for the full window), far past the 100 ms the GUI thread may
be busy. Colours with a meaning that no palette role carries (green done, red refused, amber
warning) come from resources/themes/signals.qss, written per theme and selected by the `theme`
property of the main window.

Pages do not pick colours: they use palette roles, or give a widget an object name the stylesheet
styles (`QLabel#feedbackOk` / `#feedbackRefused` for the scan station's big green and red
answers, `#errorText`, `#screenTitle`, ...). Sizes are in points or device-independent pixels,
which Qt 6 scales on high-DPI screens (150 %, 200 %) by itself.
"""

from __future__ import annotations

import enum
import time
import tomllib
from collections import deque
from dataclasses import dataclass, fields
from functools import cache
from importlib.resources import files
from string import Template

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from traceapp.domain.collector import collector_paused

BASE_POINT_SIZE = 12  # read at arm's length on a shop-floor screen
TOUCH_TARGET_PX = 44  # the smallest thing a gloved finger hits reliably (WCAG 2.5.5)
THEME_PROPERTY = "theme"  # on the main window; signals.qss selects the dark colours by it
# Work per event-loop turn while re-polishing after a switch: well under the 100 ms the GUI
# thread may be busy, so keys and scans between two slices are handled at once.
RESTYLE_SLICE_S = 0.015


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


def _theme_file(name: str) -> str:
    return files("traceapp.resources").joinpath(f"themes/{name}").read_text(encoding="utf-8")


def _icon_url(name: str) -> str:
    """A shipped icon's path for `url(...)` (resources install as plain files, never zipped)."""
    return str(files("traceapp.resources").joinpath(f"icons/{name}")).replace("\\", "/")


def _load_theme(theme: Theme) -> tuple[Colours, str]:
    data = tomllib.loads(_theme_file(f"{theme.value}.toml"))
    table = data["colours"]
    wanted = [f.name for f in fields(Colours)]
    missing = sorted(set(wanted) - set(table))
    if missing:
        raise ValueError(f"themes/{theme.value}.toml lacks the colours {', '.join(missing)}")
    return Colours(**{name: str(table[name]) for name in wanted}), str(data["ink"])


COLOURS = {theme: _load_theme(theme)[0] for theme in Theme}


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
        QPalette.ColorRole.Mid: c.border,
        QPalette.ColorRole.Highlight: c.accent,
        QPalette.ColorRole.Accent: c.accent,
        QPalette.ColorRole.HighlightedText: c.accent_text,
        QPalette.ColorRole.ToolTipBase: c.base,
        QPalette.ColorRole.ToolTipText: c.text,
        QPalette.ColorRole.Link: c.accent,
        QPalette.ColorRole.LinkVisited: c.focus,  # traceapp.qss draws the focus ring with it
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


@cache
def stylesheet() -> str:
    """The application stylesheet: the same text for both themes (see the module docstring)."""
    base = Template(_theme_file("traceapp.qss")).substitute(
        touch=TOUCH_TARGET_PX, field=TOUCH_TARGET_PX - 4
    )
    signals = Template(_theme_file("signals.qss"))
    blocks = [base]
    for theme in Theme:
        colours, ink = _load_theme(theme)
        scope = "" if theme is Theme.LIGHT else f'*[{THEME_PROPERTY}="{theme.value}"] '
        blocks.append(
            signals.substitute(
                scope=scope,
                arrow_down=_icon_url(f"arrow-down-{ink}.svg"),
                arrow_up=_icon_url(f"arrow-up-{ink}.svg"),
                **{f.name: getattr(colours, f.name) for f in fields(Colours)},
            )
        )
    return "\n".join(blocks)


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Fusion style (the same on every platform), the stylesheet once, the theme's palette.

    Widgets already polished keep their old colours until re-polished: a running window
    switches with `Restyler` instead."""
    sheet = stylesheet()
    if app.styleSheet() != sheet:
        # Only before the stylesheet: the style of an app with one is the stylesheet's own (not
        # named "fusion"), and setting a style again re-polishes every widget.
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None and app.style().name().lower() != "fusion":
            app.setStyle(fusion)
        app.setPalette(palette(theme))
        app.setStyleSheet(sheet)
    else:
        app.setPalette(palette(theme))


def _depth(widget: QWidget) -> int:
    depth = 0
    parent = widget.parentWidget()
    while parent is not None:
        depth += 1
        parent = parent.parentWidget()
    return depth


class Restyler(QObject):
    """Re-polishes the application's widgets after a palette change, a slice per event-loop
    turn (RESTYLE_SLICE_S of work each), the visible ones first; `finished` when all are done.
    A switch while one is running starts over with the widgets of the moment."""

    finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: deque[QWidget] = deque()
        self._alive: list[QWidget] = []  # every widget of a switch under way, held
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._slice)
        self.slices_ms: list[float] = []  # the work of each slice of the last switch, measured

    @property
    def busy(self) -> bool:
        return bool(self._queue)

    def restyle(self) -> None:
        # No garbage collection while the widgets are listed and sorted: a window nobody
        # references any more (a dialog closed earlier) could be collected in between, and
        # delete with it the child widgets just listed, which Python would then touch. Every
        # widget listed is held until the last slice, so none goes that way later either.
        with collector_paused():
            self._alive = QApplication.allWidgets()
            polished = [
                w for w in self._alive if w.testAttribute(Qt.WidgetAttribute.WA_WState_Polished)
            ]
            # Visible first: the person sees the new colours at once, the hidden pages
            # follow. Parents before children: a widget's palette is resolved against its
            # parent's, and a window keeps the palette its last polish gave it until it is
            # polished again.
            polished.sort(key=lambda w: (not w.isVisible(), _depth(w)))
        self._queue = deque(polished)
        self.slices_ms = []
        self._slice()

    def _slice(self) -> None:
        began = time.perf_counter()
        queue = self._queue
        while queue and time.perf_counter() - began < RESTYLE_SLICE_S:
            widget = queue.popleft()
            try:
                style = widget.style()
                style.unpolish(widget)
                style.polish(widget)
                widget.update()
            except RuntimeError:  # deleted since the switch began: nothing to repaint
                continue
        self.slices_ms.append((time.perf_counter() - began) * 1000)
        if queue:
            self._timer.start()
        else:
            self._alive = []
            self.finished.emit()


def apply_base_font(app: QApplication) -> None:
    font = QFont(app.font())
    font.setPointSize(max(font.pointSize(), BASE_POINT_SIZE))
    app.setFont(font)
