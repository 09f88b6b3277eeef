"""Lock an idle workstation: an application-wide event filter sees every key, click and touch."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

DEFAULT_IDLE_MINUTES = 5.0
IDLE_SETTING = "security/idle_lock_minutes"  # in QSettings; 0 turns the lock off

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
    }
)


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

    @property
    def timeout_ms(self) -> int:
        return self._timer.interval()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def set_timeout(self, timeout_ms: int) -> None:
        """0 or less turns the lock off."""
        self._enabled = timeout_ms > 0
        self._timer.setInterval(max(timeout_ms, 0))
        if not self._enabled:
            self._timer.stop()

    def start(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        if self._enabled:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def uninstall(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every widget's events pass here: keep it to a set lookup and a timer restart.
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False


def idle_timeout_ms(value: object) -> int:
    """The QSettings value (minutes, possibly a string from an INI file) in milliseconds."""
    try:
        minutes = float(str(value)) if value is not None else DEFAULT_IDLE_MINUTES
    except ValueError:
        minutes = DEFAULT_IDLE_MINUTES
    return max(0, int(minutes * 60_000))
