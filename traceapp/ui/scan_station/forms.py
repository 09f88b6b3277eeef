"""One form per handling step: the fields it needs, in the order a person works, filled by scans."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import AlreadyExists, InvalidInput, KnownError, NotFound, UnknownCode
from traceapp.domain.quantity import Quantity, format_decimal
from traceapp.domain.results import StepResult
from traceapp.domain.steps import HandlingStep
from traceapp.services.packing import CONTAINER_KINDS, PackItem
from traceapp.services.production import InputSpec, OutputSpec
from traceapp.services.station import ScanInfo, ScanTarget, StationChoices
from traceapp.services.sync_commands import (
    correct_request,
    move_request,
    pack_request,
    produce_request,
    receive_request,
    ship_request,
    unpack_request,
)

Work = Callable[[UnitOfWork, Actor], StepResult]
# The kinds of container (services.packing.CONTAINER_KINDS), for the translation tools.
CONTAINER_KIND_WORDS = (
    str(QT_TRANSLATE_NOOP("ScanStation", "case")),
    str(QT_TRANSLATE_NOOP("ScanStation", "pallet")),
    str(QT_TRANSLATE_NOOP("ScanStation", "tote")),
)
FIELD_MIN_HEIGHT = 40  # touch-friendly


def parse_quantity(text: str, unit: str | None, *, what: str) -> Quantity:
    """'25' in the product's unit, or '25 kg' / '25kg' as written."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        raise InvalidInput(
            QCoreApplication.translate("ScanStation", "The quantity of {what} is empty.").format(
                what=what
            ),
            hint=QCoreApplication.translate("ScanStation", "Type it, e.g. 25 or 25 kg."),
        )
    try:
        float(cleaned)
    except ValueError:
        return Quantity.parse(cleaned)
    if unit is None:
        raise InvalidInput(
            QCoreApplication.translate("ScanStation", "Give the unit of {what}'s quantity.").format(
                what=what
            ),
            hint=QCoreApplication.translate("ScanStation", "Write it as e.g. 25 kg."),
        )
    return Quantity.of(cleaned, unit)


def parse_expiry(text: str) -> date | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(
            QCoreApplication.translate("ScanStation", "{text} is not a date.").format(
                text=repr(cleaned)
            ),
            hint=QCoreApplication.translate(
                "ScanStation", "Write the expiry as YYYY-MM-DD, e.g. 2027-01-31."
            ),
        ) from None


def quantity_text(amount: Quantity | None) -> str:
    return f"{format_decimal(amount.value)} {amount.unit}" if amount is not None else ""


