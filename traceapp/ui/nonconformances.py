"""The quality page's nonconformance list: open ones first; a quality manager closes one, signed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.nonconformances import NcDisposition, NonconformanceEntry
from traceapp.domain.permissions import UseCase, allowed
from traceapp.services import inspections
from traceapp.services.dispositions import SignedBy
from traceapp.ui.context import StationContext
from traceapp.ui.lot_quality import nc_label
from traceapp.ui.messages import error_text

COLUMNS = ("NC", "Lot", "Status", "Opened", "What was found", "Closing")
DIALOG_WIDTH_PX = 520


def closing_text(entry: NonconformanceEntry) -> str:
    if entry.open or entry.disposition is None:
        return ""
    text = f"{entry.disposition.label}: {entry.close_reason or ''}"
    return f"{text} ({entry.signature})" if entry.signature else text


class CloseDialog(QDialog):
    """Disposition, reason, signer and password; the closing runs in the background and a refusal
    shows here (the dialog stays open, the password is cleared)."""

    closed = Signal(object)  # NonconformanceEntry

    def __init__(
        self, context: StationContext, entry: NonconformanceEntry, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.entry = entry
        self._busy = False
        self.setObjectName("closeNonconformance")
        self.setWindowTitle(f"Close {nc_label(entry.id)} — {entry.lot}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(DIALOG_WIDTH_PX)
        found = QLabel(entry.description)
        found.setTextFormat(Qt.TextFormat.PlainText)
        found.setWordWrap(True)
        self.disposition = QComboBox()
        self.disposition.setObjectName("ncDisposition")
        for choice in NcDisposition:
            self.disposition.addItem(choice.label, choice)
        self.reason = QLineEdit()
        self.reason.setObjectName("ncReason")
        self.reason.setPlaceholderText("What was decided and why (required)")
        actor = context.actor
        self.signer = QLineEdit(actor.username if actor is not None else "")
        self.signer.setObjectName("ncSigner")
        self.password = QLineEdit()
        self.password.setObjectName("ncPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("")
        self.message.setObjectName("ncMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.addRow("Found:", found)
        form.addRow("&Disposition:", self.disposition)
        form.addRow("&Reason:", self.reason)
        form.addRow("&Signer:", self.signer)
        form.addRow("&Password:", self.password)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Close and sign")
        ok.setObjectName("ncCloseSign")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.reason.setFocus()

    def submit(self) -> None:
        if self._busy:
            return
        if not self.reason.text().strip():
            self.message.setText("Say what was decided and why.")
            self.reason.setFocus()
            return
        if not self.password.text():
            self.message.setText("Type the signer's password to sign.")
            self.password.setFocus()
            return
        self._busy = True
        entry_id = self.entry.id
        disposition = NcDisposition(self.disposition.currentData())  # Qt hands StrEnums back as str
        reason = self.reason.text()
        signed_by = SignedBy(self.signer.text().strip(), self.password.text())

        def work(uow: UnitOfWork, actor: Actor) -> NonconformanceEntry:
            return inspections.close_nonconformance(
                uow,
                actor=actor,
                nonconformance=entry_id,
                disposition=disposition,
                reason=reason,
                signed_by=signed_by,
            )

        self.message.setText("Signing…")
        self._context.run(work, self._on_closed, self._on_refused, write=True)

    def _on_closed(self, entry: NonconformanceEntry) -> None:
        self._busy = False
        self.password.clear()
        self.closed.emit(entry)
        self.accept()

    def _on_refused(self, error: BaseException, details: str) -> None:
        self._busy = False
        self.password.clear()  # a refused signature is typed again, never kept
        self.message.setText(error_text(error, details))
        self.password.setFocus()


class NonconformanceList(QWidget):
    """Nonconformances (open first, newest first); Close… for a quality manager."""

    def __init__(self, context: StationContext) -> None:
        super().__init__()
        self.setObjectName("nonconformanceList")
        self._context = context
        self._generation = 0
        self.entries: tuple[NonconformanceEntry, ...] = ()
        self.dialog: CloseDialog | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("nonconformances")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.message = QLabel("")
        self.message.setObjectName("nonconformanceMessage")
        self.message.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.close_button = QPushButton("Close and sign…")
        self.close_button.setObjectName("closeNonconformanceButton")
        self.close_button.setEnabled(False)
        self.close_button.clicked.connect(self.close_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        context.signed_out.connect(self._on_signed_out)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._context.actor is not None:
            self.refresh()

    def refresh(self) -> None:
        self._generation += 1
        generation = self._generation

        def work(uow: UnitOfWork, actor: Actor) -> tuple[NonconformanceEntry, ...]:
            return inspections.nonconformance_list(uow, actor=actor)

        def done(entries: tuple[NonconformanceEntry, ...]) -> None:
            if generation == self._generation:
                self.show_entries(entries)

        def failed(error: BaseException, details: str) -> None:
            if generation == self._generation:
                self.message.setText(error_text(error, details))

        self._context.run(work, done, failed)

    def show_entries(self, entries: tuple[NonconformanceEntry, ...]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            for column, text in enumerate(
                (
                    nc_label(entry.id),
                    entry.lot,
                    entry.status.upper(),
                    f"{entry.opened_at:%Y-%m-%d %H:%M}",
                    entry.description,
                    closing_text(entry),
                )
            ):
                self.table.setItem(row, column, QTableWidgetItem(text))
        opened = sum(1 for e in entries if e.open)
        self.message.setText(f"{opened} open, {len(entries) - opened} closed (newest first).")
        self._on_selection()

    def selected(self) -> NonconformanceEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows else None

    def _on_selection(self) -> None:
        entry = self.selected()
        actor = self._context.actor
        may = actor is not None and allowed(actor.role, UseCase.DISPOSE)
        self.close_button.setEnabled(bool(entry is not None and entry.open and may))
        if entry is not None and entry.open and not may:
            self.close_button.setToolTip("A quality manager closes nonconformances.")

    def close_selected(self) -> None:
        entry = self.selected()
        if entry is None or not entry.open:
            return
        self.dialog = CloseDialog(self._context, entry, self)
        self.dialog.closed.connect(lambda _entry: self.refresh())
        self.dialog.open()

    def _on_signed_out(self) -> None:
        self._generation += 1
        self.show_entries(())
        self.message.setText("")
        if self.dialog is not None:
            self.dialog.reject()
