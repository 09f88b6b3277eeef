"""The station picker: which station of the plant this workstation records its steps at.

Opened with Ctrl+Shift+S or a click on the station in the status bar, on the sign-in screen as
well as when someone is signed in. It lists the database's stations (read in a worker), filters
them as the person types or scans a station's code, and hands the chosen one to the main window,
which keeps it in QSettings (`station/last`) for the next start.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.services import catalog
from traceapp.services.catalog import LocationInfo
from traceapp.ui.context import StationContext
from traceapp.ui.icons import decorate
from traceapp.ui.messages import error_text

LAST_STATION_KEY = "station/last"  # QSettings: the station this PC used last
STATION_KEY = "Ctrl+Shift+S"
STATION_KIND = "station"
# Locations are master data (hundreds); the bound only keeps a runaway table off the screen.
LOCATION_LIMIT = 50_000
DIALOG_WIDTH_EM = 40
LIST_ROWS = 6  # visible at once, each a touch target high
_NAVIGATION_KEYS = {
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
}


def read_stations(uow: UnitOfWork) -> tuple[LocationInfo, ...]:
    """The plant's stations by code (the locations a step is recorded at)."""
    return tuple(
        location
        for location in catalog.list_locations(uow, limit=LOCATION_LIMIT)
        if location.kind == STATION_KIND
    )


def station_line(station: LocationInfo) -> str:
    where = f"  ({station.parent})" if station.parent else ""
    return f"{station.code} — {station.name}{where}"


class StationPicker(QDialog):
    """A filter field over the list of stations; Enter takes the highlighted one, Esc keeps the
    current station. Up/Down move in the list while the keyboard stays in the filter field."""

    chosen = Signal(object)  # LocationInfo

    def __init__(self, context: StationContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stationPicker")
        self.setWindowTitle(
            QCoreApplication.translate("StationPicker", "Station of this workstation")
        )
        self._context = context
        self._stations: tuple[LocationInfo, ...] = ()

        self.title = QLabel(QCoreApplication.translate("StationPicker", "Choose the station"))
        self.title.setObjectName("screenTitle")
        self.title.setWordWrap(True)
        self.current = QLabel()
        self.current.setObjectName("infoText")
        self.current.setTextFormat(Qt.TextFormat.PlainText)
        self.current.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setObjectName("stationFilter")
        self.filter.setPlaceholderText(
            QCoreApplication.translate(
                "StationPicker", "Type or scan part of a station's code or name"
            )
        )
        self.filter.setAccessibleName(
            QCoreApplication.translate("StationPicker", "Filter stations")
        )
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setObjectName("stationList")
        self.list.setAccessibleName(QCoreApplication.translate("StationPicker", "Stations"))
        self.list.setAlternatingRowColors(True)
        self.list.setUniformItemSizes(True)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()
        self.use = QPushButton(QCoreApplication.translate("StationPicker", "Use this station"))
        self.use.setObjectName("primary")
        self.use.setDefault(True)
        decorate(self.use, "confirm")
        self.cancel = QPushButton(QCoreApplication.translate("StationPicker", "Cancel"))
        decorate(self.cancel, "clear")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.current)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.use)
        layout.addLayout(buttons)

        # Rows are a gloved finger's height (traceapp.qss: #stationList::item).
        metrics = self.fontMetrics()
        self.setMinimumWidth(metrics.horizontalAdvance("M") * DIALOG_WIDTH_EM)
        self.list.setMinimumHeight(max(metrics.height() + 16, 44) * LIST_ROWS)

        self.filter.textChanged.connect(self._apply_filter)
        self.filter.returnPressed.connect(self.take_current)
        self.filter.installEventFilter(self)
        self.list.itemActivated.connect(lambda _item: self.take_current())
        self.list.currentRowChanged.connect(lambda _row: self._update_use())
        self.use.clicked.connect(self.take_current)
        self.cancel.clicked.connect(self.reject)

    # -- loading ----------------------------------------------------------------------------

    def load(self) -> None:
        """Read the stations in a worker; the list fills when they arrive."""
        code = self._context.station_code
        self.current.setText(
            QCoreApplication.translate(
                "StationPicker", "Now: {code}. Steps are recorded at the station chosen here."
            ).format(code=code)
            if code
            else QCoreApplication.translate(
                "StationPicker",
                "Now: no station chosen. Steps are recorded at the station chosen here.",
            )
        )
        self.list.clear()
        self.message.hide()
        self.filter.clear()
        self.filter.setEnabled(False)
        self._update_use()
        self.list.addItem(QCoreApplication.translate("StationPicker", "Reading the stations…"))
        self.list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        self._context.run_unsigned(read_stations, self._on_loaded, self._on_failed)

    def _on_loaded(self, stations: tuple[LocationInfo, ...]) -> None:
        self._stations = stations
        self.filter.setEnabled(True)
        self.filter.setFocus()
        if not stations:
            self.list.clear()
            self._show_message(
                QCoreApplication.translate(
                    "StationPicker",
                    "This database has no stations yet. An administrator adds them: "
                    "traceapp location add CODE --kind station --parent AREA, or a master "
                    "data file.",
                )
            )
            self._update_use()
            return
        self._apply_filter(self.filter.text())

    def _on_failed(self, error: BaseException, details: str) -> None:
        self.list.clear()
        self.filter.setEnabled(True)
        self._show_message(error_text(error, details))
        self._update_use()

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    # -- choosing ---------------------------------------------------------------------------

    def _apply_filter(self, text: str) -> None:
        words = text.strip().casefold().split()
        shown = [s for s in self._stations if all(w in station_line(s).casefold() for w in words)]
        self.list.clear()
        for station in shown:
            item = QListWidgetItem(station_line(station))
            item.setData(Qt.ItemDataRole.UserRole, station)
            item.setToolTip(f"{station.name}, {station.kind} in {station.parent or 'no area'}")
            self.list.addItem(item)
        if shown:
            wanted = text.strip().casefold() or (self._context.station_code or "").casefold()
            exact = next((i for i, s in enumerate(shown) if s.code.casefold() == wanted), 0)
            self.list.setCurrentRow(exact)
            self.message.hide()
        elif self._stations:
            self._show_message(
                QCoreApplication.translate(
                    "StationPicker", "No station matches {text}. Clear the field to see all."
                ).format(text=repr(text.strip()))
            )
        self._update_use()

    def selected(self) -> LocationInfo | None:
        item = self.list.currentItem()
        station = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return station if isinstance(station, LocationInfo) else None

    def _update_use(self) -> None:
        self.use.setEnabled(self.selected() is not None)

    def take_current(self) -> None:
        station = self.selected()
        if station is None:
            return
        self.accept()  # closed first, so the window can give the keyboard back to its field
        self.chosen.emit(station)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.filter
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _NAVIGATION_KEYS
        ):
            # The list moves, the keyboard stays in the filter: typing goes on refining.
            self.list.keyPressEvent(event)
            return True
        return super().eventFilter(watched, event)
