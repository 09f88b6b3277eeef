"""Lots & genealogy page: find lots (typed, scanned or filtered), read one lot's record, and walk
its genealogy graph. Every query runs in the background; typing is debounced."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.codes import GS, normalize_separators
from traceapp.domain.dispositions import DecisionOutcome
from traceapp.domain.genealogy import NodeKey, NodeKind
from traceapp.domain.lots import LotStatus
from traceapp.domain.permissions import Role, UseCase, allowed
from traceapp.domain.results import LotDetail, LotQuery, LotSearch
from traceapp.services import catalog
from traceapp.services import lots as lot_queries
from traceapp.services.dispositions import decisions_of
from traceapp.ui.context import StationContext
from traceapp.ui.decisions import DecisionActions, LotState
from traceapp.ui.genealogy_view import GenealogyPanel, lot_key
from traceapp.ui.lot_detail import LotDetailPanel, plain_label
from traceapp.ui.lot_table import (
    FIT_COLUMNS,
    PRODUCT_COLUMN,
    SORT_ROLE,
    LotTableModel,
    status_word,
)
from traceapp.ui.messages import error_text

SEARCH_DELAY_MS = 250  # wait for the person (or scanner) to finish typing before querying
LIST_LIMIT = 500  # rows in the table; a larger result says "showing the first 500"
RECORD_TAB, GRAPH_TAB = 0, 1
RESIZE_SAMPLE_ROWS = 50  # column widths from the first rows: measuring 500 rows takes 250 ms
PRODUCT_MAX_WIDTH = 220  # px; a longer product name is elided (its tooltip has it whole)
DETAIL_MIN_WIDTH = 560  # px the record keeps when the list widens to show its figures


GS_SHOWN = "\u241d"  # ␝: what the search field shows for a GS1 group separator
GS_SPELLINGS = ("<GS>", "^]", GS_SHOWN)
# What keyboard-wedge scanners send for FNC1/GS (US/UK layouts, German QWERTZ); see devices.input.
GS_CHORDS = frozenset({"Ctrl+]", "Ctrl++"})


class _SeparatorKeys(QObject):
    """A scanner's GS (a Ctrl chord, or the control character) would vanish in a line edit:
    put a visible ␝ there instead, which the search reads back as GS."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(watched, QLineEdit):
            assert isinstance(event, QKeyEvent)
            chord = QKeySequence(event.keyCombination()).toString()
            if chord in GS_CHORDS or event.text() == GS:
                watched.insert(GS_SHOWN)
                return True
        return False


