"""Tens of thousands of Qt calls: PySide6 6.12.0 on Python 3.11 dies here (see DEVELOPERS.md)."""

from __future__ import annotations

import sys
import uuid
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from traceapp.domain.ids import LotId
from traceapp.domain.lots import LotOrigin, LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import LotSummary
from traceapp.ui.lot_table import LotTableModel

# ~5 void-returning calls a round. PySide6 6.12.0 loses one reference to None per call and aborts
# once None's count (about 54,000 with the whole suite loaded) reaches zero: 30,000 rounds leave
# a wide margin even as the suite grows. Measured: 6.12.0 aborts here, 6.11.3 passes in ~2 s.
ROUNDS = 30_000
REFCOUNT_PROBE_CALLS = 1_000


def test_many_void_returning_qt_calls_do_not_crash_the_interpreter(qtbot: QtBot) -> None:
    label = QLabel()
    field = QLineEdit()
    qtbot.addWidget(label)
    qtbot.addWidget(field)
    model = LotTableModel()
    lot = LotSummary(
        id=LotId(uuid.uuid4()),
        part_number="FLOUR",
        product_name="Flour",
        lot_code="F-1",
        status=LotStatus.ACTIVE,
        on_hand=Quantity(Decimal(1), "kg"),
        initial=Quantity(Decimal(1), "kg"),
        origin=LotOrigin.RECEIVED,
        expiry=date(2027, 1, 1),
    )
    for number in range(ROUNDS):
        label.setText(str(number))
        field.setText(str(number))
        label.setVisible(number % 2 == 0)
        model.set_lots([lot])
    assert label.text() == str(ROUNDS - 1)
    assert model.rowCount() == 1


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_void_returning_qt_calls_keep_the_reference_count_of_none(qtbot: QtBot) -> None:
    """The direct check: it fails with a number, whatever the size of the suite."""
    label = QLabel()
    field = QLineEdit()
    qtbot.addWidget(label)
    qtbot.addWidget(field)
    before = sys.getrefcount(None)
    for number in range(REFCOUNT_PROBE_CALLS):
        label.setText("x")
        field.setText("y")
        label.setVisible(number % 2 == 0)
        label.update()
    lost = before - sys.getrefcount(None)
    assert lost < REFCOUNT_PROBE_CALLS // 10, (
        f"{lost} references to None lost over {4 * REFCOUNT_PROBE_CALLS} void Qt calls"
    )