def _line(placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setMinimumHeight(FIELD_MIN_HEIGHT)
    return edit


def _combo(placeholder: str) -> QComboBox:
    combo = QComboBox()
    combo.setPlaceholderText(placeholder)
    combo.setMinimumHeight(FIELD_MIN_HEIGHT)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(18)
    return combo


def _fill(combo: QComboBox, entries: list[tuple[str, str]], *, none: str | None = None) -> None:
    """Offer (code, label) entries, keeping the current choice when it is still offered."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    if none is not None:
        combo.addItem(none, "")
    for code, label in entries:
        combo.addItem(label, code)
    index = combo.findData(current) if current is not None else -1
    combo.setCurrentIndex(index if index >= 0 else (0 if none is not None else -1))
    combo.blockSignals(False)


def _choose(combo: QComboBox, code: str) -> bool:
    index = combo.findData(code)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0


@dataclass(frozen=True, slots=True)
class Entry:
    code: str  # what the service is given: PART/LOT or the container's code
    display: str
    amount: str | None  # the quantity as typed; None for a whole container
    unit: str | None  # the lot's unit, for a bare number typed over the prefilled quantity

    def quantity(self) -> Quantity | None:
        return parse_quantity(self.amount, self.unit, what=self.display) if self.amount else None


UNIT_ROLE = Qt.ItemDataRole.UserRole + 1


class ItemTable(QTableWidget):
    """What has been scanned for a step: one row per lot or container, quantity editable."""

    def __init__(self, *, with_quantity: bool, heading: str = "Scanned") -> None:
        super().__init__(0, 2 if with_quantity else 1)
        self.with_quantity = with_quantity
        quantity = QCoreApplication.translate("ScanStation", "Quantity")
        self.setHorizontalHeaderLabels([heading, quantity][: self.columnCount()])
        self.setToolTip(
            QCoreApplication.translate(
                "ScanStation",
                "Delete takes the selected line out; type over a quantity to change it.",
            )
        )
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        if with_quantity:
            self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(1, 160)
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setMinimumHeight(150)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete (or Backspace) takes the selected scans out again: a wrong scan is one key."""
        editing = self.state() == QAbstractItemView.State.EditingState
        if not editing and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            rows = sorted({index.row() for index in self.selectedIndexes()}, reverse=True)
            for row in rows:
                self.removeRow(row)
            return
        super().keyPressEvent(event)

    def add(self, code: str, display: str, amount: Quantity | None, *, whole: bool = False) -> None:
        row = self.rowCount()
        self.insertRow(row)
        name = QTableWidgetItem(display)
        name.setData(Qt.ItemDataRole.UserRole, code)
        name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.setItem(row, 0, name)
        if self.with_quantity:
            cell = QTableWidgetItem(quantity_text(amount))
            cell.setData(UNIT_ROLE, amount.unit if amount is not None else None)
            if whole:  # a container ships or packs whole
                cell.setText(QCoreApplication.translate("ScanStation", "whole"))
                cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
                cell.setData(Qt.ItemDataRole.UserRole, "whole")
            self.setItem(row, 1, cell)
        self.scrollToBottom()

    def entries(self) -> list[Entry]:
        result = []
        for row in range(self.rowCount()):
            name = self.item(row, 0)
            assert name is not None
            amount: str | None = None
            unit: str | None = None
            if self.with_quantity:
                cell = self.item(row, 1)
                assert cell is not None
                whole = cell.data(Qt.ItemDataRole.UserRole) == "whole"
                amount = None if whole else cell.text().strip() or None
                unit = cell.data(UNIT_ROLE)
            code = str(name.data(Qt.ItemDataRole.UserRole))
            result.append(Entry(code, name.text(), amount, unit))
        return result

    def codes(self) -> list[str]:
        return [entry.code for entry in self.entries()]


class StepForm(QWidget):
    """A step's fields. Scans come in resolved (`take_scan`); `work` builds the service call."""

    step: HandlingStep
    verb: str  # "Received", for the green panel
    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setContentsMargins(0, 0, 0, 0)

    def row(self, label: str, field: QWidget) -> None:
        self.form.addRow(QCoreApplication.translate("ScanStation", label), field)
        if isinstance(field, QLineEdit):
            field.textChanged.connect(self.changed)
        elif isinstance(field, QComboBox):
            field.currentIndexChanged.connect(self.changed)
        elif isinstance(field, QTableWidget):
            field.model().rowsInserted.connect(self.changed)
            field.model().rowsRemoved.connect(self.changed)

    def line_edits(self) -> list[QLineEdit]:
        return self.findChildren(QLineEdit)

    # What each step says and does.
    def set_choices(self, choices: StationChoices) -> None:
        pass

    def take_scan(self, info: ScanInfo) -> str:
        """Put a scanned code where it belongs; return what was done, in words; refuse with a
        KnownError when the code has no place in this step."""
        raise NotImplementedError

    def missing(self) -> tuple[str, QWidget] | None:
        """What is still needed (in words, and the field to fill); None when complete."""
        raise NotImplementedError

    def work(self) -> Work:
        raise NotImplementedError

    def done_text(self, result: StepResult) -> tuple[str, str]:
        raise NotImplementedError

    def clear(self) -> None:
        """Empty the fields of one step; choices that repeat (supplier, customer) are kept."""
        for edit in self.line_edits():
            edit.clear()
        for table in self.findChildren(ItemTable):
            table.setRowCount(0)
        self.changed.emit()


def _refuse_target(info: ScanInfo, step: str) -> KnownError:
    if info.target is ScanTarget.CONTAINER:
        return InvalidInput(
            QCoreApplication.translate(
                "ScanStation", "{code} is a case or pallet; it has no place in {step}."
            ).format(code=info.display, step=step),
            hint=QCoreApplication.translate(
                "ScanStation", "Scan the lot's label, or choose the step for containers."
            ),
        )
    if info.target is ScanTarget.LOCATION:
        return InvalidInput(
            QCoreApplication.translate(
                "ScanStation", "{code} is a location; it has no place in {step}."
            ).format(code=info.display, step=step),
            hint=QCoreApplication.translate(
                "ScanStation", "Scan a lot or case label; pick the location from its list."
            ),
        )
    if info.target is ScanTarget.LABEL:
        return NotFound(
            QCoreApplication.translate("ScanStation", "Lot {code} is not in the plant.").format(
                code=info.display
            ),
            hint=QCoreApplication.translate("ScanStation", "Receive it first, or check the label."),
        )
    return UnknownCode(info.display)


def _lot_line(result: StepResult) -> str:
    on_hand = QCoreApplication.translate("ScanStation", "{lot} ({on_hand} on hand)")
    return ", ".join(on_hand.format(lot=lot.name, on_hand=lot.on_hand) for lot in result.lots)


class ReceiveForm(StepForm):
    step = HandlingStep.RECEIVE
    verb = str(QT_TRANSLATE_NOOP("ScanStation", "Received"))

    def __init__(self) -> None:
        super().__init__()
        self.supplier = _combo(QCoreApplication.translate("ScanStation", "Choose the supplier"))
        self.product = _combo(QCoreApplication.translate("ScanStation", "Scan the product label"))
        self.supplier_lot = _line(
            QCoreApplication.translate("ScanStation", "from the label (AI 10)")
        )
        self.quantity = _line(QCoreApplication.translate("ScanStation", "e.g. 25 or 25 kg"))
        self.unit = QLabel("")
        self.expiry = _line(QCoreApplication.translate("ScanStation", "YYYY-MM-DD (AI 17)"))
        self.document = _line(QCoreApplication.translate("ScanStation", "delivery note (optional)"))
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Supplier")), self.supplier)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Product")), self.product)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Supplier lot")), self.supplier_lot)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Quantity")), self.quantity)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Expiry")), self.expiry)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Document")), self.document)
        self._units: dict[str, str] = {}
        self.product.currentIndexChanged.connect(self._show_unit)

    def _show_unit(self) -> None:
        unit = self._units.get(self.product.currentData() or "")
        self.quantity.setPlaceholderText(
            QCoreApplication.translate("ScanStation", "e.g. 25 (in {unit})").format(unit=unit)
            if unit
            else QCoreApplication.translate("ScanStation", "e.g. 25 kg")
        )

    def set_choices(self, choices: StationChoices) -> None:
        _fill(self.supplier, [(p.code, f"{p.code} — {p.name}") for p in choices.suppliers])
        _fill(
            self.product, [(p.part_number, f"{p.part_number} — {p.name}") for p in choices.products]
        )
        self._units = {p.part_number: p.unit for p in choices.products}
        if self.supplier.currentIndex() < 0 and len(choices.suppliers) == 1:
            self.supplier.setCurrentIndex(0)

    def take_scan(self, info: ScanInfo) -> str:
        if info.target is ScanTarget.LOT and info.lot is not None:
            raise AlreadyExists(
                QCoreApplication.translate(
                    "ScanStation", "Lot {lot} is already in the plant."
                ).format(lot=info.lot.name),
                hint=QCoreApplication.translate(
                    "ScanStation", "A new delivery needs its own lot code; or choose another step."
                ),
            )
        if info.target is ScanTarget.NEW and info.label.gtin is None and not info.label.sscc:
            self.supplier_lot.setText(info.code.strip())
            return QCoreApplication.translate("ScanStation", "Supplier lot {code}").format(
                code=info.code.strip()
            )
        if info.target is not ScanTarget.LABEL or info.product is None:
            raise _refuse_target(info, QCoreApplication.translate("ScanStation", "a receipt"))
        _choose(self.product, info.product.part_number)
        said = [info.product.part_number]
        if info.label.lot:
            self.supplier_lot.setText(info.label.lot)
            said.append(
                QCoreApplication.translate("ScanStation", "lot {lot}").format(lot=info.label.lot)
            )
        if info.label.quantity is not None:
            self.quantity.setText(quantity_text(info.label.quantity))
            said.append(quantity_text(info.label.quantity))
        if info.label.expiry is not None:
            self.expiry.setText(info.label.expiry.isoformat())
            said.append(
                QCoreApplication.translate("ScanStation", "expires {date}").format(
                    date=info.label.expiry.isoformat()
                )
            )
        return QCoreApplication.translate("ScanStation", "Label read: {parts}").format(
            parts=", ".join(said)
        )

    def missing(self) -> tuple[str, QWidget] | None:
        if self.product.currentIndex() < 0:
            return QCoreApplication.translate(
                "ScanStation", "Scan the product label (or choose the product)."
            ), self.product
        if self.supplier.currentIndex() < 0:
            return QCoreApplication.translate("ScanStation", "Choose the supplier."), self.supplier
        if not self.supplier_lot.text().strip():
            return QCoreApplication.translate(
                "ScanStation", "Scan or type the supplier's lot."
            ), self.supplier_lot
        if not self.quantity.text().strip():
            return QCoreApplication.translate(
                "ScanStation", "Type the quantity received."
            ), self.quantity
        return None

    def work(self) -> Work:
        part = str(self.product.currentData())
        supplier = str(self.supplier.currentData())
        lot = self.supplier_lot.text()
        amount = parse_quantity(self.quantity.text(), self._units.get(part), what=f"{part}/{lot}")
        expiry = parse_expiry(self.expiry.text())
        document = self.document.text().strip() or None
        # A request carries its event UUID, made here where the scan happened: a retry (or the
        # outbox sending it again) cannot record it twice.
        return receive_request(
            supplier=supplier,
            supplier_lot_code=lot,
            product=part,
            quantity=amount,
            expiry=expiry,
            reference_document=document,
        )

    def done_text(self, result: StepResult) -> tuple[str, str]:
        lot = result.lots[0]
        party = result.event.party or QCoreApplication.translate("ScanStation", "the supplier")
        detail = QCoreApplication.translate("ScanStation", "{product} from {party}").format(
            product=lot.product_name, party=party
        )
        if lot.expiry is not None:
            detail += QCoreApplication.translate("ScanStation", ", expires {date}").format(
                date=lot.expiry.isoformat()
            )
        title = QCoreApplication.translate("ScanStation", "Received {lot} — {quantity}").format(
            lot=lot.name, quantity=lot.on_hand
        )
        return title, detail


