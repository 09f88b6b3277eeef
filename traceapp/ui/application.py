"""Start the Qt application: font, icon, theme, the main window on a station context."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from traceapp.config import load_settings, settings_path
from traceapp.domain.permissions import Role, UseCase, allowed
from traceapp.ui.context import StationContext
from traceapp.ui.main_window import LazyPage, MainWindow, freeze_heap
from traceapp.ui.resources import app_icon, configured_language, install_translator
from traceapp.ui.station_picker import LAST_STATION_KEY
from traceapp.ui.theme import apply_base_font

MONITORING_SECTION = "monitoring"  # settings.toml: [monitoring] sources, recorded by the window

SETTINGS_ORGANISATION = "TraceApp"
SETTINGS_APPLICATION = "TraceApp"

PageFactory = Callable[[StationContext], QWidget | LazyPage]


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
    """The pages of the workstation, in navigation order (each appears when its issue lands).

    Only the Scan station is built with the window (it takes the signed-in person at once and
    imports little); the others are `LazyPage`s, built when first opened, so their modules
    (pyqtgraph, reportlab, numpy) load after the first window is shown. The Live monitor is
    built with the window when the settings file has a [monitoring] section: its recorder
    process starts with the window, not when someone first opens the page."""
    from traceapp.ui.scan_station import ScanStationPage

    def scan_station(context: StationContext) -> QWidget:
        return ScanStationPage(context, settings=settings)

    def lots(context: StationContext) -> LazyPage:
        def build() -> QWidget:
            from traceapp.ui.lots_page import LotsPage

            return LotsPage(context)

        return LazyPage(
            "Lots & genealogy", "F3", _may(UseCase.READ), build, modules=("traceapp.ui.lots_page",)
        )

    def quality(context: StationContext) -> LazyPage:
        def build() -> QWidget:
            from traceapp.ui.quality_page import QualityPage

            return QualityPage(context, settings=settings)

        return LazyPage(
            "Quality", "F4", _may(UseCase.INSPECT), build, modules=("traceapp.ui.quality_page",)
        )

    def live_monitor(context: StationContext) -> QWidget | LazyPage:
        def build() -> QWidget:
            from traceapp.ui.live_monitor import LiveMonitorPage

            return LiveMonitorPage(context, settings=settings)

        if MONITORING_SECTION in load_settings(settings_path()):
            return build()
        # Its page starts reading the recorder when built: built when opened, imported ahead.
        return LazyPage(
            "Live monitor",
            "F5",
            _may_watch,
            build,
            modules=("traceapp.ui.live_monitor",),
            prepare=False,
        )

    def recall(context: StationContext) -> LazyPage:
        def build() -> QWidget:
            from traceapp.ui.recall_page import RecallPage

            return RecallPage(context)

        return LazyPage(
            "Recall & reports",
            "F6",
            _may(UseCase.EXPORT),
            build,
            modules=("traceapp.ui.recall_page",),
        )

    return [scan_station, lots, quality, live_monitor, recall]


def _may(use_case: UseCase) -> Callable[[Role], bool]:
    return lambda role: allowed(role, use_case)


def _may_watch(role: Role) -> bool:
    from traceapp.services.live import may_watch  # numpy: loaded at sign-in, not at start

    return may_watch(role)


def build_window(
    context: StationContext,
    pages: Sequence[PageFactory],
    settings: QSettings,
    *,
    idle_timeout_ms: int | None = None,
    freeze: bool = False,
) -> MainWindow:
    """The workstation's window; it prepares the pages nobody opened yet (modules imported in
    a worker thread, pages built after sign-in while the station is idle). `freeze` (the app's
    own process: `run_window`) freezes the garbage collector's objects once the window is
    built and again once the pages' modules are imported (`main_window.freeze_heap`)."""
    window = MainWindow(
        context,
        [make(context) for make in pages],
        settings,
        idle_timeout=idle_timeout_ms,
        prepare_pages=True,
        freeze_heap=freeze,
    )
    if freeze:
        freeze_heap()
    return window


def run_window(
    context: StationContext,
    pages: Sequence[PageFactory],
    settings: QSettings,
    *,
    idle_timeout_ms: int | None = None,
) -> int:
    app = application()
    window = build_window(context, pages, settings, idle_timeout_ms=idle_timeout_ms, freeze=True)
    window.show()
    return int(app.exec())
