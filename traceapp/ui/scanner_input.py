"""Scanners as Qt signals: keyboard-wedge bursts caught whichever field has focus, serial readers,
cameras."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

from traceapp.devices.input.events import ScanEvent, SourceKind, SourceState
from traceapp.devices.input.serial_source import SerialSettings, SerialSource
from traceapp.devices.input.wedge import (
    KeyboardWedge,
    KeyPress,
    TypedKeys,
    WedgeOutput,
    WedgeSettings,
)
from traceapp.ui.app_events import app_events

if TYPE_CHECKING:
    from traceapp.devices.input.camera import PreviewFrame

_SKIP_KEYS = frozenset({Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta})


class _KeyClock:
    """Milliseconds for the wedge: the key event's own timestamp when the platform gives one.

    The window system stamps key events when the keys were pressed, so a person's keys that queue
    up while the GUI thread is busy keep their real gaps and are not taken for a scan. Synthetic
    events (QTest, some platforms) carry 0: then the time of arrival is used. `now()` is in the
    same clock as the last stamp, for the wedge's timeouts.
    """

    def __init__(self) -> None:
        self._offset = 0.0  # event clock minus local clock, as of the last stamped key

    @staticmethod
    def _local() -> float:
        return time.monotonic() * 1000.0

    def stamp(self, event_ms: int) -> float:
        local = self._local()
        if event_ms:
            self._offset = event_ms - local
            return float(event_ms)
        self._offset = 0.0
        return local

    def now(self) -> float:
        return self._local() + self._offset


class WedgeInput(QObject):
    """Watch the keys typed into any widget inside `scope`; scanner bursts become `scanned`.

    Key presses are held back while the wedge decides (at most its burst gap, ~50 ms, for
    typing); a person's keys are then replayed to the field that has focus, so typing a quantity
    works as usual, while a scan never lands in whatever field happens to have focus.
    """

    scanned = Signal(object)  # ScanEvent

    def __init__(
        self,
        scope: QWidget,
        *,
        settings: WedgeSettings | None = None,
        source_id: str = "keyboard",
    ) -> None:
        super().__init__(scope)
        self._scope = scope
        self._source_id = source_id
        self._clock = _KeyClock()
        self._wedge = KeyboardWedge(settings)
        # The original events of held keys, by the identity of the KeyPress made from them.
        self._held: dict[int, tuple[KeyPress, QKeyEvent]] = {}
        self._replaying = False
        self._commands: dict[str, Callable[[], None]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._poll)
        # Key presses reach it through the application's one filter (`app_events`); a child
        # of the scope, it is dropped from there when the scope is deleted.
        app_events().add_key_filter(self, self.eventFilter)

    def set_command_keys(self, commands: Mapping[str, Callable[[], None]]) -> None:
        """Keys (as QKeySequence.toString spells them, e.g. "Ctrl+Z") that run an action wherever
        the focus is inside the scope, in order with the typing around them."""
        self._commands = dict(commands)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or self._replaying:
            return False
        if not isinstance(watched, QWidget) or watched is not self._focus():
            return False  # the first delivery only: Qt passes ignored keys on to the parents
        if not self._scope.isVisible() or not (
            watched is self._scope or self._scope.isAncestorOf(watched)
        ):
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() in _SKIP_KEYS:
            return False
        modifiers = event.modifiers()
        press = KeyPress(
            at_ms=self._clock.stamp(event.timestamp()),
            text=event.text(),
            key=QKeySequence(event.key()).toString(),
            code=event.key(),
            ctrl=bool(modifiers & Qt.KeyboardModifier.ControlModifier),
            alt=bool(modifiers & Qt.KeyboardModifier.AltModifier),
            auto_repeat=event.isAutoRepeat(),
        )
        copy = QKeyEvent(
            QEvent.Type.KeyPress,
            event.key(),
            modifiers,
            event.text(),
            event.isAutoRepeat(),
            max(1, event.count()),
        )
        self._held[id(press)] = (press, copy)
        self._dispatch(self._wedge.feed(press))
        self._arm()
        return True

    def _focus(self) -> QWidget | None:
        """The field keys go to: the scope's window's focus widget (also while the window is not
        the active one, as under a test or a screen reader)."""
        return self._scope.window().focusWidget()

    def _arm(self) -> None:
        deadline = self._wedge.deadline_ms()
        if deadline is None:
            self._timer.stop()
            return
        self._timer.start(max(0, int(deadline - self._clock.now()) + 1))

    def _poll(self) -> None:
        self._dispatch(self._wedge.poll(self._clock.now()))
        self._arm()

    def _dispatch(self, outputs: Iterable[WedgeOutput]) -> None:
        for output in outputs:
            if isinstance(output, TypedKeys):
                self._replay(output)
                continue
            # The scan's keys (and a CR LF's second half) are spent: none of them reaches a field.
            # A key pressed after the scan ended is still held and still counts.
            for key_id, (press, _event) in list(self._held.items()):
                if press.at_ms <= output.ended_ms:
                    del self._held[key_id]
            self.scanned.emit(
                ScanEvent(
                    source_id=self._source_id,
                    kind=SourceKind.KEYBOARD,
                    payload=output.payload,
                    received_monotonic=time.monotonic(),
                    received_at=datetime.now(UTC),
                    symbology=output.symbology,
                )
            )

    def _replay(self, typed: TypedKeys) -> None:
        events = [self._held.pop(id(key), (key, None))[1] for key in typed.keys]
        target = self._focus()
        if target is None:
            return
        self._replaying = True
        try:
            for event in events:
                if event is None:
                    continue
                command = self._commands.get(QKeySequence(event.keyCombination()).toString())
                if command is not None:
                    command()
                else:
                    QApplication.sendEvent(target, event)
                target = self._focus() or target  # Tab or a command moves focus on
        finally:
            self._replaying = False


class SerialScanner(QObject):
    """A serial barcode scanner or RFID reader (pyserial, read in its own thread) as signals."""

    scanned = Signal(object)  # ScanEvent
    state_changed = Signal(str)  # a SourceState value
    failed = Signal(object)  # the exception: a KnownError is shown, anything else is a bug

    def __init__(self, settings: SerialSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.port = settings.port
        # The source calls back from its reader thread; emitting a signal queues the call to
        # the GUI thread, where the receivers live.
        self._source = SerialSource(
            f"serial:{settings.port}",
            settings,
            self.scanned.emit,
            on_error=self.failed.emit,
            on_state=self._on_state,
        )

    @property
    def state(self) -> SourceState:
        return self._source.state

    def start(self) -> None:
        self._source.start()

    def stop(self) -> None:
        self._source.stop()

    def _on_state(self, state: SourceState) -> None:
        self.state_changed.emit(state.value)


class CameraScanner(QObject):
    """A camera (index, URL or video file) read and decoded in its own threads, as signals.

    `latest_frame()` hands the preview the newest frame with the codes found in it.
    """

    scanned = Signal(object)  # ScanEvent
    state_changed = Signal(str)  # a SourceState value
    failed = Signal(object)

    def __init__(self, device: int | str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # OpenCV loads only when a camera is wanted: it is a large import for a wedge-only PC.
        from traceapp.devices.input.camera import CameraSource

        self.port = f"camera {device}"
        self._source = CameraSource(
            self.port,
            device,
            self.scanned.emit,
            on_error=self.failed.emit,
            on_state=self._on_state,
        )

    @property
    def state(self) -> SourceState:
        return self._source.state

    def latest_frame(self) -> PreviewFrame | None:
        return self._source.latest_frame()

    def start(self) -> None:
        self._source.start()

    def stop(self) -> None:
        self._source.stop()

    def _on_state(self, state: SourceState) -> None:
        self.state_changed.emit(state.value)
