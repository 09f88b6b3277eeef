"""The electronic signature of a recall action (hold every affected lot, the signed report): the
signed-in person re-types the password and picks the meaning, as in the lot decision dialogs."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from traceapp.domain.errors import InvalidInput
from traceapp.services.signatures import Meaning
from traceapp.ui.decisions import DIALOG_WIDTH_PX
from traceapp.ui.messages import error_text

# What the confirm button says while the work runs.
BUSY_WORDS = "Signing…"


def _plain(text: str = "", name: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # reasons were typed by people
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


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
        heading = _plain(title, "screenTitle")
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
        self.signer = QLineEdit(signer)
        self.signer.setObjectName("signatureUser")
        self.signer.setReadOnly(True)  # the signed-in person signs; another signs in first
        self.signer.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.password = QLineEdit()
        self.password.setObjectName("signaturePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.meaning = QComboBox()
        self.meaning.setObjectName("signatureMeaning")
        self.meaning.setAccessibleName("Meaning of the signature")
        for option in Meaning:
            self.meaning.addItem(option.value, option.value)
        self.meaning.setCurrentIndex(self.meaning.findData(meaning.value))
        self.meaning.currentIndexChanged.connect(self._update_statement)
        form.addRow("Signed by:", self.signer)
        form.addRow("&Password:", self.password)
        form.addRow("&Meaning:", self.meaning)
        self.statement = _plain("", "decisionStatement")
        self.statement.setStyleSheet("font-weight: bold;")
        self.message = _plain("", "errorText")
        self.message.hide()
        self.confirm = QPushButton(confirm_words)
        self.confirm.setObjectName("confirmSignature")
        self.confirm.setDefault(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName("cancelSignature")
        self.cancel.setAutoDefault(False)
        self.confirm.clicked.connect(self._on_confirm)
        self.cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(_plain("Enter confirms · Esc cancels", "infoText"), 1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.confirm)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.statement)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.password.returnPressed.connect(self._on_confirm)
        self._update_statement()
        self.first_field().setFocus()

    def first_field(self) -> QWidget:
        return self.reason if self.reason is not None else self.password

    def statement_text(self) -> str:
        text = self._statement_words
        if self.reason is not None:
            text += f": {self.reason.text().strip() or '…'}"
        return f"{text}\nMeaning of my signature: {self.meaning.currentText()}."

    def _update_statement(self) -> None:
        self.statement.setText(self.statement_text())

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for field in (self.reason, self.password, self.meaning, self.confirm):
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
        if not self.password.text():
            self.show_refusal("Type your password to sign.", self.password)
            return
        self.message.hide()
        self._set_busy(True)
        self._submit(self.password.text(), Meaning(self.meaning.currentData()), reason)

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
