"""The Recall & reports page driven like a person: scan a suspect lot, run the drill, read the
affected set and the customers, hold what is on site with a signature, write the signed PDF and
the FSMA 204 sheet, and read them back."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QHeaderView, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from tests.ui.lots_plant import DECIDERS, add_deciders, build_bakery, flour_label
from tests.ui.shell_support import settings_file, type_sign_in, wait_for_sign_in_screen
from traceapp.db.models import Lot, Party, Product, Signature
from traceapp.db.uow import UnitOfWork
from traceapp.domain.ids import LotId
from traceapp.domain.lots import LotStatus
from traceapp.domain.permissions import Role
from traceapp.domain.quantity import Quantity
from traceapp.domain.recall import RecallResult
from traceapp.domain.trace import TracedLot
from traceapp.reports.fsma204 import SHEET, SUMMARY_SHEET
from traceapp.services import users
from traceapp.services.dispositions import hold
from traceapp.services.masterdata import actor_for
from traceapp.ui.context import StationContext
from traceapp.ui.main_window import MainWindow
from traceapp.ui.recall_page import RecallPage
from traceapp.ui.recall_page import work as recall_work
from traceapp.ui.recall_page.models import lot_columns
from traceapp.ui.recall_page.sign_dialog import SignDialog
from traceapp.ui.theme import Theme, apply_theme

WAIT_MS = 15_000
HUMAN_KEY_GAP_MS = 120  # slower than any scanner burst
AUDITOR = ("audrey.aud", "Audrey Auditor", "audrey-pass-2026")
PASSWORDS = {name: entry[2] for name, entry in DECIDERS.items()} | {AUDITOR[0]: AUDITOR[2]}


@pytest.fixture
def plant(sqlite_engine: Engine) -> Engine:
    admin = build_bakery(sqlite_engine)
    add_deciders(sqlite_engine, admin)
    with UnitOfWork(sqlite_engine) as uow:
        users.add_user(
            uow,
            actor=admin,
            username=AUDITOR[0],
            full_name=AUDITOR[1],
            role=Role.AUDITOR,
            password=AUDITOR[2],
        )
    return sqlite_engine


def _signed_in(engine: Engine, username: str) -> object:
    with UnitOfWork(engine) as uow:
        return users.authenticate(uow, username=username, password=PASSWORDS[username])


@pytest.fixture
def open_page(qtbot: QtBot, plant: Engine, tmp_path: Path) -> Iterator[Callable[[str], RecallPage]]:
    contexts: list[StationContext] = []

    def make(username: str) -> RecallPage:
        context = StationContext(
            plant, station_code=None, database_label="local — test", shared=False
        )
        context.sign_in(_signed_in(plant, username))  # type: ignore[arg-type]
        contexts.append(context)
        page = RecallPage(context)
        page.choose_path = lambda suggested, _filter: str(tmp_path / suggested)
        qtbot.addWidget(page)
        page.resize(1366, 800)
        page.show()
        qtbot.waitExposed(page)
        page.activateWindow()  # window shortcuts reach the active window only
        qtbot.waitUntil(page.isActiveWindow, timeout=WAIT_MS)
        page.suspect_input.setFocus()
        return page

    yield make
    for context in contexts:
        context.background.wait()


def focused(page: RecallPage) -> QWidget:
    widget = page.window().focusWidget()
    assert widget is not None
    return widget


def scan(qtbot: QtBot, page: RecallPage, payload: str) -> None:
    """A keyboard-wedge scanner: a fast burst and Enter into whatever field has focus."""
    target = focused(page)
    qtbot.keyClicks(target, payload)
    qtbot.keyClick(target, Qt.Key.Key_Return)


def press(qtbot: QtBot, page: RecallPage, key: Qt.Key, modifier: Qt.KeyboardModifier) -> None:
    qtbot.wait(HUMAN_KEY_GAP_MS)  # a person's reaction: never within a scanner's burst
    qtbot.keyClick(focused(page), key, modifier)


def run_and_wait(qtbot: QtBot, page: RecallPage) -> RecallResult:
    """Run the drill and wait for its FSMA 204 events too (read after the drill is shown)."""
    press(qtbot, page, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.result is not None and page.result.complete, timeout=WAIT_MS)
    assert page.result is not None
    return page.result


def column(page: RecallPage, table: str, title: str) -> list[str]:
    model = {
        "lots": page.lots_model,
        "customers": page.customers_model,
        "shipments": page.shipments_model,
        "stock": page.stock_model,
    }[table]
    index = [c.title for c in model.columns].index(title)
    return [str(model.data(model.index(row, index))) for row in range(model.rowCount())]


def lot_names(page: RecallPage) -> list[str]:
    """The affected lots' names: the first line of a row's Lot cell (the product under it)."""
    return [text.splitlines()[0] for text in column(page, "lots", "Lot")]


def lot_status(engine: Engine, part: str, code: str) -> str:
    with UnitOfWork(engine, write=False) as uow:
        return uow.session.scalars(
            select(Lot.status)
            .join(Product, Product.id == Lot.product_id)
            .where(Product.part_number == part, Lot.lot_code == code)
        ).one()


def sign_in_dialog(qtbot: QtBot, page: RecallPage, password: str) -> SignDialog:
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=WAIT_MS)
    dialog = page.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.first_field().hasFocus(), timeout=WAIT_MS)
    if dialog.reason is not None:
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab)
    qtbot.waitUntil(dialog.password.hasFocus, timeout=WAIT_MS)
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    return dialog


def test_a_scanned_lot_runs_to_its_customers_and_the_timer_stops(
    qtbot: QtBot, open_page: Callable[[str], RecallPage]
) -> None:
    page = open_page("qm.quinn")
    scan(qtbot, page, flour_label("F-100"))
    qtbot.waitUntil(lambda: page.suspect_names() == ["FLOUR/F-100"], timeout=WAIT_MS)
    assert page.timer_label.text() == "Drill: not run"
    result = run_and_wait(qtbot, page)
    assert page.tabs.tabText(0) == "&1 Affected lots (3)"
    assert page.tabs.tabText(1) == "&2 Customers (1)"
    assert page.tabs.tabText(3) == "&4 Stock on site (1)"
    assert sorted(lot_names(page)) == ["COOKIE/C-1", "DOUGH/D-7", "FLOUR/F-100"]
    # 20 kg of F-100 went into dough D-7, all of D-7 into cookies C-1, shipped in CASE-1.
    assert dict(
        zip(lot_names(page), column(page, "lots", "Suspect material in it"), strict=True)
    ) == {
        "FLOUR/F-100": "50 kg",
        "DOUGH/D-7": "20 kg",
        "COOKIE/C-1": "20 kg",
    }
    [card] = column(page, "customers", "Customer")  # name, code, shipments: a card's lines
    name, code, shipped = card.splitlines()
    assert (name, code) == ("Shop 1", "SHOP1")
    assert shipped.startswith("1 shipment, last ")
    assert column(page, "customers", "Suspect material received") == ["20 kg"]
    assert column(page, "customers", "Lots received") == ["COOKIE/C-1"]
    assert column(page, "shipments", "Document") == ["DN-1"]
    assert column(page, "shipments", "Containers") == ["CASE-1"]
    assert column(page, "stock", "Lot") == ["FLOUR/F-100"]
    assert column(page, "stock", "On hand") == ["30 kg"]
    assert page.tabs.currentIndex() == 1  # the customers to call come first
    assert "Still on site: 1 lot (30 kg)" in page.summary.text()
    assert "Shipped: 20 kg of suspect material in 1 shipment to 1 customer" in page.summary.text()
    assert result.recall_id in page.summary.text()
    # The clock stopped when the affected set was on the screen and does not move on.
    stopped = page.timer_label.text()
    assert stopped.startswith("Drill: ")
    assert stopped.endswith(" s ✓")
    assert page.summary.text().startswith("On screen ")
    assert page.shown_after_s is not None
    qtbot.wait(3 * 100)
    assert page.timer_label.text() == stopped
    # The next person at this station finds none of it.
    page._context.sign_out()
    assert page.suspect_names() == []
    assert page.lots_model.rowCount() == page.customers_model.rowCount() == 0
    assert page.timer_label.text() == "Drill: not run"
    assert result.recall_id not in page.summary.text()


def test_the_affected_set_is_on_screen_before_the_fsma_events_are_read(
    qtbot: QtBot, open_page: Callable[[str], RecallPage], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = open_page("qm.quinn")
    release = threading.Event()
    real = recall_work.gather_details

    def slow(*args: object, **kwargs: object) -> RecallResult:
        release.wait(WAIT_MS / 1000)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(recall_work, "gather_details", slow)
    scan(qtbot, page, flour_label("F-100"))
    qtbot.waitUntil(lambda: page.suspect_names() == ["FLOUR/F-100"], timeout=WAIT_MS)
    press(qtbot, page, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.result is not None, timeout=WAIT_MS)
    # The drill is on screen and its clock stopped while the events are still being read.
    assert page.timer_label.text().endswith(" s ✓")
    assert column(page, "customers", "Customer")[0].splitlines()[0] == "Shop 1"
    assert "reading the FSMA 204 events…" in page.summary.text()
    for button in (page.hold_button, page.pdf_button, page.xlsx_button, page.csv_button):
        assert not button.isEnabled()
        assert button.toolTip() == "Reading the FSMA 204 events of the affected lots…"
    stopped = page.timer_label.text()
    release.set()
    qtbot.waitUntil(page.pdf_button.isEnabled, timeout=WAIT_MS)
    assert page.result is not None
    assert page.result.complete
    assert page.hold_button.isEnabled()
    assert f"{len(page.result.events or ())} FSMA 204 events" in page.summary.text()
    assert page.timer_label.text() == stopped


def test_a_lot_clicked_in_the_table_opens_its_record(
    qtbot: QtBot, open_page: Callable[[str], RecallPage]
) -> None:
    page = open_page("audrey.aud")
    qtbot.keyClicks(page.suspect_input, "DOUGH/D-7", delay=HUMAN_KEY_GAP_MS)
    qtbot.keyClick(page.suspect_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.suspect_names() == ["DOUGH/D-7"], timeout=WAIT_MS)
    run_and_wait(qtbot, page)
    page.tabs.setCurrentIndex(0)
    table = page.lots_table
    row = lot_names(page).index("COOKIE/C-1")
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.detail.title.text() == "COOKIE/C-1", timeout=WAIT_MS)
    # The keyboard does it too: down a row in the focused table.
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.detail.title.text() == lot_names(page)[0], timeout=WAIT_MS)


def test_sorting_a_column_sorts_quantities_as_numbers(
    qtbot: QtBot, open_page: Callable[[str], RecallPage]
) -> None:
    page = open_page("qm.quinn")
    page.start_from.setCurrentIndex(1)
    qtbot.keyClicks(page.supplier_lot, "F-300", delay=HUMAN_KEY_GAP_MS)
    result = run_and_wait(qtbot, page)
    assert result.totals.lots == 16  # F-300 and its 15 doughs
    quantity = [c.title for c in page.lots_model.columns].index("Suspect material in it")
    page.lots_table.sortByColumn(quantity, Qt.SortOrder.DescendingOrder)
    shown = column(page, "lots", "Suspect material in it")
    assert shown[0] == "100 kg"  # not "1 kg" first, as text would sort
    assert shown[1:] == ["1 kg"] * 15


def test_hold_all_signs_and_holds_the_stock_on_site_and_names_what_it_could_not_hold(
    qtbot: QtBot, open_page: Callable[[str], RecallPage], plant: Engine
) -> None:
    page = open_page("sam.sup")
    page.start_from.setCurrentIndex(1)
    scan(qtbot, page, flour_label("F-300"))  # the supplier's lot code, read off the flour lot
    qtbot.waitUntil(lambda: page.supplier_lot.text() == "F-300", timeout=WAIT_MS)
    result = run_and_wait(qtbot, page)
    assert len(result.on_site) == 16
    # Someone holds one of the doughs after the drill: hold-all must say it could not.
    with UnitOfWork(plant) as uow:
        hold(uow, actor=actor_for(uow), code="DOUGH/M-03", reason="smell")
    assert page.hold_button.isVisible()
    assert page.hold_button.isEnabled()
    press(qtbot, page, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    dialog = sign_in_dialog(qtbot, page, "wrong-password")
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT_MS)
    assert "not accepted" in dialog.message.text()
    assert dialog.isVisible()
    assert lot_status(plant, "DOUGH", "M-01") == "active"  # nothing held on a refused signature
    qtbot.waitUntil(dialog.password.hasFocus, timeout=WAIT_MS)
    qtbot.keyClicks(dialog.password, PASSWORDS["sam.sup"])
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: page.action_result.isVisible() and "Held" in page.action_result.text(),
        timeout=WAIT_MS,
    )
    text = page.action_result.text()
    assert text.startswith("Held 15 lots on site (Approved by Sam Supervisor (sam.sup)")
    assert "NOT HELD (1):" in text
    assert "DOUGH/M-03: " in text
    assert "ON HOLD" in text.upper()
    for code in ("M-01", "M-02", "M-15"):
        assert lot_status(plant, "DOUGH", code) == "on_hold"
    assert lot_status(plant, "FLOUR", "F-300") == "on_hold"
    statuses = dict(zip(column(page, "stock", "Lot"), column(page, "stock", "Status"), strict=True))
    assert statuses["DOUGH/M-01"] == "on hold"
    with UnitOfWork(plant, write=False) as uow:
        signed = uow.session.execute(
            select(Signature.record_type, Signature.printed_name, Signature.meaning).where(
                Signature.record_id == result.recall_id
            )
        ).all()
    assert [tuple(row) for row in signed] == [("recall_hold", "Sam Supervisor", "approved")]


def test_an_auditor_may_not_hold_but_writes_the_signed_pdf_and_the_fsma_sheets(
    qtbot: QtBot, open_page: Callable[[str], RecallPage], tmp_path: Path
) -> None:
    page = open_page("audrey.aud")
    scan(qtbot, page, flour_label("F-100"))
    qtbot.waitUntil(lambda: page.suspect_names() == ["FLOUR/F-100"], timeout=WAIT_MS)
    result = run_and_wait(qtbot, page)
    assert not page.hold_button.isVisible()
    press(qtbot, page, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    dialog = sign_in_dialog(qtbot, page, AUDITOR[2])
    assert dialog.signer.text() == AUDITOR[0]
    pdf = tmp_path / f"{result.recall_id}.pdf"
    qtbot.waitUntil(lambda: "signed PDF written to" in page.action_result.text(), timeout=WAIT_MS)
    assert page.open_folder.isVisible()
    assert page.written == pdf
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert result.recall_id in text
        assert "Audrey Auditor" in text
        assert "NOT SIGNED" not in text
        assert result.sha256() in text.replace("\n", "") or result.sha256()[:16] in text
    press(qtbot, page, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    xlsx = tmp_path / f"{result.recall_id}-fsma204.xlsx"
    qtbot.waitUntil(lambda: "XLSX written to" in page.action_result.text(), timeout=WAIT_MS)
    book = load_workbook(xlsx)
    rows = list(book[SHEET].iter_rows(values_only=True))
    assert len(rows) == len(result.events) + 1
    assert {row[1] for row in rows[1:]} == {"FLOUR/F-100", "DOUGH/D-7", "COOKIE/C-1"}
    summary = {row[0]: row[1] for row in book[SUMMARY_SHEET].iter_rows(values_only=True)}
    assert summary["Recall"] == result.recall_id
    assert summary["SHA-256 of the recall result"] == result.sha256()
    press(qtbot, page, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    csv_path = tmp_path / f"{result.recall_id}-fsma204.csv"
    qtbot.waitUntil(lambda: "CSV written to" in page.action_result.text(), timeout=WAIT_MS)
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert len(lines) == len(result.events) + 1
    assert [line[0] for line in lines[1:]].count("shipping") == 1


def test_an_equipment_window_is_a_start_chosen_from_the_keyboard(
    qtbot: QtBot, open_page: Callable[[str], RecallPage]
) -> None:
    from datetime import timedelta

    from PySide6.QtCore import QDateTime

    from tests.ui.lots_plant import T0

    page = open_page("qm.quinn")
    page.start_from.setFocus()
    qtbot.keyClick(page.start_from, Qt.Key.Key_Down)
    qtbot.keyClick(page.start_from, Qt.Key.Key_Down)
    assert page.start_stack.currentIndex() == 2
    qtbot.waitUntil(lambda: page.equipment.count() == 1, timeout=WAIT_MS)
    assert page.equipment.currentData() == "MIX1"
    # D-7 was mixed at T0 + 4 h; the doughs of F-300 at T0 + 8 h.
    page.since.setDateTime(QDateTime((T0 + timedelta(hours=3)).astimezone()))
    page.until.setDateTime(QDateTime((T0 + timedelta(hours=4, minutes=30)).astimezone()))
    result = run_and_wait(qtbot, page)
    # What was made on the mixer in that window: the D-7 mix. Its flour and sugar went in there
    # (only the part inside D-7 is suspect, so they are not traced forward).
    assert result.forward.start == ("DOUGH/D-7",)
    assert sorted(p.lot for p in result.processed) == ["DOUGH/D-7", "FLOUR/F-100", "SUGAR/S-1"]
    assert sorted(lot_names(page)) == [
        "COOKIE/C-1",
        "DOUGH/D-7",
    ]  # not the doughs mixed at T0 + 8 h


def test_cancel_drops_a_running_drill_and_an_unknown_lot_is_refused_in_words(
    qtbot: QtBot, open_page: Callable[[str], RecallPage], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = open_page("qm.quinn")
    qtbot.keyClicks(page.suspect_input, "FLOUR/NOPE", delay=HUMAN_KEY_GAP_MS)
    qtbot.keyClick(page.suspect_input, Qt.Key.Key_Return)
    qtbot.waitUntil(page.message.isVisible, timeout=WAIT_MS)
    assert "FLOUR/NOPE" in page.message.text()
    assert page.suspect_names() == []
    release = threading.Event()
    real = recall_work.run_drill

    def slow(*args: object, **kwargs: object) -> RecallResult:
        release.wait(WAIT_MS / 1000)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(recall_work, "run_drill", slow)
    qtbot.keyClicks(page.suspect_input, "DOUGH/D-7", delay=HUMAN_KEY_GAP_MS)
    press(qtbot, page, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(page.cancel_button.isEnabled, timeout=WAIT_MS)
    qtbot.wait(2 * 100)
    assert page.timer_label.text() != "Drill: not run"  # the clock runs
    press(qtbot, page, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    release.set()
    qtbot.waitUntil(lambda: page.timer_label.text() == "Drill: cancelled", timeout=WAIT_MS)
    assert page.result is None
    assert page.lots_model.rowCount() == 0
    assert page.run_button.isEnabled()


def test_the_page_is_for_the_roles_that_read_and_export() -> None:
    visible = {role for role in Role if RecallPage.visible_to(None, role)}  # type: ignore[arg-type]
    assert visible == {Role.AUDITOR, Role.QUALITY_MANAGER, Role.SUPERVISOR, Role.ADMIN}


def test_in_the_window_an_auditor_opens_the_page_with_f6_and_an_operator_has_none(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path
) -> None:
    from traceapp.ui.application import standard_pages
    from traceapp.ui.main_window import MainWindow

    from .shell_support import add_people, settings_file
    from .shell_support import sign_in as window_sign_in

    add_people(sqlite_engine)
    settings = settings_file(tmp_path)
    context = StationContext(
        sqlite_engine, station_code=None, database_label="local — test", shared=False
    )
    window = MainWindow(context, [make(context) for make in standard_pages(settings)], settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window_sign_in(qtbot, window, "anna.op")
    assert not window.nav_buttons["Recall & reports"].isVisible()
    window.sign_out()
    window_sign_in(qtbot, window, "dmitri.aud")
    assert window.nav_buttons["Recall & reports"].text() == "Recall && reports\nF6"
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F6)
    page = window.page("Recall & reports")
    qtbot.waitUntil(page.isVisible, timeout=WAIT_MS)
    assert isinstance(page, RecallPage)
    qtbot.waitUntil(page.suspect_input.hasFocus, timeout=WAIT_MS)  # ready for a scan
    context.background.wait()


def test_hold_all_cancelled_half_way_names_the_lots_it_did_not_reach(
    qtbot: QtBot, plant: Engine
) -> None:
    from traceapp.services.recall import run_recall
    from traceapp.services.signatures import Meaning
    from traceapp.ui.background import Progress
    from traceapp.ui.recall_page.page import hold_report_text

    supervisor = _signed_in(plant, "sam.sup")
    with UnitOfWork(plant, write=False) as uow:
        result = run_recall(uow, actor=supervisor, reason="mould", supplier_lot="F-300")  # type: ignore[arg-type]
    progress = Progress("Hold all affected lots")
    reported = progress.report

    def report(done: int, total: int = 0, text: str = "") -> None:
        if done == 3:
            progress.cancel()  # the person presses Cancel while the fourth lot is next
        reported(done, total, text)

    progress.report = report  # type: ignore[method-assign]
    with UnitOfWork(plant) as uow:
        outcome = recall_work.hold_all(
            uow,
            supervisor,  # type: ignore[arg-type]
            progress,
            result=result,
            password=PASSWORDS["sam.sup"],
            meaning=Meaning.APPROVED,
            reason="mould",
        )
    assert len(outcome.held) == 3
    assert len(outcome.not_tried) == 13
    assert outcome.failed == ()
    for lot in outcome.held:
        assert lot_status(plant, *lot.split("/")) == "on_hold"
    for lot in outcome.not_tried:
        assert lot_status(plant, *lot.split("/")) != "on_hold"
    text = hold_report_text(outcome)
    assert "Cancelled: 13 lots not held" in text
    assert "Press Hold all again." in text


@pytest.mark.usefixtures("shop_floor_look")
def test_at_1366_by_768_the_customers_to_call_and_the_actions_are_whole_on_screen(
    qtbot: QtBot, plant: Engine, tmp_path: Path
) -> None:
    """Nine one-line columns ran 1,500 px wide: the phone numbers were cut off at the edge."""
    with UnitOfWork(plant) as uow:
        users.set_first_admin_password(uow, password="admin-pass-2026")
        shop = uow.session.scalars(select(Party).where(Party.code == "SHOP1")).one()
        shop.name = "Cash & Carry Chambéry"  # as long as the demo plant's
        shop.contact_name = "Manon Leroy"
        shop.contact_phone = "+33 4 79 73 55 13"
        shop.contact_email = "rappel.qualite@cash-carry-chambery.example"
        flour = uow.session.scalars(select(Lot).where(Lot.lot_code == "F-100")).one()
        flour.supplier_lot_code = "S3-26034-F7/2026-03-02"  # the affected lots' last column
        uow.commit()
    context = StationContext(plant, station_code=None, database_label="local — test", shared=False)
    page = RecallPage(context)
    window = MainWindow(context, [page], settings_file(tmp_path))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    wait_for_sign_in_screen(qtbot, window)
    type_sign_in(qtbot, window, "qm.quinn", PASSWORDS["qm.quinn"])
    qtbot.waitUntil(page.suspect_input.hasFocus, timeout=WAIT_MS)
    scan(qtbot, page, flour_label("F-100"))
    qtbot.waitUntil(lambda: page.suspect_names() == ["FLOUR/F-100"], timeout=WAIT_MS)
    run_and_wait(qtbot, page)
    table = page.customers_table
    assert page.tabs.currentWidget() is table
    header = table.horizontalHeader()
    metrics = table.fontMetrics()
    model = page.customers_model
    [cells] = [[str(model.index(0, c).data()) for c in range(model.columnCount())]]  # one customer
    for index, text in enumerate(cells):
        right = header.sectionViewportPosition(index) + header.sectionSize(index)
        assert right <= table.viewport().width(), text  # no column past the edge
        widest = max(metrics.horizontalAdvance(line) for line in text.splitlines())
        assert widest < header.sectionSize(index), text  # no word cut
        assert table.rowHeight(0) >= len(text.splitlines()) * metrics.lineSpacing(), text
    for index in range(model.columnCount()):
        heading = str(model.headerData(index, Qt.Orientation.Horizontal))
        widest = max(header.fontMetrics().horizontalAdvance(line) for line in heading.splitlines())
        assert widest < header.sectionSize(index), heading
    assert table.horizontalScrollBar().maximum() == 0  # nothing to scroll to
    last = header.count() - 1
    filled = header.sectionViewportPosition(last) + header.sectionSize(last)
    assert filled == table.viewport().width()  # the last column takes the rest
    lines = [line for text in cells for line in text.splitlines()]
    assert "+33 4 79 73 55 13" in lines  # the number to call, whole
    assert "rappel.qualite@cash-carry-chambery.example" in lines
    for button in (page.hold_button, page.pdf_button, page.xlsx_button, page.csv_button):
        assert button.isVisible()
        assert button.width() >= button.sizeHint().width(), button.text()
        right = button.mapTo(page, QPoint(button.width(), 0)).x()
        assert right <= page.width(), button.text()
    # A lot picked: its record opens beside the tables, the affected lots may scroll sideways and
    # their last column keeps its words (stretched, Qt shrank it to its minimum and cut them).
    qtbot.keyClick(focused(page), Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    lots = page.lots_table
    qtbot.waitUntil(lambda: page.tabs.currentWidget() is lots, timeout=WAIT_MS)
    rect = lots.visualRect(page.lots_model.index(0, 0))
    qtbot.mouseClick(lots.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.detail.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: lots.viewport().width() < 800, timeout=WAIT_MS)  # the record beside
    header = lots.horizontalHeader()
    last = header.count() - 1
    title = page.lots_model.columns[last].title
    widest = max(
        lots.fontMetrics().horizontalAdvance(line)
        for text in column(page, "lots", title)
        for line in text.splitlines()
    )
    assert widest < header.sectionSize(last), title
    context.background.wait()


def _demo_length_lots(plant: Engine) -> None:
    """Names as long as the demo plant's: products, a part number, lot codes, the supplier."""
    with UnitOfWork(plant) as uow:
        users.set_first_admin_password(uow, password="admin-pass-2026")
        names = {
            "FLOUR": "Wheat flour T55 type 2",
            "DOUGH": "Cocoa cookie dough",
            "COOKIE": "Butter shortbread 200 g",
        }
        for product in uow.session.scalars(select(Product)):
            product.name = names.get(product.part_number, product.name)
            if product.part_number == "COOKIE":
                product.part_number = "FG-SHORTBREAD-200"
        for lot in uow.session.scalars(select(Lot).where(Lot.lot_code.in_(("D-7", "C-1")))):
            lot.lot_code = {"D-7": "D260305-23", "C-1": "F260305-23"}[lot.lot_code]
        flour = uow.session.scalars(select(Lot).where(Lot.lot_code == "F-100")).one()
        flour.supplier_lot_code = "S3-26034-F7/2026-03-02"
        mill = uow.session.scalars(select(Party).where(Party.code == "MILL")).one()
        mill.code = "SUP-PLASTIPACK"  # the demo's longest supplier code
        uow.commit()


