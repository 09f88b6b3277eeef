"""An SPC signal on a live channel, stored by the recorder's review, is an alarm on the Live
monitor page: its time, channel, rule, signals; acknowledged by keyboard like an excursion."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from traceapp.db import sensors as store
from traceapp.db.uow import UnitOfWork
from traceapp.domain.sensors import MICROS, Reading, from_micros
from traceapp.services import spc_live
from traceapp.services.masterdata import actor_for
from traceapp.ui.live_monitor import LiveMonitorPage

from .test_live_monitor import WAIT_MS, _channel, _open_page, people

__all__ = ["people"]  # the fixture, imported for this test


def _readings(engine: Engine, site: str, base_s: int) -> None:
    """Two minutes at 180 degC (10 readings a second), seconds 60-62 at 190: beyond UCL 185."""
    batch = []
    for tenth in range(1200):
        second = tenth // 10
        value = 190.0 if 60 <= second <= 62 else 180.0 + (0.1 if tenth % 2 else -0.1)
        at = (base_s * 10 + tenth) * MICROS // 10
        batch.append(Reading(site, "oven1", "temp", at, value, "degC"))
    store.SensorWriter(engine, auto_create=False).write(batch)


def _spc_row(page: LiveMonitorPage) -> tuple[str, ...]:
    return next(r for r in page.alarm_rows() if r[2] == "SPC N1")


@pytest.mark.gui
def test_an_spc_alarm_is_listed_and_acknowledged(
    qtbot: QtBot, people: Engine, tmp_path: Path
) -> None:
    site = "spc"
    _channel(people, site, period_us=5 * MICROS)
    base_s = math.floor(time.time()) - 150
    _readings(people, site, base_s)
    with UnitOfWork(people) as uow:
        admin = actor_for(uow)
    with UnitOfWork(people) as uow:
        spc_live.configure(uow, actor=admin, channel="oven1/temp", rules="N1", width="second")
    with UnitOfWork(people) as uow:
        result = spc_live.watch(uow, actor=admin)
    assert [(n.rule, n.signals) for n in result.alarms] == [("N1", 3)]

    page = _open_page(qtbot, people, tmp_path)
    try:
        # The readings beyond UCL are a control excursion too: both are listed.
        qtbot.waitUntil(lambda: page.alarm_table.rowCount() == 2, timeout=WAIT_MS)
        first = from_micros((base_s + 60) * MICROS).astimezone()
        last = from_micros((base_s + 62) * MICROS).astimezone()
        assert sorted(r[2] for r in page.alarm_rows()) == ["SPC N1", "out of control"]
        assert [r for r in page.alarm_rows() if r[2] == "SPC N1"] == [
            (
                f"{first:%H:%M:%S}",
                "oven1/temp",
                "SPC N1",
                "190.00 degC",
                f"3 signals, last {last:%H:%M:%S}",
                "\u2014 not yet",
            )
        ]
        assert page.alarm_title.text() == "Alarms: 2, 2 not acknowledged"
        page.grab().save(str(tmp_path / "live_spc_alarm.png"))  # looked at: readable

        page.alarm_table.setFocus()
        qtbot.keyClick(page.alarm_table, Qt.Key.Key_Down)
        qtbot.keyClick(page.alarm_table, Qt.Key.Key_Up)  # the first row, selected
        spc_row = [r[2] for r in page.alarm_rows()].index("SPC N1")
        for _ in range(spc_row):
            qtbot.keyClick(page.alarm_table, Qt.Key.Key_Down)
        qtbot.keyClick(page.alarm_table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: _spc_row(page)[5].startswith("admin at "), timeout=WAIT_MS)
        assert page.alarm_title.text() == "Alarms: 2, 1 not acknowledged"
        # (a poll may read the acknowledgement back before the worker's answer arrives)
        qtbot.waitUntil(
            lambda: page.message.text() == "Acknowledged: oven1/temp SPC N1 alarm.",
            timeout=WAIT_MS,
        )
        qtbot.wait(700)  # read back from the audit trail by the next polls
        assert _spc_row(page)[5].startswith("admin at ")
        # The polls since have not taken the answer away before it could be read.
        assert page.message.text() == "Acknowledged: oven1/temp SPC N1 alarm."
        assert next(r for r in page.alarm_rows() if r[2] != "SPC N1")[5] == "\u2014 not yet"
    finally:
        page.stop()
        page.context.background.wait()
