"""Recall & reports page: start a recall drill from suspect lots, a supplier lot code or equipment
and a time window; see the affected lots, customers, shipments and stock on site with a drill
timer; hold the stock on site with a signature; write the signed PDF and the FSMA 204 sheet."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import (
    QDateTime,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
)
from PySide6.QtGui import QDesktopServices, QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.devices.input.events import ScanEvent
from traceapp.domain.actor import Actor
from traceapp.domain.errors import InvalidInput
from traceapp.domain.permissions import Role, UseCase, allowed
from traceapp.domain.quantity import Quantity
from traceapp.domain.recall import RecallResult, StockOnSite
from traceapp.domain.results import LotDetail
from traceapp.domain.trace import AffectedParty, TracedLot, TracedShipment
from traceapp.services import lots as lot_queries
from traceapp.services.dispositions import decisions_of
from traceapp.services.recall import RECALL_MEANINGS
from traceapp.services.signatures import Meaning
from traceapp.services.station import ScanInfo, resolve_scan, station_choices
from traceapp.ui.background import Cancelled, Progress
from traceapp.ui.context import StationContext
from traceapp.ui.decisions import LotState
from traceapp.ui.lot_detail import LotDetailPanel
from traceapp.ui.messages import error_text
from traceapp.ui.recall_page.models import (
    CUSTOMER_LINES,
    LOT_LINES,
    RecordTableModel,
    amount,
    customer_columns,
    lot_columns,
    shipment_columns,
    stock_columns,
)
from traceapp.ui.recall_page.sign_dialog import SignDialog
from traceapp.ui.recall_page.work import (
    DrillRequest,
    HoldAllReport,
    Written,
    details,
    drill,
    export_pdf,
    export_sheet,
    hold_all,
)
from traceapp.ui.scanner_input import WedgeInput

DEFAULT_REASON = "recall drill"
READING_TIP = "Reading the FSMA 204 events of the affected lots…"
TICK_MS = 100  # the drill timer's refresh
RUN_KEYS = ("Ctrl+Return", "Ctrl+Enter")
CLEAR_SUSPECTS_KEY = "Ctrl+Shift+Backspace"
LOTS_TAB, CUSTOMERS_TAB, SHIPMENTS_TAB, STOCK_TAB = range(4)
RESIZE_SAMPLE_ROWS = 50  # column widths from the first rows: 10,000 rows would take seconds
FAILURES_SHOWN = 10  # lots not held, named on the page; the rest are counted
DEFAULT_WINDOW = timedelta(hours=8)  # equipment window: a shift back from now
TIMER_POINT_SIZE = 18
SUSPECTS_HEIGHT_PX = 56  # two lines of lot codes
ROW_PADDING_PX = 8  # above and below a card row's lines
TABLES_SHARE = 68  # % of the width for the tables; the rest for the lot's record


class StartFrom:
    LOTS, SUPPLIER_LOT, EQUIPMENT = range(3)


def _label(text: str = "", name: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # codes and names were typed by people
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


def _table(name: str, model: RecordTableModel[object]) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSortingEnabled(True)
    table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the drill's own order first
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    # Fixed row heights: the view never measures 10,000 rows.
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    header.setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
    return table


def _sum_by_unit(quantities: list[Quantity]) -> str:
    totals: dict[str, Decimal] = {}
    for quantity in quantities:  # plain decimals: 10,000 Quantity additions cost 60 ms
        totals[quantity.unit] = totals.get(quantity.unit, Decimal(0)) + quantity.value
    return " + ".join(amount(Quantity(v, unit)) for unit, v in totals.items()) or "nothing"


def count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_text(result: RecallResult) -> str:
    """The affected set in one paragraph: lots, stock on site versus shipped, customers."""
    totals = result.totals
    suspects = ", ".join(result.forward.start) or "—"
    shipped = amount(totals.shipped, totals.shipped_upper_bound)
    events = (
        count(len(result.events), "FSMA 204 event")
        if result.events is not None
        else "reading the FSMA 204 events…"
    )
    on_site = count(totals.lots_on_site, "lot")
    if result.on_site:
        on_site += f" ({_sum_by_unit([stock.on_hand for stock in result.on_site])})"
    return (
        f"{result.recall_id} · suspect {suspects}\n"
        f"{count(totals.lots, 'affected lot')} · {count(len(result.backward.lots), 'lot')} "
        f"upstream · {events}\n"
        f"Still on site: {on_site}\n"
        f"Shipped: {shipped} of suspect material in {count(totals.shipments, 'shipment')} "
        f"to {count(totals.customers, 'customer')}"
    )


def hold_report_text(report: HoldAllReport) -> str:
    held = len(report.held)
    text = f"Held {held} lot{'s' if held != 1 else ''} on site ({report.signature.line()})."
    if report.skipped:
        text += f"\nAlready stopped, left as they are: {', '.join(report.skipped)}."
    if report.failed:
        text += f"\nNOT HELD ({len(report.failed)}):"
        for failure in report.failed[:FAILURES_SHOWN]:
            text += f"\n  {failure.lot}: {failure.why}"
        rest = len(report.failed) - FAILURES_SHOWN
        if rest > 0:
            text += f"\n  and {rest} more."
    if report.not_tried:
        text += (
            f"\nCancelled: {len(report.not_tried)} lots not held "
            f"({', '.join(report.not_tried[:FAILURES_SHOWN])}"
            f"{' …' if len(report.not_tried) > FAILURES_SHOWN else ''}). Press Hold all again."
        )
    return text


class RecallPage(QWidget):
    """The recall drill as an auditor or a quality manager runs it; see docs/recall.md."""

    page_title = "Recall & reports"
    page_shortcut = "F6"

    def __init__(self, context: StationContext) -> None:
        super().__init__()
        self.setObjectName("recallPage")
        self._context = context
        self.result: RecallResult | None = None
        self.progress: Progress | None = None
        self.dialog: SignDialog | None = None
        self.written: Path | None = None
        self._generation = 0
        self._detail_generation = 0
        self._started = 0.0
        self.shown_after_s: float | None = None  # start to the affected set on screen
        self._equipment_loaded = False
        self._sized = False
        self._session = 0  # counts sign-outs
        self._unsized: set[QTableView] = set()
        self._last_column_width: dict[QTableView, int] = {}  # its text's, when last sized
        # Where exports go: a save dialog for a person; tests hand in a function.
        self.choose_path: Callable[[str, str], str | None] = self._ask_path

        # -- where the drill starts ----------------------------------------------------------
        self.start_from = QComboBox()
        self.start_from.setObjectName("recallStartFrom")
        self.start_from.setAccessibleName("Start from")
        for words in ("Suspect lots", "Supplier lot code", "Equipment and time window"):
            self.start_from.addItem(words)
        self.suspect_input = QLineEdit()
        self.suspect_input.setObjectName("recallSuspectInput")
        self.suspect_input.setPlaceholderText(
            "Scan a lot's label, or type PART/LOT and press Enter"
        )
        self.suspect_input.setAccessibleName("Suspect lot")
        self.suspects = QListWidget()
        self.suspects.setObjectName("recallSuspects")
        self.suspects.setAccessibleName("Suspect lots (Delete removes one)")
        # The lots side by side, wrapping: a few lines hold dozens of suspects.
        self.suspects.setFlow(QListView.Flow.LeftToRight)
        self.suspects.setWrapping(True)
        self.suspects.setResizeMode(QListView.ResizeMode.Adjust)
        self.suspects.setSpacing(4)
        self.suspects.setMaximumHeight(SUSPECTS_HEIGHT_PX)
        self.suspects.setToolTip("Delete removes the lot picked here")
        lots_box = QWidget()
        lots_layout = QVBoxLayout(lots_box)
        lots_layout.setContentsMargins(0, 0, 0, 0)
        lots_layout.addWidget(self.suspect_input)
        lots_layout.addWidget(self.suspects)
        self.supplier_lot = QLineEdit()
        self.supplier_lot.setObjectName("recallSupplierLot")
        self.supplier_lot.setPlaceholderText("The supplier's lot code, as on the delivery note")
        self.supplier_lot.setAccessibleName("Supplier lot code")
        supplier_box = QWidget()
        supplier_layout = QVBoxLayout(supplier_box)
        supplier_layout.setContentsMargins(0, 0, 0, 0)
        supplier_layout.addWidget(self.supplier_lot)
        supplier_layout.addStretch(1)
        self.equipment = QComboBox()
        self.equipment.setObjectName("recallEquipment")
        self.equipment.setAccessibleName("Equipment")
        now = QDateTime.currentDateTime()
        self.since = QDateTimeEdit(now.addSecs(-int(DEFAULT_WINDOW.total_seconds())))
        self.until = QDateTimeEdit(now)
        for edit, name, words in (
            (self.since, "recallSince", "From"),
            (self.until, "recallUntil", "To"),
        ):
            edit.setObjectName(name)
            edit.setAccessibleName(words)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
        equipment_box = QWidget()
        equipment_layout = QHBoxLayout(equipment_box)
        equipment_layout.setContentsMargins(0, 0, 0, 0)
        equipment_layout.addWidget(self.equipment, 2)
        equipment_layout.addWidget(QLabel("from"))
        equipment_layout.addWidget(self.since, 1)
        equipment_layout.addWidget(QLabel("to"))
        equipment_layout.addWidget(self.until, 1)
        self.start_stack = QStackedWidget()
        for box in (lots_box, supplier_box, equipment_box):
            self.start_stack.addWidget(box)
        self.start_stack.setMaximumHeight(lots_box.sizeHint().height() + 8)
        self.reason = QLineEdit(DEFAULT_REASON)
        self.reason.setObjectName("recallReason")
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("What is suspected and why")
        self.run_button = QPushButton("&Run drill   Ctrl+Enter")
        self.run_button.setObjectName("recallRun")
        self.run_button.setAutoDefault(False)
        self.cancel_button = QPushButton("Cancel   Esc")
        self.cancel_button.setObjectName("recallCancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setEnabled(False)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        start_label = QLabel("&Start from:")
        start_label.setBuddy(self.start_from)
        form.addRow(start_label, self.start_from)
        form.addRow("", self.start_stack)
        reason_label = QLabel("R&eason:")
        reason_label.setBuddy(self.reason)
        run_row = QHBoxLayout()
        run_row.addWidget(self.reason, 1)
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        form.addRow(reason_label, run_row)

        # -- the drill clock and what it found ----------------------------------------------
        self.timer_label = _label("Drill: not run", "recallTimer")
        big = QFont(self.timer_label.font())
        big.setPointSize(TIMER_POINT_SIZE)
        big.setBold(True)
        self.timer_label.setFont(big)
        self.summary = _label(
            "Start from a suspect lot, a supplier lot code or equipment.", "recallSummary"
        )
        self.message = _label("", "errorText")
        self.message.hide()
        clock = QVBoxLayout()
        clock.addWidget(self.timer_label)
        clock.addWidget(self.summary)
        clock.addWidget(self.message)
        clock.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(form, 3)
        top.addLayout(clock, 2)

        # -- actions ------------------------------------------------------------------------
        self.hold_button = QPushButton("&Hold all affected lots on site…")
        self.hold_button.setObjectName("recallHoldAll")
        self.pdf_button = QPushButton("Signed &PDF…")
        self.pdf_button.setObjectName("recallPdf")
        self.xlsx_button = QPushButton("FSMA 204 &XLSX…")
        self.xlsx_button.setObjectName("recallXlsx")
        self.csv_button = QPushButton("FSMA 204 CS&V…")
        self.csv_button.setObjectName("recallCsv")
        self.open_folder = QPushButton("&Open folder")
        self.open_folder.setObjectName("recallOpenFolder")
        self.open_folder.hide()
        self.action_result = _label("", "recallActionResult")
        self.action_result.hide()
        actions = QHBoxLayout()
        for button in (self.hold_button, self.pdf_button, self.xlsx_button, self.csv_button):
            button.setAutoDefault(False)
            button.setEnabled(False)
            actions.addWidget(button)
        actions.addStretch(1)
        result_row = QHBoxLayout()
        result_row.addWidget(self.action_result, 1)
        result_row.addWidget(self.open_folder, 0, Qt.AlignmentFlag.AlignTop)

        # -- tables and the lot picked -------------------------------------------------------
        self.lots_model: RecordTableModel[TracedLot] = RecordTableModel(
            lot_columns(), lines=LOT_LINES
        )
        self.customers_model: RecordTableModel[AffectedParty] = RecordTableModel(
            customer_columns(), lines=CUSTOMER_LINES
        )
        self.shipments_model: RecordTableModel[TracedShipment] = RecordTableModel(
            shipment_columns()
        )
        self.stock_model: RecordTableModel[StockOnSite] = RecordTableModel(stock_columns())
        self.lots_table = _table("recallLots", self.lots_model)  # type: ignore[arg-type]
        self.customers_table = _table("recallCustomers", self.customers_model)  # type: ignore[arg-type]
        self.shipments_table = _table("recallShipments", self.shipments_model)  # type: ignore[arg-type]
        self.stock_table = _table("recallStock", self.stock_model)  # type: ignore[arg-type]
        self.tabs = QTabWidget()
        self.tabs.setObjectName("recallTabs")
        self.tabs.addTab(self.lots_table, "&1 Affected lots")
        self.tabs.addTab(self.customers_table, "&2 Customers")
        self.tabs.addTab(self.shipments_table, "&3 Shipments")
        self.tabs.addTab(self.stock_table, "&4 Stock on site")
        # The record of a picked lot: hidden until one is picked, built then (`detail`): ~25 ms
        # of the page's construction otherwise (issue 6: no GUI turn over 100 ms).
        self._detail: LotDetailPanel | None = None
        self.splitter = QSplitter()
        self.splitter.addWidget(self.tabs)
        for table in self._tables():
            table.viewport().installEventFilter(self)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addLayout(result_row)
        layout.addWidget(self.splitter, 1)

        # -- wiring --------------------------------------------------------------------------
        self._ticker = QTimer(self)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self._tick)
        self.start_from.currentIndexChanged.connect(self._on_start_from)
        self.tabs.currentChanged.connect(lambda _index: self._size_shown_table())
        self.suspect_input.returnPressed.connect(self._on_suspect_entered)
        self.supplier_lot.returnPressed.connect(self.run_drill)
        self.reason.returnPressed.connect(self.run_drill)
        self.run_button.clicked.connect(self.run_drill)
        self.cancel_button.clicked.connect(self.cancel_drill)
        self.hold_button.clicked.connect(self.open_hold_dialog)
        self.pdf_button.clicked.connect(self.open_pdf_dialog)
        self.xlsx_button.clicked.connect(lambda: self.export_sheet("xlsx"))
        self.csv_button.clicked.connect(lambda: self.export_sheet("csv"))
        self.open_folder.clicked.connect(self._on_open_folder)
        self.lots_table.selectionModel().currentRowChanged.connect(self._on_lot_row)
        self.stock_table.selectionModel().currentRowChanged.connect(self._on_stock_row)
        for keys in RUN_KEYS:
            QShortcut(QKeySequence(keys), self).activated.connect(self.run_drill)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.cancel_drill)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.suspects)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._remove_suspect)
        QShortcut(QKeySequence(CLEAR_SUSPECTS_KEY), self).activated.connect(self.suspects.clear)
        # A scanner's burst lands here whichever field has focus: the lot becomes a suspect.
        self.wedge = WedgeInput(self)
        self.wedge.scanned.connect(self._on_scanned)
        context.signed_in.connect(self._on_signed_in)
        context.signed_out.connect(self._on_signed_out)
        self.setFocusProxy(self.suspect_input)
        self._update_actions()

    # The Page protocol: who reads and exports reports (auditors, supervisors, quality
    # managers, administrators); holding is for the roles that may hold (see docs/recall.md).
    def visible_to(self, role: Role) -> bool:
        return allowed(role, UseCase.EXPORT)

    def page_activated(self) -> None:
        if not self._equipment_loaded:
            self._load_equipment()

    # -- suspects ------------------------------------------------------------------------------

    def _on_start_from(self, index: int) -> None:
        self.start_stack.setCurrentIndex(index)
        field: QWidget = (self.suspect_input, self.supplier_lot, self.equipment)[index]
        field.setFocus()
        if index == StartFrom.EQUIPMENT and not self._equipment_loaded:
            self._load_equipment()

    def _on_suspect_entered(self) -> None:
        text = self.suspect_input.text().strip()
        self.suspect_input.clear()
        if text:
            self.add_suspect(text)
        elif self.suspects.count():
            self.run_drill()  # Enter on an empty field: the list is complete, run

    def _on_scanned(self, scan: ScanEvent) -> None:
        if self.start_from.currentIndex() == StartFrom.SUPPLIER_LOT:
            self.take_supplier_label(scan.payload)
        else:
            self.add_suspect(scan.payload)

    def take_supplier_label(self, code: str) -> None:
        """A label scanned while starting from a supplier lot: the supplier's lot code it names
        (of the lot received with it, or the label's own batch/lot field)."""

        def work(uow: UnitOfWork, actor: Actor) -> ScanInfo:
            return resolve_scan(uow, actor=actor, code=code)

        def done(info: ScanInfo) -> None:
            found = info.lot.supplier_lot_code if info.lot is not None else None
            self.supplier_lot.setText(found or info.label.lot or code.strip())
            self.message.hide()
            self.supplier_lot.setFocus()

        self._context.run(
            work,
            self._same_person(done),
            self._same_person(lambda e, d: self._show_error(error_text(e, d))),
        )

    def add_suspect(self, code: str) -> None:
        """A scanned or typed code: when it names a lot, that lot joins the suspects."""

        def work(uow: UnitOfWork, actor: Actor) -> ScanInfo:
            return resolve_scan(uow, actor=actor, code=code)

        def done(info: ScanInfo) -> None:
            if info.lot is None:
                self._show_error(
                    f"{info.display} is not a lot of this plant.\n"
                    "Scan the lot's label, or type PART/LOT."
                )
                return
            name = info.lot.name
            self.message.hide()
            if self.start_from.currentIndex() != StartFrom.LOTS:
                self.start_from.setCurrentIndex(StartFrom.LOTS)
            if name not in self.suspect_names():
                self.suspects.addItem(name)
            self.suspect_input.setFocus()

        self._context.run(
            work,
            self._same_person(done),
            self._same_person(lambda e, d: self._show_error(error_text(e, d))),
        )

    def suspect_names(self) -> list[str]:
        return [self.suspects.item(i).text() for i in range(self.suspects.count())]

    def _remove_suspect(self) -> None:
        row = self.suspects.currentRow()
        if row >= 0:
            self.suspects.takeItem(row)

    def _load_equipment(self) -> None:
        if self._context.actor is None:
            return
        self._equipment_loaded = True

        def work(uow: UnitOfWork, actor: Actor) -> list[tuple[str, str]]:
            found = station_choices(uow, actor=actor).equipment
            return [(place.code, place.name) for place in found]

        def done(places: list[tuple[str, str]]) -> None:
            current = self.equipment.currentData()
            self.equipment.clear()
            for code, name in places:
                self.equipment.addItem(f"{code} — {name}", code)
            self.equipment.setCurrentIndex(max(0, self.equipment.findData(current)))

        def failed(error: BaseException, details: str) -> None:
            self._equipment_loaded = False
            self._show_error(error_text(error, details))

        self._context.run(work, self._same_person(done), self._same_person(failed))

    # -- the drill -----------------------------------------------------------------------------

    def request(self) -> DrillRequest:
        """What the fields ask for; InvalidInput says what is missing."""
        reason = self.reason.text().strip()
        if not reason:
            raise InvalidInput("A recall needs a reason.", hint="Say what is suspected and why.")
        mode = self.start_from.currentIndex()
        if mode == StartFrom.LOTS:
            typed = self.suspect_input.text().strip()
            lots = self.suspect_names() + (
                [typed] if typed and typed not in self.suspect_names() else []
            )
            if not lots:
                raise InvalidInput(
                    "No suspect lot yet.",
                    hint="Scan a lot's label, or type PART/LOT and press Enter.",
                )
            return DrillRequest(reason, lots=tuple(lots))
        if mode == StartFrom.SUPPLIER_LOT:
            code = self.supplier_lot.text().strip()
            if not code:
                raise InvalidInput(
                    "Type the supplier's lot code.",
                    hint="It is on the supplier's label or delivery note.",
                )
            return DrillRequest(reason, supplier_lot=code)
        machine = self.equipment.currentData()
        if not machine:
            raise InvalidInput(
                "Pick the equipment.", hint="Its list comes from the plant's locations."
            )
        since = _aware(self.since.dateTime())
        until = _aware(self.until.dateTime())
        return DrillRequest(reason, equipment=str(machine), since=since, until=until)

    def run_drill(self) -> None:
        if self.progress is not None and self.progress.running:
            return  # one drill at a time
        try:
            request = self.request()
        except InvalidInput as exc:
            self._show_error(error_text(exc))
            return
        if request.lots and self.suspect_input.text().strip():
            self.suspect_input.clear()
            for lot in request.lots:
                if lot not in self.suspect_names():
                    self.suspects.addItem(lot)
        self._generation += 1
        generation = self._generation
        self.message.hide()
        self.action_result.hide()
        self.open_folder.hide()
        self.result = None
        self._clear_tables()
        self._update_actions()
        self.shown_after_s = None
        self._started = time.monotonic()
        self._tick()
        self._ticker.start()
        self.summary.setText("Tracing forward and backward…")
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)

        def work(uow: UnitOfWork, actor: Actor, progress: Progress) -> RecallResult:
            return drill(uow, actor, progress, request)

        def done(result: RecallResult) -> None:
            if generation == self._generation:
                self._show_result(result)

        def failed(error: BaseException, details: str) -> None:
            if generation != self._generation:
                return
            self._drill_ended()
            if isinstance(error, Cancelled):
                self.timer_label.setText("Drill: cancelled")
                self.summary.setText("Cancelled. Nothing is shown; run it again when needed.")
                return
            self.timer_label.setText("Drill: failed")
            self.summary.setText("")
            self._show_error(error_text(error, details))

        self.progress = self._context.run_with_progress(work, done, failed, title="Recall drill")

    def cancel_drill(self) -> None:
        if self.progress is not None and self.progress.running:
            self.progress.cancel()
            self.summary.setText("Cancelling…")

    def _tick(self) -> None:
        self.timer_label.setText(f"Drill: {time.monotonic() - self._started:.1f} s")

    def _drill_ended(self) -> None:
        self._ticker.stop()
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _show_result(self, result: RecallResult) -> None:
        self.result = result
        self.lots_model.set_rows(result.forward.lots)
        self.customers_model.set_rows(result.forward.customers)
        self.shipments_model.set_rows(result.forward.shipments)
        self.stock_model.set_rows(result.on_site)
        for table in self._tables():
            table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        # Columns are sized when a table is first shown: measuring all four costs ~0.1 s.
        self._unsized = set(self._tables())
        self.tabs.setTabText(LOTS_TAB, f"&1 Affected lots ({len(result.forward.lots)})")
        self.tabs.setTabText(CUSTOMERS_TAB, f"&2 Customers ({len(result.forward.customers)})")
        self.tabs.setTabText(SHIPMENTS_TAB, f"&3 Shipments ({len(result.forward.shipments)})")
        self.tabs.setTabText(STOCK_TAB, f"&4 Stock on site ({len(result.on_site)})")
        # The clock stops once the affected set and the customers are on the screen.
        self.shown_after_s = time.monotonic() - self._started
        self._drill_ended()
        self.timer_label.setText(f"Drill: {self.shown_after_s:.1f} s ✓")
        self.timer_label.setToolTip(
            "From Run until the affected lots and customers were on the screen"
        )
        self._show_summary(result)
        self._update_actions()
        self.tabs.setCurrentIndex(CUSTOMERS_TAB if result.forward.customers else LOTS_TAB)
        self._size_shown_table()
        self._read_details(result)

    def _show_summary(self, result: RecallResult) -> None:
        self.summary.setText(
            f"On screen {self.shown_after_s or 0:.2f} s after Run "
            f"(trace {result.drill_ms / 1000:.2f} s).\n{summary_text(result)}"
        )

    def _read_details(self, drill_result: RecallResult) -> None:
        """The FSMA 204 events and sensor excursions, read in the background once the affected
        set is on screen; hold, PDF and spreadsheets wait for them (the hash binds them)."""
        generation = self._generation

        def done(result: RecallResult) -> None:
            if generation == self._generation and self.result is drill_result:
                self.result = result
                self._show_summary(result)
                self._update_actions()

        def failed(error: BaseException, details: str) -> None:
            if generation == self._generation:
                self._show_error(
                    "The FSMA 204 events could not be read: "
                    f"{error_text(error, details)}\nRun the drill again."
                )

        self._context.run(
            lambda uow, actor: details(uow, actor, drill_result),
            self._same_person(done),
            self._same_person(failed),
        )

    def _tables(self) -> tuple[QTableView, ...]:
        return (self.lots_table, self.customers_table, self.shipments_table, self.stock_table)

    def _size_shown_table(self) -> None:
        table = self.tabs.currentWidget()
        if isinstance(table, QTableView) and table in self._unsized:
            self._unsized.discard(table)
            model = table.model()
            lines = model.lines if isinstance(model, RecordTableModel) else 1
            if lines > 1:
                # Fixed heights (never measured per row), as tall as the card's lines.
                metrics = table.fontMetrics()
                table.verticalHeader().setDefaultSectionSize(
                    lines * metrics.lineSpacing() + ROW_PADDING_PX
                )
            header = table.horizontalHeader()
            # Unstretched first: turning it off later puts back the width it had before.
            header.setStretchLastSection(False)
            table.resizeColumnsToContents()
            self._last_column_width[table] = header.sectionSize(header.count() - 1)
            self._fit_last_column(table)

    def _fit_last_column(self, table: QTableView) -> None:
        """When the columns fit, the last one fills the rest of the view (no empty strip of
        header beside it); when they do not, it keeps its text's width: stretched, Qt shrinks
        it to its minimum and cuts the text, even when scrolled to."""
        text_width = self._last_column_width.get(table)
        if text_width is None:
            return
        header = table.horizontalHeader()
        last = header.count() - 1
        others = sum(header.sectionSize(column) for column in range(last))
        if others + text_width <= table.viewport().width():
            header.setStretchLastSection(True)
            return
        header.setStretchLastSection(False)  # puts back the width it had before stretching
        if header.sectionSize(last) < text_width:
            header.resizeSection(last, text_width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A table's view resized (the lot's record opened beside it, the window resized).
        if event.type() == QEvent.Type.Resize:
            for table in self._tables():
                if watched is table.viewport():
                    self._fit_last_column(table)
        return super().eventFilter(watched, event)

    def _clear_tables(self) -> None:
        for model in (
            self.lots_model,
            self.customers_model,
            self.shipments_model,
            self.stock_model,
        ):
            model.set_rows(())
        for index, words in enumerate(
            ("&1 Affected lots", "&2 Customers", "&3 Shipments", "&4 Stock on site")
        ):
            self.tabs.setTabText(index, words)
        if self._detail is not None:
            self._detail.clear()
            self._detail.hide()

    def _update_actions(self) -> None:
        actor = self._context.actor
        role = actor.role if actor is not None else ""
        # Hold, PDF and spreadsheets bind the result's hash, events included: they wait for
        # the events, read after the drill is on screen.
        ready = self.result is not None and self.result.complete
        may_hold = allowed(role, UseCase.HOLD)
        self.hold_button.setVisible(may_hold)
        self.hold_button.setEnabled(
            ready and may_hold and bool(self.result and self.result.on_site)
        )
        reading = self.result is not None and not ready
        if ready and self.result is not None and not self.result.on_site:
            self.hold_button.setToolTip("No affected stock is left on site.")
        elif reading:
            self.hold_button.setToolTip(READING_TIP)
        else:
            self.hold_button.setToolTip("Hold every affected lot still on site (signed)")
        for button in (self.pdf_button, self.xlsx_button, self.csv_button):
            button.setEnabled(ready and allowed(role, UseCase.EXPORT))
            button.setToolTip(READING_TIP if reading else "")

    # -- a lot's record ------------------------------------------------------------------------

    @property
    def detail(self) -> LotDetailPanel:
        """The picked lot's record, beside the tables (built the first time a lot is picked)."""
        if self._detail is None:
            panel = LotDetailPanel(None, context=self._context)
            panel.hide()  # until a lot is picked: the tables get the width
            self.splitter.addWidget(panel)
            self.splitter.setStretchFactor(1, 2)
            panel.lot_requested.connect(self.open_lot_id)
            self._detail = panel
        return self._detail

    def _on_lot_row(self, current: QModelIndex | QPersistentModelIndex, _previous: object) -> None:
        if current.isValid():
            self.open_lot_id(self.lots_model.row_at(current.row()).id)

    def _on_stock_row(
        self, current: QModelIndex | QPersistentModelIndex, _previous: object
    ) -> None:
        if current.isValid():
            self.open_lot(self.stock_model.row_at(current.row()).lot)

    def open_lot_id(self, lot_id: uuid.UUID) -> None:
        self._open_detail(lambda uow, actor: lot_queries.lot_detail_by_id(uow, lot_id, actor=actor))

    def open_lot(self, code: str) -> None:
        self._open_detail(lambda uow, actor: lot_queries.lot_detail(uow, code, actor=actor))

    def _open_detail(self, read: Callable[[UnitOfWork, Actor], LotDetail]) -> None:
        self._detail_generation += 1
        generation = self._detail_generation

        def work(uow: UnitOfWork, actor: Actor) -> LotState:
            detail = read(uow, actor)
            return LotState(detail, decisions_of(uow, detail.lot.name, actor=actor))

        def done(state: LotState) -> None:
            if generation == self._detail_generation:
                self.detail.show_detail(state.detail, state.decisions)
                self.detail.show()

        def failed(error: BaseException, details: str) -> None:
            if generation == self._detail_generation:
                self.detail.show_message(error_text(error, details))
                self.detail.show()

        self._context.run(work, done, failed)

    # -- hold every affected lot on site -------------------------------------------------------

    def open_hold_dialog(self) -> None:
        result = self.result
        actor = self._context.actor
        if result is None or actor is None or not self.hold_button.isEnabled():
            return
        if self.dialog is not None and self.dialog.isVisible():
            return
        count = len(result.on_site)
        dialog = SignDialog(
            self,
            title=f"Hold all affected lots on site — {result.recall_id}",
            statement=f"I put the {count} affected lot{'s' if count != 1 else ''} still on site on hold",
            signer=actor.username,
            confirm_words="Sign and hold",
            submit=lambda password, meaning, reason: self._hold(result, password, meaning, reason),
            reason=result.reason,
        )
        self._open_dialog(dialog)

    def _hold(self, result: RecallResult, password: str, meaning: Meaning, reason: str) -> None:
        dialog = self.dialog

        def work(uow: UnitOfWork, actor: Actor, progress: Progress) -> HoldAllReport:
            return hold_all(
                uow,
                actor,
                progress,
                result=result,
                password=password,
                meaning=meaning,
                reason=reason,
            )

        def done(report: HoldAllReport) -> None:
            if dialog is not None:
                dialog.finish()
            self._on_held(result, report)

        def failed(error: BaseException, details: str) -> None:
            if dialog is not None:
                dialog.refuse(error, details)
                if not dialog.isVisible():
                    self._show_action(error_text(error, details), error=True)

        self._context.run_with_progress(
            work,
            self._same_person(done),
            self._same_person(failed),
            title="Hold all affected lots",
            write=True,
        )

    def _on_held(self, result: RecallResult, report: HoldAllReport) -> None:
        if result is self.result:
            held = set(report.held)
            for row, stock in enumerate(self.stock_model.rows()):
                if stock.lot in held:
                    self.stock_model.replace_row(
                        row,
                        StockOnSite(
                            stock.lot, stock.product_name, "on_hold", stock.location, stock.on_hand
                        ),
                    )
        self._show_action(hold_report_text(report), error=bool(report.failed or report.not_tried))

    # -- exports -------------------------------------------------------------------------------

    def open_pdf_dialog(self) -> None:
        result = self.result
        actor = self._context.actor
        if result is None or actor is None or not self.pdf_button.isEnabled():
            return
        if self.dialog is not None and self.dialog.isVisible():
            return
        chosen = self.choose_path(f"{result.recall_id}.pdf", "PDF files (*.pdf)")
        if not chosen:
            return
        target = Path(chosen)
        dialog = SignDialog(
            self,
            title=f"Sign the recall report — {result.recall_id}",
            statement=f"I sign the recall report {result.recall_id} (SHA-256 of its result)",
            signer=actor.username,
            confirm_words="Sign and write PDF",
            submit=lambda password, meaning, _reason: self._write_pdf(
                result, password, meaning, target
            ),
            meanings=RECALL_MEANINGS,
        )
        self._open_dialog(dialog)

    def _write_pdf(
        self, result: RecallResult, password: str, meaning: Meaning, target: Path
    ) -> None:
        dialog = self.dialog
        self._show_action(f"Signing and writing {target.name}…")

        def work(uow: UnitOfWork, actor: Actor) -> Written:
            return export_pdf(
                uow, actor, result=result, password=password, meaning=meaning, path=target
            )

        def done(written: Written) -> None:
            if dialog is not None:
                dialog.finish()
            self._on_written(written)

        def failed(error: BaseException, details: str) -> None:
            if dialog is not None:
                dialog.refuse(error, details)
            self._show_action(error_text(error, details), error=True)

        self._context.run(work, self._same_person(done), self._same_person(failed), write=True)

    def export_sheet(self, kind: str) -> None:
        result = self.result
        if result is None or not self.xlsx_button.isEnabled():
            return
        label = "Excel workbooks (*.xlsx)" if kind == "xlsx" else "CSV files (*.csv)"
        chosen = self.choose_path(f"{result.recall_id}-fsma204.{kind}", label)
        if not chosen:
            return
        target = Path(chosen)
        self._show_action(f"Writing {target.name}…")

        def work(uow: UnitOfWork, actor: Actor) -> Written:
            return export_sheet(uow, actor, result=result, path=target, kind=kind)

        self._context.run(
            work,
            self._same_person(self._on_written),
            self._same_person(lambda e, d: self._show_action(error_text(e, d), error=True)),
        )

    def _on_written(self, written: Written) -> None:
        self.written = written.path
        size = max(1, written.size // 1024)
        text = f"{written.what} written to {written.path} ({size} KB)."
        if written.signature is not None:
            text += f"\n{written.signature.line()}"
        self._show_action(text)
        self.open_folder.show()

    def _on_open_folder(self) -> None:
        if self.written is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written.parent)))

    def _ask_path(self, suggested: str, file_filter: str) -> str | None:
        folder = self.written.parent if self.written is not None else Path.home()
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save the recall export", str(folder / suggested), file_filter
        )
        return path or None

    # -- common --------------------------------------------------------------------------------

    def _same_person(self, callback: Callable[..., None]) -> Callable[..., None]:
        """`callback`, dropped when the person who asked has signed out meanwhile: the next
        person must not find the last one's answers on the page."""
        session = self._session

        def call(*args: object) -> None:
            if session == self._session:
                callback(*args)

        return call

    def _open_dialog(self, dialog: SignDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _code: self._on_dialog_finished(dialog))
        dialog.open()
        dialog.activateWindow()
        dialog.first_field().setFocus()

    def _on_dialog_finished(self, dialog: SignDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.window().activateWindow()

    def _show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _show_action(self, text: str, *, error: bool = False) -> None:
        self.action_result.setObjectName("errorText" if error else "recallActionResult")
        self.action_result.style().unpolish(self.action_result)
        self.action_result.style().polish(self.action_result)
        self.action_result.setText(text)
        self.action_result.show()
        if error:
            self.open_folder.hide()

    # -- who is signed in ----------------------------------------------------------------------

    def _on_signed_in(self, _actor: Actor) -> None:
        self._update_actions()
        if self.isVisible():
            self._load_equipment()

    def _on_signed_out(self) -> None:
        """The next person must not find the last one's recall on the screen."""
        self._session += 1
        self._generation += 1
        self._detail_generation += 1
        if self.progress is not None and self.progress.running:
            self.progress.cancel()
        self._ticker.stop()
        self.result = None
        self.written = None
        self.suspects.clear()
        self.suspect_input.clear()
        self.supplier_lot.clear()
        self.reason.setText(DEFAULT_REASON)
        self._clear_tables()
        self.message.hide()
        self.action_result.hide()
        self.open_folder.hide()
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.timer_label.setText("Drill: not run")
        self.summary.setText("Start from a suspect lot, a supplier lot code or equipment.")
        self._equipment_loaded = False
        self._update_actions()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            width = max(self.splitter.width(), 900)
            self.splitter.setSizes(
                [width * TABLES_SHARE // 100, width * (100 - TABLES_SHARE) // 100]
            )
        if not self._equipment_loaded and self._context.actor is not None:
            self._load_equipment()


def _aware(moment: QDateTime) -> datetime:
    """A QDateTimeEdit's local wall time as an aware instant in this PC's time zone."""
    naive = moment.toPython()
    assert isinstance(naive, datetime)
    return naive.astimezone()
