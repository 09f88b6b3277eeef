"""The quality page: scan a lot, its plan loads, each value is checked as entered, F12 records."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QIntValidator, QKeySequence, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.devices.input.events import ScanEvent
from traceapp.devices.input.serial_source import SerialSettings
from traceapp.domain.actor import Actor
from traceapp.domain.errors import InvalidInput, KnownError
from traceapp.domain.inspections import (
    PASSED,
    Characteristic,
    CharacteristicKind,
    InspectionOutcome,
    InspectionRecord,
    PlanVersion,
)
from traceapp.domain.permissions import Role, UseCase, allowed
from traceapp.domain.results import LotSummary
from traceapp.services.inspections import inspections_of, plan_for_lot, plan_versions
from traceapp.services.inspections import record_inspection as record_service
from traceapp.services.station import resolve_scan
from traceapp.ui.context import StationContext
from traceapp.ui.nonconformances import NonconformanceList
from traceapp.ui.scan_station.feedback import FeedbackPanel
from traceapp.ui.scanner_input import SerialScanner, WedgeInput
from traceapp.ui.spc.view import SpcView
from traceapp.ui.theme import COLOURS, Theme

STEP_SETTING = "quality/step"
# What the Step box says while it has nothing to offer (before a scan; a lot without a plan).
STEP_BEFORE_SCAN = "Scan a lot first"
STEP_NO_PLAN = "No plan"
STEP_TIP = (
    "The steps at which the scanned lot's product has an inspection plan. "
    "Scan a lot first; the step used last is chosen again."
)
SERIAL_PORT_SETTING = "quality/serial_port"  # a gauge on a serial port (or USB-serial), if any
SERIAL_BAUD_SETTING = "quality/serial_baud"
SCANNER_FINE = frozenset({"starting", "connected"})
RECORD_KEYS = ("F12", "Ctrl+Return", "Ctrl+Enter")
FIELD_MIN_HEIGHT = 40  # a gloved finger
SCAN_POINT_SIZE = 16
MAX_COUNT_TYPED = 1_000_000
RECENT = 10  # inspections shown under the form
DARK_BELOW = 128  # a window lightness (0-255) below this is the dark theme
PASS_ON_DARK = "#7bd88f"  # the theme's green is a background; as text on dark it needs light
TICK, CROSS = "\u2714", "\u2718"
HISTORY_COLUMNS = ("When", "Plan", "Inspector", "Result", "Why")


@dataclass(frozen=True, slots=True)
class _Loaded:
    """A scanned lot with the steps its product has plans at, the chosen step's plan (None when
    there is none) and its inspections."""

    lot: LotSummary
    steps: tuple[str, ...]
    plan: PlanVersion | None
    history: tuple[InspectionRecord, ...]


@dataclass(frozen=True, slots=True)
class _Recorded:
    outcome: InspectionOutcome
    history: tuple[InspectionRecord, ...]


def _error_text(error: BaseException) -> tuple[str, str]:
    if isinstance(error, KnownError):
        return error.message, error.hint
    return (
        f"Something went wrong: {type(error).__name__}",
        "Nothing was recorded. Try again; if it happens again, tell the administrator.",
    )


def nc_label(nonconformance_id: object) -> str:
    """A nonconformance as a person reads it aloud: NC- and the first 8 hex digits of its id."""
    return f"NC-{str(nonconformance_id).replace('-', '')[:8].upper()}"


class ValueField(QLineEdit):
    """The entry of one sample of one characteristic, with its check shown next to it."""

    def __init__(self, characteristic: Characteristic, sample: int) -> None:
        super().__init__()
        self.characteristic = characteristic
        self.sample = sample
        self.setObjectName(f"value_{characteristic.name}_{sample}")
        self.setMinimumHeight(FIELD_MIN_HEIGHT)
        self.mark = QLabel()
        self.mark.setObjectName(f"check_{characteristic.name}_{sample}")
        self.mark.setWordWrap(True)
        kind = characteristic.kind
        if kind is CharacteristicKind.VARIABLE:
            self.setPlaceholderText(
                f"reading{' in ' + characteristic.unit if characteristic.unit else ''}"
            )
        elif kind is CharacteristicKind.COUNT:
            self.setValidator(QIntValidator(0, MAX_COUNT_TYPED, self))
            self.setPlaceholderText("defects found")
        else:
            completer = QCompleter(list(characteristic.answers), self)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            # Completed in the field itself: a popup window would take the keys a scanner or
            # gauge sends next, and a gloved hand cannot aim at it.
            completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
            self.setCompleter(completer)
            self.setPlaceholderText(" / ".join(characteristic.answers))
        self.editingFinished.connect(self.check)

    def check(self) -> bool | None:
        """Check what is typed now; True passes, False fails or is refused, None is empty."""
        text = self.text()
        if not text.strip():
            self.mark.clear()
            self.mark.setToolTip("")
            return None
        try:
            result = self.characteristic.check(text, sample=self.sample)
        except KnownError as error:
            self._show(False, error.message)
            return False
        self._show(result.passed, result.reason)
        return result.passed

    def _show(self, passed: bool, reason: str) -> None:
        # The theme's colours, light or dark by the window behind the mark (the tick or cross
        # and the words say it too, for anyone who does not see the colour).
        dark = self.mark.palette().color(QPalette.ColorRole.Window).lightness() < DARK_BELOW
        colours = COLOURS[Theme.DARK if dark else Theme.LIGHT]
        colour = (PASS_ON_DARK if dark else colours.ok_bg) if passed else colours.error
        sign = TICK if passed else CROSS
        self.mark.setText(
            f'<span style="color: {colour}; font-weight: bold;">{sign}</span> {html.escape(reason)}'
        )
        self.mark.setAccessibleName(f"{'passes' if passed else 'fails'}: {reason}")


class _LazyTab(QWidget):
    """A tab whose widget is made by `build` the first time it is needed (`content()`)."""

    def __init__(self, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self._build: Callable[[], QWidget] | None = build
        self._content: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        return self._content is not None

    def content(self) -> QWidget:
        if self._content is None:
            assert self._build is not None
            self._content = self._build()
            self._build = None
            self._layout.addWidget(self._content)
        return self._content


class QualityPage(QWidget):
    page_title = "Quality"
    page_shortcut = "F4"

    def __init__(self, context: StationContext, *, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("qualityPage")
        self.context = context
        self._settings = settings if settings is not None else QSettings("TraceApp", "TraceApp")
        self._lot: LotSummary | None = None
        self._plan: PlanVersion | None = None
        self._busy = False
        self._recorded = False  # the values shown were recorded: F12 does not record them twice
        self.fields: list[ValueField] = []

        font = self.font()
        font.setPointSize(SCAN_POINT_SIZE)
        self.scan = QLineEdit()
        self.scan.setObjectName("qualityScan")
        self.scan.setPlaceholderText("Scan the lot's label, or type PART/LOT and press Enter")
        self.scan.setFont(font)
        self.scan.setMinimumHeight(FIELD_MIN_HEIGHT + 16)
        self.scan.returnPressed.connect(self._on_scan_field_enter)
        scan_label = QLabel("Lot")
        scan_label.setFont(font)
        self.step = QComboBox()
        self.step.setObjectName("qualityStep")
        self.step.setMinimumHeight(FIELD_MIN_HEIGHT)
        self.step.setMinimumContentsLength(len(STEP_BEFORE_SCAN))
        self.step.activated.connect(self._on_step_chosen)
        self._show_steps(())
        top = QHBoxLayout()
        top.addWidget(scan_label)
        top.addWidget(self.scan, 1)
        top.addWidget(QLabel("Step"))
        top.addWidget(self.step)

        self.lot_line = QLabel("No lot scanned.")
        self.lot_line.setObjectName("qualityLot")
        self.lot_line.setWordWrap(True)
        self.form_box = QGroupBox("Plan")
        self.form_grid = QGridLayout(self.form_box)
        self.form_grid.setColumnStretch(2, 1)

        self.feedback = FeedbackPanel()
        self.feedback.show_idle("Ready", "Scan a lot to inspect.")
        self.record_button = QPushButton("Record   F12")
        self.record_button.setObjectName("recordInspection")
        self.record_button.setMinimumHeight(FIELD_MIN_HEIGHT + 16)
        self.record_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.record_button.setAutoDefault(False)
        self.record_button.clicked.connect(self.record)

        self.history = QTableWidget(0, len(HISTORY_COLUMNS))
        self.history.setObjectName("qualityHistory")
        self.history.setHorizontalHeaderLabels(list(HISTORY_COLUMNS))
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Why (the reasons) takes the width left and wraps: never elided ("net_weigh…"). The
        # plan's name (a long part number) shares that width and wraps too, or Why was left a
        # word or two wide at 1366x768.
        header.setSectionResizeMode(HISTORY_COLUMNS.index("Plan"), QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(HISTORY_COLUMNS.index("Why"), QHeaderView.ResizeMode.Stretch)
        self.history.setWordWrap(True)
        self.history.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.history.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        history_box = QGroupBox("Recent inspections of this lot")
        QVBoxLayout(history_box).addWidget(self.history)

        left = QVBoxLayout()
        left.addWidget(self.lot_line)
        left.addWidget(self.form_box)
        left.addWidget(history_box, 1)
        right = QVBoxLayout()
        right.addWidget(self.feedback, 3)
        right.addWidget(self.record_button)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(right, 2)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setWidget(content)
        # Inspection entry first (what the floor does); SPC beside it for supervisors. The
        # other tabs are built when first opened, or ahead a turn at a time while the station
        # is idle (`build_ahead`): built with the page they made its one turn 100-260 ms.
        self.tabs = QTabWidget()
        self.tabs.setObjectName("qualityTabs")
        self.tabs.addTab(scroller, "Inspection")
        self._spc_tab = _LazyTab(lambda: SpcView(context))
        self._nc_tab = _LazyTab(lambda: NonconformanceList(context))
        self.tabs.addTab(self._spc_tab, "SPC charts")
        self.tabs.addTab(self._nc_tab, "Nonconformances")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.tabs)

        # Scans land here whichever field has focus; a gauge's burst into a value field is its
        # reading (see _on_scanned). F12 records from any field.
        self.wedge = WedgeInput(self)
        self.wedge.scanned.connect(self._on_scanned)
        self.wedge.set_command_keys({QKeySequence(k).toString(): self.record for k in RECORD_KEYS})
        context.signed_out.connect(self._on_signed_out)
        self._gauges: list[SerialScanner] = []
        self._start_configured_gauge()

    # The tabs built on first use.
    @property
    def spc(self) -> SpcView:
        view = self._spc_tab.content()
        assert isinstance(view, SpcView)
        return view

    @property
    def nonconformances(self) -> NonconformanceList:
        listing = self._nc_tab.content()
        assert isinstance(listing, NonconformanceList)
        return listing

    def _on_tab_changed(self, index: int) -> None:
        tab = self.tabs.widget(index)
        if isinstance(tab, _LazyTab):
            tab.content()

    def unbuilt_tabs(self) -> list[str]:
        """The titles of the tabs not built yet."""
        return [
            self.tabs.tabText(self.tabs.indexOf(tab))
            for tab in (self._spc_tab, self._nc_tab)
            if not tab.built
        ]

    def build_ahead(self) -> bool:
        """Build one tab not opened yet (the window calls it while the station is idle);
        False when there was none left."""
        for tab in (self._spc_tab, self._nc_tab):
            if not tab.built:
                tab.content()
                return True
        return False

    # The Page protocol.
    def visible_to(self, role: Role) -> bool:
        return allowed(role, UseCase.INSPECT)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        focus = self.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            self.scan.setFocus()

    def _start_configured_gauge(self) -> None:
        """The serial gauge named in the settings (quality/serial_port, e.g. /dev/ttyUSB0): each
        line it sends is a reading for the field that has focus (or a lot label, as a scan)."""
        port = self._settings.value(SERIAL_PORT_SETTING)
        if not port:
            return
        baud = int(str(self._settings.value(SERIAL_BAUD_SETTING, 9600)))
        gauge = SerialScanner(SerialSettings(str(port), baudrate=baud), self)
        self._gauges.append(gauge)
        gauge.scanned.connect(self._on_scanned)
        gauge.failed.connect(lambda error: self._on_failed(error, ""))
        gauge.state_changed.connect(
            lambda state: self.context.set_scanner_state(
                f"gauge {gauge.port}: {state}", state in SCANNER_FINE
            )
        )
        gauge.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop_gauges)

    def stop_gauges(self) -> None:
        for gauge in self._gauges:
            gauge.stop()

    # Scans.
    def _on_scan_field_enter(self) -> None:
        text = self.scan.text()
        self.scan.clear()
        if text.strip():
            self.take_code(text)

    def _on_scanned(self, scan: ScanEvent) -> None:
        focus = self.window().focusWidget()
        if isinstance(focus, ValueField) and focus in self.fields and self._is_reading(focus, scan):
            # A gauge in keyboard emulation sends its reading as a fast burst into the field
            # that waits for it: the reading, not a lot label.
            focus.setText(scan.payload.strip())
            focus.check()
            self._next_field(focus)
            return
        self.take_code(scan.payload)

    @staticmethod
    def _is_reading(field: ValueField, scan: ScanEvent) -> bool:
        try:
            field.characteristic.check(scan.payload, sample=field.sample)
        except KnownError:
            return False
        return True

    def take_code(self, code: str, *, step: str | None = None) -> None:
        """Resolve a scanned lot and load its plan (off the GUI thread)."""
        wanted = step if step is not None else str(self._settings.value(STEP_SETTING, "") or "")

        def work(uow: UnitOfWork, who: Actor) -> _Loaded:
            info = resolve_scan(uow, actor=who, code=code)
            if info.lot is None:
                raise InvalidInput(
                    f"{info.display} is not a lot.", hint="Scan the label of the lot to inspect."
                )
            lot = info.lot
            steps = tuple(
                sorted(
                    {
                        p.step
                        for p in plan_versions(uow, product=lot.part_number, actor=who)
                        if p.active
                    }
                )
            )
            plan = None
            if steps:
                chosen = wanted if wanted in steps else steps[0]
                plan = plan_for_lot(uow, lot.name, step=chosen, actor=who)
            return _Loaded(lot, steps, plan, inspections_of(uow, lot.name, actor=who))

        self.feedback.show_idle("Looking up…", code.strip())
        self.context.run(work, self._on_loaded, self._on_failed)

    def _on_loaded(self, loaded: _Loaded) -> None:
        self._lot = loaded.lot
        self._plan = loaded.plan
        self._recorded = False
        self._show_steps(loaded.steps, scanned=True)
        self._show_lot(loaded.lot.status.value)
        self._show_history(loaded.history)
        self._build_form(loaded.plan)
        if loaded.plan is None:
            self.feedback.show_error(
                f"{loaded.lot.name} has no inspection plan.",
                "A quality manager adds one (traceapp plan add).",
            )
            self.scan.setFocus()
            return
        self.step.setCurrentText(loaded.plan.step)
        self._settings.setValue(STEP_SETTING, loaded.plan.step)
        self.feedback.show_idle(
            f"{loaded.lot.name}: {loaded.plan.label}",
            "Enter each value; Enter moves on, F12 records.",
        )
        self.fields[0].setFocus()

    def _show_steps(self, steps: tuple[str, ...], *, scanned: bool = False) -> None:
        """The steps of the scanned lot's plans; with none, the box says why and is off."""
        self.step.clear()
        self.step.addItems(list(steps))
        self.step.setEnabled(bool(steps))
        self.step.setPlaceholderText(STEP_NO_PLAN if scanned else STEP_BEFORE_SCAN)
        self.step.setToolTip(STEP_TIP)

    def _on_step_chosen(self, index: int) -> None:
        step = self.step.itemText(index)
        if self._lot is None or not step:
            return
        self._settings.setValue(STEP_SETTING, step)
        self.take_code(self._lot.name, step=step)

    # The form.
    def _build_form(self, plan: PlanVersion | None) -> None:
        while self.form_grid.count():
            item = self.form_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.fields = []
        self.form_box.setTitle(plan.label if plan is not None else "Plan")
        if plan is None:
            return
        row = 0
        for characteristic in plan.characteristics:
            for sample in range(1, plan.sample_size + 1):
                name = characteristic.name
                if plan.sample_size > 1:
                    name += f" #{sample}"
                field = ValueField(characteristic, sample)
                field.returnPressed.connect(lambda f=field: self._next_field(f))
                spec = QLabel(characteristic.limits_text())
                spec.setObjectName(f"spec_{characteristic.name}")
                self.form_grid.addWidget(QLabel(name), row, 0)
                self.form_grid.addWidget(field, row, 1)
                self.form_grid.addWidget(spec, row, 2)
                # The check reads under its field, as wide as the field and the limits together.
                self.form_grid.addWidget(field.mark, row + 1, 1, 1, 2)
                self.fields.append(field)
                row += 2
        for index in range(self.form_grid.count()):
            item = self.form_grid.itemAt(index)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.show()  # now, not on the next turn of the event loop: focus can go there

    def _next_field(self, field: ValueField) -> None:
        index = self.fields.index(field)
        if index + 1 < len(self.fields):
            self.fields[index + 1].setFocus()
            self.fields[index + 1].selectAll()
        else:
            self.feedback.show_idle(
                "Every value entered" if self._values_complete() else "Values missing",
                "Press F12 to record."
                if self._values_complete()
                else "Fill in every field, then press F12.",
            )

    def _values_complete(self) -> bool:
        return all(f.text().strip() for f in self.fields)

    def _values(self) -> dict[str, list[str]]:
        values: dict[str, list[str]] = {}
        for field in self.fields:
            values.setdefault(field.characteristic.name, []).append(field.text())
        return values

    # Recording.
    def record(self) -> None:
        if self._busy:
            return
        lot, plan = self._lot, self._plan
        if lot is None or plan is None:
            self.feedback.show_error("Nothing to record.", "Scan a lot that has a plan first.")
            return
        if self._recorded:
            self.feedback.show_error(
                "This inspection is already recorded.",
                "Scan the next lot, or scan this one again to inspect it again.",
            )
            return
        for field in self.fields:
            field.check()
        values = self._values()
        try:
            plan.check_all(values)  # refused here in words, before anything is sent
        except KnownError as error:
            self.feedback.show_error(error.message, error.hint)
            return
        name, step = lot.name, plan.step

        def work(uow: UnitOfWork, who: Actor) -> _Recorded:
            outcome = record_service(uow, actor=who, code=name, values=values, step=step)
            return _Recorded(outcome, inspections_of(uow, name, actor=who))

        self._busy = True
        self.record_button.setEnabled(False)
        self.feedback.show_idle("Recording…", plan.label)
        self.context.run(work, self._on_recorded, self._on_record_failed, write=True)

    def _on_recorded(self, recorded: _Recorded) -> None:
        self._busy = False
        self.record_button.setEnabled(True)
        outcome = recorded.outcome
        inspection = outcome.inspection
        if self._lot is not None and self._lot.name == inspection.lot:
            # (A lot scanned while this one was saved has its own form now: leave it be.)
            self._show_lot(outcome.lot_status)
            self._show_history(recorded.history)
            # The values stay in sight, read-only, until the next scan: what was recorded, why.
            self._recorded = True
            for field in self.fields:
                field.setReadOnly(True)
        # The title stays short (it is shown at the theme's 26 pt); the nonconformance and each
        # reason, one per line, go in the smaller detail text with what follows for the lot.
        reasons = [c.reason for c in inspection.failed]
        if inspection.result == PASSED:
            self.feedback.show_ok("PASSED", f"{inspection.lot} by {inspection.plan}")
        elif outcome.nonconformance is not None and outcome.hold_rule is not None:
            nc = nc_label(outcome.nonconformance.id)
            self.feedback.show_error(
                "FAILED — lot held",
                "\n".join(
                    [
                        f"Nonconformance {nc} opened:",
                        *reasons,
                        f"{inspection.lot} is ON HOLD; it cannot be used or shipped until"
                        " released.",
                    ]
                ),
            )
        else:
            nc = nc_label(outcome.nonconformance.id) if outcome.nonconformance else ""
            status = outcome.lot_status.replace("_", " ").upper()
            self.feedback.show_error(
                "FAILED",
                "\n".join(
                    [
                        f"Nonconformance {nc} opened:",
                        *reasons,
                        f"{inspection.lot} was already {status}.",
                    ]
                ),
            )
        self.scan.setFocus()

    def _on_record_failed(self, error: BaseException, details: str) -> None:
        self._busy = False
        self.record_button.setEnabled(True)
        self._on_failed(error, details)

    def _on_failed(self, error: BaseException, details: str) -> None:
        title, hint = _error_text(error)
        self.feedback.show_error(title, hint)

    def _on_signed_out(self) -> None:
        self._lot = None
        self._plan = None
        self._build_form(None)
        self._show_steps(())
        self.history.setRowCount(0)
        self.lot_line.setText("No lot scanned.")
        self.feedback.show_idle("Signed out", "Sign in to inspect.")

    # What is shown about the lot.
    def _show_lot(self, status: str) -> None:
        lot = self._lot
        if lot is None:
            return
        self.lot_line.setText(
            f"{lot.name} — {lot.product_name} — {status.replace('_', ' ').upper()}"
        )

    def _show_history(self, records: tuple[InspectionRecord, ...]) -> None:
        recent = list(reversed(records))[:RECENT]
        self.history.setRowCount(len(recent))
        for row, record in enumerate(recent):
            cells = (
                record.inspected_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                record.plan,
                record.inspector,
                record.result.upper(),
                "\n".join(c.reason for c in record.failed),  # each reason on a line of its own
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.history.setItem(row, column, item)
