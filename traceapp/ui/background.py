"""Run database, device and report work off the GUI thread, with progress and cancel (like Anki's QueryOp)."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from traceapp.domain.errors import KnownError

# A job may report progress for every row; the window needs a few updates a second, not 100,000.
REPORT_INTERVAL_S = 0.05


class Cancelled(KnownError):
    """The person pressed Cancel; the work stopped at its next check. Not a bug."""

    code = "cancelled"


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object, str)


class Progress(QObject):
    """Handed to long work: `report(done, total, text)` from the worker, `cancelled` to stop early.

    Lives on the GUI thread; `progressed` and `ended` arrive there (queued) for the status bar.
    """

    progressed = Signal(int, int, str)  # done, total (0 = unknown), what is being done
    ended = Signal()

    def __init__(self, title: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._cancel = threading.Event()
        self._last_report = 0.0
        self.done = 0
        self.total = 0
        self.text = ""
        self.running = True

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the work to stop; it stops at its next `check()` or look at `cancelled`."""
        self._cancel.set()

    def check(self) -> None:
        """Raise `Cancelled` when the person asked to stop: call it between units of work."""
        if self._cancel.is_set():
            raise Cancelled(f"{self.title}: cancelled.", hint="Start it again when you need it.")

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        """Called from the worker thread; throttled so the GUI thread is never flooded."""
        now = time.monotonic()
        finished = 0 < total <= done  # the last report always goes through
        if not finished and now - self._last_report < REPORT_INTERVAL_S:
            return
        self._last_report = now
        self.progressed.emit(done, total, text)

    @Slot(int, int, str)
    def _remember(self, done: int, total: int, text: str) -> None:
        self.done, self.total, self.text = done, total, text


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
    """`Background(parent).run(work, on_done, on_error)`: work runs in the pool; callbacks on the GUI thread.

    `run_with_progress(work, ...)` hands `work` a `Progress` and announces it with `started`, so
    the status bar shows a progress bar with a Cancel button while it runs.
    """

    started = Signal(object)  # Progress of a job that reports progress

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool.globalInstance()
        self._alive: set[QObject] = set()

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

    def run_with_progress(
        self,
        work: Callable[[Progress], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException, str], None],
        *,
        title: str,
    ) -> Progress:
        """Long work: `work(progress)` reports and checks for cancel; returns the handle."""
        progress = Progress(title)
        progress.progressed.connect(progress._remember)
        self._alive.add(progress)

        def finish() -> None:
            progress.running = False
            progress.ended.emit()
            self._alive.discard(progress)

        def done(result: Any) -> None:
            finish()
            on_done(result)

        def failed(error: BaseException, details: str) -> None:
            finish()
            on_error(error, details)

        self.started.emit(progress)
        self.run(lambda: work(progress), done, failed)
        return progress

    def wait(self, msecs: int = 30_000) -> bool:
        return self._pool.waitForDone(msecs)
