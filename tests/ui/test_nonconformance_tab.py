"""The quality page's nonconformances tab used by a quality manager, and the lot's quality records."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.services import masterdata, users
from traceapp.services.inspections import record_inspection
from traceapp.services.lots import lot_detail
from traceapp.ui.context import StationContext
from traceapp.ui.lot_detail import LotDetailPanel
from traceapp.ui.quality_page import QualityPage

from .scan_plant import PASSWORD, floor_actor
from .test_quality_page import LOT, _plant

WAIT_MS = 15_000


@pytest.fixture
def page(qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path) -> Iterator[QualityPage]:
    _plant(sqlite_engine)
    with UnitOfWork(sqlite_engine) as uow:
        users.add_user(
            uow,
            actor=masterdata.actor_for(uow),
            username="quinn",
            full_name="Quinn Quality",
            role="quality_manager",
            password=PASSWORD,
        )
    olga = floor_actor(sqlite_engine, "olga")
    with UnitOfWork(sqlite_engine) as uow:
        record_inspection(
            uow,
            actor=olga,
            code=f"FLOUR/{LOT}",
            values={"moisture": ["15.2"], "look": ["ok"], "specks": ["0"]},
        )
    context = StationContext(
        sqlite_engine, station_code="RCV1", database_label="local — test", shared=False
    )
    context.sign_in(floor_actor(sqlite_engine, "quinn"))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    quality = QualityPage(context, settings=settings)
    qtbot.addWidget(quality)
    quality.resize(1280, 800)
    quality.show()
    qtbot.waitExposed(quality)
    yield quality
    context.background.wait()


def test_a_quality_manager_closes_the_open_nonconformance_signed(
    qtbot: QtBot, page: QualityPage
) -> None:
    bar = page.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(2).center())
    listing = page.nonconformances
    qtbot.waitUntil(lambda: listing.table.rowCount() == 1, timeout=WAIT_MS)
    assert listing.table.item(0, 1).text() == f"FLOUR/{LOT}"
    assert listing.table.item(0, 2).text() == "OPEN"
    assert "15.2 % is above the USL 14.5 %" in listing.table.item(0, 4).text()
    rect = listing.table.visualItemRect(listing.table.item(0, 1))
    qtbot.mouseClick(listing.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(listing.close_button.isEnabled, timeout=WAIT_MS)
    qtbot.mouseClick(listing.close_button, Qt.MouseButton.LeftButton)
    dialog = listing.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    dialog.disposition.setCurrentIndex(dialog.disposition.findText("not confirmed"))
    qtbot.keyClicks(dialog.reason, "re-measured 13.1 %, sample was wet")
    qtbot.keyClicks(dialog.password, "wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not accepted" in dialog.message.text(), timeout=WAIT_MS)
    assert dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: listing.table.item(0, 2).text() == "CLOSED", timeout=WAIT_MS)
    closing = listing.table.item(0, 5).text()
    assert closing.startswith(
        "not confirmed: re-measured 13.1 %, sample was wet (Approved by Quinn"
    )
    assert not listing.close_button.isEnabled()


def test_the_lot_record_lists_its_inspections_and_nonconformances(
    qtbot: QtBot, page: QualityPage
) -> None:
    panel = LotDetailPanel(None, context=page.context)
    qtbot.addWidget(panel)
    panel.resize(700, 900)
    panel.show()
    page.spc.detail = panel  # open it as a click on a chart point would
    lot_id = _lot_id(page)
    page.spc.open_lot_id(lot_id)
    qtbot.waitUntil(lambda: panel.quality.quality is not None, timeout=WAIT_MS)
    assert panel.quality.isVisible()
    assert panel.quality.caption.text() == "Quality: 1 inspection(s), 1 nonconformance(s)"
    text = panel.quality.text.text()
    assert "FLOUR @ receive v1 by olga: FAILED" in text
    assert "OPEN since" in text
    assert "moisture: 15.2 % is above the USL 14.5 %" in text


def _lot_id(page: QualityPage) -> uuid.UUID:
    with UnitOfWork(page.context.engine, write=False) as uow:
        return lot_detail(uow, f"FLOUR/{LOT}").lot.id
