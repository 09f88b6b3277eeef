"""One lot's record: status, quantities, origin, containers, parents and children, history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from traceapp.domain.dispositions import DecisionRecord
from traceapp.domain.lots import LotOrigin
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import (
    ContainerStay,
    EventSummary,
    GenealogyLink,
    LotDetail,
)
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.ui.context import StationContext
from traceapp.ui.decisions import DecisionsSection
from traceapp.ui.lot_conditions import LotConditionsSection
from traceapp.ui.lot_quality import LotQualitySection
from traceapp.ui.status_colours import badge_style

TIME_FORMAT = "%Y-%m-%d %H:%M"
_STEP_WORDS = {
    HandlingStep.RECEIVE: "Received",
    HandlingStep.PRODUCE: "Produced",
    HandlingStep.PACK: "Packed",
    HandlingStep.UNPACK: "Unpacked",
    HandlingStep.SHIP: "Shipped",
    HandlingStep.MOVE: "Moved",
    HandlingStep.INSPECT: "Inspected",
    HandlingStep.HOLD: "Put on hold",
    HandlingStep.LIFT_HOLD: "Hold lifted",
    HandlingStep.RELEASE: "Released",
    HandlingStep.REJECT: "Rejected",
    HandlingStep.REWORK: "Sent to rework",
    HandlingStep.SCRAP: "Scrapped",
    HandlingStep.RECALL: "Recalled",
    HandlingStep.CORRECT: "Correction",
    HandlingStep.IMPORTED: "Imported",
}
_ROLE_WORDS = {
    ItemRole.INPUT: "in",
    ItemRole.OUTPUT: "out",
    ItemRole.PARENT: "container",
    ItemRole.CHILD: "contents",
    ItemRole.OBSERVED: "lot",
}
EVENT_COLUMNS = ("When", "Step", "Station", "By", "What")
MAX_ITEMS_PER_ROLE = 3  # a mix of twelve inputs reads as three and "9 more" (all are in Made from)


def plain_label(text: str = "", name: str | None = None) -> QLabel:
    label = QLabel(text)
    # Lot codes and names come from scans and imports: never let them be read as rich text.
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


def local_time(event: EventSummary) -> str:
    """The event's instant in this PC's local time."""
    return event.event_time.astimezone().strftime(TIME_FORMAT)


def step_words(step: HandlingStep) -> str:
    return _STEP_WORDS.get(step, step.value)


def event_text(event: EventSummary, *, via: str | None = None) -> str:
    parts = []
    if via:
        parts.append(f"with {via}:")
    by_role: dict[str, list[str]] = {}
    for item in event.items:
        words = item.label + (f" {item.quantity}" if item.quantity else "")
        by_role.setdefault(_ROLE_WORDS.get(item.role, item.role.value), []).append(words)
    for role, labels in by_role.items():
        shown = labels[:MAX_ITEMS_PER_ROLE]
        rest = len(labels) - len(shown)
        parts.append(f"{role}: " + ", ".join(shown) + (f" and {rest} more" if rest else ""))
    if event.party:
        parts.append(f"{'to' if event.step is HandlingStep.SHIP else 'from'} {event.party}")
    if event.equipment:
        parts.append(f"on {event.equipment}")
    if event.reference_document:
        parts.append(f"ref {event.reference_document}")
    if event.reason:
        parts.append(f"reason: {event.reason}")
    text = " · ".join(parts)
    if event.step is HandlingStep.CORRECT:
        return "CORRECTION of an earlier step — " + text
    if event.corrected_by:
        return "CORRECTED (did not happen as recorded) — " + text
    return text


def origin_text(detail: LotDetail) -> str:
    lot, event = detail.lot, detail.origin_event
    if lot.origin is LotOrigin.RECEIVED:
        words = f"Received from {lot.supplier or 'an unknown supplier'}"
        if lot.supplier_lot_code:
            words += f" (supplier lot {lot.supplier_lot_code})"
    elif lot.origin is LotOrigin.PRODUCED:
        words = "Produced"
        if event is not None and event.equipment:
            words += f" on {event.equipment}"
        if event is not None:
            words += f" by the {event.step.value} step"
    else:
        words = "Imported"
    if event is not None:
        words += f", {local_time(event)}"
        if event.station:
            words += f" at {event.station}"
        words += f" by {event.user}"
    return words


def _quantity(value: Quantity | None) -> str:
    return str(value) if value is not None else "—"


class LinkList(QListWidget):
    """Parents or children: one row per lot; click (or Enter) opens it."""

    lot_requested = Signal(object)  # uuid.UUID

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.itemClicked.connect(self._on_item)
        self.itemActivated.connect(self._on_item)
        self.setMinimumHeight(90)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def set_links(self, links: tuple[GenealogyLink, ...]) -> None:
        self.clear()
        for link in links:
            item = QListWidgetItem(f"{link.lot}  ({link.quantity})")
            item.setData(Qt.ItemDataRole.UserRole, link.lot_id)
            item.setToolTip("Open this lot")
            self.addItem(item)
        rows = max(1, min(len(links), 5))
        self.setFixedHeight(rows * (self.fontMetrics().height() + 14) + 8)

    def _on_item(self, item: QListWidgetItem) -> None:
        lot_id = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(lot_id, uuid.UUID):
            self.lot_requested.emit(lot_id)


class LotDetailPanel(QScrollArea):
    """The record of one lot, as a person reads it top to bottom."""

    lot_requested = Signal(object)  # uuid.UUID of a parent or child the person clicked

    def __init__(
        self, actions: QWidget | None = None, context: StationContext | None = None
    ) -> None:
        """`actions`: the buttons that act on the lot shown (decisions, print), under its title.
        `context`: where the process conditions (sensor charts) are loaded from, in the background."""
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.detail: LotDetail | None = None
        content = QWidget()
        self.title = plain_label("Select a lot", "lotTitle")
        self.title.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.status = plain_label("", "lotStatus")
        self.status.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        self.status.hide()
        self.product = plain_label("", "lotProduct")
        self.message = plain_label("", "errorText")
        self.message.hide()
        self.quantities = plain_label("", "lotQuantities")
        self.on_hand = plain_label("", "lotOnHand")
        self.expiry = plain_label()
        self.origin = plain_label("", "lotOrigin")
        self.location = plain_label()
        self.containers = plain_label("", "lotContainers")
        self.facts = QWidget()
        facts = QFormLayout(self.facts)
        facts.setContentsMargins(0, 0, 0, 0)
        facts.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for caption, label in (
            ("On hand", self.on_hand),
            ("Quantities", self.quantities),
            ("Expiry", self.expiry),
            ("Origin", self.origin),
            ("Location", self.location),
            ("In containers", self.containers),
        ):
            facts.addRow(f"{caption}:", label)
        self.parents = LinkList("lotParents")
        self.children_list = LinkList("lotChildren")
        self.parents_caption = QLabel("Made from")
        self.children_caption = QLabel("Went into")
        links = QHBoxLayout()
        for heading, widget in (
            (self.parents_caption, self.parents),
            (self.children_caption, self.children_list),
        ):
            heading.setStyleSheet("font-weight: bold;")
            column = QVBoxLayout()
            column.addWidget(heading)
            column.addWidget(widget)
            column.addStretch(1)
            links.addLayout(column, 1)  # two equal halves, whether a list is empty or not
        self.links = QWidget()
        self.links.setLayout(links)
        links.setContentsMargins(0, 0, 0, 0)
        self.stays_caption = QLabel("Containers it sat in")
        self.stays_caption.setStyleSheet("font-weight: bold;")
        self.stays = _table("lotStays", ("Container", "Kind", "Quantity", "In", "Out", "Status"))
        self.history_caption = QLabel("History")
        self.history_caption.setStyleSheet("font-weight: bold;")
        self.events = _table("lotEvents", EVENT_COLUMNS)
        self.events.setWordWrap(True)
        # The "What" column takes the width left over, known only once the pane is laid out:
        # its wrapped lines get their row height again then, or their ends were cut ("…").
        self._refit_events = QTimer(self)
        self._refit_events.setSingleShot(True)
        self._refit_events.setInterval(0)
        self._refit_events.timeout.connect(self._fit_event_rows)
        self.events.horizontalHeader().sectionResized.connect(lambda *_: self._refit_events.start())
        self.decisions = DecisionsSection()
        self.conditions = LotConditionsSection(context)
        self.quality = LotQualitySection(context)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.status, 0, Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(content)
        layout.addLayout(header)
        layout.addWidget(self.product)
        layout.addWidget(self.message)
        if actions is not None:
            layout.addWidget(actions)
        layout.addWidget(self.facts)
        layout.addWidget(self.decisions)
        layout.addWidget(self.quality)
        layout.addWidget(self.conditions)
        layout.addWidget(self.links)
        layout.addWidget(self.stays_caption)
        layout.addWidget(self.stays)
        layout.addWidget(self.history_caption)
        layout.addWidget(self.events)
        layout.addStretch(1)
        self.setWidget(content)
        self.parents.lot_requested.connect(self.lot_requested)
        self.children_list.lot_requested.connect(self.lot_requested)
        self._show_sections(False)

    def _show_sections(self, shown: bool) -> None:
        for widget in (self.facts, self.links, self.history_caption, self.events, self.product):
            widget.setVisible(shown)
        if not shown:
            self.conditions.clear()
            self.quality.clear()
            self.decisions.hide()
            self.stays_caption.hide()
            self.stays.hide()
            self.status.hide()

    def show_detail(self, detail: LotDetail, decisions: Sequence[DecisionRecord] = ()) -> None:
        self.detail = detail
        lot = detail.lot
        self.message.hide()
        self._show_sections(True)
        self.title.setText(lot.name)
        self.status.setText(lot.status.value.replace("_", " ").upper())
        self.status.setStyleSheet(badge_style(lot.status.value))
        self.status.show()
        self.product.setText(lot.product_name)
        self.on_hand.setText(f"{lot.on_hand} of {lot.initial}")
        self.quantities.setText(
            f"initial {lot.initial} · consumed {_quantity(detail.consumed)} · "
            f"shipped {_quantity(detail.shipped)} · on hand {lot.on_hand}"
        )
        self.expiry.setText(lot.expiry.isoformat() if lot.expiry else "—")
        self.origin.setText(origin_text(detail))
        self.location.setText(lot.location or "—")
        self.containers.setText(", ".join(detail.containers) or "none now")
        self.parents.set_links(detail.parents)
        self.children_list.set_links(detail.children)
        self.parents_caption.setText(
            f"Made from ({len(detail.parents)})" if detail.parents else "Made from: no other lot"
        )
        self.children_caption.setText(
            f"Went into ({len(detail.children)})" if detail.children else "Went into: no lot yet"
        )
        self.parents.setVisible(bool(detail.parents))
        self.children_list.setVisible(bool(detail.children))
        self.decisions.set_decisions(decisions)
        self.conditions.show_lot(lot.id)
        self.quality.show_lot(lot.name, lot.id)
        self._fill_stays(detail.container_stays)
        self._fill_events(detail)

    def _fill_stays(self, stays: tuple[ContainerStay, ...]) -> None:
        self.stays_caption.setVisible(bool(stays))
        self.stays.setVisible(bool(stays))
        self.stays.setRowCount(len(stays))
        for row, stay in enumerate(stays):
            values = (
                stay.code,
                stay.kind,
                _quantity(stay.quantity),
                stay.since.astimezone().strftime(TIME_FORMAT),
                stay.until.astimezone().strftime(TIME_FORMAT) if stay.until else "still inside",
                stay.status,
            )
            for column, text in enumerate(values):
                self.stays.setItem(row, column, QTableWidgetItem(text))
        _fit_height(self.stays)

    def _fill_events(self, detail: LotDetail) -> None:
        rows: list[tuple[EventSummary, str | None]] = [(event, None) for event in detail.events]
        for event in detail.container_events:
            containers = [item.label for item in event.items if "/" not in item.label]
            rows.append((event, ", ".join(containers) or "its container"))
        rows.sort(key=lambda row: row[0].event_time)
        self.events.setRowCount(len(rows))
        for index, (event, via) in enumerate(rows):
            values = (
                local_time(event),
                step_words(event.step),
                event.station or "",
                event.user,
                event_text(event, via=via),
            )
            for column, text in enumerate(values):
                cell = QTableWidgetItem(text)
                if event.corrected_by or event.step is HandlingStep.CORRECT:
                    font = cell.font()
                    font.setItalic(True)
                    font.setStrikeOut(bool(event.corrected_by) and column == 4)
                    cell.setFont(font)
                self.events.setItem(index, column, cell)
        caption = f"History ({len(rows)} event{'' if len(rows) == 1 else 's'})"
        if detail.events_truncated:
            caption += " — only the first events are shown"
        self.history_caption.setText(caption)
        self._fit_event_rows()

    def _fit_event_rows(self) -> None:
        self.events.resizeRowsToContents()
        _fit_height(self.events, max_rows=14)

    def minimumSizeHint(self) -> QSize:
        """As wide as the record needs (its row of buttons, its captions): a splitter beside it
        gives the rest to the other side instead of squeezing the buttons' words."""
        hint = super().minimumSizeHint()
        content = self.widget()
        if content is None:
            return hint
        width = (
            content.minimumSizeHint().width()
            + self.verticalScrollBar().sizeHint().width()
            + 2 * self.frameWidth()
        )
        return QSize(max(hint.width(), width), hint.height())

    def show_message(self, text: str) -> None:
        """A refusal or an unknown code: the reason in words, in place of the record."""
        self.detail = None
        self.title.setText("No lot shown")
        self.message.setText(text)
        self.message.show()
        self._show_sections(False)

    def clear(self) -> None:
        self.detail = None
        self.title.setText("Select a lot")
        self.message.hide()
        self._show_sections(False)


def _table(name: str, columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(columns))
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return table


def _fit_height(table: QTableWidget, max_rows: int = 8) -> None:
    """Tall enough for its rows (up to max_rows; then it scrolls), so the page scrolls once."""
    shown = min(table.rowCount(), max_rows)
    height = table.horizontalHeader().height() + 4
    for row in range(shown):
        height += table.rowHeight(row)
    table.setFixedHeight(max(height, table.horizontalHeader().height() + 30))