class ProduceForm(StepForm):
    step = HandlingStep.PRODUCE
    verb = str(QT_TRANSLATE_NOOP("ScanStation", "Produced"))

    def __init__(self) -> None:
        super().__init__()
        self.inputs = ItemTable(
            with_quantity=True,
            heading=QCoreApplication.translate("ScanStation", "Input lots (scan each)"),
        )
        self.product = _combo(QCoreApplication.translate("ScanStation", "Output product"))
        self.lot = _line(QCoreApplication.translate("ScanStation", "output lot code"))
        self.quantity = _line(QCoreApplication.translate("ScanStation", "e.g. 58 or 58 kg"))
        self.equipment = _combo(QCoreApplication.translate("ScanStation", "Equipment"))
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Inputs")), self.inputs)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Output")), self.product)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Output lot")), self.lot)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Quantity")), self.quantity)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Equipment")), self.equipment)
        self._units: dict[str, str] = {}

    def set_choices(self, choices: StationChoices) -> None:
        _fill(
            self.product, [(p.part_number, f"{p.part_number} — {p.name}") for p in choices.products]
        )
        self._units = {p.part_number: p.unit for p in choices.products}
        _fill(
            self.equipment,
            [(e.code, f"{e.code} — {e.name}") for e in choices.equipment],
            none=QCoreApplication.translate("ScanStation", "No equipment"),
        )

    def take_scan(self, info: ScanInfo) -> str:
        if info.target is ScanTarget.LOT and info.lot is not None:
            amount = info.label.quantity or info.free
            self.inputs.add(info.lot.name, info.lot.name, amount)
            return QCoreApplication.translate(
                "ScanStation", "Input {lot}: {quantity} (edit if less goes in)"
            ).format(lot=info.lot.name, quantity=quantity_text(amount))
        if info.target is ScanTarget.LABEL and info.product is not None:
            _choose(self.product, info.product.part_number)
            if info.label.lot:
                self.lot.setText(info.label.lot)
            if info.label.quantity is not None:
                self.quantity.setText(quantity_text(info.label.quantity))
            return QCoreApplication.translate("ScanStation", "Output {code}").format(
                code=info.display
            )
        if (
            info.target is ScanTarget.LOCATION
            and info.location is not None
            and _choose(self.equipment, info.location.code)
        ):
            return QCoreApplication.translate("ScanStation", "Equipment {code}").format(
                code=info.location.code
            )
        raise _refuse_target(info, QCoreApplication.translate("ScanStation", "production"))

    def missing(self) -> tuple[str, QWidget] | None:
        if self.product.currentIndex() < 0:
            return QCoreApplication.translate(
                "ScanStation", "Scan the input lots, then choose the output product."
            ), self.product
        if not self.lot.text().strip():
            return QCoreApplication.translate("ScanStation", "Type the output lot code."), self.lot
        if not self.quantity.text().strip():
            return QCoreApplication.translate(
                "ScanStation", "Type the quantity produced."
            ), self.quantity
        return None

    def work(self) -> Work:
        inputs = []
        for entry in self.inputs.entries():
            amount = entry.quantity()
            if amount is None:
                raise InvalidInput(
                    QCoreApplication.translate(
                        "ScanStation", "Give the quantity of {code} that goes in."
                    ).format(code=entry.display),
                    hint=QCoreApplication.translate("ScanStation", "e.g. 20 kg."),
                )
            inputs.append(InputSpec(entry.code, amount))
        part = str(self.product.currentData())
        lot = self.lot.text().strip()
        amount = parse_quantity(self.quantity.text(), self._units.get(part), what=f"{part}/{lot}")
        outputs = [OutputSpec(part, lot, amount)]
        equipment = self.equipment.currentData() or None
        return produce_request(inputs=inputs, outputs=outputs, equipment=equipment)

    def done_text(self, result: StepResult) -> tuple[str, str]:
        made = [i for i in result.event.items if i.role.value == "output"]
        used = [i for i in result.event.items if i.role.value == "input"]
        title = ", ".join(f"{i.label} — {i.quantity}" for i in made)
        detail = (
            QCoreApplication.translate("ScanStation", "from {inputs}").format(
                inputs=", ".join(f"{i.label} ({i.quantity})" for i in used)
            )
            if used
            else QCoreApplication.translate("ScanStation", "no inputs")
        )
        return QCoreApplication.translate("ScanStation", "Produced {outputs}").format(
            outputs=title
        ), detail


