"""Tens of thousands of Qt calls: PySide6 6.12.0 on Python 3.11 dies here (see DEVELOPERS.md)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from traceapp.domain.ids import LotId
from traceapp.domain.lots import LotOrigin, LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import LotSummary
from traceapp.ui.lot_table import LotTableModel

ROUNDS = (
    12_000  # x 4 void-returning calls each: ~50,000 calls, far past the crash at a few thousand
)


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
