"""The main window: the lots page, and a status bar saying who works on which database."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow

from traceapp.ui.background import Background
from traceapp.ui.lots_page import ListLots, LoadDetail, LotsPage


class MainWindow(QMainWindow):
    def __init__(
        self,
        *,
        list_lots: ListLots,
        load_detail: LoadDetail,
        database_label: str,
        user: str,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("TraceApp")
        self.background = Background(self)
        self.lots_page = LotsPage(
            list_lots=list_lots, load_detail=load_detail, background=self.background
        )
        self.setCentralWidget(self.lots_page)
        self.database_label = QLabel(f"Database: {database_label}")
        self.user_label = QLabel(f"User: {user}")
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.database_label)
        find = QShortcut(QKeySequence("Ctrl+F"), self)
        find.activated.connect(self.lots_page.search.setFocus)
        reload_lots = QShortcut(QKeySequence("F5"), self)
        reload_lots.activated.connect(self.lots_page.refresh)
        self._settings = settings if settings is not None else QSettings("TraceApp", "TraceApp")
        self.setMinimumSize(960, 600)
        geometry = self._settings.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        self.lots_page.search.setFocus()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.setValue("main_window/geometry", self.saveGeometry())
        self.background.wait(5_000)
        super().closeEvent(event)
