"""Start the Qt application around a main window whose data come from the given callables."""

from __future__ import annotations

import sys

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from traceapp.ui.lots_page import ListLots, LoadDetail
from traceapp.ui.main_window import MainWindow
from traceapp.ui.resources import app_icon

BASE_POINT_SIZE = 12  # read at arm's length on a shop-floor screen


def run_window(
    *, list_lots: ListLots, load_detail: LoadDetail, database_label: str, user: str
) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("TraceApp")
    app.setWindowIcon(app_icon())  # type: ignore[attr-defined]
    font = QFont(app.font())  # type: ignore[attr-defined]
    font.setPointSize(max(font.pointSize(), BASE_POINT_SIZE))
    app.setFont(font)  # type: ignore[attr-defined]
    window = MainWindow(
        list_lots=list_lots, load_detail=load_detail, database_label=database_label, user=user
    )
    window.show()
    window.lots_page.refresh()
    return int(app.exec())
