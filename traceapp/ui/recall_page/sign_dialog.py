"""The electronic signature of a recall action (hold every affected lot, the signed report): the
signed-in person re-types the password and picks the meaning, as in the lot decision dialogs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from traceapp.domain.errors import InvalidInput
from traceapp.services.signatures import Meaning
from traceapp.ui.decisions import DIALOG_WIDTH_PX
from traceapp.ui.messages import error_text
from traceapp.ui.signature_form import (
    ConfirmButtons,
    SignatureFields,
    message_label,
    plain_label,
    statement_label,
)

# What the confirm button says while the work runs.
BUSY_WORDS = "Signing…"


class SignDialog(QDialog):
    """Reason (when asked for), the signer (the signed-in user, fixed), password and meaning.

    `submit(password, meaning, reason)` starts the signed work in the background; the page calls
    `finish()` when it succeeded and `refuse(error, details)` when it did not: the dialog stays
    open, says why, and the password is typed again.
    """

    def __init__(
        self,
        parent: QWidget,
        *,
        title: str,
        statement: str,
        signer: str,
        confirm_words: str,
        submit: Callable[[str, Meaning, str], None],
        reason: str | None = None,
        meaning: Meaning = Meaning.APPROVED,
        meanings: Sequence[Meaning] = tuple(Meaning),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recallSignDialog")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(DIALOG_WIDTH_PX)
        self._submit = submit
        self._statement_words = statement
        self._confirm_words = confirm_words
        self._busy = False
        heading = plain_label(title, "screenTitle")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.reason: QLineEdit | None = None
        if reason is not None:
            self.reason = QLineEdit(reason)
            self.reason.setObjectName("signReason")
            self.reason.setAccessibleName("Reason")
            self.reason.setPlaceholderText("What is suspected and why (required)")
            form.addRow("&Reason:", self.reason)
            self.reason.textChanged.connect(self._update_statement)
        # The signed-in person signs; another person signs in first.
        self.signature = SignatureFields(
            form, signer=signer, signer_editable=False, meaning=meaning, meanings=meanings
        )
        self.signer = self.signature.signer
        self.password = self.signature.password
        self.meaning = self.signature.meaning
        self.meaning.currentIndexChanged.connect(self._update_statement)
        self.statement = statement_label()
        self.message = message_label()
        buttons = ConfirmButtons(
            confirm_words,
            confirm_name="confirmSignature",
            cancel_name="cancelSignature",
            busy_words=BUSY_WORDS,
        )
        self.confirm, self.cancel = buttons.confirm, buttons.cancel
        self.confirm.clicked.connect(self._on_confirm)
        self.cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.statement)
        layout.addWidget(self.message)
        layout.addLayout(buttons.row)
        self.password.returnPressed.connect(self._on_confirm)
        self._update_statement()
        self.first_field().setFocus()

    def first_field(self) -> QWidget:
        return self.reason if self.reason is not None else self.password

    def statement_text(self) -> str:
        text = self._statement_words
        if self.reason is not None:
            text += f": {self.reason.text().strip() or '…'}"
        return f"{text}\n{self.signature.meaning_line()}"

    def _update_statement(self) -> None:
        self.statement.setText(self.statement_text())

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for field in (self.reason, *self.signature.widgets(), self.confirm):
            if field is not None:
                field.setEnabled(not busy)
        self.confirm.setText(BUSY_WORDS if busy else self._confirm_words)

    def show_refusal(self, text: str, focus: QWidget) -> None:
        self.message.setText(text)
        self.message.show()
        focus.setFocus()

    def _on_confirm(self) -> None:
        if self._busy:
            return
        reason = self.reason.text().strip() if self.reason is not None else ""
        if self.reason is not None and not reason:
            self.show_refusal("A hold needs a reason.\nSay what is suspected and why.", self.reason)
            return
        missing = self.signature.missing()
        if missing is not None:
            self.show_refusal(*missing)
            return
        self.message.hide()
        self._set_busy(True)
        self._submit(self.password.text(), self.signature.chosen(), reason)

    def finish(self) -> None:
        self._set_busy(False)
        self.password.clear()
        self.accept()

    def refuse(self, error: BaseException, details: str) -> None:
        self._set_busy(False)
        self.password.clear()  # a refused signature is typed again, never kept
        if not self.isVisible():
            return
        focus: QWidget = self.password
        if isinstance(error, InvalidInput) and self.reason is not None:
            focus = self.reason
        self.show_refusal(error_text(error, details), focus)

    def reject(self) -> None:
        """Esc or Cancel: while the signed work runs the dialog only hides (its answer still
        shows on the page)."""
        if self._busy:
            self.hide()
            return
        super().reject()
