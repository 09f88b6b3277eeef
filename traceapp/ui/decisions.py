"""A lot's decisions in the window: the list of what was decided, the buttons to decide (hold,
lift, release, reject, rework, scrap) with an electronic signature, and the printed lot record."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.dispositions import (
    CLOSED,
    DECISION_USE_CASE,
    DEFAULT_MEANING,
    SIGNED,
    Decision,
    DecisionOutcome,
    DecisionRecord,
    DecisionRefused,
    DecisionSignature,
    plan,
)
from traceapp.domain.errors import InvalidInput
from traceapp.domain.lots import LotStatus
from traceapp.domain.permissions import UseCase, allowed
from traceapp.domain.results import LotDetail
from traceapp.reports.lot_record import render_lot_record
from traceapp.services.conditions import lot_conditions
from traceapp.services.dispositions import SignedBy, decide, lot_record
from traceapp.services.signatures import Meaning
from traceapp.ui.context import StationContext
from traceapp.ui.icons import DECISION_ICONS, decorate
from traceapp.ui.messages import error_text
from traceapp.ui.signature_form import (
    ConfirmButtons,
    SignatureFields,
    message_label,
    statement_label,
)

TIME_FORMAT = "%Y-%m-%d %H:%M"
PRINT_KEY = "Ctrl+P"
SKIPPED_SHOWN = 5  # descendants not held, named in the result line; the rest are counted

# The keys avoid the window's (Ctrl+L, Ctrl+Shift+O, Ctrl+Q, Ctrl+Shift+T, Ctrl+., F-keys) and
# the lots page's (Ctrl+F, Ctrl+R, Ctrl+G).
DECISION_KEYS: dict[Decision, str] = {
    Decision.HOLD: "Ctrl+H",
    Decision.LIFT_HOLD: "Ctrl+Shift+H",
    Decision.RELEASE: "Ctrl+Shift+R",
    Decision.REJECT: "Ctrl+Shift+J",
    Decision.REWORK: "Ctrl+Shift+W",
    Decision.SCRAP: "Ctrl+Shift+X",
}
BUTTON_WORDS: dict[Decision, str] = {
    Decision.HOLD: "Hold",
    Decision.LIFT_HOLD: "Lift hold",
    Decision.RELEASE: "Release",
    Decision.REJECT: "Reject",
    Decision.REWORK: "Rework",
    Decision.SCRAP: "Scrap",
}
DECISION_WORDS: dict[Decision, str] = {
    Decision.HOLD: "Put on hold",
    Decision.LIFT_HOLD: "Hold lifted",
    Decision.RELEASE: "Released",
    Decision.REJECT: "Rejected",
    Decision.REWORK: "Sent to rework",
    Decision.SCRAP: "Scrapped",
}
# "I release lot X: ...": what the signer states by signing.
_STATEMENT_VERBS: dict[Decision, str] = {
    Decision.HOLD: "I put lot {lot} on hold",
    Decision.LIFT_HOLD: "I lift the hold on lot {lot}",
    Decision.RELEASE: "I release lot {lot}",
    Decision.REJECT: "I reject lot {lot}",
    Decision.REWORK: "I send lot {lot} to rework",
    Decision.SCRAP: "I scrap lot {lot}",
}
# Three to a row: four made the record as wide as four "Print lot record" buttons, and at
# 1366 px the lot list beside it lost its On hand figures (issue 6: nothing cut off).
BUTTONS_PER_ROW = 3
DIALOG_WIDTH_PX = 680  # a reason of a sentence fits the field


def status_words(status: LotStatus) -> str:
    return status.value.replace("_", " ").upper()


def _plain(text: str = "", name: str | None = None) -> QLabel:
    label = QLabel(text)
    # Reasons and names were typed by people: never read them as rich text.
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


def signature_text(signature: DecisionSignature) -> str:
    """The signature as the record shows it: printed name, meaning, local time, and its state."""
    when = signature.signed_at.astimezone().strftime(TIME_FORMAT)
    state = "✓ valid" if signature.valid else "✗ RECORD CHANGED SINCE SIGNING"
    return (
        f"Signed by {signature.printed_name} ({signature.username}) — "
        f"{signature.meaning} — {when} — {state}"
    )


def decision_heading(record: DecisionRecord) -> str:
    when = record.decided_at.astimezone().strftime(TIME_FORMAT)
    return (
        f"{when}   {DECISION_WORDS[record.decision]}   "
        f"{status_words(record.status_before)} → {status_words(record.status_after)}"
    )


def decision_by(record: DecisionRecord) -> str:
    who = f"system — rule {record.rule}" if record.automatic else record.decided_by
    where = f" at {record.station}" if record.station else ""
    return f"By {who}{where}. Reason: {record.reason or '—'}"


class DecisionsSection(QWidget):
    """Every decision on the lot, oldest first; hidden while the lot has none."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("lotDecisions")
        self.caption = QLabel("Decisions")
        self.caption.setStyleSheet("font-weight: bold;")
        self._rows = QVBoxLayout()
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addLayout(self._rows)
        self.records: tuple[DecisionRecord, ...] = ()
        self.hide()

    def set_decisions(self, records: Sequence[DecisionRecord]) -> None:
        self.records = tuple(records)
        while self._rows.count():
            item = self._rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for record in self.records:
            self._rows.addWidget(self._row(record))
        count = len(self.records)
        self.caption.setText(f"Decisions ({count})")
        self.setVisible(bool(count))

    def lines(self) -> list[list[str]]:
        """What each decision's box says, line by line (as shown)."""
        shown: list[list[str]] = []
        for index in range(self._rows.count()):
            item = self._rows.itemAt(index)
            box = item.widget() if item is not None else None
            if box is not None:
                shown.append([label.text() for label in box.findChildren(QLabel)])
        return shown

    def _row(self, record: DecisionRecord) -> QFrame:
        box = QFrame()
        box.setObjectName("decisionRow")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        heading = _plain(decision_heading(record), "decisionHeading")
        heading.setStyleSheet("font-weight: bold;")
        layout.addWidget(heading)
        layout.addWidget(_plain(decision_by(record), "decisionBy"))
        for signature in record.signatures:
            # A broken signature is red and bold, in the theme's own error colour.
            layout.addWidget(
                _plain(
                    signature_text(signature),
                    "decisionSignature" if signature.valid else "errorText",
                )
            )
        return box


