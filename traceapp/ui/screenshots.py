"""Render every main view of the real window on a demo plant into PNG files (scripts/screenshots.sh).

    python -m traceapp.ui.screenshots [DIR] [--size 1920x1080] [--theme dark]
        (default docs/screenshots, 1366x768, the light theme)

A demo plant goes into a temporary SQLite file; the window signs in the way a person does (typed
keys), visits each page its role may open, and `grab()`s it. Run it under Xvfb (`xvfb-run -a`)
for a real X server, or with QT_QPA_PLATFORM=offscreen; QT_SCALE_FACTOR=2 shows high-DPI.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, QRect, QSettings, Qt, QThreadPool
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTabWidget,
    QWidget,
)
from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.domain.inspections import Characteristic, CharacteristicKind
from traceapp.services import lots as lot_queries
from traceapp.services import masterdata
from traceapp.services.database import open_database
from traceapp.services.demo import DemoSummary, build_demo_plant
from traceapp.services.inspections import add_plan, record_inspection
from traceapp.services.live_demo import demo_source_url, fill_demo_sensors
from traceapp.services.sensors import Recorder
from traceapp.ui.application import application, standard_pages
from traceapp.ui.context import StationContext
from traceapp.ui.decisions import DecisionActions
from traceapp.ui.main_window import THEME_KEY, MainWindow
from traceapp.ui.resources import install_translator, remove_translator
from traceapp.ui.theme import Theme

DEMO_LOTS = 400
DEMO_DAYS = 5
STATION = "LYON-PACK-ST1"  # a packing station of the demo plant
WAREHOUSE = "LYON-WH-ST1"
USER, PASSWORD = "bruno.sup", "demo-bruno-2026"  # a supervisor opens every floor page
QUALITY, QUALITY_PASSWORD = "claire.qm", "demo-claire-2026"  # she releases, with her signature
WINDOW_SIZE = (1366, 768)  # a common shop-floor panel PC: the whole screen, status bar included
LIVE_CHANNELS, LIVE_RATE = 8, 20.0  # the live monitor's simulated sensors (readings/s each)
LIVE_EQUIPMENT = "eq01"  # the first simulated machine


def settle(app: QApplication, seconds: float = 0.6) -> None:
    """Let background work finish and the window repaint."""
    end = time.monotonic() + seconds
    while True:
        QThreadPool.globalInstance().waitForDone(50)
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if time.monotonic() >= end and QThreadPool.globalInstance().activeThreadCount() == 0:
            app.processEvents()
            return


def wait_for(app: QApplication, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not reach the expected state")
        settle(app, 0.05)


def type_into(field: QLineEdit, text: str) -> None:
    field.setFocus()
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)


def _slug(title: str) -> str:
    """'Lots & genealogy' -> 'lots-genealogy'."""
    return "-".join("".join(ch if ch.isalnum() else " " for ch in title.lower()).split())


class Shooter:
    def __init__(self, app: QApplication, out: Path) -> None:
        self.app = app
        self.out = out
        self.saved: list[Path] = []

    def save(self, widget: QWidget, name: str, *, dialog: QWidget | None = None) -> None:
        """`widget` as shown; with `dialog`, that window drawn over it where it stands."""
        settle(self.app)
        # Named by view, not numbered: a page added later does not rename the others.
        path = self.out / f"{name}.png"
        picture = widget.grab()
        if dialog is not None:
            painter = QPainter(picture)
            at = dialog.mapToGlobal(QPoint(0, 0)) - widget.mapToGlobal(QPoint(0, 0))
            painter.drawPixmap(at, dialog.grab())
            # Its edge, as a window manager's frame would show it.
            painter.setPen(QPen(dialog.palette().color(QPalette.ColorRole.Mid), 2))
            painter.drawRect(QRect(at, dialog.size()).adjusted(1, 1, -1, -1))
            painter.end()
        if not picture.save(str(path)):
            raise OSError(f"could not write {path}")
        self.saved.append(path)
        print(f"screenshots: {path}")


def _active_lot(engine: Engine) -> str:
    with UnitOfWork(engine, write=False) as uow:
        [lot] = lot_queries.list_lots(uow, status="active", limit=1)
    return f"{lot.part_number}/{lot.lot_code}"


def _prepare_page(
    app: QApplication, shooter: Shooter, window: MainWindow, page: QWidget, demo: DemoSummary
) -> bool:
    """Use a page as a person would before it is shot; True when it saved its own shots."""
    scan = getattr(page, "scan", None)
    if page.objectName() == "scanStationPage" and isinstance(scan, QLineEdit):
        # Move an active lot to the warehouse: Alt+6, scan the lot, scan the place, F12.
        QTest.keyClick(scan, Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier)
        settle(app, 0.3)  # the page tells scanner bursts from typing by their timing
        type_into(scan, _active_lot(window.context.engine))
        settle(app, 0.3)
        type_into(scan, WAREHOUSE)
        settle(app, 0.3)
        QTest.keyClick(scan, Qt.Key.Key_F12)
        shooter.save(window, "scan-station-recorded")
        # A consumed lot cannot move: the refusal in red, with its reason.
        type_into(scan, demo.landmarks["forward_100"])
        settle(app, 0.3)
        type_into(scan, WAREHOUSE)
        settle(app, 0.3)
        QTest.keyClick(scan, Qt.Key.Key_F12)
        shooter.save(window, "scan-station-refused")
        return True  # the refusal stays on screen for the dark theme's shot
    search = getattr(page, "search", None)
    if isinstance(search, QLineEdit):
        type_into(search, demo.landmarks["forward_100"])
        tabs = page.findChild(QTabWidget, "lotTabs")
        if tabs is not None and tabs.count() > 1:
            shooter.save(window, "lots-genealogy")
            # The graph tab, through its mnemonic as a person would (Alt+G).
            QTest.keyClick(search, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
            settle(app, 1.0)
            fit = next((b for b in tabs.findChildren(QPushButton) if b.text() == "Fit"), None)
            if fit is not None and fit.isVisible():
                QTest.mouseClick(fit, Qt.MouseButton.LeftButton)
            shooter.save(window, "lots-genealogy-graph")
            QTest.keyClick(search, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
            return True
    if page.objectName() == "qualityPage":
        _quality_failed(app, shooter, window, page)
        return True
    if page.objectName() == "recallPage":
        _recall_drill(app, shooter, window, page, demo)
        return True
    if page.objectName() == "liveMonitorPage":
        _live_monitor(app, shooter, window, page)
        return True
    return False


def _live_monitor(app: QApplication, shooter: Shooter, window: MainWindow, page: QWidget) -> None:
    """The live monitor on the demo simulator: eq01's channels moving, an alarm acknowledged by
    keyboard (arrows, Ctrl+K); then paused (Space), zoomed out (-) and scrolled back (Left) into
    the history read from the aggregates."""
    from traceapp.ui.live_monitor import LiveMonitorPage

    assert isinstance(page, LiveMonitorPage)
    wait_for(app, lambda: page.equipment.findText(LIVE_EQUIPMENT) >= 0)
    page.equipment.setCurrentText(LIVE_EQUIPMENT)  # the simulated machine, recording now
    wait_for(
        app,
        # the plots are made a few per event-loop turn: all of them, each with its readings
        lambda: (
            page.charts_ready
            and bool(page.charts.plots)
            and all(len(e.ring) for e in page.charts.plots.values())
        ),
    )
    wait_for(app, lambda: page.alarm_table.rowCount() > 0)
    settle(app, 1.5)
    page.alarm_table.setFocus()
    QTest.keyClick(page.alarm_table, Qt.Key.Key_Down)
    QTest.keyClick(page.alarm_table, Qt.Key.Key_Up)
    QTest.keyClick(page.alarm_table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    wait_for(app, lambda: any(row[5].startswith(USER) for row in page.alarm_rows()))
    settle(app, 1.0)
    shooter.save(window, "live-monitor")
    page.charts.setFocus()
    QTest.keyClick(page.charts, Qt.Key.Key_Space)
    for _ in range(3):
        QTest.keyClick(page.charts, Qt.Key.Key_Minus)
    QTest.keyClick(page.charts, Qt.Key.Key_Left)
    wait_for(app, lambda: page.history_width != "")
    settle(app, 1.0)
    shooter.save(window, "live-monitor-history")
    QTest.keyClick(page.charts, Qt.Key.Key_End)


def _recall_drill(
    app: QApplication, shooter: Shooter, window: MainWindow, page: QWidget, demo: DemoSummary
) -> None:
    """The recall page: a suspect lot typed as a scan would, Ctrl+Enter, the drill on screen
    (the customers to call first, the timer stopped)."""
    suspect = page.findChild(QLineEdit, "recallSuspectInput")
    if suspect is None:
        return
    type_into(suspect, demo.landmarks["forward_100"])
    wait_for(app, lambda: getattr(page, "suspect_names", list)() != [])
    QTest.keyClick(suspect, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_for(app, lambda: getattr(page, "result", None) is not None)
    shooter.save(window, "recall-drill")


def _quality_failed(app: QApplication, shooter: Shooter, window: MainWindow, page: QWidget) -> None:
    """The quality page: a plan is added for an active lot's product, the lot scanned, the values
    sent as a gauge would (fast keys), F12: FAILED, the lot held, the reasons in red."""
    scan = getattr(page, "scan", None)
    fields = getattr(page, "fields", None)
    if not isinstance(scan, QLineEdit) or fields is None:
        return
    engine = window.context.engine
    lot = _active_lot(engine)
    with UnitOfWork(engine) as uow:
        add_plan(
            uow,
            actor=masterdata.actor_for(uow),
            product=lot.split("/", 1)[0],
            step="final",
            characteristics=[
                Characteristic(
                    "net_weight",
                    CharacteristicKind.VARIABLE,
                    nominal=Decimal("500.0"),
                    lsl=Decimal("495.0"),
                    usl=Decimal("510.0"),
                    unit="g",
                    decimals=1,
                ),
                Characteristic(
                    "seal",
                    CharacteristicKind.ATTRIBUTE,
                    answers=("ok", "leak", "crease"),
                    passing=("ok",),
                ),
                Characteristic("blemishes", CharacteristicKind.COUNT, max_count=2),
            ],
        )
    type_into(scan, lot)
    wait_for(app, lambda: len(getattr(page, "fields", ())) == 3)
    for value in ("493.84", "crease", "1"):
        settle(app, 0.3)  # the page tells a gauge's burst from typing by its timing
        focus = window.focusWidget()
        if isinstance(focus, QLineEdit):
            type_into(focus, value)
    settle(app, 0.3)
    focus = window.focusWidget()
    QTest.keyClick(focus if focus is not None else page, Qt.Key.Key_F12)
    history = page.findChild(QTableWidget, "qualityHistory")
    wait_for(app, lambda: history is not None and history.rowCount() > 0)
    shooter.save(window, "quality-failed")
    _quality_spc(app, shooter, window, page, lot)


# Net weights of earlier lots for the SPC shot: in control, then a shift up (still in spec).
SPC_WEIGHTS = (
    500.2, 499.1, 501.0, 499.8, 500.6, 498.9, 500.1, 501.3, 499.5, 500.4,
    499.9, 500.8, 498.7, 500.3, 499.6, 500.9, 500.0, 499.4, 501.1, 500.5,
    503.8, 504.6, 503.9, 505.1, 504.2, 503.5,
)  # fmt: skip


SPC_STATUSES = frozenset({"active", "released", "on_hold"})  # lots still in the plant


def _quality_spc(
    app: QApplication, shooter: Shooter, window: MainWindow, page: QWidget, failed: str
) -> None:
    """The SPC tab: earlier lots of the product inspected (the last six shifted up), the
    individuals chart drawn with Nelson rules, the first flagged point clicked: its lot opens."""
    spc = getattr(page, "spc", None)
    tabs = page.findChild(QTabWidget, "qualityTabs")
    if spc is None or tabs is None:
        return
    engine = window.context.engine
    product = failed.split("/", 1)[0]
    with UnitOfWork(engine, write=False) as uow:
        lots = [
            lot
            for lot in lot_queries.list_lots(uow, text=product, limit=500)
            if lot.part_number == product
            and lot.status.value in SPC_STATUSES
            and f"{lot.part_number}/{lot.lot_code}" != failed  # inspected once, just now
        ][: len(SPC_WEIGHTS)]
    start = datetime.now(UTC) - timedelta(hours=len(lots) + 1)
    for hour, (summary, weight) in enumerate(zip(reversed(lots), SPC_WEIGHTS, strict=False)):
        with UnitOfWork(engine) as uow:
            record_inspection(
                uow,
                actor=masterdata.actor_for(uow),
                code=f"{summary.part_number}/{summary.lot_code}",
                step="final",
                values={"net_weight": [f"{weight:.1f}"], "seal": ["ok"], "blemishes": ["0"]},
                inspected_at=start + timedelta(hours=hour),
            )
    bar = tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    wait_for(app, lambda: spc.characteristic.count() > 0)
    index = spc.characteristic.findText("net_weight @ final")
    if index < 0:
        return
    spc.characteristic.setCurrentIndex(index)
    spc.chart_type.setCurrentIndex(spc.chart_type.findText("Individuals / MR"))
    QTest.mouseClick(spc.draw_button, Qt.MouseButton.LeftButton)
    wait_for(app, lambda: len(spc.charts) == 2)
    settle(app, 0.5)
    shooter.save(window, "quality-spc")
    chart = spc.charts[0]
    if chart.marks:
        x, y = chart.scene_position(min(chart.marks))
        QTest.mouseClick(
            chart.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y))
        )
        wait_for(app, lambda: spc.detail.detail is not None and spc.detail.isVisible())
        settle(app, 0.5)
        shooter.save(window, "quality-spc-lot")
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(0).center())


def _signed_release(app: QApplication, shooter: Shooter, window: MainWindow) -> None:
    """The quality manager unlocks the station, holds an active lot (Ctrl+H) and releases it
    with her signature (Ctrl+Shift+R): the signing dialog, then the record with its decisions."""
    screen = window.sign_in_screen
    type_into(screen.identity, QUALITY)
    type_into(screen.secret, QUALITY_PASSWORD)
    wait_for(app, lambda: window.screens.currentWidget() is window.workspace)
    page = window.page("Lots & genealogy")
    window.show_page(page)
    search = getattr(page, "search", None)
    actions = getattr(page, "decision_actions", None)
    if not isinstance(search, QLineEdit) or not isinstance(actions, DecisionActions):
        return
    lot = _active_lot(window.context.engine)
    search.clear()
    type_into(search, lot)
    wait_for(app, lambda: actions.state is not None and actions.state.name == lot)
    control = Qt.KeyboardModifier.ControlModifier
    QTest.keyClick(search, Qt.Key.Key_H, control)
    wait_for(app, lambda: actions.dialog is not None and actions.dialog.isVisible())
    dialog = actions.dialog
    if dialog is None:
        raise TimeoutError("the hold dialog did not open")
    type_into(dialog.reason, "label smudged: lot code checked against the batch sheet")
    wait_for(app, lambda: actions.dialog is None and page_status(page) == "ON HOLD")
    QTest.keyClick(search, Qt.Key.Key_R, control | Qt.KeyboardModifier.ShiftModifier)
    wait_for(app, lambda: actions.dialog is not None and actions.dialog.isVisible())
    dialog = actions.dialog
    if dialog is None or dialog.password is None:
        raise TimeoutError("the release dialog did not open")
    QTest.keyClicks(dialog.reason, "label reprinted; batch sheet and lot code match")
    QTest.keyClicks(dialog.password, QUALITY_PASSWORD)
    shooter.save(dialog, "lot-release-dialog")
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    wait_for(app, lambda: actions.dialog is None and page_status(page) == "RELEASED")
    shooter.save(window, "lot-signed-release")


def _german_scan_station(
    app: QApplication,
    shooter: Shooter,
    engine: Engine,
    settings: QSettings,
    size: tuple[int, int] = WINDOW_SIZE,
) -> None:
    """The scan station with `[ui] language = "de"`: a new window (texts are set when widgets
    are made), a move scanned (Alt+6, lot, place) and booked with F12."""
    translator = install_translator("de")
    try:
        context = StationContext(
            engine, station_code=STATION, database_label="plant.db (demo)", shared=False
        )
        window = _window(context, settings, size)
        screen = window.sign_in_screen
        wait_for(app, lambda: screen.identity.isEnabled())
        type_into(screen.identity, USER)
        type_into(screen.secret, PASSWORD)
        wait_for(app, lambda: window.screens.currentWidget() is window.workspace)
        page = window.page("Scan station")
        window.show_page(page)
        scan = getattr(page, "scan", None)
        if isinstance(scan, QLineEdit):
            QTest.keyClick(scan, Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier)
            settle(app, 0.3)
            type_into(scan, _active_lot(engine))
            settle(app, 0.3)
            type_into(scan, STATION)
            shooter.save(window, "scan-station-de")
            QTest.keyClick(scan, Qt.Key.Key_F12)
            feedback = getattr(page, "feedback", None)
            wait_for(app, lambda: getattr(feedback, "state", "ok") != "idle")
            settle(app, 1.0)  # the longer German lines wrap: let the layout settle
            shooter.save(window, "scan-station-de-recorded")
        window.close()
        settle(app)
    finally:
        remove_translator(translator)


def page_status(page: QWidget) -> str:
    """The status badge of the lot the lots page shows."""
    badge = page.findChild(QLabel, "lotStatus")
    return badge.text() if badge is not None else ""


def _window(
    context: StationContext, settings: QSettings, size: tuple[int, int] = WINDOW_SIZE
) -> MainWindow:
    window = MainWindow(context, [make(context) for make in standard_pages(settings)], settings)
    window.resize(*size)
    window.show()
    # Window shortcuts (F-keys, Alt+digit) reach only the active window, as on a real desk.
    window.raise_()
    window.activateWindow()
    return window


def _station_picker(app: QApplication, shooter: Shooter, window: MainWindow) -> None:
    """Ctrl+Shift+S on the sign-in screen: the plant's stations, filtered by typing "pack"; Esc
    keeps the station."""
    screen = window.sign_in_screen
    QTest.keyClick(
        screen.identity,
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    wait_for(app, lambda: window.station_picker is not None and window.station_picker.isVisible())
    picker = window.station_picker
    assert picker is not None
    wait_for(app, lambda: picker.filter.isEnabled())
    QTest.keyClicks(picker.filter, "pack")
    shooter.save(window, "station-picker", dialog=picker)
    QTest.keyClick(picker.filter, Qt.Key.Key_Escape)
    wait_for(app, lambda: not picker.isVisible())


def render(
    out: Path, size: tuple[int, int] = WINDOW_SIZE, theme: Theme = Theme.LIGHT
) -> list[Path]:
    app = application()
    out.mkdir(parents=True, exist_ok=True)
    shooter = Shooter(app, out)
    with tempfile.TemporaryDirectory(prefix="traceapp-shots-") as tmp:
        folder = Path(tmp)
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue(THEME_KEY, theme.value)  # every view in this theme

        # A new database: the first administrator's screen.
        empty, _ = open_database(f"sqlite:///{folder / 'new.db'}")
        context = StationContext(empty, station_code=None, database_label="new.db", shared=False)
        window = _window(context, settings, size)
        wait_for(app, lambda: window.screens.currentWidget() is window.first_admin_screen)
        shooter.save(window, "first-administrator")
        window.close()
        empty.dispose()

        engine, _ = open_database(f"sqlite:///{folder / 'plant.db'}")
        demo = build_demo_plant(engine, lots=DEMO_LOTS, days=DEMO_DAYS)
        # The live monitor's demo: 40 minutes of simulated sensors, and the simulator still
        # recording while the window is open, so the charts move.
        fill_demo_sensors(engine, channels=LIVE_CHANNELS, rate=LIVE_RATE, minutes=40)
        recorder = Recorder(
            engine,
            demo_source_url(channels=LIVE_CHANNELS, rate=LIVE_RATE, seed=6),
            default_period_us=2 * 1_000_000,
        )
        recorder.start()
        context = StationContext(
            engine, station_code=STATION, database_label="plant.db (demo)", shared=False
        )
        window = _window(context, settings, size)
        screen = window.sign_in_screen
        wait_for(app, lambda: screen.identity.isEnabled())
        shooter.save(window, "sign-in")
        _station_picker(app, shooter, window)
        type_into(screen.identity, USER)
        type_into(screen.secret, "not-the-password")
        wait_for(app, lambda: screen.message.isVisible() and screen.identity.isEnabled())
        shooter.save(window, "sign-in-refused")
        type_into(screen.secret, PASSWORD)
        wait_for(app, lambda: window.screens.currentWidget() is window.workspace)
        first = None
        for page in window.visible_pages():
            window.show_page(page)
            if not _prepare_page(app, shooter, window, page, demo):
                shooter.save(window, _slug(str(getattr(page, "page_title", "page"))))
            first = first or page
        if first is not None:
            window.show_page(first)
        window.set_theme(theme.toggled())
        shooter.save(window, f"{theme.toggled().value}-theme")
        window.set_theme(theme)
        window.lock()
        wait_for(app, lambda: window.screens.currentWidget() is window.sign_in_screen)
        shooter.save(window, "locked")
        _signed_release(app, shooter, window)
        window.close()
        settle(app)
        recorder.stop()
        _german_scan_station(app, shooter, engine, settings, size)
        engine.dispose()
    return shooter.saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="docs/screenshots", help="folder for the PNGs")
    parser.add_argument(
        "--size", default="1366x768", help="window size WIDTHxHEIGHT (default 1366x768)"
    )
    parser.add_argument(
        "--theme",
        choices=[t.value for t in Theme],
        default=Theme.LIGHT.value,
        help="the theme of every view (the scan station is shot in the other one too)",
    )
    args = parser.parse_args(argv)
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size {args.size!r}: give WIDTHxHEIGHT, e.g. 1920x1080")
    saved = render(Path(args.out), (width, height), Theme(args.theme))
    print(f"screenshots: {len(saved)} views in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
