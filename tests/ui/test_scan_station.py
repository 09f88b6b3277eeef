"""The scan station used like an inspector: scanner bursts, a few keys, and what the panel says."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QTableWidget, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select, update

from traceapp.db.models import Container, Event, Lot, User
from traceapp.db.uow import UnitOfWork
from traceapp.domain.codes import GS
from traceapp.domain.errors import KnownError
from traceapp.domain.quantity import Quantity
from traceapp.domain.steps import HandlingStep
from traceapp.services.receiving import receive
from traceapp.ui.context import StationContext
from traceapp.ui.idle_lock import IDLE_SETTING
from traceapp.ui.lots_page import LotsPage
from traceapp.ui.main_window import MainWindow
from traceapp.ui.scan_station import ScanStationPage
from traceapp.ui.scan_station.camera_view import OUTLINE
from traceapp.ui.scan_station.feedback import FeedbackSound
from traceapp.ui.scan_station.page import CAMERA_SETTING, SERIAL_PORT_SETTING

from .scan_plant import COOKIE_GTIN, FLOUR_GTIN, build_plant, floor_actor, label
from .shell_support import add_people, settings_file, sign_in

WAIT_MS = 10_000
SSCC = "395060001000000013"  # (00) with a valid check digit
HUMAN_KEY_GAP_MS = 90  # a fast typist; a scanner sends a key every 1-20 ms


@dataclass
class Station:
    page: ScanStationPage
    context: StationContext
    engine: Engine
    settings: QSettings


def _open(qtbot: QtBot, engine: Engine, settings: QSettings, username: str) -> Station:
    context = StationContext(
        engine, station_code="RCV1", database_label="local — test", shared=False
    )
    context.sign_in(floor_actor(engine, username))
    page = ScanStationPage(context, settings=settings, sound=FeedbackSound(enabled=False))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    receive_form = page.forms[HandlingStep.RECEIVE]
    qtbot.waitUntil(lambda: receive_form.supplier.currentIndex() >= 0, timeout=WAIT_MS)
    return Station(page, context, engine, settings)


@pytest.fixture
def plant_engine(sqlite_engine: Engine) -> Engine:
    build_plant(sqlite_engine)
    return sqlite_engine


@pytest.fixture
def settings(tmp_path: os.PathLike[str]) -> QSettings:
    return QSettings(os.path.join(tmp_path, "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def station(qtbot: QtBot, plant_engine: Engine, settings: QSettings) -> Iterator[Station]:
    opened = _open(qtbot, plant_engine, settings, "sam")  # a supervisor
    yield opened
    opened.context.background.wait()


def focused(station: Station) -> QWidget:
    widget = station.page.window().focusWidget()
    assert widget is not None
    assert widget.isVisible()
    return widget


def scan(qtbot: QtBot, station: Station, payload: str) -> None:
    """A keyboard-wedge scanner: the whole code as fast keystrokes, then Enter, into whatever
    field has focus."""
    target = focused(station)
    parts = payload.split(GS)
    for number, part in enumerate(parts):
        if number:  # the GS separator: scanners in keyboard emulation send it as Ctrl+]
            qtbot.keyClick(target, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(target, part)
    qtbot.keyClick(target, Qt.Key.Key_Return)


def type_slowly(qtbot: QtBot, station: Station, text: str) -> None:
    """A person typing: each key goes to whatever has focus at that moment (an editor a key
    opened takes the next one)."""
    for character in text:
        qtbot.keyClicks(focused(station), character, delay=HUMAN_KEY_GAP_MS)


def press(
    qtbot: QtBot, station: Station, key: Qt.Key, modifier: Qt.KeyboardModifier | None = None
) -> None:
    qtbot.wait(HUMAN_KEY_GAP_MS)  # a person's reaction: never within a scanner's burst
    qtbot.keyClick(focused(station), key, modifier or Qt.KeyboardModifier.NoModifier)


def panel_title(station: Station) -> str:
    """The big line of the feedback panel, as shown."""
    return station.page.feedback.shown_lines()[0]


def panel_detail(station: Station) -> str:
    """The reason or next step under it, as shown ("" when there is none)."""
    lines = station.page.feedback.shown_lines()
    return " ".join(lines[1:])


def wait_panel(qtbot: QtBot, station: Station, state: str, title: str) -> None:
    feedback = station.page.feedback

    def shown() -> None:
        assert (feedback.state, panel_title(station)) == (state, title)

    qtbot.waitUntil(shown, timeout=WAIT_MS)
    assert feedback.isVisible()


def wait_said(qtbot: QtBot, station: Station, start: str) -> None:
    def said() -> None:
        assert panel_title(station).startswith(start)

    qtbot.waitUntil(said, timeout=WAIT_MS)


def choose_step(qtbot: QtBot, station: Station, number: int, step: HandlingStep) -> None:
    press(qtbot, station, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: station.page.step_buttons[step].isChecked(), timeout=WAIT_MS)
    assert station.page.step_box.title() == step.value.title()


def lot_row(engine: Engine, code: str) -> Lot:
    with UnitOfWork(engine, write=False) as uow:
        row = uow.session.scalars(select(Lot).where(Lot.lot_code == code)).one()
        uow.session.expunge(row)
        return row


def steps_recorded(engine: Engine) -> list[str]:
    with UnitOfWork(engine, write=False) as uow:
        return list(uow.session.scalars(select(Event.step).order_by(Event.recorded_at)))


def test_receive_produce_pack_ship_with_a_scanner_and_the_keyboard(
    qtbot: QtBot, station: Station
) -> None:
    page = station.page
    # Receive: one scan of the supplier's label fills product, lot, quantity and expiry.
    scan(qtbot, station, label(FLOUR_GTIN, "L-118", kg="25", expiry=date(2027, 1, 31)))
    wait_said(qtbot, station, "Label read: FLOUR, lot L-118, 25 kg")
    receive_form = page.forms[HandlingStep.RECEIVE]
    assert receive_form.supplier_lot.text() == "L-118"
    assert receive_form.expiry.text() == "2027-01-31"
    assert page.missing.text() == "Ready: press F12 or Enter."
    press(qtbot, station, Qt.Key.Key_Return)
    wait_panel(qtbot, station, "ok", "Received FLOUR/L-118 — 25 kg")
    assert receive_form.supplier_lot.text() == ""
    assert focused(station) is page.scan

    # Produce: scan the input sack and the output's label, confirm with F12.
    choose_step(qtbot, station, 2, HandlingStep.PRODUCE)
    scan(qtbot, station, label(FLOUR_GTIN, "L-118"))
    wait_said(qtbot, station, "Input FLOUR/L-118: 25 kg")
    scan(qtbot, station, label(COOKIE_GTIN, "C-1", count=40))
    wait_said(qtbot, station, "Output COOKIE/C-1")
    press(qtbot, station, Qt.Key.Key_F12)
    wait_panel(qtbot, station, "ok", "Produced COOKIE/C-1 — 40 ea")
    assert panel_detail(station) == "from FLOUR/L-118 (25 kg)"

    # Pack: a new pallet label, then the cookies (all 40 free, prefilled).
    choose_step(qtbot, station, 3, HandlingStep.PACK)
    scan(qtbot, station, f"]d200{SSCC}")
    wait_said(qtbot, station, f"Packing into {SSCC} (new)")
    scan(qtbot, station, label(COOKIE_GTIN, "C-1"))
    wait_said(qtbot, station, "Item COOKIE/C-1: 40 ea")
    press(qtbot, station, Qt.Key.Key_Return)
    wait_panel(qtbot, station, "ok", f"Packed into {SSCC}")
    assert panel_detail(station) == "COOKIE/C-1 (40 ea)"

    # Ship: the pallet goes whole to the one customer.
    choose_step(qtbot, station, 5, HandlingStep.SHIP)
    scan(qtbot, station, f"]d200{SSCC}")
    wait_said(qtbot, station, f"Ship {SSCC} (whole)")
    press(qtbot, station, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_panel(qtbot, station, "ok", "Shipped to SHOP1")

    assert steps_recorded(station.engine) == ["receive", "produce", "pack", "ship"]
    assert lot_row(station.engine, "L-118").status == "consumed"
    cookies = lot_row(station.engine, "C-1")
    assert (cookies.status, cookies.on_hand) == ("shipped", 0)
    with UnitOfWork(station.engine, write=False) as uow:
        pallet = uow.session.scalars(select(Container).where(Container.code == SSCC)).one()
        assert pallet.status == "shipped"


def test_a_held_lot_is_refused_with_its_reason_in_the_red_panel(
    qtbot: QtBot, station: Station
) -> None:
    actor = floor_actor(station.engine, "sam")
    with UnitOfWork(station.engine) as uow:
        receive(
            uow,
            actor=actor,
            supplier="MILL",
            supplier_lot_code="L-117",
            product="FLOUR",
            quantity=Quantity.parse("25 kg"),
        )
    # There is no hold service yet (the quality issue adds it): put the lot on hold directly.
    with UnitOfWork(station.engine) as uow:
        uow.session.execute(update(Lot).where(Lot.lot_code == "L-117").values(status="on_hold"))
        uow.commit()
    choose_step(qtbot, station, 2, HandlingStep.PRODUCE)
    scan(qtbot, station, label(FLOUR_GTIN, "L-117"))
    wait_said(qtbot, station, "Input FLOUR/L-117")
    scan(qtbot, station, label(COOKIE_GTIN, "C-9", count=10))
    wait_said(qtbot, station, "Output COOKIE/C-9")
    press(qtbot, station, Qt.Key.Key_F12)
    wait_panel(qtbot, station, "error", "Lot FLOUR/L-117 is ON HOLD and cannot be used to produce.")
    assert panel_detail(station) == (
        "What to do: Ask a supervisor or quality manager to release it."
    )
    assert steps_recorded(station.engine) == ["receive"]
    # The form keeps what was scanned, so the person can fix it and not rescan everything.
    assert station.page.forms[HandlingStep.PRODUCE].inputs.rowCount() == 1


def test_a_scan_while_typing_a_quantity_goes_to_the_scan_not_the_field(
    qtbot: QtBot, station: Station
) -> None:
    form = station.page.forms[HandlingStep.RECEIVE]
    qtbot.mouseClick(form.quantity, Qt.MouseButton.LeftButton)
    assert focused(station) is form.quantity
    type_slowly(qtbot, station, "30")
    qtbot.waitUntil(lambda: form.quantity.text() == "30", timeout=WAIT_MS)

    # Still in the quantity field: a label is scanned.
    scan(qtbot, station, label(FLOUR_GTIN, "L-200", kg="12.5"))
    wait_said(qtbot, station, "Label read: FLOUR, lot L-200, 12.5 kg")
    assert form.quantity.text() == "12.5 kg"  # prefilled from the label, not the payload typed in
    assert form.supplier_lot.text() == "L-200"
    assert station.page.scan.text() == ""

    # A person corrects the quantity by hand and confirms with Enter in the field.
    qtbot.mouseClick(form.quantity, Qt.MouseButton.LeftButton)
    form.quantity.selectAll()
    type_slowly(qtbot, station, "12")
    qtbot.waitUntil(lambda: form.quantity.text() == "12", timeout=WAIT_MS)
    press(qtbot, station, Qt.Key.Key_Return)
    wait_panel(qtbot, station, "ok", "Received FLOUR/L-200 — 12 kg")


def test_enter_on_an_incomplete_step_says_what_is_missing(qtbot: QtBot, station: Station) -> None:
    choose_step(qtbot, station, 3, HandlingStep.PACK)
    press(qtbot, station, Qt.Key.Key_F12)
    wait_panel(qtbot, station, "error", "The step is not complete.")
    assert panel_detail(station) == "What to do: Scan the case or pallet label."
    scan(qtbot, station, "NO-SUCH-LOT")
    wait_said(qtbot, station, "Packing into NO-SUCH-LOT (new)")
    scan(qtbot, station, "NO-SUCH-LOT-2")
    wait_panel(
        qtbot,
        station,
        "error",
        "No lot, container or code binding carries the code 'NO-SUCH-LOT-2'.",
    )
    assert (
        panel_detail(station) == "What to do: Check the label, or receive or bind the code first."
    )
    assert steps_recorded(station.engine) == []


def _receive_by_scan(qtbot: QtBot, station: Station, lot: str) -> None:
    scan(qtbot, station, label(FLOUR_GTIN, lot, kg="25"))
    wait_said(qtbot, station, f"Label read: FLOUR, lot {lot}")
    press(qtbot, station, Qt.Key.Key_Return)
    wait_panel(qtbot, station, "ok", f"Received FLOUR/{lot} — 25 kg")


def test_undo_records_a_correction_with_the_reason(qtbot: QtBot, station: Station) -> None:
    _receive_by_scan(qtbot, station, "L-300")
    press(qtbot, station, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(station.page.undo_reason.isVisible, timeout=WAIT_MS)
    assert station.page.undo_question.text() == "Undo “Received FLOUR/L-300 — 25 kg”?"
    press(qtbot, station, Qt.Key.Key_Return)  # no reason yet
    wait_panel(qtbot, station, "error", "An undo needs a reason.")
    assert focused(station) is station.page.undo_reason
    type_slowly(qtbot, station, "wrong sack")
    qtbot.waitUntil(lambda: station.page.undo_reason.text() == "wrong sack", timeout=WAIT_MS)
    press(qtbot, station, Qt.Key.Key_Return)
    wait_panel(qtbot, station, "ok", "Undone: Received FLOUR/L-300 — 25 kg")
    assert panel_detail(station) == "Correction recorded — wrong sack"
    assert not station.page.undo_box.isVisible()
    assert lot_row(station.engine, "L-300").status == "voided"
    with UnitOfWork(station.engine, write=False) as uow:
        events = uow.session.scalars(select(Event).order_by(Event.recorded_at)).all()
        assert [(e.step, e.reason) for e in events] == [
            ("receive", None),
            ("correct", "wrong sack"),
        ]
    # Nothing is left to undo.
    press(qtbot, station, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_panel(qtbot, station, "error", "There is no step to undo.")


def test_an_operator_is_told_in_words_that_undo_needs_a_supervisor(
    qtbot: QtBot, plant_engine: Engine, settings: QSettings
) -> None:
    station = _open(qtbot, plant_engine, settings, "olga")
    try:
        _receive_by_scan(qtbot, station, "L-400")
        press(qtbot, station, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(station.page.undo_reason.isVisible, timeout=WAIT_MS)
        type_slowly(qtbot, station, "oops")
        press(qtbot, station, Qt.Key.Key_Return)
        wait_panel(qtbot, station, "error", "olga is an operator and may not correct.")
        assert "supervisor" in panel_detail(station)
        assert lot_row(plant_engine, "L-400").status == "active"
        assert steps_recorded(plant_engine) == ["receive"]
    finally:
        station.context.background.wait()


def test_the_last_step_is_kept_with_the_page(
    qtbot: QtBot, station: Station, plant_engine: Engine
) -> None:
    choose_step(qtbot, station, 3, HandlingStep.PACK)
    station.page.window().activateWindow()  # the step buttons' Alt+letter need the active window
    press(qtbot, station, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # &Move
    qtbot.waitUntil(
        lambda: station.page.step_buttons[HandlingStep.MOVE].isChecked(), timeout=WAIT_MS
    )
    assert station.page.step_box.title() == "Move"
    again = _open(qtbot, plant_engine, station.settings, "sam")
    try:
        assert again.page.step_buttons[HandlingStep.MOVE].isChecked()
        assert again.page.step_box.title() == "Move"
    finally:
        again.context.background.wait()


def test_a_serial_scanner_named_in_the_settings_fills_the_form(
    qtbot: QtBot, plant_engine: Engine, settings: QSettings
) -> None:
    master, slave = os.openpty()
    port = os.ttyname(slave)
    settings.setValue(SERIAL_PORT_SETTING, port)
    station = _open(qtbot, plant_engine, settings, "sam")
    try:
        qtbot.waitUntil(
            lambda: station.context.scanner_state == (f"{port}: connected", True), timeout=WAIT_MS
        )
        os.write(master, label(FLOUR_GTIN, "L-500", kg="5").encode() + b"\r\n")
        wait_said(qtbot, station, "Label read: FLOUR, lot L-500, 5 kg")
        press(qtbot, station, Qt.Key.Key_Return)
        wait_panel(qtbot, station, "ok", "Received FLOUR/L-500 — 5 kg")
    finally:
        station.page.stop_scanners()
        station.context.background.wait()
        for fd in (master, slave):
            with contextlib.suppress(OSError):
                os.close(fd)


def test_inside_the_main_window_f2_and_a_scan_record_a_receipt(
    qtbot: QtBot, plant_engine: Engine, tmp_path: Path
) -> None:
    add_people(plant_engine)
    settings = settings_file(tmp_path)
    context = StationContext(
        plant_engine, station_code="RCV1", database_label="local — test", shared=False
    )
    page = ScanStationPage(context, settings=settings, sound=FeedbackSound(enabled=False))
    window = MainWindow(context, [page, LotsPage(context)], settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    try:
        sign_in(qtbot, window, "anna.op")
        qtbot.keyClick(window.window().focusWidget() or window, Qt.Key.Key_F3)
        qtbot.waitUntil(lambda: not page.isVisible(), timeout=WAIT_MS)
        qtbot.keyClick(window.window().focusWidget() or window, Qt.Key.Key_F2)
        qtbot.waitUntil(lambda: page.isVisible() and page.scan.hasFocus(), timeout=WAIT_MS)
        station = Station(page, context, plant_engine, settings)
        receive_form = page.forms[HandlingStep.RECEIVE]
        qtbot.waitUntil(lambda: receive_form.supplier.currentIndex() >= 0, timeout=WAIT_MS)
        scan(qtbot, station, label(FLOUR_GTIN, "L-600", kg="25"))
        wait_said(qtbot, station, "Label read: FLOUR, lot L-600, 25 kg")
        press(qtbot, station, Qt.Key.Key_Return)
        wait_panel(qtbot, station, "ok", "Received FLOUR/L-600 — 25 kg")
        with UnitOfWork(plant_engine, write=False) as uow:
            who = uow.session.execute(
                select(Event.step, User.username).join(User, User.id == Event.user_id)
            ).all()
        assert [tuple(row) for row in who] == [("receive", "anna.op")]
    finally:
        context.background.wait()


def _video_with_a_qr_code(folder: Path, text: str) -> Path:
    """A short recording: two seconds of a QR code held in front of the camera."""
    code = qrcode.QRCode(border=4, box_size=4)
    code.add_data(text)
    code.make(fit=True)
    picture = np.array(code.make_image().get_image().convert("L"), dtype=np.uint8)
    frame = np.full((240, 320, 3), 255, dtype=np.uint8)
    height, width = picture.shape
    frame[40 : 40 + height, 100 : 100 + width] = picture[..., None]
    path = folder / "camera.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (320, 240))
    assert writer.isOpened()
    for _ in range(20):
        writer.write(frame)
    writer.release()
    return path


def test_a_camera_named_in_the_settings_shows_the_code_outlined_and_scans_it(
    qtbot: QtBot, plant_engine: Engine, settings: QSettings, tmp_path: Path
) -> None:
    settings.setValue(CAMERA_SETTING, str(_video_with_a_qr_code(tmp_path, "L-777")))
    station = _open(qtbot, plant_engine, settings, "sam")
    try:
        wait_said(qtbot, station, "Supplier lot L-777")
        view = station.page.camera_view
        assert view is not None
        assert view.isVisible()
        qtbot.waitUntil(lambda: len(view.outlines) == 1, timeout=WAIT_MS)
        picture = view.grab().toImage()
        green = OUTLINE.rgb()
        outlined = sum(
            picture.pixel(x, y) == green
            for x in range(0, picture.width(), 2)
            for y in range(0, picture.height(), 2)
        )
        assert outlined > 20  # the outline is drawn where the person sees the picture
        assert station.page.forms[HandlingStep.RECEIVE].supplier_lot.text() == "L-777"
    finally:
        station.page.stop_scanners()
        station.context.background.wait()


def _click_cell(qtbot: QtBot, table: QTableWidget, row: int, column: int) -> None:
    item = table.item(row, column)
    assert item is not None
    rect = table.visualItemRect(item)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_prefilled_input_quantity_is_typed_over_and_a_wrong_scan_deleted(
    qtbot: QtBot, station: Station
) -> None:
    for lot in ("L-700", "L-701"):
        _receive_by_scan(qtbot, station, lot)
    choose_step(qtbot, station, 2, HandlingStep.PRODUCE)
    scan(qtbot, station, label(FLOUR_GTIN, "L-700"))
    wait_said(qtbot, station, "Input FLOUR/L-700: 25 kg")
    scan(qtbot, station, label(FLOUR_GTIN, "L-701"))  # the wrong sack
    wait_said(qtbot, station, "Input FLOUR/L-701: 25 kg")
    inputs = station.page.forms[HandlingStep.PRODUCE].inputs
    assert inputs.rowCount() == 2

    _click_cell(qtbot, inputs, 1, 0)
    press(qtbot, station, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: inputs.rowCount() == 1, timeout=WAIT_MS)

    _click_cell(qtbot, inputs, 0, 1)
    type_slowly(qtbot, station, "20")
    press(qtbot, station, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: inputs.item(0, 1).text() == "20", timeout=WAIT_MS)  # type: ignore[union-attr]

    scan(qtbot, station, label(COOKIE_GTIN, "C-70", count=30))
    wait_said(qtbot, station, "Output COOKIE/C-70")
    press(qtbot, station, Qt.Key.Key_F12)
    wait_panel(qtbot, station, "ok", "Produced COOKIE/C-70 — 30 ea")
    assert panel_detail(station) == "from FLOUR/L-700 (20 kg)"
    assert lot_row(station.engine, "L-700").on_hand == 5
    assert lot_row(station.engine, "L-701").on_hand == 25


def test_after_signing_out_the_station_is_empty_and_refuses_scans_in_words(
    qtbot: QtBot, station: Station
) -> None:
    _receive_by_scan(qtbot, station, "L-800")
    scan(qtbot, station, label(FLOUR_GTIN, "L-801", kg="3"))
    wait_said(qtbot, station, "Label read: FLOUR, lot L-801")
    station.context.sign_out()  # what the shell's Sign out key does
    wait_panel(qtbot, station, "idle", "Signed out")
    assert station.page.forms[HandlingStep.RECEIVE].supplier_lot.text() == ""
    scan(qtbot, station, label(FLOUR_GTIN, "L-802", kg="3"))
    wait_panel(qtbot, station, "error", "Nobody is signed in.")
    assert panel_detail(station) == "What to do: Sign in first."
    # The next person cannot undo the last person's step.
    station.context.sign_in(floor_actor(station.engine, "olga"))
    press(qtbot, station, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_panel(qtbot, station, "error", "There is no step to undo.")
    assert steps_recorded(station.engine) == ["receive"]


def test_a_scan_made_while_the_last_step_is_saved_waits_for_the_next_step(
    qtbot: QtBot, station: Station
) -> None:
    scan(qtbot, station, label(FLOUR_GTIN, "L-900", kg="25"))
    wait_said(qtbot, station, "Label read: FLOUR, lot L-900")
    press(qtbot, station, Qt.Key.Key_F12)
    scan(qtbot, station, label(FLOUR_GTIN, "L-901", kg="7"))  # at once, before the green
    wait_said(qtbot, station, "Label read: FLOUR, lot L-901, 7 kg")
    form = station.page.forms[HandlingStep.RECEIVE]
    assert (form.supplier_lot.text(), form.quantity.text()) == ("L-901", "7 kg")
    assert steps_recorded(station.engine) == ["receive"]
    assert lot_row(station.engine, "L-900").on_hand == 25


def _receive_directly(qtbot: QtBot, station: Station, lot: str) -> None:
    """Set-up: a lot received through the service, not the page under test."""
    actor = floor_actor(station.engine, "sam")
    with UnitOfWork(station.engine) as uow:
        receive(
            uow,
            actor=actor,
            supplier="MILL",
            supplier_lot_code=lot,
            product="FLOUR",
            quantity=Quantity.parse("25 kg"),
        )


def test_a_refused_scan_cancels_the_confirm_pressed_behind_it(
    qtbot: QtBot, station: Station
) -> None:
    _receive_directly(qtbot, station, "L-950")
    choose_step(qtbot, station, 3, HandlingStep.PACK)
    scan(qtbot, station, f"]d200{SSCC}")
    wait_said(qtbot, station, f"Packing into {SSCC} (new)")
    scan(qtbot, station, label(FLOUR_GTIN, "L-950"))
    wait_said(qtbot, station, "Item FLOUR/L-950: 25 kg")  # the step is complete
    scan(qtbot, station, "NOTHING-KNOWN")
    qtbot.keyClick(focused(station), Qt.Key.Key_F12)  # pressed at once, while the scan resolves
    wait_panel(
        qtbot,
        station,
        "error",
        "No lot, container or code binding carries the code 'NOTHING-KNOWN'.",
    )
    qtbot.wait(300)
    assert station.page.feedback.state == "error"  # not overwritten by a step saved behind it
    assert steps_recorded(station.engine) == ["receive"]


def test_a_move_without_the_mouse_scan_enter_type_ahead_enter(
    qtbot: QtBot, station: Station
) -> None:
    _receive_directly(qtbot, station, "L-1000")
    choose_step(qtbot, station, 6, HandlingStep.MOVE)
    scan(qtbot, station, label(FLOUR_GTIN, "L-1000"))
    wait_said(qtbot, station, "Move FLOUR/L-1000")
    form = station.page.forms[HandlingStep.MOVE]
    press(qtbot, station, Qt.Key.Key_Return)  # not complete: Enter goes to the destination
    qtbot.waitUntil(lambda: focused(station) is form.destination, timeout=WAIT_MS)
    type_slowly(qtbot, station, "st")  # type-ahead in the list: STORE
    qtbot.waitUntil(lambda: form.destination.currentData() == "STORE", timeout=WAIT_MS)
    assert station.page.missing.text() == "Ready: press F12 or Enter."
    press(qtbot, station, Qt.Key.Key_Return)
    wait_panel(qtbot, station, "ok", "Moved to STORE")
    assert panel_detail(station) == "FLOUR/L-1000"
    assert steps_recorded(station.engine) == ["receive", "move"]


def test_a_camera_that_cannot_be_opened_is_said_in_words(
    qtbot: QtBot, plant_engine: Engine, settings: QSettings, tmp_path: Path
) -> None:
    settings.setValue(CAMERA_SETTING, str(tmp_path / "no-such-camera.avi"))
    station = _open(qtbot, plant_engine, settings, "sam")
    try:
        qtbot.waitUntil(lambda: station.page.feedback.state == "error", timeout=WAIT_MS)
        assert "no-such-camera.avi" in panel_title(station) + panel_detail(station)
        port, fine = station.context.scanner_state
        assert port.startswith("camera ")
        assert fine is False
    finally:
        station.page.stop_scanners()
        station.context.background.wait()


def test_scanning_keeps_the_station_awake_and_a_lock_keeps_the_half_done_step(
    qtbot: QtBot, plant_engine: Engine, tmp_path: Path
) -> None:
    add_people(plant_engine)
    settings = settings_file(tmp_path)
    settings.setValue(IDLE_SETTING, 0.02)  # 1.2 s
    context = StationContext(
        plant_engine, station_code="RCV1", database_label="local — test", shared=False
    )
    page = ScanStationPage(context, settings=settings, sound=FeedbackSound(enabled=False))
    window = MainWindow(context, [page, LotsPage(context)], settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    try:
        sign_in(qtbot, window, "anna.op")
        qtbot.waitUntil(lambda: page.isVisible() and page.scan.hasFocus(), timeout=WAIT_MS)
        station = Station(page, context, plant_engine, settings)
        form = page.forms[HandlingStep.RECEIVE]
        qtbot.waitUntil(lambda: form.supplier.currentIndex() >= 0, timeout=WAIT_MS)
        # A scan about every 0.5 s for 2.5 s: only scanner keys, and the 1.2 s lock never comes.
        for number in range(5):
            scan(qtbot, station, label(FLOUR_GTIN, f"L-10{number}", kg="2"))
            wait_said(qtbot, station, f"Label read: FLOUR, lot L-10{number}")
            qtbot.wait(400)
            assert not window.sign_in_screen.isVisible()
        # Left alone, it locks; the same person finds the scanned label still in the form.
        qtbot.waitUntil(lambda: window.sign_in_screen.isVisible(), timeout=WAIT_MS)
        screen = window.sign_in_screen
        qtbot.keyClick(screen.identity, Qt.Key.Key_Return)
        qtbot.keyClicks(screen.secret, "anna-pass-2026")
        qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
        qtbot.waitUntil(page.isVisible, timeout=WAIT_MS)
        assert form.supplier_lot.text() == "L-104"
    finally:
        context.background.wait()


def test_taking_more_than_a_lot_has_is_refused_with_what_to_do(
    qtbot: QtBot, station: Station
) -> None:
    _receive_directly(qtbot, station, "L-1100")
    choose_step(qtbot, station, 2, HandlingStep.PRODUCE)
    scan(qtbot, station, label(FLOUR_GTIN, "L-1100"))
    wait_said(qtbot, station, "Input FLOUR/L-1100: 25 kg")
    inputs = station.page.forms[HandlingStep.PRODUCE].inputs
    _click_cell(qtbot, inputs, 0, 1)
    type_slowly(qtbot, station, "30")
    press(qtbot, station, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: inputs.item(0, 1).text() == "30", timeout=WAIT_MS)  # type: ignore[union-attr]
    scan(qtbot, station, label(COOKIE_GTIN, "C-110", count=10))
    wait_said(qtbot, station, "Output COOKIE/C-110")
    press(qtbot, station, Qt.Key.Key_F12)
    wait_panel(qtbot, station, "error", "Lot FLOUR/L-1100 has 25 kg available; 30 kg requested.")
    assert panel_detail(station) == (
        "What to do: Check the quantity, or scan another lot for the rest."
    )
    assert steps_recorded(station.engine) == ["receive"]


def test_moving_a_consumed_lot_is_refused_with_what_to_do(qtbot: QtBot, station: Station) -> None:
    _receive_directly(qtbot, station, "L-1200")
    choose_step(qtbot, station, 2, HandlingStep.PRODUCE)
    scan(qtbot, station, label(FLOUR_GTIN, "L-1200"))
    wait_said(qtbot, station, "Input FLOUR/L-1200: 25 kg")
    scan(qtbot, station, label(COOKIE_GTIN, "C-120", count=10))
    wait_said(qtbot, station, "Output COOKIE/C-120")
    press(qtbot, station, Qt.Key.Key_F12)
    wait_panel(qtbot, station, "ok", "Produced COOKIE/C-120 — 10 ea")

    choose_step(qtbot, station, 6, HandlingStep.MOVE)
    scan(qtbot, station, label(FLOUR_GTIN, "L-1200"))  # the empty sack's label
    wait_said(qtbot, station, "Move FLOUR/L-1200")
    form = station.page.forms[HandlingStep.MOVE]
    press(qtbot, station, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: focused(station) is form.destination, timeout=WAIT_MS)
    type_slowly(qtbot, station, "st")
    qtbot.waitUntil(lambda: form.destination.currentData() == "STORE", timeout=WAIT_MS)
    press(qtbot, station, Qt.Key.Key_Return)
    wait_panel(
        qtbot, station, "error", "Lot FLOUR/L-1200 is consumed; nothing of it is left to move."
    )
    assert panel_detail(station) == (
        "What to do: Scan the lot that is really there; if this label is on real material,"
        " tell a supervisor."
    )
    assert steps_recorded(station.engine) == ["receive", "produce"]


def test_an_error_raised_without_a_hint_still_says_what_to_do(
    qtbot: QtBot, station: Station
) -> None:
    station.page._on_failed(KnownError("The scanner sent half a code."), "")
    wait_panel(qtbot, station, "error", "The scanner sent half a code.")
    assert panel_detail(station) == (
        "What to do: Check the label, then try again; if it is refused again, ask a supervisor."
    )
