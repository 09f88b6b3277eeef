"""The scan station: choose a step, scan, confirm with one key, read green or red; undo the last."""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSettings, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from traceapp.devices.input.events import ScanEvent
from traceapp.devices.input.serial_source import SerialSettings
from traceapp.domain.actor import Actor
from traceapp.domain.errors import InvalidInput, KnownError
from traceapp.domain.permissions import Role, allowed
from traceapp.domain.results import StepResult
from traceapp.domain.steps import HandlingStep
from traceapp.services.recording import STEP_USE_CASE
from traceapp.services.station import ScanInfo, StationChoices, resolve_scan, station_choices
from traceapp.services.sync_cache import resolve_offline
from traceapp.ui.context import StationContext
from traceapp.ui.icons import decorate
from traceapp.ui.scan_station.camera_view import CameraView
from traceapp.ui.scan_station.feedback import FeedbackPanel, FeedbackSound
from traceapp.ui.scan_station.forms import FORMS, StepForm, undo_work
from traceapp.ui.scanner_input import CameraScanner, SerialScanner, WedgeInput

log = logging.getLogger(__name__)

STEP_SETTING = "scan_station/step"
SERIAL_PORT_SETTING = "scan_station/serial_port"  # a serial scanner or RFID reader, if any
SERIAL_BAUD_SETTING = "scan_station/serial_baud"
SOUND_SETTING = "scan_station/sound"  # "off" silences the station (a shared office, a night shift)
CAMERA_SETTING = "scan_station/camera"  # a camera index, URL or video file, if any
SCANNER_FINE = frozenset({"starting", "connected"})
BUTTON_MIN_HEIGHT = 56  # a gloved finger on a touch screen
SCAN_POINT_SIZE = 16
MNEMONICS = {  # Alt+letter on each step button; Alt+1..6 as well
    HandlingStep.RECEIVE: str(QT_TRANSLATE_NOOP("ScanStation", "&Receive")),
    HandlingStep.PRODUCE: str(QT_TRANSLATE_NOOP("ScanStation", "&Produce")),
    HandlingStep.PACK: str(QT_TRANSLATE_NOOP("ScanStation", "Pac&k")),
    HandlingStep.UNPACK: str(QT_TRANSLATE_NOOP("ScanStation", "&Unpack")),
    HandlingStep.SHIP: str(QT_TRANSLATE_NOOP("ScanStation", "&Ship")),
    HandlingStep.MOVE: str(QT_TRANSLATE_NOOP("ScanStation", "&Move")),
}
CONFIRM_KEYS = ("F12", "Ctrl+Return", "Ctrl+Enter")
UNDO_KEY = "Ctrl+Z"
CLEAR_KEY = "Esc"
NO_HINT = str(
    QT_TRANSLATE_NOOP(
        "ScanStation", "Check the label, then try again; if it is refused again, ask a supervisor."
    )
)


@dataclass(frozen=True, slots=True)
class _Recorded:
    event: uuid.UUID
    title: str
    user: str  # who confirmed it: only they get it offered for undo


def _error_text(error: BaseException) -> tuple[str, str]:
    """The reason and what to do about it. The hint comes with the error, from where it was
    refused (services, domain, the form); NO_HINT is only for an error raised without one."""
    if isinstance(error, KnownError):
        return error.message, error.hint or QCoreApplication.translate("ScanStation", NO_HINT)
    return (
        QCoreApplication.translate("ScanStation", "Something went wrong: {name}").format(
            name=type(error).__name__
        ),
        QCoreApplication.translate(
            "ScanStation",
            "Nothing was confirmed. Try again; if it happens again, tell the administrator.",
        ),
    )


def _never_narrower_than_text(button: QPushButton) -> None:
    """A key's label is never cut: below its width the page scrolls instead."""
    policy = button.sizePolicy()
    policy.setHorizontalPolicy(QSizePolicy.Policy.Minimum)
    button.setSizePolicy(policy)


def form_missing_text(form: StepForm) -> str | None:
    missing = form.missing()
    return missing[0] if missing else None