@dataclass(frozen=True, slots=True)
class LotState:
    """What the action buttons need to know about the lot shown."""

    detail: LotDetail
    decisions: tuple[DecisionRecord, ...]

    @property
    def name(self) -> str:
        return self.detail.lot.name

    def refusal(self, decision: Decision) -> str | None:
        """Why the domain refuses the decision on this lot now, or None when it may be made."""
        try:
            plan(self.name, decision, self.detail.lot.status, self.decisions)
        except DecisionRefused as refused:
            if decision is Decision.HOLD and self.descendants_only():
                return None  # a used-up lot: hold what was made from it
            return f"{refused.message}\n{refused.hint}".strip()
        return None

    def descendants_only(self) -> bool:
        """A closed lot with lots made from it: only 'hold every descendant' is possible."""
        return self.detail.lot.status in CLOSED and bool(self.detail.children)


def outcome_text(outcome: DecisionOutcome) -> str:
    record = outcome.decision
    words = DECISION_WORDS[record.decision]
    if outcome.replayed:
        return f"Already recorded: {words.lower()} — {record.lot}; nothing new."
    text = (
        f"{words}: {record.lot} is now {status_words(record.status_after)}"
        if record.decision is not Decision.HOLD or record.status_after is LotStatus.ON_HOLD
        else f"{words}: {record.lot}"
    )
    if outcome.descendants:
        held = len(outcome.descendants)
        text += f"; {held} lot{'s' if held != 1 else ''} made from it held too"
    if outcome.skipped:
        shown = ", ".join(outcome.skipped[:SKIPPED_SHOWN])
        rest = len(outcome.skipped) - SKIPPED_SHOWN
        text += f"; not held: {shown}" + (f" and {rest} more" if rest > 0 else "")
    return text + "."


