"""Lots page: search lots by code, product or status and read one lot's record and genealogy."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import KnownError
from traceapp.domain.lots import LotStatus
from traceapp.domain.permissions import Role, UseCase, allowed
from traceapp.domain.results import LotDetail, LotSummary
from traceapp.services import lots as lot_queries
from traceapp.ui.context import StationContext
from traceapp.ui.lot_table import LotTableModel

SEARCH_DELAY_MS = 250  # wait for the person (or scanner) to finish typing before querying
LIST_LIMIT = 500


def _plain_label(text: str = "") -> QLabel:
    label = QLabel(text)
    # Lot codes and names come from scans and imports: never let them be read as rich text.
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class LotDetailPanel(QWidget):
    """One lot: status, quantities, where it came from and went, and its history."""

    def __init__(self) -> None:
        super().__init__()
        self.title = _plain_label("Select a lot")
        self.title.setObjectName("lotTitle")
        self.title.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.status = _plain_label()
        self.status.setObjectName("lotStatus")
        self.on_hand = _plain_label()
        self.product = _plain_label()
        self.origin = _plain_label()
        self.expiry = _plain_label()
        self.containers = _plain_label()
        facts = QFormLayout()
        for caption, label in (
            ("Status", self.status),
            ("On hand", self.on_hand),
            ("Product", self.product),
            ("Origin", self.origin),
            ("Expiry", self.expiry),
            ("In containers", self.containers),
        ):
            facts.addRow(caption, label)
        self.parents = QListWidget()
        self.parents.setObjectName("lotParents")
        self.children_list = QListWidget()
        self.children_list.setObjectName("lotChildren")
        links = QHBoxLayout()
        for caption, widget in (("Made from", self.parents), ("Went into", self.children_list)):
            column = QVBoxLayout()
            column.addWidget(QLabel(caption))
            column.addWidget(widget)
            links.addLayout(column)
        self.events = QTableWidget(0, 5)
        self.events.setObjectName("lotEvents")
        self.events.setHorizontalHeaderLabels(["When", "Step", "Station", "By", "Details"])
        self.events.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.events.horizontalHeader().setStretchLastSection(True)
        self.events.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.events.verticalHeader().setVisible(False)
        self.events.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(facts)
        layout.addLayout(links, 1)
        layout.addWidget(QLabel("History"))
        layout.addWidget(self.events, 2)

    def show_detail(self, detail: LotDetail) -> None:
        lot = detail.lot
        self.title.setText(lot.name)
        self.status.setText(lot.status.value.replace("_", " ").upper())
        self.on_hand.setText(f"{lot.on_hand} of {lot.initial}")
        self.product.setText(lot.product_name)
        origin = lot.origin.value
        if lot.supplier:
            origin += f" from {lot.supplier} (supplier lot {lot.supplier_lot_code})"
        self.origin.setText(origin)
        self.expiry.setText(lot.expiry.isoformat() if lot.expiry else "—")
        self.containers.setText(", ".join(detail.containers) or "—")
        self.parents.clear()
        self.parents.addItems([f"{link.lot}  ({link.quantity})" for link in detail.parents])
        self.children_list.clear()
        self.children_list.addItems([f"{link.lot}  ({link.quantity})" for link in detail.children])
        self.events.setRowCount(len(detail.events))
        for row, event in enumerate(detail.events):
            details = ", ".join(
                f"{item.role.value} {item.label}" + (f" {item.quantity}" if item.quantity else "")
                for item in event.items
            )
            if event.corrected_by:
                details = "CORRECTED — " + details
            for column, text in enumerate(
                (
                    event.event_time.strftime("%Y-%m-%d %H:%M"),
                    event.step.value,
                    event.station or "",
                    event.user,
                    details,
                )
            ):
                self.events.setItem(row, column, QTableWidgetItem(text))
        self.events.resizeRowsToContents()

    def show_message(self, text: str) -> None:
        self.title.setText(text)


class LotsPage(QWidget):
    """Search field and status filter over the lot table; the selected lot's detail beside it."""

    page_title = "Lots & genealogy"
    page_shortcut = "F3"

    def __init__(self, context: StationContext) -> None:
        super().__init__()
        self._context = context
        self.search = QLineEdit()
        self.search.setObjectName("lotSearch")
        self.search.setPlaceholderText("Scan or type a lot code, part or product…")
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.addItem("All statuses", None)
        for status in LotStatus:
            self.status_filter.addItem(status.value.replace("_", " "), status.value)
        self.model = LotTableModel()
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        self._proxy = proxy
        self.table = QTableView()
        self.table.setObjectName("lotTable")
        self.table.setModel(proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.detail = LotDetailPanel()
        self.count = _plain_label()
        self.count.setObjectName("lotCount")
        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(self.status_filter, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(top)
        left_layout.addWidget(self.table)
        left_layout.addWidget(self.count)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([620, 660])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._on_search_entered)
        self.status_filter.currentIndexChanged.connect(self.refresh)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_selected)

    def refresh(self) -> None:
        text = self.search.text().strip()
        status = self.status_filter.currentData()

        def work(uow: UnitOfWork, actor: Actor) -> tuple[LotSummary, ...]:
            return lot_queries.list_lots(
                uow, actor=actor, text=text or None, status=status, limit=LIST_LIMIT
            )

        self._context.run(work, self._on_lots_loaded, self._on_failed)

    def open_lot(self, code: str) -> None:
        def work(uow: UnitOfWork, actor: Actor) -> LotDetail:
            return lot_queries.lot_detail(uow, code, actor=actor)

        self._context.run(work, self.detail.show_detail, self._on_failed)

    def visible_to(self, role: Role) -> bool:
        return allowed(role, UseCase.READ)

    def _on_search_entered(self) -> None:
        self._search_timer.stop()
        self.refresh()
        if self.search.text().strip():
            self.open_lot(self.search.text().strip())

    def _on_lots_loaded(self, lots: tuple[LotSummary, ...]) -> None:
        self.model.set_lots(lots)
        self.count.setText(
            f"{len(lots)} lot shown" if len(lots) == 1 else f"{len(lots)} lots shown"
        )

    def _on_row_selected(self, current: object, _previous: object) -> None:
        index = self._proxy.mapToSource(current)  # type: ignore[arg-type]
        if index.isValid():
            self.open_lot(self.model.lot_at(index.row()).name)

    def _on_failed(self, error: BaseException, details: str) -> None:
        if isinstance(error, KnownError):
            self.detail.show_message(str(error))
        else:
            self.detail.show_message(f"Something went wrong: {error}")
            print(details)