class PackForm(StepForm):
    step = HandlingStep.PACK
    verb = str(QT_TRANSLATE_NOOP("ScanStation", "Packed"))

    def __init__(self) -> None:
        super().__init__()
        self.container = _line(
            QCoreApplication.translate("ScanStation", "scan the case or pallet label (SSCC)")
        )
        self.kind = _combo(QCoreApplication.translate("ScanStation", "Kind"))
        for kind in CONTAINER_KINDS:
            self.kind.addItem(QCoreApplication.translate("ScanStation", kind), kind)
        self.kind.setCurrentIndex(0)
        self.items = ItemTable(
            with_quantity=True,
            heading=QCoreApplication.translate("ScanStation", "Items packed (scan each)"),
        )
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Container")), self.container)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Kind")), self.kind)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Items")), self.items)

    def take_scan(self, info: ScanInfo) -> str:
        if not self.container.text().strip() and info.target in (
            ScanTarget.CONTAINER,
            ScanTarget.NEW,
        ):
            code = info.label.sscc or info.display
            self.container.setText(code)
            known = info.target is ScanTarget.CONTAINER
            new = "" if known else QCoreApplication.translate("ScanStation", " (new)")
            return (
                QCoreApplication.translate("ScanStation", "Packing into {code}").format(code=code)
                + new
            )
        if info.target is ScanTarget.LOT and info.lot is not None:
            amount = info.label.quantity or info.free
            self.items.add(info.lot.name, info.lot.name, amount)
            return QCoreApplication.translate("ScanStation", "Item {lot}: {quantity}").format(
                lot=info.lot.name, quantity=quantity_text(amount)
            )
        if info.target is ScanTarget.CONTAINER and info.container is not None:
            self.items.add(info.container.code, info.container.code, None, whole=True)
            return QCoreApplication.translate("ScanStation", "Item {code} (whole)").format(
                code=info.container.code
            )
        raise _refuse_target(info, QCoreApplication.translate("ScanStation", "packing"))

    def missing(self) -> tuple[str, QWidget] | None:
        if not self.container.text().strip():
            return QCoreApplication.translate(
                "ScanStation", "Scan the case or pallet label."
            ), self.container
        if not self.items.rowCount():
            return QCoreApplication.translate("ScanStation", "Scan what goes in."), self.items
        return None

    def work(self) -> Work:
        container = self.container.text().strip()
        kind = str(self.kind.currentData())
        items = [PackItem(entry.code, entry.quantity()) for entry in self.items.entries()]
        return pack_request(container=container, items=items, kind=kind)

    def done_text(self, result: StepResult) -> tuple[str, str]:
        children = [i for i in result.event.items if i.role.value == "child"]
        parent = next((i.label for i in result.event.items if i.role.value == "parent"), "")
        names = ", ".join(f"{i.label} ({i.quantity})" if i.quantity else i.label for i in children)
        return QCoreApplication.translate("ScanStation", "Packed into {parent}").format(
            parent=parent
        ), names


