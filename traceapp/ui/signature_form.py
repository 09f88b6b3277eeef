"""The electronic signature's part of a dialog (21 CFR 11.50): the signer, the password typed
again, the meaning, the statement the signer reads, the line that says why a signature was
refused, and the confirm and cancel buttons. The lot decision dialogs (`ui/decisions.py`) and
the recall page's signature dialog (`ui/recall_page/sign_dialog.py`) are built from it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton

from traceapp.services.signatures import Meaning

KEYS_HINT = "Enter confirms · Esc cancels"
CONFIRM_SLACK_PX = 8  # a style sheet's min-width is the text's box, without padding


def plain_label(text: str = "", name: str | None = None) -> QLabel:
    """A wrapping label that shows text as typed (reasons and names were typed by people)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


def statement_label() -> QLabel:
    """What the signer declares, in bold, above the buttons."""
    label = plain_label("", "decisionStatement")
    label.setStyleSheet("font-weight: bold;")
    return label


def message_label() -> QLabel:
    """Why the last try was refused; hidden until there is something to say."""
    label = plain_label("", "errorText")
    label.hide()
    return label


class SignatureFields:
    """Signer, password and meaning, added as rows to a dialog's form.

    `signer_editable=False`: the signed-in person signs (another person signs in first); the
    name is shown and skipped by Tab.
    """

    def __init__(
        self,
        form: QFormLayout,
        *,
        signer: str,
        signer_editable: bool,
        meaning: Meaning,
        meanings: Sequence[Meaning] = tuple(Meaning),
    ) -> None:
        self.signer_editable = signer_editable
        self.signer = QLineEdit(signer)
        self.signer.setObjectName("signerName")
        self.signer.setAccessibleName("Signer's user name")
        if not signer_editable:
            self.signer.setReadOnly(True)
            self.signer.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.password = QLineEdit()
        self.password.setObjectName("signerPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.meaning = QComboBox()
        self.meaning.setObjectName("signatureMeaning")
        self.meaning.setAccessibleName("Meaning of the signature")
        for option in meanings:
            self.meaning.addItem(option.value, option.value)
        self.meaning.setCurrentIndex(max(self.meaning.findData(meaning.value), 0))
        form.addRow("Signed by (&user):" if signer_editable else "Signed by:", self.signer)
        form.addRow("&Password:", self.password)
        form.addRow("&Meaning:", self.meaning)

    def widgets(self) -> list[QLineEdit | QComboBox]:
        """What is disabled while the signed work runs."""
        fields: list[QLineEdit | QComboBox] = [self.password, self.meaning]
        return [self.signer, *fields] if self.signer_editable else fields

    def chosen(self) -> Meaning:
        return Meaning(self.meaning.currentData())

    def meaning_line(self) -> str:
        return f"Meaning of my signature: {self.meaning.currentText()}."

    def missing(self) -> tuple[str, QLineEdit] | None:
        """What the signer still has to type, and where, before the signature can be tried."""
        if self.signer_editable and not self.signer.text().strip():
            return "Type the signer's user name.", self.signer
        if not self.password.text():
            words = "the signer's" if self.signer_editable else "your"
            return f"Type {words} password to sign.", self.password
        return None


class ConfirmButtons:
    """Cancel and the default confirm button, after the keys hint, in one row. The confirm
    button is wide enough for each of `words` (its own and what it says while busy)."""

    def __init__(
        self, confirm_words: str, *, confirm_name: str, cancel_name: str, busy_words: str
    ) -> None:
        self.confirm = QPushButton(confirm_words)
        self.confirm.setObjectName(confirm_name)
        self.confirm.setDefault(True)
        # The default button is drawn bold (theme): wide enough for its longest words in bold.
        bold = QFont(self.confirm.font())
        bold.setBold(True)
        widest = max(QFontMetrics(bold).horizontalAdvance(t) for t in (confirm_words, busy_words))
        # The theme's style sheet sets min-width (which wins over setMinimumWidth): set ours there.
        self.confirm.setStyleSheet(f"min-width: {widest + CONFIRM_SLACK_PX}px;")
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName(cancel_name)
        self.cancel.setAutoDefault(False)
        self.row = QHBoxLayout()
        self.row.addWidget(plain_label(KEYS_HINT, "infoText"), 1)
        self.row.addWidget(self.cancel)
        self.row.addWidget(self.confirm)
