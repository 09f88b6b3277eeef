"""The scan station in shared mode: scanning goes on while the server is cut off, the status bar
says OFFLINE with the backlog, and a step the server refuses afterwards waits in the review list."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMainWindow, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from traceapp.db.uow import UnitOfWork
from traceapp.domain.quantity import Quantity
from traceapp.domain.steps import HandlingStep
from traceapp.services.dispositions import hold
from traceapp.services.lots import lot_detail
from traceapp.services.receiving import receive
from traceapp.services.sync_cache import CACHE_NAME
from traceapp.ui.context import StationContext
from traceapp.ui.outbox_conflicts import ConflictsDialog
from traceapp.ui.scan_station import ScanStationPage
from traceapp.ui.scan_station.feedback import FeedbackSound
from traceapp.ui.station_sync import StationSync
from traceapp.ui.status_bar import StationStatusBar

from ..services.test_sync_faults import CuttableProxy
from .scan_plant import FLOUR_GTIN, build_plant, floor_actor, label

pytestmark = pytest.mark.postgres
WAIT_MS = 20_000
SCREENSHOTS = Path(os.environ.get("TRACEAPP_SCREENSHOTS", "/tmp/traceapp-shots"))


@pytest.fixture
def server(pg_url: str) -> Iterator[Engine]:
    from traceapp.services.database import open_database

    engine, _ = open_database(pg_url)
    build_plant(engine)
    with UnitOfWork(engine) as uow:  # a lot on the floor before the shift: in the station's cache
        receive(
            uow,
            actor=floor_actor(engine, "sam"),
            supplier="MILL",
            supplier_lot_code="H-1",
            product="FLOUR",
            quantity=Quantity.parse("10 kg"),
        )
    yield engine
    engine.dispose()


@pytest.fixture
def proxy(pg_url: str) -> Iterator[CuttableProxy]:
    url = make_url(pg_url)
    through = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    yield through
    through.close()


def _press(qtbot: QtBot, widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier | None = None) -> None:  # fmt: skip
    qtbot.wait(90)
    focus = widget.window().focusWidget() or widget
    qtbot.keyClick(focus, key, modifier or Qt.KeyboardModifier.NoModifier)


def _scan(qtbot: QtBot, page: ScanStationPage, payload: str) -> None:
    page.scan.setFocus()
    qtbot.keyClicks(page.scan, payload)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)


def _title(page: ScanStationPage) -> str:
    return page.feedback.shown_lines()[0]


def test_scans_go_on_offline_and_a_refusal_afterwards_waits_for_review(
    qtbot: QtBot, server: Engine, proxy: CuttableProxy, pg_url: str, tmp_path: Path
) -> None:
    through = make_engine_through(pg_url, proxy)
    sync = StationSync(through, tmp_path / "outbox.sqlite")
    sync.forwarder.retry_seconds = 0.2
    context = StationContext(
        through, station_code="RCV1", database_label="shared — test", shared=True, sync=sync
    )
    sync.start()
    window = QMainWindow()
    qtbot.addWidget(window)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    page = ScanStationPage(context, settings=settings, sound=FeedbackSound(enabled=False))
    status = StationStatusBar(context)
    window.setCentralWidget(page)
    window.setStatusBar(status)
    window.resize(1280, 800)
    try:
        context.sign_in(floor_actor(server, "sam"))
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: sync.outbox.cache_get(CACHE_NAME) is not None, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: status.sync.text() == "ONLINE", timeout=WAIT_MS)

        # Online: a receipt goes to the server and is answered at once.
        page.choose_step(HandlingStep.RECEIVE)
        receive_form = page.forms[HandlingStep.RECEIVE]
        qtbot.waitUntil(lambda: receive_form.supplier.currentIndex() >= 0, timeout=WAIT_MS)
        _scan(qtbot, page, label(FLOUR_GTIN, "L-1", kg="25"))
        qtbot.waitUntil(lambda: receive_form.supplier_lot.text() == "L-1", timeout=WAIT_MS)
        _press(qtbot, page, Qt.Key.Key_F12)
        qtbot.waitUntil(lambda: _title(page).startswith("Received FLOUR/L-1"), timeout=WAIT_MS)

        # The network drops. The next receipt resolves from the cache and is kept at the station.
        proxy.cut()
        _scan(qtbot, page, label(FLOUR_GTIN, "L-2", kg="12.5"))
        qtbot.waitUntil(lambda: receive_form.supplier_lot.text() == "L-2", timeout=WAIT_MS)
        _press(qtbot, page, Qt.Key.Key_F12)
        qtbot.waitUntil(lambda: "kept at this station" in _title(page), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: status.sync.text() == "OFFLINE — 1 waiting", timeout=WAIT_MS)

        # Still offline, the lot from before the shift is shipped (it is in the cache)...
        _press(qtbot, page, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: page.step is HandlingStep.SHIP, timeout=WAIT_MS)
        _scan(qtbot, page, "FLOUR/H-1")
        ship_form = page.forms[HandlingStep.SHIP]
        qtbot.waitUntil(lambda: ship_form.items.rowCount() == 1, timeout=WAIT_MS)
        _press(qtbot, page, Qt.Key.Key_F12)
        qtbot.waitUntil(lambda: status.sync.text() == "OFFLINE — 2 waiting", timeout=WAIT_MS)
        assert "kept at this station" in _title(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SCREENSHOTS / "scan-station-offline.png"))

        # ... while on the server, quality holds it.
        with UnitOfWork(server) as uow:
            hold(uow, actor=floor_actor(server, "sam"), code="FLOUR/H-1", reason="metal found")
        proxy.restore()
        qtbot.waitUntil(lambda: status.sync.text() == "ONLINE · 1 to review", timeout=WAIT_MS)
        with UnitOfWork(server) as uow:
            assert lot_detail(uow, "FLOUR/L-2").lot.on_hand == Quantity.parse("12.5 kg")

        # The review list says why, and what to do; settling it needs a note.
        qtbot.mouseClick(status.sync, Qt.MouseButton.LeftButton)
        dialog = status.conflicts_dialog
        assert isinstance(dialog, ConflictsDialog)
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT_MS)
        row = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())]  # type: ignore[union-attr]
        assert row[1] == "sam"
        assert row[2] == "ship FLOUR/H-1 10 kg to SHOP1"
        assert "ON HOLD" in row[3].upper()
        dialog.grab().save(str(SCREENSHOTS / "outbox-conflicts.png"))
        qtbot.mouseClick(dialog.settle_button, Qt.MouseButton.LeftButton)
        assert "needs a note" in dialog.message.text()
        qtbot.keyClicks(dialog.note, "not shipped; customer told")
        qtbot.mouseClick(dialog.settle_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 0, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: status.sync.text() == "ONLINE", timeout=WAIT_MS)
        dialog.close()
    finally:
        context.background.wait()
        sync.close()
        through.dispose()


def make_engine_through(pg_url: str, proxy: CuttableProxy) -> Engine:
    from traceapp.db.engine import make_engine

    return make_engine(make_url(pg_url).set(port=proxy.port))