class ScanStationPage(QWidget):
    page_title = "Scan station"
    page_shortcut = "F2"

    def __init__(
        self,
        context: StationContext,
        *,
        settings: QSettings | None = None,
        sound: FeedbackSound | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("scanStationPage")
        self.context = context
        self._settings = settings if settings is not None else QSettings("TraceApp", "TraceApp")
        if sound is None:
            wanted = str(self._settings.value(SOUND_SETTING, "on")).lower()
            sound = FeedbackSound(enabled=wanted not in ("off", "false", "0"))
        self.sound = sound
        self._scans: deque[str] = deque()  # resolved one at a time, in the order scanned
        self._resolving = False
        self._confirm_wanted = False
        self._recording = False
        self._last: _Recorded | None = None
        self._undo_target: _Recorded | None = None
        self._scanners: list[SerialScanner | CameraScanner] = []
        self._signed_in_as: str | None = None
        self.camera_view: CameraView | None = None

        # Step buttons.
        self.step_group = QButtonGroup(self)
        self.step_group.setExclusive(True)
        steps_row = QHBoxLayout()
        self.step_buttons: dict[HandlingStep, QPushButton] = {}
        self.forms: dict[HandlingStep, StepForm] = {}
        self.stack = QStackedWidget()
        for number, form_type in enumerate(FORMS, start=1):
            form = form_type()
            step = form.step
            mnemonic = QCoreApplication.translate("ScanStation", MNEMONICS[step])
            button = QPushButton(f"{mnemonic}\nAlt+{number}")
            button.setCheckable(True)
            button.setMinimumHeight(BUTTON_MIN_HEIGHT)
            button.setObjectName(f"step_{step.value}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # focus stays where the scans go
            _never_narrower_than_text(button)
            self.step_group.addButton(button, number)
            steps_row.addWidget(button)
            self.step_buttons[step] = button
            self.forms[step] = form
            self.stack.addWidget(form)
            form.changed.connect(self._show_missing)
            for edit in form.line_edits():
                edit.returnPressed.connect(self._on_enter)
        self.step_group.idClicked.connect(lambda number: self.choose_step(FORMS[number - 1].step))

        # Scan field: what a person types by hand goes here; scanner bursts arrive wherever.
        self.scan = QLineEdit()
        self.scan.setObjectName("scanField")
        self.scan.setPlaceholderText(
            QCoreApplication.translate(
                "ScanStation", "Scan a label, or type a code and press Enter"
            )
        )
        font = self.scan.font()
        font.setPointSize(SCAN_POINT_SIZE)
        self.scan.setFont(font)
        self.scan.setMinimumHeight(BUTTON_MIN_HEIGHT)
        self.scan.returnPressed.connect(self._on_scan_field_enter)
        scan_row = QHBoxLayout()
        scan_label = QLabel(QCoreApplication.translate("ScanStation", "Scan"))
        scan_label.setFont(font)
        scan_row.addWidget(scan_label)
        scan_row.addWidget(self.scan, 1)

        self.step_box = QGroupBox()
        box_layout = QVBoxLayout(self.step_box)
        box_layout.addWidget(self.stack)

        # Feedback, what is missing, and the keys.
        self.feedback = FeedbackPanel()
        self.missing = QLabel()
        self.missing.setObjectName("scanMissing")
        self.missing.setWordWrap(True)
        self.confirm_button = QPushButton(
            QCoreApplication.translate("ScanStation", "Confirm   F12")
        )
        self.confirm_button.setObjectName("confirmButton")
        self.confirm_button.setDefault(False)
        self.confirm_button.setAutoDefault(False)
        self.clear_button = QPushButton(QCoreApplication.translate("ScanStation", "Clear\nEsc"))
        self.undo_button = QPushButton(
            QCoreApplication.translate("ScanStation", "Undo last\nCtrl+Z")
        )
        self.undo_button.setObjectName("undoButton")
        for button, icon in (
            (self.confirm_button, "confirm"),
            (self.clear_button, "clear"),
            (self.undo_button, "undo"),
        ):
            decorate(button, icon)
            button.setMinimumHeight(BUTTON_MIN_HEIGHT)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            _never_narrower_than_text(button)
        self.confirm_button.clicked.connect(self.confirm)
        self.clear_button.clicked.connect(self._on_escape)
        self.undo_button.clicked.connect(self.start_undo)
        # Confirm gets a row of its own: the key pressed most, and room for every label at 1366 px.
        buttons = QGridLayout()
        buttons.addWidget(self.confirm_button, 0, 0, 1, 2)
        buttons.addWidget(self.clear_button, 1, 0)
        buttons.addWidget(self.undo_button, 1, 1)

        # Undo asks for a reason in place: no modal dialog to get lost behind the window.
        self.undo_box = QGroupBox(QCoreApplication.translate("ScanStation", "Undo the last step"))
        self.undo_question = QLabel()
        self.undo_question.setWordWrap(True)
        self.undo_reason = QLineEdit()
        self.undo_reason.setObjectName("undoReason")
        self.undo_reason.setPlaceholderText(
            QCoreApplication.translate(
                "ScanStation", "Why? e.g. scanned the wrong lot — then press Enter"
            )
        )
        self.undo_reason.setMinimumHeight(BUTTON_MIN_HEIGHT - 12)
        self.undo_reason.returnPressed.connect(self.record_undo)
        undo_layout = QVBoxLayout(self.undo_box)
        undo_layout.addWidget(self.undo_question)
        undo_layout.addWidget(self.undo_reason)
        undo_layout.addWidget(
            QLabel(
                QCoreApplication.translate(
                    "ScanStation", "Enter records the correction; Esc cancels."
                )
            )
        )
        self.undo_box.hide()

        right = self.side = QVBoxLayout()
        right.addWidget(self.feedback, 3)
        right.addWidget(self.missing)
        right.addLayout(buttons)
        right.addWidget(self.undo_box)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.step_box, 3)
        body.addLayout(right, 2)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addLayout(steps_row)
        layout.addLayout(scan_row)
        layout.addLayout(body, 1)
        # On a small screen at 150-200 % the page scrolls rather than squeezing text out of sight.
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroller)

        # Keys work whichever field has focus (a line edit would otherwise keep Ctrl+Z).
        self.wedge = WedgeInput(self)
        self.wedge.scanned.connect(self._on_scanned)
        self._keys: dict[str, Callable[[], None]] = dict.fromkeys(CONFIRM_KEYS, self.confirm)
        self._keys[UNDO_KEY] = self.start_undo
        self._keys[CLEAR_KEY] = self._on_escape
        for number, form_type in enumerate(FORMS, start=1):
            self._keys[f"Alt+{number}"] = self._step_chooser(form_type.step)
        self.wedge.set_command_keys(
            {QKeySequence(key).toString(): action for key, action in self._keys.items()}
        )

        context.signed_in.connect(self._on_signed_in)
        context.signed_out.connect(self._on_signed_out)
        saved = self._settings.value(STEP_SETTING)
        step = HandlingStep(saved) if saved in {f.step.value for f in FORMS} else FORMS[0].step
        self.choose_step(step)
        if context.actor is not None:
            self._on_signed_in(context.actor)
        self._start_configured_scanner()
        self._start_configured_camera()

    def _step_chooser(self, step: HandlingStep) -> Callable[[], None]:
        return lambda: self.choose_step(step)

    # The Page protocol.
    def visible_to(self, role: Role) -> bool:
        return any(allowed(role, STEP_USE_CASE[form.step]) for form in FORMS)

    @property
    def step(self) -> HandlingStep:
        return self.current_form.step

    @property
    def current_form(self) -> StepForm:
        form = self.stack.currentWidget()
        assert isinstance(form, StepForm)
        return form

    def choose_step(self, step: HandlingStep) -> None:
        form = self.forms[step]
        if self.stack.currentWidget() is not form:
            # The panel spoke of the step left behind; now it says what this one needs.
            title = QCoreApplication.translate("ScanStation", MNEMONICS[step]).replace("&", "")
            self.feedback.show_idle(title, form_missing_text(form) or "")
        self.step_buttons[step].setChecked(True)
        self.stack.setCurrentWidget(form)
        self.step_box.setTitle(
            QCoreApplication.translate("ScanStation", MNEMONICS[step]).replace("&", "")
        )
        self._settings.setValue(STEP_SETTING, step.value)
        self._show_missing()
        self.scan.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.scan.setFocus()

    def add_scanner(self, scanner: SerialScanner | CameraScanner) -> None:
        """Take the reads of a serial scanner or RFID reader as scans; show what goes wrong, and
        the reader's state in the status bar."""
        self._scanners.append(scanner)
        scanner.scanned.connect(self._on_scanned)
        scanner.failed.connect(lambda error: self._on_failed(error, ""))
        scanner.state_changed.connect(
            lambda state: self.context.set_scanner_state(
                f"{scanner.port}: {state}", state in SCANNER_FINE
            )
        )

    def _start_configured_scanner(self) -> None:
        """The serial reader named in the settings (scan_station/serial_port, e.g. /dev/ttyACM0),
        started with the page and stopped when the application quits."""
        port = self._settings.value(SERIAL_PORT_SETTING)
        if not port:
            return
        baud = int(str(self._settings.value(SERIAL_BAUD_SETTING, 9600)))
        scanner = SerialScanner(SerialSettings(str(port), baudrate=baud), self)
        self.add_scanner(scanner)
        scanner.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop_scanners)

    def _start_configured_camera(self) -> None:
        """The camera named in the settings (scan_station/camera: an index such as 0, a URL or a
        video file): its live picture with the codes outlined, under the keys."""
        device = self._settings.value(CAMERA_SETTING)
        if device is None or str(device) == "":
            return
        text = str(device)
        camera = CameraScanner(int(text) if text.isdigit() else text, self)
        self.add_scanner(camera)
        self.camera_view = CameraView(camera)
        self.side.insertWidget(self.side.count() - 1, self.camera_view, 2)
        camera.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop_scanners)

    def stop_scanners(self) -> None:
        for scanner in self._scanners:
            scanner.stop()
        if self.camera_view is not None:
            self.camera_view.stop()

    # Signing in and out.
    def _on_signed_in(self, actor: Actor) -> None:
        if self._signed_in_as not in (None, actor.username):
            # Another person took over a locked station: the half-done step and the last one
            # to undo were the person's before.
            for form in self.forms.values():
                form.clear()
            self._scans.clear()
        if self._last is not None and self._last.user != actor.username:
            self._last = None
        self._signed_in_as = actor.username
        for step, button in self.step_buttons.items():
            button.setEnabled(allowed(actor.role, STEP_USE_CASE[step]))
        self.context.run_read(
            lambda uow, who: station_choices(uow, actor=who),
            lambda cache, _who: cache.choices,  # offline: the lists as last seen
            self._on_choices,
            self._on_failed,
        )

    def _on_signed_out(self) -> None:
        self._signed_in_as = None
        for form in self.forms.values():
            form.clear()
        self._scans.clear()
        self._last = None
        self._cancel_undo()
        self.feedback.show_idle(
            QCoreApplication.translate("ScanStation", "Signed out"),
            QCoreApplication.translate("ScanStation", "Sign in to scan."),
        )

    def _on_choices(self, choices: StationChoices) -> None:
        for form in self.forms.values():
            form.set_choices(choices)
        self._show_missing()

    # Scans.
    def _on_scanned(self, scan: ScanEvent) -> None:
        self.take_code(scan.payload)

    def _on_scan_field_enter(self) -> None:
        text = self.scan.text()
        self.scan.clear()
        if text.strip():
            self.take_code(text)
        else:
            self._on_enter()

    def take_code(self, code: str) -> None:
        """A code scanned or typed: resolve it (off the GUI thread), then give it to the form."""
        if self.undo_box.isVisible():
            self._cancel_undo()
        self._scans.append(code)
        self._next_scan()

    def _next_scan(self) -> None:
        if self._resolving or self._recording:
            # A scan made while a step is being saved belongs to the next step: it waits, so
            # clearing the saved step's fields cannot swallow it.
            return
        if not self._scans:
            if self._confirm_wanted:
                self._confirm_wanted = False
                self.confirm()
            return
        code = self._scans.popleft()
        self._resolving = True
        self.context.run_read(
            lambda uow, who: resolve_scan(uow, actor=who, code=code),
            lambda cache, _who: resolve_offline(cache, code),
            self._on_resolved,
            self._on_scan_failed,
        )

    def _on_resolved(self, info: ScanInfo) -> None:
        self._resolving = False
        try:
            said = self.current_form.take_scan(info)
        except KnownError as error:
            self._confirm_wanted = False  # a refused scan stops a confirm pressed behind it
            self._refuse(error)
        else:
            press = QCoreApplication.translate("ScanStation", "Press F12 or Enter to confirm.")
            self.feedback.show_idle(said, self._missing_text() or press)
        self.scan.setFocus()
        self._next_scan()

    def _on_scan_failed(self, error: BaseException, details: str) -> None:
        self._resolving = False
        self._confirm_wanted = False
        self._scans.clear()  # later scans of the same step should not go on without the first
        self._on_failed(error, details)
        self.scan.setFocus()

    # Confirming.
    def _missing_text(self) -> str | None:
        return form_missing_text(self.current_form)

    def _show_missing(self) -> None:
        text = self._missing_text()
        self.missing.setText(
            QCoreApplication.translate("ScanStation", "Still needed: {text}").format(text=text)
            if text
            else QCoreApplication.translate("ScanStation", "Ready: press F12 or Enter.")
        )
        self.confirm_button.setEnabled(text is None and not self._recording)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in a pick list or a scanned-items table (which pass it on): confirm a complete
        step, else go to what is missing. Line edits answer Enter themselves (returnPressed)."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and isinstance(self.focusWidget(), QComboBox | QTableWidget):
            self._on_enter()
            return
        super().keyPressEvent(event)

    def _on_enter(self) -> None:
        """Enter: confirm a complete step; otherwise go to the field that is still empty."""
        missing = self.current_form.missing()
        if missing is None:
            self.confirm()
            return
        missing[1].setFocus()

    def confirm(self) -> None:
        if self._recording:
            return
        if self._resolving or self._scans:
            self._confirm_wanted = True  # confirm as soon as the scans in flight are in the form
            return
        missing = self.current_form.missing()
        if missing is not None:
            self._refuse(
                InvalidInput(
                    QCoreApplication.translate("ScanStation", "The step is not complete."),
                    hint=missing[0],
                )
            )
            missing[1].setFocus()
            return
        form = self.current_form
        try:
            work = form.work()
        except KnownError as error:
            self._refuse(error)
            return
        self._recording = True
        self._show_missing()
        self.feedback.show_idle(QCoreApplication.translate("ScanStation", "Saving…"), "")
        self.context.submit(
            work,
            lambda result: self._on_recorded(form, result),
            self._on_record_failed,
            on_stored=lambda backlog: self._on_stored(form, work, backlog),
        )

    def _on_recorded(self, form: StepForm, result: StepResult) -> None:
        self._recording = False
        title, detail = form.done_text(result)
        self._last = _Recorded(result.event.id, title, result.event.user)
        if result.replayed:  # amber with its own sound: look, but nothing was refused
            detail = QCoreApplication.translate(
                "ScanStation", "Already recorded; nothing new saved. {detail}"
            ).format(detail=detail)
            self.feedback.show_warning(title, detail)
            self.sound.warning()
        else:
            self.feedback.show_ok(title, detail)
            self.sound.done()
        form.clear()
        self._show_missing()
        self.scan.setFocus()
        self._next_scan()

    def _on_stored(self, form: StepForm, work: object, backlog: int) -> None:
        """Shared mode, server out of reach: the step is durable in this station's outbox and
        goes to the server, in order and once, when it is back."""
        self._recording = False
        title = QCoreApplication.translate("ScanStation", "{done} — kept at this station").format(
            done=QCoreApplication.translate("ScanStation", form.verb)
        )
        event = getattr(work, "id", None)
        actor = self.context.actor
        if isinstance(event, uuid.UUID) and actor is not None:
            self._last = _Recorded(event, title, actor.username)
        waiting = (
            QCoreApplication.translate(
                "ScanStation", "The server is out of reach: 1 step waits to be sent."
            )
            if backlog == 1
            else QCoreApplication.translate(
                "ScanStation", "The server is out of reach: {count} steps wait to be sent."
            ).format(count=backlog)
        )
        self.feedback.show_ok(title, waiting)
        self.sound.done()
        form.clear()
        self._show_missing()
        self.scan.setFocus()
        self._next_scan()

    def _on_record_failed(self, error: BaseException, details: str) -> None:
        self._recording = False
        self._confirm_wanted = False
        self._show_missing()
        self._on_failed(error, details)
        self.scan.setFocus()
        self._next_scan()

    def _on_failed(self, error: BaseException, details: str) -> None:
        if not isinstance(error, KnownError):
            log.error("scan station: %s\n%s", error, details)
        self._refuse(error)

    def _refuse(self, error: BaseException) -> None:
        message, hint = _error_text(error)
        self.feedback.show_refused(message, hint)
        self.sound.refused()

    def _on_escape(self) -> None:
        if self.undo_box.isVisible():
            self._cancel_undo()
            self.feedback.show_idle(
                QCoreApplication.translate("ScanStation", "Undo cancelled"),
                QCoreApplication.translate("ScanStation", "Nothing was changed."),
            )
        else:
            self.current_form.clear()
            self.feedback.show_idle(
                QCoreApplication.translate("ScanStation", "Cleared"),
                QCoreApplication.translate("ScanStation", "Scan a label."),
            )
        self.scan.setFocus()

    # Undo: a correction event with a reason, never a deletion.
    def start_undo(self) -> None:
        if self._last is None:
            self._refuse(
                InvalidInput(
                    QCoreApplication.translate("ScanStation", "There is no step to undo."),
                    hint=QCoreApplication.translate(
                        "ScanStation",
                        "Undo takes back the last step confirmed here since signing in.",
                    ),
                )
            )
            return
        self._undo_target = self._last
        self.undo_question.setText(
            QCoreApplication.translate("ScanStation", "Undo “{step}”?").format(
                step=self._last.title
            )
        )
        self.undo_reason.clear()
        self.undo_box.show()
        self.undo_reason.setFocus()

    def record_undo(self) -> None:
        target = self._undo_target
        if target is None or self._recording:
            return
        reason = self.undo_reason.text().strip()
        if not reason:
            self._refuse(
                InvalidInput(
                    QCoreApplication.translate("ScanStation", "An undo needs a reason."),
                    hint=QCoreApplication.translate(
                        "ScanStation", "Say what was wrong, e.g. scanned the wrong lot."
                    ),
                )
            )
            self.undo_reason.setFocus()
            return
        self._recording = True
        self.feedback.show_idle(
            QCoreApplication.translate("ScanStation", "Saving the correction…"), ""
        )
        self.context.submit(
            undo_work(target.event, reason),
            lambda _result: self._on_undone(target, reason),
            self._on_undo_failed,
            on_stored=lambda _backlog: self._on_undone(target, reason),
        )

    def _on_undone(self, target: _Recorded, reason: str) -> None:
        self._recording = False
        if self._last == target:
            self._last = None
        self._cancel_undo()
        self.feedback.show_ok(
            QCoreApplication.translate("ScanStation", "Undone: {step}").format(step=target.title),
            QCoreApplication.translate("ScanStation", "Correction recorded — {reason}").format(
                reason=reason
            ),
        )
        self.sound.done()
        self._show_missing()
        self.scan.setFocus()
        self._next_scan()

    def _on_undo_failed(self, error: BaseException, details: str) -> None:
        self._recording = False
        self._cancel_undo()
        self._show_missing()
        self._on_failed(error, details)
        self.scan.setFocus()
        self._next_scan()

    def _cancel_undo(self) -> None:
        self._undo_target = None
        self.undo_reason.clear()
        self.undo_box.hide()
