"""Qt table models of a recall's affected lots, customers, shipments and stock on site.

Tens of thousands of rows: text is made when a cell is painted, and sorting is the model's own
(one Python sort on keys made per row), not a QSortFilterProxyModel asking data() per compare.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from traceapp.domain.quantity import Quantity, format_decimal
from traceapp.domain.recall import StockOnSite
from traceapp.domain.trace import AffectedParty, TracedLot, TracedShipment

R = TypeVar("R")
_Index = QModelIndex | QPersistentModelIndex
SortKey = str | Decimal | float | int | tuple[str, int]
LOTS_SHOWN = 6  # lots named in a shipment's cell; the rest are counted
# A customer's row is a card of three lines (name and code; contact, phone and e-mail; lots):
# nine one-line columns were 1,500 px wide and cut the phone numbers off at 1366x768.
CUSTOMER_LINES = 3
LOT_LINES = 2  # an affected lot's row: lot and product, status and depth, supplier and lot code
UPPER_BOUND_WORDS = "share unknown"  # under an amount that is a ceiling (≤)
TIME_FORMAT = "%Y-%m-%d %H:%M"
DATE_FORMAT = "%Y-%m-%d"
NO_VALUE = "—"


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    key: Callable[[R], SortKey] | None = None  # default: the text, case-folded
    numeric: bool = False  # right-aligned
    tip: Callable[[R], str] | None = None
    heading: str | None = None  # the header's words when not the title (e.g. on two lines)


def amount(quantity: Quantity | None, upper_bound: bool = False) -> str:
    """`12.5 kg`, `≤ 12.5 kg` when the share could not be computed, — when unknown."""
    if quantity is None:
        return NO_VALUE
    text = f"{format_decimal(quantity.value)} {quantity.unit}"
    return f"≤ {text}" if upper_bound else text


def _amount_key(quantity: Quantity | None) -> Decimal:
    return quantity.value if quantity is not None else Decimal(-1)


def local(moment: datetime | None) -> str:
    return moment.astimezone().strftime(TIME_FORMAT) if moment is not None else NO_VALUE


def _time_key(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else 0.0


def some_lots(lots: Sequence[str]) -> str:
    shown = ", ".join(lots[:LOTS_SHOWN])
    rest = len(lots) - LOTS_SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


def words(status: str) -> str:
    return status.replace("_", " ")


class RecordTableModel(QAbstractTableModel, Generic[R]):
    """Rows of frozen dataclasses, one column per `Column`; sortable by any column."""

    def __init__(self, columns: Sequence[Column[R]], *, lines: int = 1) -> None:
        super().__init__()
        self.columns = tuple(columns)
        self.lines = lines  # of text in a row; several: cells start at the top
        self._rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> R:
        return self._rows[row]

    def rows(self) -> list[R]:
        return list(self._rows)

    def replace_row(self, row: int, value: R) -> None:
        self._rows[row] = value
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        record = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(record)
        if role == Qt.ItemDataRole.TextAlignmentRole and (column.numeric or self.lines > 1):
            vertical = (
                Qt.AlignmentFlag.AlignTop if self.lines > 1 else Qt.AlignmentFlag.AlignVCenter
            )
            horizontal = (
                Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | vertical)
        if role == Qt.ItemDataRole.ToolTipRole and column.tip is not None:
            return column.tip(record)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            column = self.columns[section]
            return column.heading or column.title
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return  # -1: the order the drill gave
        spec = self.columns[column]
        key = spec.key
        text = spec.text
        self.layoutAboutToBeChanged.emit()
        if key is not None:
            self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        else:
            self._rows.sort(
                key=lambda r: text(r).casefold(), reverse=order == Qt.SortOrder.DescendingOrder
            )
        self.layoutChanged.emit()


def lot_columns() -> list[Column[TracedLot]]:
    """The quantities next to the lot: what a person reads first. Two lines a row (lot and
    product; status and depth; supplier and their lot code): eight one-line columns ran
    ~1,250 px and scrolled sideways at 1366x768."""
    return [
        Column(
            "Lot",
            lambda lot: f"{lot.name}\n{lot.product_name}",
            key=lambda lot: lot.name.casefold(),
            tip=lambda lot: f"{lot.name} — {lot.product_name}",
            heading="Lot\nproduct",
        ),
        Column(
            "Suspect material in it",
            lambda lot: (
                amount(lot.quantity, lot.upper_bound)
                + ("\n" + UPPER_BOUND_WORDS if lot.upper_bound else "")
            ),
            heading="Suspect material\nin it",
            key=lambda lot: _amount_key(lot.quantity),
            numeric=True,
            tip=lambda lot: (
                "How much of the suspect lots' material went into this lot"
                + (" (at most: the share could not be computed)" if lot.upper_bound else "")
            ),
        ),
        Column(
            "On hand",
            lambda lot: amount(lot.on_hand),
            key=lambda lot: lot.on_hand.value,
            numeric=True,
        ),
        Column(
            "Status",
            lambda lot: f"{words(lot.status.value)}\ndepth {lot.depth}",
            key=lambda lot: (lot.status.value, lot.depth),
            tip=lambda lot: f"{lot.depth} step(s) from where the trace started",
            heading="Status\ndepth",
        ),
        Column("Kind", lambda lot: lot.product_kind),
        Column(
            "Supplier lot",
            lambda lot: (
                f"{lot.supplier or NO_VALUE}\n{lot.supplier_lot_code or NO_VALUE}"
                if lot.supplier or lot.supplier_lot_code
                else NO_VALUE
            ),
            key=lambda lot: f"{lot.supplier or ''} {lot.supplier_lot_code or ''}".casefold(),
            heading="Supplier\nsupplier's lot",
        ),
    ]


def lot_lines(lots: Sequence[str], lines: int = CUSTOMER_LINES) -> str:
    """One lot a line; past `lines`, the last line counts the rest."""
    if len(lots) <= lines:
        return "\n".join(lots)
    return "\n".join([*lots[: lines - 1], f"and {len(lots) - lines + 1} more"])


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def contact_lines(c: AffectedParty) -> str:
    return "\n".join(
        (c.contact_name or NO_VALUE, c.contact_phone or NO_VALUE, c.contact_email or NO_VALUE)
    )


def shipped_line(c: AffectedParty) -> str:
    last = c.last_shipped.astimezone().strftime(DATE_FORMAT) if c.last_shipped else NO_VALUE
    return f"{_count(c.shipments, 'shipment')}, last {last}"


def customer_columns() -> list[Column[AffectedParty]]:
    """Who to call and how to reach them, then what they received: a card of three lines each
    (the shipments' times are on the Shipments tab)."""
    return [
        Column(
            "Customer",
            lambda c: f"{c.name}\n{c.code}\n{shipped_line(c)}",
            key=lambda c: c.name.casefold(),
            tip=lambda c: f"{c.code} — {c.name}; last shipped {local(c.last_shipped)}",
            heading="Customer\ncode, shipments",
        ),
        Column(
            "Contact",
            contact_lines,
            key=lambda c: (c.contact_name or "").casefold(),
            heading="Contact\nphone, e-mail",
        ),
        Column(
            "Suspect material received",
            lambda c: amount(c.quantity, c.upper_bound),
            key=lambda c: _amount_key(c.quantity),
            numeric=True,
            heading="Suspect\nmaterial\nreceived",
        ),
        Column(
            "Lots received",
            lambda c: lot_lines(c.lots),
            key=lambda c: len(c.lots),
            tip=lambda c: "\n".join(c.lots),
        ),
    ]


def shipment_columns() -> list[Column[TracedShipment]]:
    return [
        Column("Shipped", lambda s: local(s.shipped_at), key=lambda s: _time_key(s.shipped_at)),
        Column("Customer", lambda s: s.customer_name, tip=lambda s: s.customer),
        Column("Document", lambda s: s.reference_document or NO_VALUE),
        Column(
            "Suspect material",
            lambda s: amount(s.quantity, s.upper_bound),
            key=lambda s: _amount_key(s.quantity),
            numeric=True,
            heading="Suspect\nmaterial",
        ),
        Column("Lots", lambda s: some_lots(s.lots), tip=lambda s: "\n".join(s.lots)),
        Column("Containers", lambda s: ", ".join(s.containers) or NO_VALUE),
    ]


def stock_columns() -> list[Column[StockOnSite]]:
    return [
        Column("Lot", lambda s: s.lot),
        Column("Product", lambda s: s.product_name),
        Column("Status", lambda s: words(s.status)),
        Column("Location", lambda s: s.location or NO_VALUE),
        Column(
            "On hand",
            lambda s: amount(s.on_hand),
            key=lambda s: s.on_hand.value,
            numeric=True,
        ),
    ]