class DecisionDialog(QDialog):
    """One decision: the reason, and for a signed one the signer, password and meaning.

    The call runs in the background; a refusal shows in the dialog, which stays open.
    """

    decided = Signal(object)  # DecisionOutcome

    def __init__(
        self, context: StationContext, decision: Decision, state: LotState, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.decision = decision
        self.lot = state.name
        self._event_id = uuid.uuid4()  # pressing twice records once
        self._busy = False
        self.setObjectName("decisionDialog")
        self.setWindowTitle(f"{BUTTON_WORDS[decision]} — {self.lot}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(DIALOG_WIDTH_PX)
        title = _plain(f"{BUTTON_WORDS[decision]} lot {self.lot}", "screenTitle")
        self.reason = QLineEdit()
        self.reason.setObjectName("decisionReason")
        self.reason.setPlaceholderText("What was found or decided (required)")
        self.reason.setAccessibleName("Reason")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow("&Reason:", self.reason)
        self.descendants: QCheckBox | None = None
        self.signature: SignatureFields | None = None
        self.signer: QLineEdit | None = None
        self.password: QLineEdit | None = None
        self.meaning: QComboBox | None = None
        self.statement = statement_label()
        if decision is Decision.HOLD:
            self.descendants = QCheckBox("Hold every &descendant (each usable lot made from it)")
            self.descendants.setObjectName("holdDescendants")
            if state.descendants_only():
                # The lot itself is used up: what can still be held is what was made from it.
                self.descendants.setChecked(True)
                self.descendants.setEnabled(False)
                self.descendants.setProperty("locked", True)
            form.addRow("", self.descendants)
        else:
            actor = context.actor
            self.signature = SignatureFields(
                form,
                signer=actor.username if actor is not None else "",
                signer_editable=True,
                meaning=Meaning(DEFAULT_MEANING[decision]),
            )
            self.signer = self.signature.signer
            self.password = self.signature.password
            self.meaning = self.signature.meaning
            self.meaning.currentIndexChanged.connect(self._update_statement)
        self.message = message_label()
        buttons = ConfirmButtons(
            self._confirm_words(),
            confirm_name="confirmDecision",
            cancel_name="cancelDecision",
            busy_words="Recording…",
        )
        self.confirm, self.cancel = buttons.confirm, buttons.cancel
        self.confirm.clicked.connect(self._on_confirm)
        self.cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.statement)
        layout.addWidget(self.message)
        layout.addLayout(buttons.row)
        self.reason.textChanged.connect(self._update_statement)
        if self.descendants is not None:
            self.descendants.toggled.connect(self._update_statement)
        self._update_statement()
        self.reason.setFocus()

    def statement_text(self) -> str:
        words = _STATEMENT_VERBS[self.decision].format(lot=self.lot)
        if self.descendants is not None and self.descendants.isChecked():
            words += " and every usable lot made from it"
        reason = self.reason.text().strip() or "…"
        text = f"{words}: {reason}"
        if self.signature is not None:
            text += f"\n{self.signature.meaning_line()}"
        return text

    def _update_statement(self) -> None:
        self.statement.setText(self.statement_text())

    def _fields(self) -> list[QWidget]:
        fields: list[QWidget | None] = [
            self.reason,
            self.descendants,
            self.signer,
            self.password,
            self.meaning,
            self.confirm,
        ]
        return [field for field in fields if field is not None]

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for field in self._fields():
            if field is self.descendants and field.property("locked"):
                continue
            field.setEnabled(not busy)
        self.confirm.setText("Recording…" if busy else self._confirm_words())

    def _confirm_words(self) -> str:
        return (
            "Sign and record" if self.decision in SIGNED else f"{BUTTON_WORDS[self.decision]} lot"
        )

    def _refuse(self, text: str, focus: QWidget) -> None:
        self.message.setText(text)
        self.message.show()
        focus.setFocus()

    def _on_confirm(self) -> None:
        if self._busy:
            return
        reason = self.reason.text().strip()
        if not reason:
            self._refuse(
                f"A {self.decision.value.replace('_', ' ')} needs a reason.\n"
                "Say what was found or decided, e.g. 'moisture 16 % (limit 14 %)'.",
                self.reason,
            )
            return
        signed_by: SignedBy | None = None
        if self.signature is not None:
            missing = self.signature.missing()
            if missing is not None:
                self._refuse(*missing)
                return
            signed_by = SignedBy(
                self.signature.signer.text().strip(),
                self.signature.password.text(),
                self.signature.chosen(),
            )
        descendants = self.descendants is not None and self.descendants.isChecked()
        decision, code, event_id = self.decision, self.lot, self._event_id

        def work(uow: UnitOfWork, actor: Actor) -> DecisionOutcome:
            return decide(
                uow,
                actor=actor,
                decision=decision,
                code=code,
                reason=reason,
                signed_by=signed_by,
                descendants=descendants,
                event_id=event_id,
            )

        self.message.hide()
        self._set_busy(True)
        self._context.run(work, self._on_done, self._on_error, write=True)

    def reject(self) -> None:
        """Esc, Cancel, or the station locking: while the decision is being recorded the dialog
        only hides; it closes when the answer comes (a recorded decision still shows)."""
        if self._busy:
            self.hide()
            return
        super().reject()

    def _on_done(self, outcome: DecisionOutcome) -> None:
        self._set_busy(False)
        self.decided.emit(outcome)
        self.accept()

    def _on_error(self, error: BaseException, details: str) -> None:
        self._set_busy(False)
        if not self.isVisible():
            super().reject()  # closed while it ran: nothing to show it in
            return
        if self.password is not None:
            self.password.clear()  # a refused signature is typed again, never kept
        focus: QWidget = self.password if self.password is not None else self.reason
        if isinstance(error, InvalidInput):
            focus = self.reason
        self._refuse(error_text(error, details), focus)


def _ask_pdf_path(parent: QWidget, suggested: str) -> str | None:
    path, _filter = QFileDialog.getSaveFileName(
        parent, "Save the lot record as PDF", suggested, "PDF files (*.pdf)"
    )
    return path or None


def _suggested_file(lot: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in lot)
    return str(Path.home() / f"lot-record-{safe}.pdf")


class DecisionActions(QWidget):
    """The buttons on a lot's record: each decision the signed-in role may make, enabled when the
    lot's status allows it, and Print lot record. Owns the keyboard shortcuts."""

    decided = Signal(object)  # DecisionOutcome: the page reloads the lot and the list

    def __init__(self, context: StationContext, shortcut_parent: QWidget) -> None:
        super().__init__()
        self.setObjectName("lotActions")
        self._context = context
        self.state: LotState | None = None
        self.dialog: DecisionDialog | None = None
        self.printed: Path | None = None
        # Where the PDF goes: a save dialog for a person; tests hand in a path.
        self.choose_pdf_path: Callable[[str], str | None] = lambda suggested: _ask_pdf_path(
            self, suggested
        )
        self.buttons: dict[Decision, QPushButton] = {}
        for decision in Decision:
            key = DECISION_KEYS[decision]
            # Parented now: a parentless button shown later would open as a window of its own.
            button = QPushButton(f"{BUTTON_WORDS[decision]}\n{key}", self)
            button.setObjectName(f"decide_{decision.value}")
            button.setToolTip(f"{BUTTON_WORDS[decision]} this lot ({key})")
            decorate(button, DECISION_ICONS.get(decision.value))
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, d=decision: self.open_dialog(d))
            self.buttons[decision] = button
            shortcut = QShortcut(QKeySequence(key), shortcut_parent)
            shortcut.activated.connect(lambda d=decision: self._on_key(d))
        self.print_button = QPushButton(f"Print lot record\n{PRINT_KEY}", self)
        self.print_button.setObjectName("printLotRecord")
        decorate(self.print_button, "print")
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_record)
        QShortcut(QKeySequence(PRINT_KEY), shortcut_parent).activated.connect(self._on_print_key)
        self.open_pdf = QPushButton("Open PDF")
        self.open_pdf.setObjectName("openLotRecord")
        self.open_pdf.setAutoDefault(False)
        self.open_pdf.clicked.connect(self._on_open_pdf)
        self.open_pdf.hide()
        self.result = _plain("", "decisionResult")
        self.result.hide()
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        result_row = QHBoxLayout()
        result_row.addWidget(self.result, 1)
        result_row.addWidget(self.open_pdf, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addLayout(self._grid)
        layout.addLayout(result_row)
        self.hide()

    # --- what is shown ----------------------------------------------------------------------

    def permitted(self) -> list[QPushButton]:
        """The buttons the signed-in role may use, in order (Print last)."""
        actor = self._context.actor
        role = actor.role if actor is not None else ""
        shown = [self.buttons[d] for d in Decision if allowed(role, DECISION_USE_CASE[d])]
        if allowed(role, UseCase.EXPORT):
            shown.append(self.print_button)
        return shown

    def set_lot(self, state: LotState | None) -> None:
        if state is None or (self.state is not None and state.name != self.state.name):
            self.result.hide()
            self.open_pdf.hide()
        self.state = state
        if state is None:
            self.hide()
            return
        permitted = self.permitted()
        while self._grid.count():
            self._grid.takeAt(0)
        for button in (*self.buttons.values(), self.print_button):
            button.setVisible(button in permitted)
        for index, button in enumerate(permitted):
            self._grid.addWidget(button, index // BUTTONS_PER_ROW, index % BUTTONS_PER_ROW)
        for decision, button in self.buttons.items():
            refusal = state.refusal(decision)
            button.setEnabled(refusal is None)
            key = DECISION_KEYS[decision]
            button.setToolTip(
                f"{BUTTON_WORDS[decision]} this lot ({key})" if refusal is None else refusal
            )
        self.setVisible(bool(permitted))

    def show_result(self, text: str, *, error: bool = False) -> None:
        self.result.setObjectName("errorText" if error else "decisionResult")
        self.result.setStyleSheet("" if error else "font-weight: bold;")
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)
        # Under the buttons, not in the window's status bar: there the station's own fields
        # (user, station, database, scanner) leave too little room and a long lot code is cut.
        self.result.setText(text)
        self.result.show()

    # --- deciding ---------------------------------------------------------------------------

    def _usable(self, button: QPushButton) -> bool:
        return self.state is not None and button in self.permitted() and button.isEnabled()

    def _on_key(self, decision: Decision) -> None:
        if self._usable(self.buttons[decision]):
            self.open_dialog(decision)

    def open_dialog(self, decision: Decision) -> None:
        if self.state is None or (self.dialog is not None and self.dialog.isVisible()):
            return
        dialog = DecisionDialog(self._context, decision, self.state, self)
        dialog.decided.connect(self._on_decided)
        dialog.finished.connect(lambda _result: self._on_dialog_finished(dialog))
        self.dialog = dialog
        dialog.open()
        dialog.activateWindow()  # the keyboard goes to the reason at once
        dialog.reason.setFocus()

    def _on_dialog_finished(self, dialog: DecisionDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()  # closed only once no answer is pending for it
        # The keyboard goes back to the window at once: its shortcuts work again.
        self.window().activateWindow()

    def _on_decided(self, outcome: DecisionOutcome) -> None:
        if self._context.actor is None:
            return  # signed out or locked meanwhile: the next person starts from a clean page
        self.show_result(outcome_text(outcome))
        self.decided.emit(outcome)

    # --- printing ---------------------------------------------------------------------------

    def _on_print_key(self) -> None:
        if self._usable(self.print_button):
            self.print_record()

    def print_record(self) -> None:
        if self.state is None:
            return
        chosen = self.choose_pdf_path(_suggested_file(self.state.name))
        if not chosen:
            return
        target = Path(chosen)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        code = self.state.name

        def work(uow: UnitOfWork, actor: Actor) -> tuple[Path, int]:
            record = lot_record(uow, code, actor=actor)
            conditions = lot_conditions(uow, actor=actor, lot_id=record.detail.lot.id)
            data = render_lot_record(record, conditions)
            try:
                target.write_bytes(data)
            except OSError as exc:
                raise InvalidInput(
                    f"The PDF could not be written to {target}: {exc.strerror}.",
                    hint="Pick a folder you may write to.",
                ) from exc
            return target, len(data)

        self.print_button.setEnabled(False)
        self.open_pdf.hide()
        self.show_result(f"Writing the record of {code}…")
        self._context.run(work, self._on_printed, self._on_print_failed)

    def _on_printed(self, result: tuple[Path, int]) -> None:
        path, size = result
        self.print_button.setEnabled(True)
        self.printed = path
        self.show_result(f"Lot record written to {path} ({max(1, size // 1024)} KB).")
        self.open_pdf.show()

    def _on_print_failed(self, error: BaseException, details: str) -> None:
        self.print_button.setEnabled(True)
        self.show_result(error_text(error, details), error=True)

    def _on_open_pdf(self) -> None:
        if self.printed is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.printed)))