class UnpackForm(StepForm):
    step = HandlingStep.UNPACK
    verb = str(QT_TRANSLATE_NOOP("ScanStation", "Unpacked"))

    def __init__(self) -> None:
        super().__init__()
        self.container = _line(
            QCoreApplication.translate("ScanStation", "scan the case or pallet label")
        )
        self.items = ItemTable(
            with_quantity=False,
            heading=QCoreApplication.translate("ScanStation", "Items to take out (none: all)"),
        )
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Container")), self.container)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Items")), self.items)

    def take_scan(self, info: ScanInfo) -> str:
        if not self.container.text().strip() and info.target is ScanTarget.CONTAINER:
            self.container.setText(info.display)
            return QCoreApplication.translate("ScanStation", "Unpacking {code}").format(
                code=info.display
            )
        if info.target in (ScanTarget.LOT, ScanTarget.CONTAINER):
            self.items.add(info.display, info.display, None)
            return QCoreApplication.translate("ScanStation", "Take out {code}").format(
                code=info.display
            )
        raise _refuse_target(info, QCoreApplication.translate("ScanStation", "unpacking"))

    def missing(self) -> tuple[str, QWidget] | None:
        if not self.container.text().strip():
            return QCoreApplication.translate(
                "ScanStation", "Scan the case or pallet to unpack."
            ), self.container
        return None

    def work(self) -> Work:
        container = self.container.text().strip()
        items = self.items.codes()
        return unpack_request(container=container, items=items)

    def done_text(self, result: StepResult) -> tuple[str, str]:
        children = [i.label for i in result.event.items if i.role.value == "child"]
        parent = next((i.label for i in result.event.items if i.role.value == "parent"), "")
        took_out = QCoreApplication.translate("ScanStation", "took out {items}").format(
            items=", ".join(children)
        )
        return QCoreApplication.translate("ScanStation", "Unpacked {parent}").format(
            parent=parent
        ), took_out


