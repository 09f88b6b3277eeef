"""Qt item model showing lot summaries as a sortable table (numbers sort as numbers)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from traceapp.domain.lots import LotStatus
from traceapp.domain.quantity import format_decimal
from traceapp.domain.results import LotSummary

# Status and quantity (with its unit, "9.105 kg") right after the lot: on a 1366 px screen the
# list pane shows these three columns whole (lots_page widens it to fit them), and a held lot
# and its stock must be seen without scrolling sideways. Product names come after and are
# elided when long (the whole name is the cell's tooltip); lot codes and figures never are.
_COLUMNS = (
    str(QT_TRANSLATE_NOOP("Lots", "Lot")),
    str(QT_TRANSLATE_NOOP("Lots", "Status")),
    str(QT_TRANSLATE_NOOP("Lots", "On hand")),
    str(QT_TRANSLATE_NOOP("Lots", "Product")),
    str(QT_TRANSLATE_NOOP("Lots", "Expiry")),
    str(QT_TRANSLATE_NOOP("Lots", "Supplier")),
)
# Lot statuses as the lists show them (the words of LotStatus, for the translation tools).
STATUS_WORDS: dict[LotStatus, str] = {
    LotStatus.ACTIVE: str(QT_TRANSLATE_NOOP("Lots", "active")),
    LotStatus.ON_HOLD: str(QT_TRANSLATE_NOOP("Lots", "on hold")),
    LotStatus.RELEASED: str(QT_TRANSLATE_NOOP("Lots", "released")),
    LotStatus.REJECTED: str(QT_TRANSLATE_NOOP("Lots", "rejected")),
    LotStatus.CONSUMED: str(QT_TRANSLATE_NOOP("Lots", "consumed")),
    LotStatus.SHIPPED: str(QT_TRANSLATE_NOOP("Lots", "shipped")),
    LotStatus.RECALLED: str(QT_TRANSLATE_NOOP("Lots", "recalled")),
    LotStatus.VOIDED: str(QT_TRANSLATE_NOOP("Lots", "voided")),
}
ON_HAND_COLUMN = 2
PRODUCT_COLUMN = 3
FIT_COLUMNS = 3  # Lot, Status, On hand: shown whole
_Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # numbers sort as numbers, not as text


def status_word(status: LotStatus) -> str:
    """A lot status in the person's language ("on hold"; a status added later: its value)."""
    word = STATUS_WORDS.get(status)
    if word is None:
        return status.value.replace("_", " ")
    return QCoreApplication.translate("Lots", word)


def _cell(lot: LotSummary, column: int) -> str:
    values = (
        lot.name,
        status_word(lot.status),
        f"{format_decimal(lot.on_hand.value)} {lot.on_hand.unit}",
        lot.product_name,
        lot.expiry.isoformat() if lot.expiry else "",
        lot.supplier or "",
    )
    return values[column]


class LotTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._lots: list[LotSummary] = []
        self._rows: dict[uuid.UUID, int] = {}

    def set_lots(self, lots: Sequence[LotSummary]) -> None:
        self.beginResetModel()
        self._lots = list(lots)
        self._rows = {lot.id: row for row, lot in enumerate(self._lots)}
        self.endResetModel()

    def lot_at(self, row: int) -> LotSummary:
        return self._lots[row]

    def row_of(self, lot_id: uuid.UUID) -> int | None:
        return self._rows.get(lot_id)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lots)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        lot = self._lots[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(lot, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == ON_HAND_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return lot.name
        if role == SORT_ROLE:
            if index.column() == ON_HAND_COLUMN:
                return float(lot.on_hand.value)
            return _cell(lot, index.column()).casefold()
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (0, PRODUCT_COLUMN):
            return f"{lot.name} — {lot.product_name}"
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return QCoreApplication.translate("Lots", _COLUMNS[section])
        return None
