"""The lots page used like a person would: type or scan a code, filter, read the lot, click."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.ui.lots_plant import build_bakery, flour_label
from tests.ui.shell_support import add_people, settings_file, sign_in
from traceapp.db.uow import UnitOfWork
from traceapp.services.corrections import correct
from traceapp.services.lots import lot_detail
from traceapp.ui.context import StationContext
from traceapp.ui.lots_page import GRAPH_TAB, LotsPage
from traceapp.ui.main_window import MainWindow
from traceapp.ui.theme import Theme, apply_theme

WAIT_MS = 10_000


@pytest.fixture
def context(sqlite_engine: Engine) -> StationContext:
    actor = build_bakery(sqlite_engine)
    context = StationContext(
        sqlite_engine, station_code=None, database_label="local — test", shared=False
    )
    context.sign_in(actor)
    return context


@pytest.fixture
def page(qtbot: QtBot, context: StationContext) -> Iterator[LotsPage]:
    shown = LotsPage(context)
    qtbot.addWidget(shown)
    shown.resize(1280, 800)
    shown.show()
    qtbot.waitExposed(shown)
    qtbot.waitUntil(lambda: shown.count.text() == "21 lots shown", timeout=WAIT_MS)
    yield shown
    context.background.wait()


def _table_lots(page: LotsPage) -> list[str]:
    model = page.table.model()
    return [str(model.index(row, 0).data()) for row in range(model.rowCount())]


def _type(qtbot: QtBot, widget: QWidget, text: str, *, enter: bool = False) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return)


def _click_row(qtbot: QtBot, page: LotsPage, name: str) -> None:
    row = _table_lots(page).index(name)
    rect = page.table.visualRect(page.table.model().index(row, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _click_list_item(qtbot: QtBot, widget: QWidget, text: str) -> None:
    items = widget.findItems(text, Qt.MatchFlag.MatchStartsWith)  # type: ignore[attr-defined]
    assert items, f"{text!r} is not listed"
    rect = widget.visualItemRect(items[0])  # type: ignore[attr-defined]
    viewport: QWidget = widget.viewport()  # type: ignore[attr-defined]
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())


def _history(page: LotsPage) -> list[tuple[str, str]]:
    events = page.detail.events
    return [(events.item(r, 1).text(), events.item(r, 4).text()) for r in range(events.rowCount())]


def test_typing_part_of_a_code_lists_the_matching_lots(qtbot: QtBot, page: LotsPage) -> None:
    _type(qtbot, page.search, "F-")
    qtbot.waitUntil(lambda: page.count.text() == "3 lots shown", timeout=WAIT_MS)
    assert sorted(_table_lots(page)) == ["FLOUR/F-100", "FLOUR/F-200", "FLOUR/F-300"]


def test_typing_a_code_and_enter_opens_its_record_with_history_and_genealogy(
    qtbot: QtBot, page: LotsPage
) -> None:
    _type(qtbot, page.search, "F-100", enter=True)
    detail = page.detail
    qtbot.waitUntil(lambda: detail.title.text() == "FLOUR/F-100", timeout=WAIT_MS)
    assert detail.isVisible()
    assert detail.status.text() == "ACTIVE"
    assert detail.status.isVisible()
    assert detail.on_hand.text() == "30 kg of 50 kg"
    assert detail.quantities.text() == (
        "initial 50 kg · consumed 20 kg · shipped 0 kg · on hand 30 kg"
    )
    assert detail.origin.text().startswith("Received from MILL (supplier lot F-100), 2026-03-02 ")
    assert detail.children_list.item(0).text() == "DOUGH/D-7  (20 kg)"
    assert detail.parents_caption.text() == "Made from: no other lot"
    assert _history(page) == [
        ("Received", "lot: FLOUR/F-100 50 kg · from MILL"),
        (
            "Produced",
            "in: FLOUR/F-100 20 kg, SUGAR/S-1 5 kg · out: DOUGH/D-7 25 kg · on MIX1",
        ),
    ]
    assert page.detail.history_caption.text() == "History (2 events)"


def test_a_shipped_lot_shows_its_case_and_the_shipment_in_its_history(
    qtbot: QtBot, page: LotsPage
) -> None:
    _type(qtbot, page.search, "COOKIE/C-1", enter=True)
    detail = page.detail
    qtbot.waitUntil(lambda: detail.title.text() == "COOKIE/C-1", timeout=WAIT_MS)
    assert detail.quantities.text() == (
        "initial 50 ea · consumed 0 ea · shipped 50 ea · on hand 0 ea"
    )
    assert detail.stays.isVisible()
    assert [detail.stays.item(0, c).text() for c in (0, 1, 2, 4, 5)] == [
        "CASE-1",
        "case",
        "50 ea",
        "still inside",
        "shipped",
    ]
    steps = [step for step, _ in _history(page)]
    assert steps == ["Produced", "Packed", "Shipped"]
    assert _history(page)[2][1].startswith("with CASE-1:")


def test_product_and_status_filters_narrow_the_table(qtbot: QtBot, page: LotsPage) -> None:
    qtbot.waitUntil(lambda: page.product_filter.count() == 5, timeout=WAIT_MS)
    _type(qtbot, page.product_filter, "DOUGH")
    assert page.product_filter.currentText() == "DOUGH — Dough"
    qtbot.waitUntil(lambda: page.count.text() == "16 lots shown", timeout=WAIT_MS)
    _type(qtbot, page.status_filter, "consumed")
    qtbot.waitUntil(lambda: page.count.text() == "1 lot shown", timeout=WAIT_MS)
    assert _table_lots(page) == ["DOUGH/D-7"]


def test_clicking_a_row_shows_that_lot(qtbot: QtBot, page: LotsPage) -> None:
    _click_row(qtbot, page, "DOUGH/D-7")
    qtbot.waitUntil(lambda: page.detail.title.text() == "DOUGH/D-7", timeout=WAIT_MS)
    assert page.detail.parents.item(0).text().startswith("FLOUR/F-100")
    assert page.detail.origin.text().startswith("Produced on MIX1 by the produce step")


def test_clicking_a_parent_in_the_record_opens_the_parent(qtbot: QtBot, page: LotsPage) -> None:
    _type(qtbot, page.search, "DOUGH/D-7", enter=True)
    qtbot.waitUntil(lambda: page.detail.title.text() == "DOUGH/D-7", timeout=WAIT_MS)
    _click_list_item(qtbot, page.detail.parents, "SUGAR/S-1")
    qtbot.waitUntil(lambda: page.detail.title.text() == "SUGAR/S-1", timeout=WAIT_MS)
    assert page.detail.children_list.item(0).text() == "DOUGH/D-7  (5 kg)"


def test_an_unknown_code_says_so_instead_of_crashing(qtbot: QtBot, page: LotsPage) -> None:
    _type(qtbot, page.search, "NOPE-9", enter=True)
    qtbot.waitUntil(lambda: page.detail.message.isVisible(), timeout=WAIT_MS)
    assert page.detail.message.text() == (
        "No lot matches the search.\nCheck the code, or clear the filters (product, status, dates)."
    )
    assert page.count.text() == "0 lots shown"
    assert not page.detail.events.isVisible()


def test_an_unknown_label_gives_the_reason_from_the_code(qtbot: QtBot, page: LotsPage) -> None:
    _type(qtbot, page.search, "]d20109506000134352" + "10F-999", enter=True)
    qtbot.waitUntil(lambda: page.detail.message.isVisible(), timeout=WAIT_MS)
    assert page.detail.message.text().startswith(
        "No lot, container or code binding carries the code"
    )
    assert "Check the label" in page.detail.message.text()


def test_ctrl_f_puts_the_cursor_back_in_the_search(qtbot: QtBot, page: LotsPage) -> None:
    _click_row(qtbot, page, "DOUGH/D-7")
    assert not page.search.hasFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()


def test_signing_out_clears_what_the_last_person_looked_at(
    qtbot: QtBot, page: LotsPage, context: StationContext
) -> None:
    _type(qtbot, page.search, "F-100", enter=True)
    qtbot.waitUntil(lambda: page.detail.title.text() == "FLOUR/F-100", timeout=WAIT_MS)
    context.sign_out()  # what the shell does when the person signs out
    assert page.search.text() == ""
    assert page.detail.title.text() == "Select a lot"
    assert page.table.model().rowCount() == 0


def test_in_the_main_window_an_auditor_reaches_the_page_with_f3_and_scans_a_label(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path
) -> None:
    build_bakery(sqlite_engine)
    add_people(sqlite_engine)
    context = StationContext(
        sqlite_engine, station_code=None, database_label="local — test", shared=False
    )
    lots = LotsPage(context)
    window = MainWindow(context, [lots], settings_file(tmp_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    sign_in(qtbot, window, "dmitri.aud")  # an auditor may read, not record
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert lots.isVisible()
    qtbot.waitUntil(lambda: lots.count.text() == "21 lots shown", timeout=WAIT_MS)
    lots.search.setFocus()
    qtbot.keyClicks(lots.search, flour_label("F-200"))
    qtbot.keyClick(lots.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: lots.detail.title.text() == "FLOUR/F-200", timeout=WAIT_MS)
    assert lots.detail.status.text() == "ACTIVE"
    qtbot.keyClick(lots.search, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert lots.tabs.currentIndex() == GRAPH_TAB
    qtbot.waitUntil(lambda: "FLOUR/F-200" in lots.genealogy.view.node_labels(), timeout=WAIT_MS)
    assert lots.genealogy.view.isVisible()
    context.background.wait()


def test_a_corrected_receipt_shows_as_corrected_with_its_correction(
    qtbot: QtBot, sqlite_engine: Engine
) -> None:
    admin = build_bakery(sqlite_engine)
    with UnitOfWork(sqlite_engine) as uow:
        receipt = lot_detail(uow, "F-200").events[0]
    with UnitOfWork(sqlite_engine) as uow:
        correct(uow, actor=admin, event=receipt.id, reason="scanned the wrong delivery note")
    context = StationContext(
        sqlite_engine, station_code=None, database_label="local — test", shared=False
    )
    context.sign_in(admin)
    page = LotsPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    _type(qtbot, page.search, "F-200", enter=True)
    qtbot.waitUntil(lambda: page.detail.title.text() == "FLOUR/F-200", timeout=WAIT_MS)
    assert page.detail.status.text() == "VOIDED"
    steps = _history(page)
    assert [step for step, _ in steps] == ["Received", "Correction"]
    assert steps[0][1].startswith("CORRECTED (did not happen as recorded) — lot: FLOUR/F-200")
    assert steps[1][1].startswith("CORRECTION of an earlier step")
    assert "reason: scanned the wrong delivery note" in steps[1][1]
    context.background.wait()


def test_clicking_a_column_header_sorts_numbers_as_numbers(qtbot: QtBot, page: LotsPage) -> None:
    header = page.table.horizontalHeader()
    titles = [
        page.table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())
    ]
    on_hand = titles.index("On hand")  # the header a person clicks, wherever it sits
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(on_hand) + 10, header.height() // 2),
    )
    model = page.table.model()
    cells = [str(model.index(row, on_hand).data()) for row in range(model.rowCount())]
    assert all(len(cell.split()) == 2 for cell in cells)  # "85 kg": the figure with its unit
    values = [float(cell.split()[0]) for cell in cells]
    assert values == sorted(values)
    # FLOUR/F-300 has 85 kg and SUGAR/S-1 9 kg: sorted as text, "85" would come before "9".
    assert values[-3:] == [30.0, 50.0, 85.0]
    assert 9.0 in values


def test_at_1366_by_768_the_list_shows_lot_status_and_on_hand_whole(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path
) -> None:
    """A laptop's panel: the stock figures are read without scrolling sideways."""
    build_bakery(sqlite_engine)
    add_people(sqlite_engine)
    context = StationContext(
        sqlite_engine, station_code=None, database_label="local — test", shared=False
    )
    lots = LotsPage(context)
    window = MainWindow(context, [lots], settings_file(tmp_path))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    sign_in(qtbot, window, "dmitri.aud")
    qtbot.waitUntil(lambda: lots.count.text() == "21 lots shown", timeout=WAIT_MS)
    header = lots.table.horizontalHeader()
    titles = [
        lots.table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())
    ]
    assert titles[:4] == ["Lot", "Status", "On hand", "Product"]
    on_hand = titles.index("On hand")
    right_edge = header.sectionViewportPosition(on_hand) + header.sectionSize(on_hand)
    assert right_edge <= lots.table.viewport().width()  # the whole column is on screen
    model = lots.table.model()
    figures = [str(model.index(row, on_hand).data()) for row in range(model.rowCount())]
    widest = max(lots.table.fontMetrics().horizontalAdvance(text) for text in figures)
    assert widest < header.sectionSize(on_hand)  # and no figure is cut
    # The record keeps most of the page.
    assert lots.tabs.width() > lots.table.width()
    context.background.wait()


