"""Steps the server refused after the station stored them: the reason, what to do, and the two ways out."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
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

from traceapp.domain.commands import OutboxItem
from traceapp.domain.errors import InvalidInput, KnownError
from traceapp.services.sync_commands import describe_command
from traceapp.ui.context import StationContext

COLUMNS = ("Confirmed", "By", "Step", "Refused because", "What to do")
WHAT_TO_DO = (
    "Clear the cause on the server (e.g. a supervisor lifts the hold), then Send again; or "
    "record what really happened by hand and Mark as settled with a note. Nothing here is "
    "deleted: settled steps stay in the station's outbox with your note."
)


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    item.setToolTip(text)
    return item


class ConflictsDialog(QDialog):
    """The review list of the station's conflicts; reads and writes run in the worker pool."""

    def __init__(self, context: StationContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert context.sync is not None
        self.setObjectName("conflictsDialog")
        self.setWindowTitle("Steps the server refused")
        self._context = context
        self._sync = context.sync
        self._items: list[OutboxItem] = []
        self.summary = QLabel()
        self.summary.setObjectName("conflictsSummary")
        self.summary.setWordWrap(True)
        advice = QLabel(WHAT_TO_DO)
        advice.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("conflictsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.note = QLineEdit()
        self.note.setObjectName("conflictNote")
        self.note.setPlaceholderText("Note for Mark as settled, e.g. re-scanned after the release")
        self.retry_button = QPushButton("Send &again")
        self.retry_button.setObjectName("conflictRetry")
        self.settle_button = QPushButton("&Mark as settled")
        self.settle_button.setObjectName("conflictSettle")
        self.retry_button.clicked.connect(self._on_retry)
        self.settle_button.clicked.connect(self._on_settle)
        self.message = QLabel()
        self.message.setObjectName("conflictsMessage")
        self.message.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.note, 1)
        actions.addWidget(self.retry_button)
        actions.addWidget(self.settle_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(advice)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.resize(980, 420)
        self.table.itemSelectionChanged.connect(self._enable)
        self._enable()
        self.reload()

    def reload(self) -> None:
        self._context.background.run(self._sync.conflicts, self._show, self._on_error)

    def _show(self, items: list[OutboxItem]) -> None:
        self._items = items
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            command = item.command
            when = command.event_time.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            cells = (
                when,
                command.actor.username,
                describe_command(command),
                item.reason or "",
                item.hint or "",
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, _cell(text))
        self.table.resizeRowsToContents()
        count = len(items)
        noun, pronoun = ("step", "it") if count == 1 else ("steps", "them")
        self.summary.setText(
            f"{count} {noun} the server refused after this station had stored {pronoun}:"
            if count
            else "No steps wait for review."
        )
        if count and not self.table.selectedItems():
            self.table.selectRow(0)
        self._enable()

    def _selected(self) -> OutboxItem | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        return self._items[min(rows)] if rows else None

    def _enable(self) -> None:
        chosen = self._selected() is not None
        self.retry_button.setEnabled(chosen)
        self.settle_button.setEnabled(chosen)

    def _on_retry(self) -> None:
        item = self._selected()
        if item is None:
            return
        self.message.setText(f"Sending again: {describe_command(item.command)}")
        self._context.background.run(lambda: self._sync.retry(item.seq), self._done, self._on_error)

    def _on_settle(self) -> None:
        item = self._selected()
        if item is None:
            return
        note = self.note.text().strip()
        if not note:
            self._on_error(
                InvalidInput(
                    "Settling a refused step needs a note.",
                    hint="Say what was done instead, e.g. re-scanned after the release.",
                ),
                "",
            )
            self.note.setFocus()
            return
        self._context.background.run(
            lambda: self._sync.mark_reviewed(item.seq, note), self._settled, self._on_error
        )

    def _settled(self, _result: object) -> None:
        self.note.clear()
        self.message.setText("Marked as settled; it stays in the outbox with the note.")
        self.reload()

    def _done(self, _result: object) -> None:
        self.reload()

    def _on_error(self, error: BaseException, _details: str) -> None:
        if isinstance(error, KnownError):
            self.message.setText(f"{error.message} {error.hint}".strip())
        else:
            self.message.setText(f"Something went wrong: {type(error).__name__}")
