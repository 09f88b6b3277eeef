"""Run database work off the GUI thread and hand the result back as a signal (like Anki's QueryOp)."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object, str)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self._work = work
        self._signals = signals

    @Slot()
    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:
            self._signals.failed.emit(exc, traceback.format_exc())
        else:
            self._signals.succeeded.emit(result)


class Background(QObject):
    """`Background(parent).run(work, on_done, on_error)`: work runs in the pool; callbacks on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool.globalInstance()
        self._alive: set[_Signals] = set()

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException, str], None],
    ) -> None:
        signals = _Signals()
        # Keep the signal object alive until one of its signals has been delivered.
        self._alive.add(signals)
        signals.succeeded.connect(on_done)
        signals.failed.connect(on_error)
        signals.succeeded.connect(lambda _result: self._alive.discard(signals))
        signals.failed.connect(lambda _exc, _tb: self._alive.discard(signals))
        self._pool.start(_Job(work, signals))

    def wait(self, msecs: int = 30_000) -> bool:
        return self._pool.waitForDone(msecs)