class LotsPage(QWidget):
    """Search bar and filters over the lot table; the chosen lot's record and graph beside it."""

    page_title = "Lots & genealogy"
    page_shortcut = "F3"

    def __init__(self, context: StationContext) -> None:
        super().__init__()
        self._context = context
        self._search_generation = 0
        self._detail_generation = 0
        self._open_first = False  # Enter was pressed: open the first lot found
        self._selecting = False  # the table's selection is being set by the page, not a person
        self._loaded_once = False
        self._sized = False
        self.search = QLineEdit()
        self.search.setObjectName("lotSearch")
        self.search.setPlaceholderText(
            QCoreApplication.translate("Lots", "Scan or type a lot, container, part or product…")
        )
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(QCoreApplication.translate("Lots", "Search lots"))
        self._separator_keys = _SeparatorKeys(self)
        self.search.installEventFilter(self._separator_keys)
        self.product_filter = QComboBox()
        self.product_filter.setObjectName("productFilter")
        self.product_filter.addItem(QCoreApplication.translate("Lots", "All products"), None)
        self.product_filter.setAccessibleName(QCoreApplication.translate("Lots", "Product"))
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.addItem(QCoreApplication.translate("Lots", "All statuses"), None)
        for status in LotStatus:
            self.status_filter.addItem(status_word(status), status.value)
        self.status_filter.setAccessibleName(QCoreApplication.translate("Lots", "Status"))
        self.dated = QCheckBox(QCoreApplication.translate("Lots", "Made between"))
        self.dated.setObjectName("datedFilter")
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-30))
        self.date_to = QDateEdit(today)
        for edit, name in ((self.date_from, "dateFrom"), (self.date_to, "dateTo")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.model = LotTableModel()
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        proxy.setSortRole(SORT_ROLE)
        self._proxy = proxy
        self.table = QTableView()
        self.table.setObjectName("lotTable")
        self.table.setModel(proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # as the search returned them
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
        self.table.verticalHeader().setVisible(False)
        self.count = plain_label("", "lotCount")
        self.container_info = plain_label("", "containerInfo")
        self.container_info.hide()
        self.decision_actions = DecisionActions(context, self)
        # The record of the lot shown: built when a lot is first shown (`detail`), ~26 ms of the
        # page's construction otherwise, which F3 paid when the page had not been built ahead
        # (issue 6: no GUI turn over 100 ms). Until then the tab says what the record's title says.
        self._detail: LotDetailPanel | None = None
        self._record_holder = QWidget()
        self._record_holder.setObjectName("lotRecordHolder")
        self._record_layout = QVBoxLayout(self._record_holder)  # the record's own margins
        self._record_placeholder = plain_label("Select a lot", "lotRecordPlaceholder")
        self._record_placeholder.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self._record_layout.addWidget(self._record_placeholder, 0, Qt.AlignmentFlag.AlignTop)
        self.genealogy = GenealogyPanel(context)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("lotTabs")
        self.tabs.addTab(self._record_holder, QCoreApplication.translate("Lots", "&Record"))
        self.tabs.addTab(self.genealogy, QCoreApplication.translate("Lots", "&Genealogy"))
        filters = QHBoxLayout()
        filters.addWidget(self.product_filter, 2)
        filters.addWidget(self.status_filter, 1)
        dates = QHBoxLayout()
        dates.addWidget(self.date_from, 1)
        dates.addWidget(QLabel(QCoreApplication.translate("Lots", "and")))
        dates.addWidget(self.date_to, 1)
        for combo in (self.product_filter, self.status_filter):
            # Long product names must not hold the search column wide open.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.dated)
        left_layout.addLayout(dates)
        left_layout.addWidget(self.container_info)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self._splitter_moved = False  # by the person: the list keeps the width they chose
        splitter.splitterMoved.connect(self._on_splitter_moved)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._on_text_changed)
        self.search.returnPressed.connect(self._on_search_entered)
        self.product_filter.currentIndexChanged.connect(self.refresh)
        self.status_filter.currentIndexChanged.connect(self.refresh)
        self.dated.toggled.connect(self._on_dated_toggled)
        self.date_from.dateChanged.connect(self._on_dates_changed)
        self.date_to.dateChanged.connect(self._on_dates_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_selected)
        self.decision_actions.decided.connect(self._on_decided)
        self.genealogy.lot_activated.connect(self._on_graph_lot)
        find = QShortcut(QKeySequence("Ctrl+F"), self)
        find.activated.connect(self._focus_search)
        for keys, tab in (("Ctrl+R", RECORD_TAB), ("Ctrl+G", GRAPH_TAB)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(lambda tab=tab: self._show_tab(tab))
        context.signed_in.connect(self._on_signed_in)
        context.signed_out.connect(self._on_signed_out)
        self.setFocusProxy(self.search)

    def visible_to(self, role: Role) -> bool:
        return allowed(role, UseCase.READ)

    # --- searching -------------------------------------------------------------------------

    def query(self) -> LotQuery:
        made_after = made_before = None
        if self.dated.isChecked():
            made_after = _local_midnight(self.date_from.date())
            made_before = _local_midnight(self.date_to.date()) + timedelta(days=1)
        status = self.status_filter.currentData()
        return LotQuery(
            text=normalize_separators(self.search.text(), GS_SPELLINGS).strip() or None,
            product=self.product_filter.currentData(),
            status=LotStatus(status) if status else None,
            made_after=made_after,
            made_before=made_before,
            limit=LIST_LIMIT,
        )

    def refresh(self) -> None:
        """Search again with what the fields say now (results of older searches are dropped)."""
        self._search_timer.stop()
        self._search_generation += 1
        generation = self._search_generation
        query = self.query()
        self.count.setText(QCoreApplication.translate("Lots", "Searching…"))

        def work(uow: UnitOfWork, actor: Actor) -> LotSearch:
            return lot_queries.search_lots(uow, actor=actor, query=query)

        def done(result: LotSearch) -> None:
            if generation == self._search_generation:
                self._on_lots_loaded(result)

        def fail(error: BaseException, details: str) -> None:
            if generation == self._search_generation:
                self._open_first = False
                self.model.set_lots(())
                self.count.setText(QCoreApplication.translate("Lots", "No lots shown."))
                self._show_error(error_text(error, details))

        self._context.run(work, done, fail)

    def _load_products(self) -> None:
        def work(uow: UnitOfWork, _actor: Actor) -> tuple[catalog.ProductInfo, ...]:
            return catalog.list_products(uow)

        self._context.run(work, self._on_products_loaded, lambda _error, _details: None)

    def _on_products_loaded(self, products: tuple[catalog.ProductInfo, ...]) -> None:
        current = self.product_filter.currentData()
        self.product_filter.blockSignals(True)
        self.product_filter.clear()
        self.product_filter.addItem(QCoreApplication.translate("Lots", "All products"), None)
        for product in products:
            self.product_filter.addItem(
                f"{product.part_number} — {product.name}", product.part_number
            )
        index = self.product_filter.findData(current)
        self.product_filter.setCurrentIndex(max(index, 0))
        self.product_filter.blockSignals(False)

    def _on_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    def _on_search_entered(self) -> None:
        self._open_first = True
        self.refresh()

    def _on_dated_toggled(self, checked: bool) -> None:
        self.date_from.setEnabled(checked)
        self.date_to.setEnabled(checked)
        self.refresh()

    def _on_dates_changed(self) -> None:
        if self.dated.isChecked():
            self._search_timer.start()

    def _on_lots_loaded(self, result: LotSearch) -> None:
        self._selecting = True
        self.model.set_lots(result.lots)
        self._selecting = False
        self._fit_columns()
        shown = len(result.lots)
        if result.more:
            self.count.setText(
                QCoreApplication.translate(
                    "Lots", "Showing the first {shown} lots; more match. Narrow the search."
                ).format(shown=shown)
            )
        elif shown == 1:
            self.count.setText(QCoreApplication.translate("Lots", "1 lot shown"))
        else:
            self.count.setText(
                QCoreApplication.translate("Lots", "{shown} lots shown").format(shown=shown)
            )
        if result.scanned_container is not None:
            container = result.scanned_container
            state = (
                QCoreApplication.translate("Lots", "{status} on {parent}").format(
                    status=container.status, parent=container.parent_code
                )
                if container.parent_code
                else container.status
            )
            holds = (
                QCoreApplication.translate("Lots", "{kind} {code} ({state}) holds the 1 lot below.")
                if shown == 1
                else QCoreApplication.translate(
                    "Lots", "{kind} {code} ({state}) holds the {shown} lots below."
                )
            )
            self.container_info.setText(
                holds.format(
                    kind=container.kind.title(), code=container.code, state=state, shown=shown
                )
            )
            self.container_info.show()
        else:
            self.container_info.hide()
        open_first, self._open_first = self._open_first, False
        if result.scanned_lot is not None:
            self.open_lot_id(result.scanned_lot.id)
        elif result.scanned_container is not None:
            self.genealogy.show_key(_container_key(result.scanned_container.id))
            if result.lots:
                self._open_detail(result.lots[0].id)
                self._select_row(result.lots[0].id)
            self._show_tab(GRAPH_TAB)
        elif open_first and result.lots:
            self.open_lot_id(result.lots[0].id)
        elif open_first:
            self._show_error(
                QCoreApplication.translate(
                    "Lots",
                    "No lot matches the search.\nCheck the code, or clear the filters "
                    "(product, status, dates).",
                )
            )

    # --- one lot ---------------------------------------------------------------------------

    def open_lot(self, code: str) -> None:
        """Open the lot a code names (typed, scanned or PART/LOT)."""
        self._detail_generation += 1
        generation = self._detail_generation

        def work(uow: UnitOfWork, actor: Actor) -> LotState:
            return _with_decisions(uow, actor, lot_queries.lot_detail(uow, code, actor=actor))

        def done(state: LotState) -> None:
            if generation == self._detail_generation:
                self._show_state(state)
                self.genealogy.show_key(lot_key(state.detail.lot.id))
                self._select_row(state.detail.lot.id)

        self._context.run(work, done, self._on_detail_failed(generation))

    @property
    def detail(self) -> LotDetailPanel:
        """The record of the lot shown, in the Record tab (built the first time it is needed)."""
        if self._detail is None:
            panel = LotDetailPanel(self.decision_actions, context=self._context)
            self._record_placeholder.hide()
            self._record_layout.removeWidget(self._record_placeholder)
            self._record_placeholder.deleteLater()
            self._record_layout.setContentsMargins(0, 0, 0, 0)  # the panel has its own
            self._record_layout.addWidget(panel)
            panel.lot_requested.connect(self.open_lot_id)
            self._detail = panel
        return self._detail

    @property
    def record_built(self) -> bool:
        """The lot record exists (a lot was shown, or `detail` was asked for)."""
        return self._detail is not None

    def open_lot_id(self, lot_id: uuid.UUID) -> None:
        """Open a lot picked from the table, the record's links or a scan: record and graph."""
        self._open_detail(lot_id)
        self.genealogy.show_key(lot_key(lot_id))
        self._select_row(lot_id)

    def _open_detail(self, lot_id: uuid.UUID) -> None:
        self._detail_generation += 1
        generation = self._detail_generation

        def work(uow: UnitOfWork, actor: Actor) -> LotState:
            detail = lot_queries.lot_detail_by_id(uow, lot_id, actor=actor)
            return _with_decisions(uow, actor, detail)

        def done(state: LotState) -> None:
            if generation == self._detail_generation:
                self._show_state(state)

        self._context.run(work, done, self._on_detail_failed(generation))

    def _show_state(self, state: LotState) -> None:
        self.detail.show_detail(state.detail, state.decisions)
        self.decision_actions.set_lot(state)
        self._keep_record_width()

    def _on_decided(self, outcome: DecisionOutcome) -> None:
        """A decision was recorded: the record (badge, decisions, history) and the list again."""
        self._open_detail(outcome.decision.lot_id)
        self.refresh()

    def _on_detail_failed(self, generation: int) -> Callable[[BaseException, str], None]:
        def fail(error: BaseException, details: str) -> None:
            if generation == self._detail_generation:
                self._show_error(error_text(error, details))

        return fail

    def _on_graph_lot(self, lot_id: uuid.UUID) -> None:
        """A lot clicked in the graph opens in the record; the graph stays as it is."""
        self._open_detail(lot_id)
        self._select_row(lot_id)

    def _on_row_selected(
        self, current: QModelIndex | QPersistentModelIndex, _previous: object
    ) -> None:
        if self._selecting:
            return
        index = self._proxy.mapToSource(current)
        if index.isValid():
            self.open_lot_id(self.model.lot_at(index.row()).id)

    def _select_row(self, lot_id: uuid.UUID) -> None:
        row = self.model.row_of(lot_id)
        self._selecting = True
        try:
            if row is None:
                self.table.clearSelection()
                return
            index = self._proxy.mapFromSource(self.model.index(row, 0))
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)
        finally:
            self._selecting = False

    def _show_error(self, text: str) -> None:
        self.decision_actions.set_lot(None)
        self.detail.show_message(text)
        self._show_tab(RECORD_TAB)

    def _show_tab(self, tab: int) -> None:
        self.tabs.setCurrentIndex(tab)

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # --- who is signed in ------------------------------------------------------------------

    def _on_signed_in(self, _actor: Actor) -> None:
        if self.isVisible():
            self._load_products()
            self.refresh()
            self._loaded_once = True
        else:
            self._loaded_once = False

    def _on_signed_out(self) -> None:
        # The next person must not find the last one's search on the screen.
        self._search_generation += 1
        self._detail_generation += 1
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._search_timer.stop()
        self.model.set_lots(())
        self.count.setText("")
        self.container_info.hide()
        self.decision_actions.set_lot(None)
        if self._detail is not None:
            self._detail.clear()
        self.genealogy.clear()
        self._loaded_once = False

    def _on_splitter_moved(self, _pos: int, _index: int) -> None:
        self._splitter_moved = True

    def _fit_columns(self) -> None:
        """Columns as wide as their text, product names capped (elided); the list pane as wide
        as lot, status and on hand need, so the figures are never cut off at 1366 px."""
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        if header.sectionSize(PRODUCT_COLUMN) > PRODUCT_MAX_WIDTH:
            header.resizeSection(PRODUCT_COLUMN, PRODUCT_MAX_WIDTH)
        if self._splitter_moved or not self.isVisible():
            return
        needed = (
            sum(header.sectionSize(column) for column in range(FIT_COLUMNS))
            + self.table.verticalScrollBar().sizeHint().width()
            + 2 * self.table.frameWidth()
            + 4
        )
        left, right = self.splitter.sizes()
        if left >= needed:
            return
        wider = min(needed, left + right - self._record_min_width())
        if wider > left:
            self.splitter.setSizes([wider, left + right - wider])

    def _record_min_width(self) -> int:
        return max(DETAIL_MIN_WIDTH, self.tabs.minimumSizeHint().width())

    def _keep_record_width(self) -> None:
        """The record's buttons came or went: the record pane keeps the width its buttons'
        words need (the list scrolls sideways instead)."""
        for button in self.decision_actions.findChildren(QPushButton):
            # The stylesheet's min-width is a minimum of its own, below the words' width: the
            # button grid would squeeze "Ctrl+Shift+R" to "Ctrl+Shift+" in a narrow pane.
            button.setMinimumWidth(button.sizeHint().width())
        if self._detail is None:
            return
        content = self._detail.widget()
        if content is not None:
            content.updateGeometry()
        self._detail.updateGeometry()
        left, right = self.splitter.sizes()
        need = self._record_min_width()
        if self.isVisible() and 0 < right < need and left + right > need:
            self.splitter.setSizes([left + right - need, need])

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            # A third for the search, two thirds for the record and the graph.
            self._sized = True
            width = max(self.splitter.width(), 900)
            self.splitter.setSizes([width * 35 // 100, width * 65 // 100])
        if not self._loaded_once and self._context.actor is not None:
            self._loaded_once = True
            self._load_products()
            self.refresh()


def _with_decisions(uow: UnitOfWork, actor: Actor, detail: LotDetail) -> LotState:
    """The lot and its decisions, read in one unit of work (the buttons follow both)."""
    return LotState(detail, decisions_of(uow, detail.lot.name, actor=actor))


def _local_midnight(day: QDate) -> datetime:
    """The start of a calendar day in this PC's time zone, as an aware instant."""
    naive = datetime.combine(day.toPython(), time())  # type: ignore[arg-type]
    return naive.astimezone()


def _container_key(container_id: uuid.UUID) -> NodeKey:
    return NodeKey(NodeKind.CONTAINER, container_id)
