"""The SPC tab of the quality page used by a supervisor: draw, read the rule marks, click a point."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.domain.inspections import Characteristic, CharacteristicKind
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata
from traceapp.services.inspections import add_plan, record_inspection
from traceapp.services.receiving import receive
from traceapp.ui.context import StationContext
from traceapp.ui.quality_page import QualityPage
from traceapp.ui.spc.view import SpcView
from traceapp.ui.theme import apply_base_font

from .scan_plant import build_plant, floor_actor
from .test_chart_look import tick_look

WAIT_MS = 15_000
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HIGH_LOT = 12  # its moisture is well above the others: beyond the upper control limit
READINGS = [
    "12.1", "11.9", "12.0", "12.2", "11.8", "12.0", "12.1", "11.9", "12.0", "12.1",
    "11.9", "13.9", "12.0", "12.1", "11.9", "12.0", "12.2", "11.8", "12.0", "12.1",
]  # fmt: skip


@dataclass
class Station:
    page: QualityPage
    spc: SpcView
    engine: Engine


def _plant(engine: Engine) -> None:
    build_plant(engine)
    sam = floor_actor(engine, "sam")
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
                    nominal=Decimal("12.0"),
                    lsl=Decimal("11.0"),
                    usl=Decimal("14.5"),
                    unit="%",
                    decimals=1,
                )
            ],
        )
    for number, reading in enumerate(READINGS, start=1):
        with UnitOfWork(engine) as uow:
            receive(
                uow,
                actor=sam,
                supplier="MILL",
                supplier_lot_code=f"M-{number}",
                product="FLOUR",
                quantity=Quantity.parse("25 kg"),
            )
        with UnitOfWork(engine) as uow:
            record_inspection(
                uow,
                actor=sam,
                code=f"FLOUR/M-{number}",
                values={"moisture": [reading]},
                inspected_at=START + timedelta(minutes=number),
            )


@pytest.fixture
def station(qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path) -> Iterator[Station]:
    _plant(sqlite_engine)
    context = StationContext(
        sqlite_engine, station_code="RCV1", database_label="local — test", shared=False
    )
    context.sign_in(floor_actor(sqlite_engine, "sam"))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    page = QualityPage(context, settings=settings)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    yield Station(page, page.spc, sqlite_engine)
    context.background.wait()


def open_spc_tab(qtbot: QtBot, station: Station) -> None:
    bar = station.page.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    qtbot.waitUntil(lambda: station.spc.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: station.spc.characteristic.count() > 0, timeout=WAIT_MS)


def draw(qtbot: QtBot, station: Station) -> None:
    qtbot.mouseClick(station.spc.draw_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: station.spc.histogram is not None, timeout=WAIT_MS)
    assert len(station.spc.charts) == 2
    histogram = station.spc.histogram
    assert histogram is not None
    qtbot.waitUntil(histogram.isVisible, timeout=WAIT_MS)


def test_drawing_marks_the_high_lot_with_its_rule_and_shades_the_zones(
    qtbot: QtBot, station: Station
) -> None:
    open_spc_tab(qtbot, station)
    spc = station.spc
    assert spc.product.currentText() == "FLOUR"
    assert spc.characteristic.currentText() == "moisture @ receive"
    # Individuals of single readings; Nelson rules are the default.
    spc.chart_type.setCurrentIndex(spc.chart_type.findText("Individuals / MR"))
    draw(qtbot, station)
    x_chart, mr_chart = spc.charts
    assert x_chart.isVisible()
    assert mr_chart.isVisible()
    assert x_chart.marks[HIGH_LOT] == "N1"
    assert next(label.textItem.toPlainText() for label in x_chart.rule_labels) == "N1"
    assert len(x_chart.zone_bands) == 3
    assert "20 inspections" in spc.message.text()
    assert f"break a rule: {HIGH_LOT}" in spc.message.text()


def test_the_histogram_shows_the_spec_limits_and_the_fitted_normal(
    qtbot: QtBot, station: Station
) -> None:
    open_spc_tab(qtbot, station)
    station.spc.chart_type.setCurrentIndex(station.spc.chart_type.findText("Individuals / MR"))
    draw(qtbot, station)
    histogram = station.spc.histogram
    assert histogram is not None
    assert histogram.isVisible()
    assert {name: line.value() for name, line in histogram.spec_lines.items()} == {
        "LSL": 11.0,
        "USL": 14.5,
        "target": 12.0,
    }
    assert histogram.spec_lines["LSL"].label.toPlainText() == "LSL 11"
    assert histogram.fit_curve is not None
    text = station.spc.capability.text()
    for index in ("Cp ", "Cpk", "Cpl", "Cpu", "Cpm", "Pp ", "Ppk", "95% CI"):
        assert index in text


def test_clicking_a_point_opens_the_lot_behind_it(qtbot: QtBot, station: Station) -> None:
    open_spc_tab(qtbot, station)
    station.spc.chart_type.setCurrentIndex(station.spc.chart_type.findText("Individuals / MR"))
    draw(qtbot, station)
    chart = station.spc.charts[0]
    qtbot.waitUntil(lambda: chart.viewport().width() > 100, timeout=WAIT_MS)
    qtbot.wait(50)  # the first layout pass places the view box
    x, y = chart.scene_position(HIGH_LOT)
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    detail = station.spc.detail
    qtbot.waitUntil(lambda: detail.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: detail.title.text() == f"FLOUR/M-{HIGH_LOT}", timeout=WAIT_MS)


@pytest.fixture
def drawn_at_1366(
    qtbot: QtBot, qapp: QApplication, sqlite_engine: Engine, tmp_path: Path
) -> Iterator[Station]:
    """An I-MR chart drawn as in the window at 1366x768: the theme's base font, the page beside
    the navigation (about 1110 x 650 px). The font is put back afterwards."""
    before = QFont(qapp.font())
    apply_base_font(qapp)
    try:
        _plant(sqlite_engine)
        context = StationContext(
            sqlite_engine, station_code="RCV1", database_label="local — test", shared=False
        )
        context.sign_in(floor_actor(sqlite_engine, "sam"))
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        page = QualityPage(context, settings=settings)
        qtbot.addWidget(page)
        page.resize(1110, 650)
        page.show()
        qtbot.waitExposed(page)
        station = Station(page, page.spc, sqlite_engine)
        open_spc_tab(qtbot, station)
        station.spc.chart_type.setCurrentIndex(station.spc.chart_type.findText("Individuals / MR"))
        draw(qtbot, station)
        yield station
        context.background.wait()
    finally:
        qapp.setFont(before)


def test_the_capability_text_is_whole_at_1366_by_768(
    qtbot: QtBot, drawn_at_1366: Station, tmp_path: Path
) -> None:
    """As in the window at 1366x768: the theme's base font, the page beside the navigation
    (about 1110 x 650 px; docs/screenshots/quality-spc.png lost 'overall 1.941''s end)."""
    station = drawn_at_1366
    page = station.page
    label = station.spc.capability
    qtbot.waitUntil(lambda: "Ppk" in label.text(), timeout=WAIT_MS)
    page.grab().save(str(tmp_path / "spc-1366.png"))  # looked at: every line whole
    metrics = label.fontMetrics()
    lines = label.text().splitlines()
    assert lines[1].startswith("mean ")
    assert lines[2].startswith("sigma within ")
    widest = max(metrics.horizontalAdvance(line) for line in lines)
    # Every line whole: no character past the label's right edge
    assert widest <= label.contentsRect().width(), (widest, label.contentsRect().width())
    assert label.visibleRegion().boundingRect().right() >= label.contentsRect().right()


def _title_look(plot: object) -> tuple[float, str]:
    """The point size and colour a chart's title is drawn in (its first character's format)."""
    item = plot.getPlotItem().titleLabel.item  # type: ignore[attr-defined]
    block = item.document().begin()
    fragment = block.begin().fragment()
    shown = fragment.charFormat()
    return shown.fontPointSize(), shown.foreground().color().name()


def test_the_chart_titles_are_in_the_apps_font_size_and_text_colour(
    qapp: QApplication, drawn_at_1366: Station
) -> None:
    """pyqtgraph's 10 pt grey titles were small and faint beside the page's 12 pt text."""
    station = drawn_at_1366
    histogram = station.spc.histogram
    assert histogram is not None
    size = qapp.font().pointSizeF()
    assert size >= 12
    text = station.spc.palette().color(QPalette.ColorRole.Text).name()
    for plot in [*station.spc.charts, histogram]:
        assert _title_look(plot) == (size, text)
        # Tick labels too: the base font's size, the text colour (were pyqtgraph's default).
        assert tick_look(plot.getPlotItem(), "left") == (size, text)
        assert tick_look(plot.getPlotItem(), "bottom") == (size, text)
    # The fitted normal too (near-black, it was lost on the dark theme's base).
    assert histogram.fit_curve is not None
    assert histogram.fit_curve.opts["pen"].color().name() == text
    dark = QPalette(station.spc.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1f22"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e8e8e8"))
    histogram.setPalette(dark)  # as a theme switch does
    assert histogram.fit_curve.opts["pen"].color().name() == "#e8e8e8"
    assert _title_look(histogram) == (size, "#e8e8e8")
    for side in ("left", "bottom"):  # the tick labels follow too
        assert tick_look(histogram.getPlotItem(), side) == (size, "#e8e8e8")
