"""Start the Qt application: font, icon, theme, the main window on a station context."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from traceapp.ui.context import StationContext
from traceapp.ui.main_window import MainWindow
from traceapp.ui.resources import app_icon, configured_language, install_translator
from traceapp.ui.station_picker import LAST_STATION_KEY
from traceapp.ui.theme import apply_base_font

SETTINGS_ORGANISATION = "TraceApp"
SETTINGS_APPLICATION = "TraceApp"

PageFactory = Callable[[StationContext], QWidget]


def application() -> QApplication:
    """The one QApplication, made on first use with the app's name, icon and base font."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv)
    app.setApplicationName("TraceApp")
    app.setOrganizationName(SETTINGS_ORGANISATION)
    app.setWindowIcon(app_icon())
    apply_base_font(app)
    # German where settings.toml says [ui] language = "de" or the system speaks it.
    install_translator(configured_language())
    return app


def default_settings() -> QSettings:
    return QSettings(SETTINGS_ORGANISATION, SETTINGS_APPLICATION)


def station_for(cli_station: str | None, settings: QSettings) -> str | None:
    """`--station` wins and is remembered; without it, the station this PC used last."""
    if cli_station:
        settings.setValue(LAST_STATION_KEY, cli_station)
        return cli_station
    last = settings.value(LAST_STATION_KEY)
    return str(last) if last else None


def standard_pages(settings: QSettings) -> list[PageFactory]:
    """The pages of the workstation, in navigation order (each appears when its issue lands)."""
    from traceapp.ui.live_monitor import LiveMonitorPage
    from traceapp.ui.lots_page import LotsPage
    from traceapp.ui.quality_page import QualityPage
    from traceapp.ui.recall_page import RecallPage
    from traceapp.ui.scan_station import ScanStationPage

    def scan_station(context: StationContext) -> QWidget:
        return ScanStationPage(context, settings=settings)

    def quality(context: StationContext) -> QWidget:
        return QualityPage(context, settings=settings)

    def live_monitor(context: StationContext) -> QWidget:
        return LiveMonitorPage(context, settings=settings)

    return [scan_station, LotsPage, quality, live_monitor, RecallPage]


def build_window(
    context: StationContext,
    pages: Sequence[PageFactory],
    settings: QSettings,
    *,
    idle_timeout_ms: int | None = None,
) -> MainWindow:
    return MainWindow(
        context, [make(context) for make in pages], settings, idle_timeout=idle_timeout_ms
    )


def run_window(
    context: StationContext,
    pages: Sequence[PageFactory],
    settings: QSettings,
    *,
    idle_timeout_ms: int | None = None,
) -> int:
    app = application()
    window = build_window(context, pages, settings, idle_timeout_ms=idle_timeout_ms)
    window.show()
    return int(app.exec())
