"""The quality page used like an inspector: scan the lot, type the values, F12, read the panel."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtWidgets import QStyle, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, func, select

from traceapp.db.models import Inspection, Lot
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import KnownError
from traceapp.domain.inspections import Characteristic, CharacteristicKind
from traceapp.domain.quantity import Quantity
from traceapp.domain.steps import HandlingStep
from traceapp.services import masterdata
from traceapp.services.inspections import add_plan
from traceapp.services.packing import PackItem
from traceapp.services.receiving import receive
from traceapp.services.shipping import ship
from traceapp.ui.application import standard_pages
from traceapp.ui.context import StationContext
from traceapp.ui.main_window import MainWindow
from traceapp.ui.quality_page import SERIAL_PORT_SETTING, QualityPage
from traceapp.ui.scan_station import ScanStationPage
from traceapp.ui.scan_station.page import SOUND_SETTING

from .scan_plant import FLOUR_GTIN, build_plant, floor_actor, label
from .shell_support import add_people, settings_file, sign_in

WAIT_MS = 10_000
HUMAN_KEY_GAP_MS = 90  # a fast typist; a scanner sends a key every 1-20 ms
LOT = "L-21"


@dataclass
class Station:
    page: QualityPage
    engine: Engine


def _plant(engine: Engine) -> None:
    build_plant(engine)
    sam = floor_actor(engine, "sam")
    with UnitOfWork(engine) as uow:
        receive(
            uow,
            actor=sam,
            supplier="MILL",
            supplier_lot_code=LOT,
            product="FLOUR",
            quantity=Quantity.parse("25 kg"),
        )
    with UnitOfWork(engine) as uow:
        add_plan(
            uow,
            actor=masterdata.actor_for(uow),
            product="FLOUR",
            step="receive",
            characteristics=[
                Characteristic(
                    "moisture",
                    CharacteristicKind.VARIABLE,
                    nominal=Decimal("13.0"),
                    lsl=Decimal("11.0"),
                    usl=Decimal("14.5"),
                    unit="%",
                    decimals=1,
                ),
                Characteristic(
                    "look",
                    CharacteristicKind.ATTRIBUTE,
                    answers=("ok", "mould", "wet"),
                    passing=("ok",),
                ),
                Characteristic("specks", CharacteristicKind.COUNT, max_count=2),
            ],
        )


@pytest.fixture
def plant_engine(sqlite_engine: Engine) -> Engine:
    _plant(sqlite_engine)
    return sqlite_engine


@pytest.fixture
def station(qtbot: QtBot, plant_engine: Engine, tmp_path: Path) -> Iterator[Station]:
    context = StationContext(
        plant_engine, station_code="RCV1", database_label="local — test", shared=False
    )
    context.sign_in(floor_actor(plant_engine, "olga"))  # an operator may inspect
    settings = QSettings(os.path.join(tmp_path, "settings.ini"), QSettings.Format.IniFormat)
    page = QualityPage(context, settings=settings)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.scan.hasFocus(), timeout=WAIT_MS)
    yield Station(page, plant_engine)
    context.background.wait()


def focused(station: Station) -> QWidget:
    widget = station.page.window().focusWidget()
    assert widget is not None
    assert widget.isVisible()
    return widget


def scan(qtbot: QtBot, station: Station, payload: str) -> None:
    """A keyboard-wedge scanner: fast keys and Enter into whatever field has focus."""
    target = focused(station)
    qtbot.keyClicks(target, payload)
    qtbot.keyClick(target, Qt.Key.Key_Return)


def type_slowly(qtbot: QtBot, station: Station, text: str) -> None:
    for character in text:
        qtbot.keyClicks(focused(station), character, delay=HUMAN_KEY_GAP_MS)


def press(
    qtbot: QtBot,
    station: Station,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    qtbot.wait(HUMAN_KEY_GAP_MS)  # a person's reaction: never within a scanner's burst
    qtbot.keyClick(focused(station), key, modifier)


def panel(station: Station) -> tuple[str, str]:
    lines = station.page.feedback.shown_lines()
    return station.page.feedback.state, lines[0]


def mark(station: Station, name: str) -> str:
    return station.page.findChild(QWidget, f"check_{name}_1").accessibleName()  # type: ignore[union-attr]


def scan_the_lot(qtbot: QtBot, station: Station) -> None:
    scan(qtbot, station, label(FLOUR_GTIN, LOT))
    qtbot.waitUntil(lambda: len(station.page.fields) == 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: focused(station) is station.page.fields[0], timeout=WAIT_MS)


def lot_status(engine: Engine) -> str:
    with UnitOfWork(engine, write=False) as uow:
        return uow.session.scalars(select(Lot.status).where(Lot.lot_code == LOT)).one()


def inspections_stored(engine: Engine) -> int:
    with UnitOfWork(engine, write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Inspection)) or 0)


def test_scanning_a_lot_loads_its_plan(qtbot: QtBot, station: Station) -> None:
    scan_the_lot(qtbot, station)
    page = station.page
    assert page.form_box.title() == "FLOUR @ receive v1"
    assert page.step.currentText() == "receive"
    assert [f.objectName() for f in page.fields] == [
        "value_moisture_1",
        "value_look_1",
        "value_specks_1",
    ]
    spec = page.findChild(QWidget, "spec_moisture")
    assert spec is not None
    assert spec.isVisible()
    assert spec.text() == "11.0 .. 14.5 % (nominal 13.0)"  # type: ignore[attr-defined]
    assert page.lot_line.text().startswith(f"FLOUR/{LOT} — Wheat flour — ACTIVE")
    assert panel(station) == ("idle", f"FLOUR/{LOT}: FLOUR @ receive v1")


def test_the_step_box_says_to_scan_first_until_a_lot_brings_its_steps(
    qtbot: QtBot, station: Station
) -> None:
    page = station.page
    # Before a scan the box is not an empty list: it says what to do, and is not a trap.
    assert not page.step.isEnabled()
    assert page.step.currentIndex() == -1
    assert page.step.placeholderText() == "Scan a lot first"
    assert "Scan a lot first" in page.step.toolTip()
    scan_the_lot(qtbot, station)
    assert page.step.isEnabled()
    assert [page.step.itemText(i) for i in range(page.step.count())] == ["receive"]
    assert page.step.currentText() == "receive"
    page.context.sign_out()
    assert not page.step.isEnabled()
    assert page.step.currentIndex() == -1
    assert page.step.placeholderText() == "Scan a lot first"


def test_a_value_out_of_limits_shows_the_reason_as_it_is_entered(
    qtbot: QtBot, station: Station
) -> None:
    scan_the_lot(qtbot, station)
    type_slowly(qtbot, station, "15.04")
    press(qtbot, station, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: mark(station, "moisture") != "", timeout=WAIT_MS)
    assert mark(station, "moisture") == "fails: moisture: 15.0 % is above the USL 14.5 %"
    assert focused(station) is station.page.fields[1]  # Enter moved on
    # An attribute answer in another spelling and case is the same answer.
    type_slowly(qtbot, station, "PASS")
    press(qtbot, station, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: mark(station, "look") != "", timeout=WAIT_MS)
    assert mark(station, "look") == "passes: look: ok"
    assert inspections_stored(station.engine) == 0  # checked as entered, nothing recorded yet


def test_f12_with_a_numeric_reading_missing_is_refused(qtbot: QtBot, station: Station) -> None:
    scan_the_lot(qtbot, station)
    press(qtbot, station, Qt.Key.Key_Return)  # moisture left empty
    type_slowly(qtbot, station, "ok")
    press(qtbot, station, Qt.Key.Key_Return)
    type_slowly(qtbot, station, "0")
    press(qtbot, station, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: panel(station)[0] == "error", timeout=WAIT_MS)
    assert panel(station)[1] == (
        "No reading for moisture: a numeric characteristic cannot pass without one."
    )
    qtbot.wait(200)
    assert inspections_stored(station.engine) == 0
    assert lot_status(station.engine) == "active"


def _enter(qtbot: QtBot, station: Station, moisture: str, look: str, specks: str) -> None:
    for value in (moisture, look, specks):
        type_slowly(qtbot, station, value)
        press(qtbot, station, Qt.Key.Key_Return)
    press(qtbot, station, Qt.Key.Key_F12)


def test_a_failing_inspection_holds_the_lot_and_it_cannot_be_shipped(
    qtbot: QtBot, station: Station
) -> None:
    scan_the_lot(qtbot, station)
    _enter(qtbot, station, "13.2", "Mould", "3")
    qtbot.waitUntil(lambda: panel(station)[0] == "error", timeout=WAIT_MS)
    _state, title = panel(station)
    # A short title (26 pt); the nonconformance and each reason on a line of their own below it.
    assert title == "FAILED — lot held"
    lines = station.page.feedback.shown_lines()
    assert lines[1].startswith("Nonconformance NC-")
    assert lines[1].endswith(" opened:")
    assert lines[2:] == [
        "look: mould (only ok passes)",
        "specks: 3 found, at most 2 allowed",
        f"FLOUR/{LOT} is ON HOLD; it cannot be used or shipped until released.",
    ]
    assert lot_status(station.engine) == "on_hold"
    assert station.page.lot_line.text().endswith("ON HOLD")
    history = station.page.history
    assert history.rowCount() == 1
    assert history.item(0, 3).text() == "FAILED"
    assert station.page.fields[2].text() == "3"  # what was recorded stays in sight
    assert mark(station, "specks") == "fails: specks: 3 found, at most 2 allowed"
    press(qtbot, station, Qt.Key.Key_F12)  # pressed twice: recorded once
    assert panel(station) == ("error", "This inspection is already recorded.")
    assert inspections_stored(station.engine) == 1
    sam = floor_actor(station.engine, "sam")
    with pytest.raises(KnownError, match="ON HOLD"), UnitOfWork(station.engine) as uow:
        ship(
            uow,
            actor=sam,
            customer="SHOP1",
            items=[PackItem(f"FLOUR/{LOT}")],
        )


def test_a_passing_inspection_shows_passed(qtbot: QtBot, station: Station) -> None:
    scan_the_lot(qtbot, station)
    _enter(qtbot, station, "13,1", " OK ", "2")
    qtbot.waitUntil(lambda: panel(station)[0] == "ok", timeout=WAIT_MS)
    assert panel(station) == ("ok", "PASSED")
    assert lot_status(station.engine) == "active"
    assert inspections_stored(station.engine) == 1
    assert station.page.history.item(0, 3).text() == "PASSED"


def test_an_auditor_has_no_quality_page_and_an_operator_opens_it_with_f4(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path
) -> None:
    add_people(sqlite_engine)
    settings = settings_file(tmp_path)
    context = StationContext(
        sqlite_engine, station_code=None, database_label="local — test", shared=False
    )
    window = MainWindow(context, [make(context) for make in standard_pages(settings)], settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    sign_in(qtbot, window, "dmitri.aud")
    assert not window.nav_buttons["Quality"].isVisible()
    qtbot.keyClick(window, Qt.Key.Key_F4)
    qtbot.wait(100)
    assert not window.page("Quality").isVisible()
    window.sign_out()
    sign_in(qtbot, window, "anna.op")
    assert window.nav_buttons["Quality"].isVisible()
    assert window.nav_buttons["Quality"].text() == "Quality\nF4"
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: window.page("Quality").isVisible(), timeout=WAIT_MS)
    context.background.wait()


def test_a_gauge_reading_sent_as_a_burst_fills_the_field_and_answers_complete(
    qtbot: QtBot, station: Station
) -> None:
    scan_the_lot(qtbot, station)
    scan(qtbot, station, "14.62")  # a gauge in keyboard emulation: fast keys and Enter
    qtbot.waitUntil(lambda: mark(station, "moisture") != "", timeout=WAIT_MS)
    assert station.page.fields[0].text() == "14.62"
    assert mark(station, "moisture") == "fails: moisture: 14.6 % is above the USL 14.5 %"
    assert focused(station) is station.page.fields[1]
    assert panel(station) == ("idle", f"FLOUR/{LOT}: FLOUR @ receive v1")  # not a lot scan
    type_slowly(qtbot, station, "w")  # completed in place from the plan's answers
    assert station.page.fields[1].text() == "wet"
    press(qtbot, station, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: mark(station, "look") != "", timeout=WAIT_MS)
    assert mark(station, "look") == "fails: look: wet (only ok passes)"


def test_a_serial_gauge_named_in_the_settings_fills_the_focused_field(
    qtbot: QtBot, plant_engine: Engine, tmp_path: Path
) -> None:
    master, slave = os.openpty()
    port = os.ttyname(slave)
    context = StationContext(
        plant_engine, station_code="RCV1", database_label="local — test", shared=False
    )
    context.sign_in(floor_actor(plant_engine, "olga"))
    settings = QSettings(os.path.join(tmp_path, "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(SERIAL_PORT_SETTING, port)
    page = QualityPage(context, settings=settings)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    station = Station(page, plant_engine)
    try:
        qtbot.waitUntil(
            lambda: context.scanner_state == (f"gauge {port}: connected", True), timeout=WAIT_MS
        )
        qtbot.waitUntil(lambda: page.scan.hasFocus(), timeout=WAIT_MS)
        scan_the_lot(qtbot, station)
        os.write(master, b"12.96\r\n")  # the gauge's reading, as it sends it
        qtbot.waitUntil(lambda: mark(station, "moisture") != "", timeout=WAIT_MS)
        assert page.fields[0].text() == "12.96"
        assert mark(station, "moisture") == "passes: moisture: 13.0 % ok"
        assert focused(station) is page.fields[1]
    finally:
        page.stop_gauges()
        context.background.wait()
        for fd in (master, slave):
            with contextlib.suppress(OSError):
                os.close(fd)


def test_the_step_is_picked_from_the_plans_of_the_lots_product_and_remembered(
    qtbot: QtBot, station: Station
) -> None:
    with UnitOfWork(station.engine) as uow:
        add_plan(
            uow,
            actor=masterdata.actor_for(uow),
            product="FLOUR",
            step="final",
            characteristics=[
                Characteristic("specks", CharacteristicKind.COUNT, max_count=0),
            ],
        )
    scan(qtbot, station, label(FLOUR_GTIN, LOT))
    page = station.page
    qtbot.waitUntil(lambda: page.form_box.title() == "FLOUR @ final v1", timeout=WAIT_MS)
    assert [page.step.itemText(i) for i in range(page.step.count())] == ["final", "receive"]
    assert len(page.fields) == 1
    press(qtbot, station, Qt.Key.Key_Backtab)  # from the first value back to the step
    assert focused(station) is page.step
    press(qtbot, station, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: page.form_box.title() == "FLOUR @ receive v1", timeout=WAIT_MS)
    assert len(page.fields) == 3
    assert focused(station) is page.fields[0]
    # The next lot scanned opens at the step chosen last.
    scan(qtbot, station, label(FLOUR_GTIN, LOT))
    qtbot.waitUntil(lambda: page.feedback.shown_lines()[0].startswith("Looking"), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: page.feedback.state == "idle" and len(page.fields) == 3, timeout=WAIT_MS
    )
    qtbot.wait(200)
    assert page.form_box.title() == "FLOUR @ receive v1"


def test_in_the_window_a_failed_inspection_then_shipping_the_lot_is_refused_in_red(
    qtbot: QtBot, plant_engine: Engine, tmp_path: Path
) -> None:
    add_people(plant_engine)
    settings = settings_file(tmp_path)
    settings.setValue(SOUND_SETTING, "off")
    context = StationContext(
        plant_engine, station_code="RCV1", database_label="local — test", shared=False
    )
    window = MainWindow(context, [make(context) for make in standard_pages(settings)], settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    try:
        sign_in(qtbot, window, "anna.op")
        page = window.page("Quality")
        assert isinstance(page, QualityPage)
        qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F4)
        qtbot.waitUntil(lambda: page.isVisible() and page.scan.hasFocus(), timeout=WAIT_MS)
        station = Station(page, plant_engine)
        scan_the_lot(qtbot, station)
        _enter(qtbot, station, "16.0", "ok", "0")
        qtbot.waitUntil(lambda: panel(station)[0] == "error", timeout=WAIT_MS)
        assert panel(station)[1].startswith("FAILED — lot held")
        qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F2)
        scan_station = window.page("Scan station")
        assert isinstance(scan_station, ScanStationPage)
        qtbot.waitUntil(lambda: scan_station.scan.hasFocus(), timeout=WAIT_MS)
        shipping = Station(scan_station, plant_engine)  # type: ignore[arg-type]
        press(qtbot, shipping, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(
            lambda: scan_station.step_buttons[HandlingStep.SHIP].isChecked(), timeout=WAIT_MS
        )
        scan(qtbot, shipping, label(FLOUR_GTIN, LOT))
        qtbot.wait(300)
        press(qtbot, shipping, Qt.Key.Key_F12)
        qtbot.waitUntil(lambda: scan_station.feedback.state == "error", timeout=WAIT_MS)
        said = " ".join(scan_station.feedback.shown_lines())
        assert f"FLOUR/{LOT} is ON HOLD" in said
        assert lot_status(plant_engine) == "on_hold"
    finally:
        context.background.wait()


@pytest.mark.usefixtures("shop_floor_look")
def test_at_1366_by_768_a_failed_inspections_reasons_are_whole_in_the_history(
    qtbot: QtBot, plant_engine: Engine, tmp_path: Path
) -> None:
    """The history's Why column was the last, stretched into what the others left: three
    reasons were cut to 'moisture: 16.0 is abo…'. It wraps now, its row as tall as the text."""
    add_people(plant_engine)
    settings = settings_file(tmp_path)
    settings.setValue(SOUND_SETTING, "off")
    context = StationContext(
        plant_engine, station_code="RCV1", database_label="local — test", shared=False
    )
    window = MainWindow(context, [make(context) for make in standard_pages(settings)], settings)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    try:
        sign_in(qtbot, window, "anna.op")
        page = window.page("Quality")
        assert isinstance(page, QualityPage)
        qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F4)
        qtbot.waitUntil(lambda: page.isVisible() and page.scan.hasFocus(), timeout=WAIT_MS)
        station = Station(page, plant_engine)
        scan_the_lot(qtbot, station)
        _enter(qtbot, station, "16.0", "mould", "3")
        qtbot.waitUntil(lambda: panel(station)[0] == "error", timeout=WAIT_MS)
        assert panel(station)[1] == "FAILED — lot held"
        history = page.history
        qtbot.waitUntil(lambda: history.rowCount() == 1, timeout=WAIT_MS)
        qtbot.wait(100)  # the rows settle to the columns' widths
        window.grab().save(str(tmp_path / "quality-failed-1366.png"))  # looked at
        why = history.item(0, 4)
        assert why.text().splitlines() == [
            "moisture: 16.0 % is above the USL 14.5 %",
            "look: mould (only ok passes)",
            "specks: 3 found, at most 2 allowed",
        ]
        cell = history.visualItemRect(why)
        assert cell.right() <= history.viewport().width()  # the column is on screen
        # The text as the cell lays it out (word-wrapped in its width, less the cell's margins)
        # fits the row: nothing elided.
        margin = history.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
        needed = history.fontMetrics().boundingRect(
            QRect(0, 0, cell.width() - 2 * margin, 10_000),
            int(Qt.TextFlag.TextWordWrap),
            why.text(),
        )
        assert needed.height() <= cell.height(), (needed, cell)
        # The title reads on at most two lines of the panel at the theme's size.
        feedback = page.feedback
        title_lines = (
            feedback.fontMetrics()
            .boundingRect(
                feedback.contentsRect(), int(Qt.TextFlag.TextWordWrap), feedback.title_text
            )
            .height()
            // feedback.fontMetrics().lineSpacing()
        )
        assert title_lines <= 2
    finally:
        context.background.wait()
