"""Lock an idle workstation: the application's event filter (`app_events`) reports every key, click and touch."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from traceapp.ui.app_events import app_events

DEFAULT_IDLE_MINUTES = 5.0
IDLE_SETTING = "security/idle_lock_minutes"  # in QSettings; 0 turns the lock off


class IdleWatcher(QObject):
    """Emits `idle` once when nobody touched the application for `timeout_ms`.

    `start()` arms it (someone signed in), `stop()` disarms it (locked or signed out). A scan
    through a keyboard-wedge scanner is key presses, so it counts as activity too.
    """

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_timeout(timeout_ms)
        self._installed = False
        self._last_activity = time.monotonic()

    @property
    def timeout_ms(self) -> int:
        return self._timer.interval()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def quiet_ms(self) -> float:
        """How long nobody touched the application (since `start()` at the earliest), in ms."""
        return (time.monotonic() - self._last_activity) * 1000.0

    def set_timeout(self, timeout_ms: int) -> None:
        """0 or less turns the lock off."""
        self._enabled = timeout_ms > 0
        self._timer.setInterval(max(timeout_ms, 0))
        if not self._enabled:
            self._timer.stop()

    def start(self) -> None:
        if not self._installed:
            app_events().add_activity_watcher(self, self._on_activity)
            self._installed = True
        self._last_activity = time.monotonic()
        if self._enabled:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def uninstall(self) -> None:
        self._timer.stop()
        if self._installed:
            app_events().remove(self)
            self._installed = False

    def _on_activity(self) -> None:
        # A key, click, move or touch anywhere (the application's filter, `app_events`).
        self._last_activity = time.monotonic()
        if self._timer.isActive():
            self._timer.start()


def idle_timeout_ms(value: object) -> int:
    """The QSettings value (minutes, possibly a string from an INI file) in milliseconds."""
    try:
        minutes = float(str(value)) if value is not None else DEFAULT_IDLE_MINUTES
    except ValueError:
        minutes = DEFAULT_IDLE_MINUTES
    return max(0, int(minutes * 60_000))
