"""The lot record shows the process conditions: a dough made on the mixer during an excursion
reads FLAGGED with one chart (limits drawn, residence and excursion marked), loaded in the
background; a dough made later reads within specification."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.ui.lots_plant import actor_of, add_deciders, at, build_bakery
from traceapp.db import sensors as store
from traceapp.db.uow import UnitOfWork
from traceapp.domain.sensors import MICROS, Limits, Reading, to_micros
from traceapp.services import masterdata, sensors
from traceapp.services.moving import move
from traceapp.ui.context import StationContext
from traceapp.ui.lots_page import LotsPage

WAIT_MS = 10_000


@pytest.fixture
def page(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[LotsPage]:
    admin = build_bakery(sqlite_engine)
    add_deciders(sqlite_engine, admin)
    with UnitOfWork(sqlite_engine) as uow:
        sensors.add_channel(
            uow,
            actor=admin,
            site="plant1",
            equipment="MIX1",
            name="temp",
            quantity="temperature",
            unit="degC",
            limits=Limits(lsl=20.0, usl=80.0, lcl=40.0, ucl=60.0),
            expected_period_us=30 * MICROS,  # it reports every 10 s; 30 s silent is a gap
        )
    readings = []
    start = at(4) - timedelta(minutes=20)
    for i in range(240):  # every 10 s for 40 min around D-7's mix at at(4); hot for 2 min
        moment = start + timedelta(seconds=10 * i)
        if 60 < (moment - at(4)).total_seconds() < 100:
            continue  # silent for 40 s right after the excursion: a recorded gap
        hot = abs((moment - at(4)).total_seconds()) <= 60
        value = 86.5 if hot else 50.0 + (i % 7) * 0.5
        readings.append(Reading("plant1", "MIX1", "temp", to_micros(moment), value))
    store.SensorWriter(sqlite_engine, auto_create=False).write(readings)
    context = StationContext(
        sqlite_engine, station_code=None, database_label="local — test", shared=False
    )
    context.sign_in(actor_of(sqlite_engine, "qm.quinn"))
    shown = LotsPage(context)
    qtbot.addWidget(shown)
    shown.resize(1366, 900)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    context.background.wait()


def _open(qtbot: QtBot, page: LotsPage, code: str) -> None:
    page.search.setFocus()
    page.search.clear()
    qtbot.keyClicks(page.search, code)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.detail.title.text() == code, timeout=WAIT_MS)


def test_a_lot_made_during_an_excursion_shows_it_flagged_with_its_chart(
    qtbot: QtBot, page: LotsPage, tmp_path: Path
) -> None:
    _open(qtbot, page, "DOUGH/D-7")
    section = page.detail.conditions
    qtbot.waitUntil(lambda: section.summary.text().startswith("FLAGGED"), timeout=WAIT_MS)
    assert section.isVisible()
    assert section.summary.text() == (
        "FLAGGED: 1 excursion outside the specification while it was at MIX1."
    )
    assert section.excursion_text.isVisible()
    lines = section.excursion_text.text().splitlines()
    assert lines[0].startswith("SPEC  MIX1/temp 86.5 degC above USL 80 from 2026-03-02 11:59:00Z")
    assert any(line.startswith("control  MIX1/temp") for line in lines)
    (chart,) = section.charts
    assert chart.isVisible()
    assert chart.getPlotItem().titleLabel.text.startswith("MIX1/temp (raw)")
    assert sorted(line.value() for line in chart.limit_lines) == [20.0, 40.0, 60.0, 80.0]
    assert len(chart.excursion_bands) == 2  # spec and control
    assert chart.residence_band.getRegion()[0] == at(4).timestamp()
    x, y = chart.curve.getOriginalDataset()
    # the 2-min excursion with a minute either side, every 10 s, but for the 40 s silence
    # after it, where the line is broken (one NaN point between +60 s and +100 s)
    assert len(x) == 25 - 3 + 1
    (broken,) = np.flatnonzero(np.isnan(y))
    assert x[broken - 1] == at(4).timestamp() + 60
    assert x[broken + 1] == at(4).timestamp() + 100
    assert np.nanmax(y) == 86.5
    page.detail.conditions.grab().save(str(tmp_path / "conditions.png"))
    page.grab().save(str(Path("/tmp") / "lot-conditions.png"))

    _open(qtbot, page, "DOUGH/M-01")
    qtbot.waitUntil(lambda: section.summary.text().startswith("Within"), timeout=WAIT_MS)
    assert section.summary.text() == "Within specification at MIX1."
    assert not section.excursion_text.isVisible()

    _open(qtbot, page, "FLOUR/F-100")
    qtbot.waitUntil(
        lambda: section.summary.text().startswith("No monitored equipment"), timeout=WAIT_MS
    )
    assert section.charts == []


def test_a_lot_moved_into_a_cold_room_shows_its_stay_there(
    qtbot: QtBot, page: LotsPage, sqlite_engine: Engine
) -> None:
    engine = sqlite_engine  # the page's database
    quinn = actor_of(engine, "qm.quinn")
    with UnitOfWork(engine) as uow:
        masterdata.add_location(
            uow, actor=quinn, code="COLD1", name="Cold room 1", kind="area", parent=None
        )
    with UnitOfWork(engine) as uow:
        masterdata.add_location(
            uow, actor=quinn, code="DRY1", name="Dry store", kind="area", parent=None
        )
    with UnitOfWork(engine) as uow:
        sensors.add_channel(
            uow, actor=quinn, site="plant1", equipment="COLD1", name="temp",
            quantity="temperature", unit="degC", limits=Limits(lsl=0.0, usl=8.0),
        )  # fmt: skip
    moved_in, moved_out = at(30), at(30) + timedelta(minutes=20)
    # A reading a minute, 4 degC; 9.5 degC (above USL 8) in minutes 5 to 7 of the stay
    readings = []
    for m in range(-5, 26):
        value = 9.5 if 5 <= m <= 7 else 4.0
        moment = to_micros(moved_in + timedelta(minutes=m))
        readings.append(Reading("plant1", "COLD1", "temp", moment, value))
    store.SensorWriter(engine, auto_create=False).write(readings)
    with UnitOfWork(engine) as uow:
        move(uow, actor=quinn, items=["FLOUR/F-100"], to="COLD1", event_time=moved_in)
    with UnitOfWork(engine) as uow:
        move(uow, actor=quinn, items=["FLOUR/F-100"], to="DRY1", event_time=moved_out)

    _open(qtbot, page, "FLOUR/F-100")
    section = page.detail.conditions
    qtbot.waitUntil(lambda: section.summary.text().startswith("FLAGGED"), timeout=WAIT_MS)
    assert section.summary.text() == (
        "FLAGGED: 1 excursion outside the specification while it was at COLD1 (stored)."
    )
    assert section.excursion_text.text().startswith("SPEC  COLD1/temp 9.5 degC above USL 8")
    (chart,) = section.charts
    assert chart.isVisible()
    assert chart.getPlotItem().titleLabel.text.startswith("COLD1/temp")
    assert chart.residence_band.getRegion() == (moved_in.timestamp(), moved_out.timestamp())
    page.grab().save(str(Path("/tmp") / "lot-conditions-stored.png"))