def test_a_narrow_record_pane_keeps_every_button_word_whole(
    qtbot: QtBot, context: StationContext, qapp: QApplication
) -> None:
    apply_theme(qapp, Theme.LIGHT)  # its min-width let the button grid squeeze the words
    shown = LotsPage(context)
    qtbot.addWidget(shown)
    shown.resize(800, 700)  # the lots page beside the navigation on a small screen
    shown.show()
    qtbot.waitExposed(shown)
    qtbot.waitUntil(lambda: shown.count.text() == "21 lots shown", timeout=WAIT_MS)
    _type(qtbot, shown.search, "FLOUR/F-100", enter=True)
    qtbot.waitUntil(lambda: shown.detail.title.text() == "FLOUR/F-100", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: shown.decision_actions.isVisible(), timeout=WAIT_MS)
    buttons = [b for b in shown.decision_actions.findChildren(QPushButton) if b.isVisible()]
    assert len(buttons) >= 4
    for button in buttons:  # as wide as its icon, words and padding need
        assert button.width() >= button.sizeHint().width(), button.text()
    content = shown.detail.widget()
    assert content.width() <= shown.detail.viewport().width()  # nothing hidden to the right
    context.background.wait()


def test_the_record_is_built_when_a_lot_is_first_shown(qtbot: QtBot, page: LotsPage) -> None:
    # Issue 6: the record cost ~26 ms of the page's construction, paid on F3; until a lot is
    # shown the Record tab only says what the record's title would say.
    assert not page.record_built
    placeholder = page.findChild(QWidget, "lotRecordPlaceholder")
    assert placeholder is not None
    assert placeholder.isVisible()
    assert placeholder.text() == "Select a lot"  # type: ignore[attr-defined]
    assert not page.decision_actions.isVisible()  # no stray buttons before the record exists
    _click_row(qtbot, page, "FLOUR/F-100")
    qtbot.waitUntil(lambda: page.record_built, timeout=WAIT_MS)
    detail = page.detail
    qtbot.waitUntil(lambda: detail.title.text() == "FLOUR/F-100", timeout=WAIT_MS)
    assert detail.isVisible()
    assert page.tabs.widget(0).isAncestorOf(detail)
    assert page.decision_actions.parentWidget() is not page  # under the record's title
    assert detail.isAncestorOf(page.decision_actions)
    # Another lot goes into the same record.
    _click_row(qtbot, page, "FLOUR/F-200")
    qtbot.waitUntil(lambda: detail.title.text() == "FLOUR/F-200", timeout=WAIT_MS)
    assert page.detail is detail