@pytest.mark.parametrize("theme", [Theme.LIGHT, Theme.DARK])
@pytest.mark.usefixtures("shop_floor_look")
def test_at_1366_by_768_the_affected_lots_are_whole_on_screen_two_lines_a_row(
    qtbot: QtBot,
    qapp: QApplication,
    plant: Engine,
    tmp_path: Path,
    theme: Theme,
    request: pytest.FixtureRequest,
) -> None:
    """Eight one-line columns ran ~1,250 px wide against ~1,090: the affected lots scrolled
    sideways. Two lines a row (lot and product, status and depth, supplier and their lot)."""
    request.addfinalizer(lambda: apply_theme(qapp, Theme.LIGHT))
    _demo_length_lots(plant)
    context = StationContext(plant, station_code=None, database_label="local — test", shared=False)
    page = RecallPage(context)
    window = MainWindow(context, [page], settings_file(tmp_path))
    qtbot.addWidget(window)
    window.set_theme(theme)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    wait_for_sign_in_screen(qtbot, window)
    type_sign_in(qtbot, window, "qm.quinn", PASSWORDS["qm.quinn"])
    qtbot.waitUntil(page.suspect_input.hasFocus, timeout=WAIT_MS)
    scan(qtbot, page, flour_label("F-100"))
    qtbot.waitUntil(lambda: page.suspect_names() == ["FLOUR/F-100"], timeout=WAIT_MS)
    run_and_wait(qtbot, page)
    qtbot.keyClick(focused(page), Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    table = page.lots_table
    qtbot.waitUntil(lambda: page.tabs.currentWidget() is table, timeout=WAIT_MS)
    assert sorted(lot_names(page)) == [
        "DOUGH/D260305-23",
        "FG-SHORTBREAD-200/F260305-23",
        "FLOUR/F-100",
    ]
    header = table.horizontalHeader()
    metrics = table.fontMetrics()
    model = page.lots_model
    for row in range(model.rowCount()):
        for index in range(model.columnCount()):
            text = str(model.index(row, index).data())
            right = header.sectionViewportPosition(index) + header.sectionSize(index)
            assert right <= table.viewport().width(), text  # no column past the edge
            widest = max(metrics.horizontalAdvance(line) for line in text.splitlines())
            assert widest < header.sectionSize(index), text  # no word cut
            assert table.rowHeight(row) >= len(text.splitlines()) * metrics.lineSpacing(), text
    for index in range(model.columnCount()):
        heading = str(model.headerData(index, Qt.Orientation.Horizontal))
        widest = max(header.fontMetrics().horizontalAdvance(line) for line in heading.splitlines())
        assert widest < header.sectionSize(index), heading
        right = header.sectionViewportPosition(index) + header.sectionSize(index)
        assert right <= table.viewport().width(), heading
    assert table.horizontalScrollBar().maximum() == 0  # nothing to scroll to
    assert not table.horizontalScrollBar().isVisible()
    lines = [line for text in column(page, "lots", "Lot") for line in text.splitlines()]
    assert "Butter shortbread 200 g" in lines  # the product under its lot, whole
    [supplied] = [t for t in column(page, "lots", "Supplier lot") if "S3-26034" in t]
    assert supplied.splitlines() == ["SUP-PLASTIPACK", "S3-26034-F7/2026-03-02"]
    # Rows of fixed height from the font's line spacing: never measured one by one.
    rows = table.verticalHeader()
    assert rows.sectionResizeMode(0) == QHeaderView.ResizeMode.Fixed
    assert rows.defaultSectionSize() >= 2 * metrics.lineSpacing()
    assert {table.rowHeight(row) for row in range(model.rowCount())} == {rows.defaultSectionSize()}
    # Sorting by a column still sorts (the lot's name, not its product's).
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert lot_names(page) == ["FLOUR/F-100", "FG-SHORTBREAD-200/F260305-23", "DOUGH/D260305-23"]
    status = [c.title for c in model.columns].index("Status")
    table.sortByColumn(status, Qt.SortOrder.AscendingOrder)
    shown = [text.splitlines() for text in column(page, "lots", "Status")]
    pairs = [(status, int(depth.removeprefix("depth "))) for status, depth in shown]
    assert pairs == sorted(pairs)  # by status, then depth
    if shot := os.environ.get("RECALL_LOTS_SHOT"):
        window.grab().save(f"{shot}-{theme.name.lower()}.png")
    context.background.wait()


@pytest.mark.usefixtures("shop_floor_look")
def test_ten_thousand_affected_lots_get_fixed_rows_and_columns_sized_from_a_sample(
    qtbot: QtBot, open_page: Callable[[str], RecallPage]
) -> None:
    """A large recall: rows are never measured one by one (fixed height from the font's line
    spacing, a sample of rows for the column widths), so the tab opens as fast with 10,000 lots
    as with 10; each row still holds its two lines."""
    page = open_page("qm.quinn")
    scan(qtbot, page, flour_label("F-100"))
    qtbot.waitUntil(lambda: page.suspect_names() == ["FLOUR/F-100"], timeout=WAIT_MS)
    result = run_and_wait(qtbot, page)
    [first, *_] = result.forward.lots
    many = tuple(
        replace(first, name=f"FG-SHORTBREAD-200/F2603{n:05d}", depth=n % 7) for n in range(10_000)
    )
    page._show_result(replace(result, forward=replace(result.forward, lots=many)))
    qtbot.keyClick(focused(page), Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    table = page.lots_table
    qtbot.waitUntil(lambda: page.tabs.currentWidget() is table, timeout=WAIT_MS)
    assert page.tabs.tabText(0) == "&1 Affected lots (10000)"
    rows = table.verticalHeader()
    assert table.model().rowCount() == 10_000
    assert rows.sectionResizeMode(0) == QHeaderView.ResizeMode.Fixed
    assert 0 < table.horizontalHeader().resizeContentsPrecision() <= 100
    spacing = table.fontMetrics().lineSpacing()
    model = page.lots_model
    for row in (0, 9_999):
        assert table.rowHeight(row) == rows.defaultSectionSize()
        for index in range(model.columnCount()):
            lines = str(model.index(row, index).data()).splitlines()
            assert table.rowHeight(row) >= len(lines) * spacing + 4, lines  # with a margin
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert lot_names(page)[0] == "FG-SHORTBREAD-200/F260309999"


def test_an_amount_that_is_a_ceiling_says_so_on_its_second_line() -> None:
    lot = TracedLot(
        LotId(uuid.UUID(int=7)),
        "DOUGH/D-7",
        "Dough",
        "intermediate",
        LotStatus.ACTIVE,
        1,
        Quantity(Decimal(0), "kg"),
        Quantity(Decimal("12.5"), "kg"),
        upper_bound=True,
    )
    texts = {c.title: c.text(lot) for c in lot_columns()}
    assert texts["Suspect material in it"].splitlines() == ["≤ 12.5 kg", "share unknown"]
    assert texts["Lot"].splitlines() == ["DOUGH/D-7", "Dough"]
    assert texts["Status"].splitlines() == ["active", "depth 1"]
    assert texts["Supplier lot"] == "—"  # made here: no supplier
    exact = replace(lot, upper_bound=False)
    assert {c.title: c.text(exact) for c in lot_columns()}["Suspect material in it"] == "12.5 kg"
