"""The lots window used like a person would: type or scan a code, read the lot, click rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.receiving import receive
from traceapp.ui.context import StationContext
from traceapp.ui.lots_page import LotsPage


@pytest.fixture
def page(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[LotsPage]:
    engine = sqlite_engine
    with UnitOfWork(engine) as uow:
        masterdata.add_product(
            uow, actor=masterdata.actor_for(uow), part_number="FLOUR", name="Wheat flour", unit="kg"
        )
    with UnitOfWork(engine) as uow:
        masterdata.add_product(
            uow,
            actor=masterdata.actor_for(uow),
            part_number="DOUGH",
            name="Dough",
            unit="kg",
            kind="intermediate",
        )
    with UnitOfWork(engine) as uow:
        masterdata.add_party(
            uow, actor=masterdata.actor_for(uow), code="MILL", name="Northern Mill", kind="supplier"
        )
    with UnitOfWork(engine) as uow:
        actor: Actor = masterdata.actor_for(uow)
    for code in ("F-100", "F-200"):
        with UnitOfWork(engine) as uow:
            receive(
                uow,
                actor=actor,
                supplier="MILL",
                supplier_lot_code=code,
                product="FLOUR",
                quantity=Quantity.parse("50 kg"),
            )
    with UnitOfWork(engine) as uow:
        produce(
            uow,
            actor=actor,
            inputs=[InputSpec("F-100", Quantity.parse("20 kg"))],
            outputs=[OutputSpec("DOUGH", "D-7", Quantity.parse("19 kg"))],
        )

    context = StationContext(engine, station_code=None, database_label="local — test", shared=False)
    context.sign_in(actor)
    shown = LotsPage(context)
    qtbot.addWidget(shown)
    shown.resize(1280, 800)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    context.background.wait()


def test_scanning_a_lot_code_opens_its_record_with_genealogy(qtbot: QtBot, page: LotsPage) -> None:
    qtbot.keyClicks(page.search, "F-100")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.detail.title.text() == "FLOUR/F-100", timeout=5000)
    assert page.detail.status.text() == "ACTIVE"
    assert page.detail.on_hand.text() == "30 kg of 50 kg"
    assert page.detail.children_list.item(0).text() == "DOUGH/D-7  (20 kg)"
    assert page.detail.events.rowCount() == 2
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)


def test_clicking_a_row_shows_that_lot(qtbot: QtBot, page: LotsPage) -> None:
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    assert page.count.text() == "3 lots shown"
    row = next(r for r in range(page.model.rowCount()) if page.model.lot_at(r).name == "DOUGH/D-7")
    proxy_row = page.table.model().mapFromSource(page.model.index(row, 0)).row()  # type: ignore[attr-defined]
    rect = page.table.visualRect(page.table.model().index(proxy_row, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.detail.title.text() == "DOUGH/D-7", timeout=5000)
    assert page.detail.parents.item(0).text() == "FLOUR/F-100  (20 kg)"


def test_an_unknown_code_says_so_instead_of_crashing(qtbot: QtBot, page: LotsPage) -> None:
    qtbot.keyClicks(page.search, "NOPE-9")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "NOPE-9" in page.detail.title.text(), timeout=5000)
    assert page.detail.title.text().startswith("No lot, container or code binding carries the code")