class ShipForm(StepForm):
    step = HandlingStep.SHIP
    verb = str(QT_TRANSLATE_NOOP("ScanStation", "Shipped"))

    def __init__(self) -> None:
        super().__init__()
        self.items = ItemTable(
            with_quantity=True,
            heading=QCoreApplication.translate("ScanStation", "Pallets, cases or lots (scan each)"),
        )
        self.customer = _combo(QCoreApplication.translate("ScanStation", "Choose the customer"))
        self.document = _line(QCoreApplication.translate("ScanStation", "delivery note (optional)"))
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Items")), self.items)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Customer")), self.customer)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Document")), self.document)

    def set_choices(self, choices: StationChoices) -> None:
        _fill(self.customer, [(p.code, f"{p.code} — {p.name}") for p in choices.customers])
        if self.customer.currentIndex() < 0 and len(choices.customers) == 1:
            self.customer.setCurrentIndex(0)

    def take_scan(self, info: ScanInfo) -> str:
        if info.target is ScanTarget.CONTAINER and info.container is not None:
            self.items.add(info.container.code, info.container.code, None, whole=True)
            return QCoreApplication.translate("ScanStation", "Ship {code} (whole)").format(
                code=info.container.code
            )
        if info.target is ScanTarget.LOT and info.lot is not None:
            amount = info.label.quantity or info.free
            self.items.add(info.lot.name, info.lot.name, amount)
            return QCoreApplication.translate("ScanStation", "Ship {lot}: {quantity}").format(
                lot=info.lot.name, quantity=quantity_text(amount)
            )
        raise _refuse_target(info, QCoreApplication.translate("ScanStation", "a shipment"))

    def missing(self) -> tuple[str, QWidget] | None:
        if not self.items.rowCount():
            return QCoreApplication.translate(
                "ScanStation", "Scan the pallets, cases or lots to ship."
            ), self.items
        if self.customer.currentIndex() < 0:
            return QCoreApplication.translate("ScanStation", "Choose the customer."), self.customer
        return None

    def work(self) -> Work:
        customer = str(self.customer.currentData())
        items = [PackItem(entry.code, entry.quantity()) for entry in self.items.entries()]
        document = self.document.text().strip() or None
        return ship_request(customer=customer, items=items, reference_document=document)

    def done_text(self, result: StepResult) -> tuple[str, str]:
        names = ", ".join(i.label for i in result.event.items)
        return QCoreApplication.translate("ScanStation", "Shipped to {party}").format(
            party=result.event.party
        ), names


