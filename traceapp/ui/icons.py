"""Line icons from resources/icons drawn in the theme's current text colour, found by name.

The SVGs draw with `currentColor`. A `ThemedIconEngine` renders them at paint time in a colour
of the application palette (button text; highlighted text when checked or on an accent
button; the muted colour when disabled), so a theme switch, which is a palette change,
recolours every icon without anyone keeping a list of buttons.

A page picks its navigation icon by declaring `page_icon = "scan"` (a file name in
resources/icons without `.svg`); pages that do not are looked up by title in `NAV_ICONS`.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QWidget

ICON_SIZE = QSize(28, 28)  # legible at arm's length next to 12-14 pt text
NAV_ICON_SIZE = QSize(32, 32)

# Navigation entries by page title, for pages that do not say `page_icon` themselves.
NAV_ICONS = {
    "Scan station": "scan",
    "Lots & genealogy": "lots",
    "Quality": "quality",
    "Live monitor": "monitor",
    "Recall & reports": "recall",
    "Admin": "admin",
}
ACTIONS = (
    "confirm",
    "undo",
    "clear",
    "hold",
    "release",
    "lock",
    "search",
    "print",
    "report",
    "export",
    "settings",
    "sign-out",
    "theme",
    "help",
    "warning",
    "camera",
    "scrap",
)
# Lot decisions (traceapp.domain.dispositions.Decision values) to their icons.
DECISION_ICONS = {
    "hold": "hold",
    "lift_hold": "release",
    "release": "confirm",
    "reject": "clear",
    "rework": "undo",
    "scrap": "scrap",
}


@cache
def svg_source(name: str) -> str:
    """The SVG text of a shipped icon; KeyError names the icons there are."""
    resource = files("traceapp.resources").joinpath(f"icons/{name}.svg")
    if not resource.is_file():
        raise KeyError(f"no icon {name!r} in resources/icons (there are: {', '.join(names())})")
    return resource.read_text(encoding="utf-8")


def names() -> list[str]:
    folder = files("traceapp.resources").joinpath("icons")
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".svg"))


class ThemedIconEngine(QIconEngine):
    """Renders one SVG in a palette colour chosen at paint time (see the module docstring)."""

    def __init__(self, name: str, *, on_accent: bool = False) -> None:
        super().__init__()
        self.name = name
        self.on_accent = on_accent
        self._pixmaps: dict[tuple[int, int, str], QPixmap] = {}

    def colour(self, mode: QIcon.Mode, state: QIcon.State) -> str:
        palette = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            role = QPalette.ColorRole.PlaceholderText
        elif self.on_accent or state == QIcon.State.On or mode == QIcon.Mode.Selected:
            role = QPalette.ColorRole.HighlightedText
        else:
            role = QPalette.ColorRole.ButtonText
        return str(palette.color(QPalette.ColorGroup.Active, role).name())

    def _renderer(self, colour: str) -> QSvgRenderer:
        text = svg_source(self.name).replace("currentColor", colour)
        return QSvgRenderer(QByteArray(text.encode("utf-8")))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        self._renderer(self.colour(mode, state)).render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        colour = self.colour(mode, state)
        key = (size.width(), size.height(), colour)
        cached = self._pixmaps.get(key)
        if cached is None:
            cached = QPixmap(size)
            cached.fill(Qt.GlobalColor.transparent)
            painter = QPainter(cached)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._renderer(colour).render(painter, QRectF(0, 0, size.width(), size.height()))
            painter.end()
            self._pixmaps[key] = cached
        return cached

    def clone(self) -> QIconEngine:
        return ThemedIconEngine(self.name, on_accent=self.on_accent)

    def key(self) -> str:
        return "traceapp-themed-svg"


def themed_icon(name: str, *, on_accent: bool = False) -> QIcon:
    """The icon `name` (a file in resources/icons), drawn in the theme's colours; `on_accent`
    for buttons painted in the accent colour (primary and default buttons)."""
    svg_source(name)  # a wrong name fails here, where it was written
    return QIcon(ThemedIconEngine(name, on_accent=on_accent))


def nav_icon_name(page: QWidget, title: str) -> str | None:
    declared = getattr(page, "page_icon", None)
    return str(declared) if declared else NAV_ICONS.get(title)


def decorate(button: QAbstractButton, name: str | None, *, on_accent: bool = False) -> None:
    """Give a button its icon (nothing when `name` is None), at the size the floor reads."""
    if name is None:
        return
    button.setIcon(themed_icon(name, on_accent=on_accent))
    button.setIconSize(ICON_SIZE)