class MoveForm(StepForm):
    step = HandlingStep.MOVE
    verb = str(QT_TRANSLATE_NOOP("ScanStation", "Moved"))

    def __init__(self) -> None:
        super().__init__()
        self.items = ItemTable(
            with_quantity=False,
            heading=QCoreApplication.translate("ScanStation", "Lots or containers (scan each)"),
        )
        self.destination = _combo(
            QCoreApplication.translate("ScanStation", "Scan or choose the destination")
        )
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "Items")), self.items)
        self.row(str(QT_TRANSLATE_NOOP("ScanStation", "To")), self.destination)

    def set_choices(self, choices: StationChoices) -> None:
        _fill(self.destination, [(p.code, f"{p.code} — {p.name}") for p in choices.locations])

    def take_scan(self, info: ScanInfo) -> str:
        if info.target is ScanTarget.LOCATION and info.location is not None:
            _choose(self.destination, info.location.code)
            return QCoreApplication.translate("ScanStation", "To {code}").format(
                code=info.location.code
            )
        if info.target in (ScanTarget.LOT, ScanTarget.CONTAINER):
            self.items.add(info.display, info.display, None)
            return QCoreApplication.translate("ScanStation", "Move {code}").format(
                code=info.display
            )
        raise _refuse_target(info, QCoreApplication.translate("ScanStation", "a move"))

    def missing(self) -> tuple[str, QWidget] | None:
        if not self.items.rowCount():
            return QCoreApplication.translate(
                "ScanStation", "Scan the lots or containers to move."
            ), self.items
        if self.destination.currentIndex() < 0:
            return QCoreApplication.translate(
                "ScanStation", "Scan or choose the destination."
            ), self.destination
        return None

    def work(self) -> Work:
        items = self.items.codes()
        destination = str(self.destination.currentData())
        return move_request(items=items, to=destination)

    def done_text(self, result: StepResult) -> tuple[str, str]:
        names = ", ".join(i.label for i in result.event.items)
        where = result.lots[0].location if result.lots else self.destination.currentData()
        return QCoreApplication.translate("ScanStation", "Moved to {place}").format(
            place=where
        ), names


def undo_work(event: uuid.UUID, reason: str) -> Work:
    """The correction of an earlier step: declared an error and reversed, never deleted."""
    return correct_request(event=event, reason=reason)


FORMS: tuple[type[StepForm], ...] = (
    ReceiveForm,
    ProduceForm,
    PackForm,
    UnpackForm,
    ShipForm,
    MoveForm,
)
