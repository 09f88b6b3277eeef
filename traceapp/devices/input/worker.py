"""The thread a source reads in: start/stop, context manager, and callbacks that cannot kill it."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from datetime import timedelta
from types import TracebackType
from typing import Self

from traceapp.devices.input.events import (
    SYSTEM_CLOCK,
    Clock,
    ErrorSink,
    ScanEvent,
    ScanSink,
    SourceState,
    StateSink,
)
from traceapp.domain.errors import KnownError

_log = logging.getLogger(__name__)

# A device read blocks at most this long, so stop() is answered within it even when a driver
# ignores cancellation.
STOP_TIMEOUT = timedelta(seconds=5)


def log_error(error: Exception) -> None:
    """The error sink of a source nobody listens to: known conditions as warnings, bugs in full."""
    if isinstance(error, KnownError):
        _log.warning("%s", error)
    else:
        _log.error("Input source failed", exc_info=error)


class WorkerSource(ABC):
    """A source that reads in its own thread and hands reads to `sink` from that thread.

    Callbacks run in the worker thread; the UI adapter turns them into signals. An exception in a
    callback is reported to `on_error` (or logged) and reading goes on: a consumer's bug must not
    silently drop a scanner.
    """

    def __init__(
        self,
        source_id: str,
        sink: ScanSink,
        *,
        on_error: ErrorSink | None = None,
        on_state: StateSink | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.source_id = source_id
        self._sink = sink
        self._on_error = on_error or log_error
        self._on_state = on_state
        self._clock = clock
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = SourceState.STOPPED
        self._state_lock = threading.Lock()

    @property
    def state(self) -> SourceState:
        with self._state_lock:
            return self._state

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start reading in a new thread; a source that is already running is left alone."""
        if self.running:
            return
        self._stopping.clear()
        self._set_state(SourceState.STARTING)
        self._thread = threading.Thread(
            target=self._main, name=f"traceapp-input-{self.source_id}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: timedelta = STOP_TIMEOUT) -> None:
        """Ask the thread to end, wake it from a blocking read, and wait for it."""
        thread = self._thread
        self._stopping.set()
        self._interrupt()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout.total_seconds())
        # A thread stuck in a driver call stays recorded, so no second reader opens the device.
        if thread is None or not thread.is_alive():
            self._thread = None

    def join(self, timeout: timedelta | None = None) -> bool:
        """Wait until the thread ends by itself (end of a video); True if it did."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(None if timeout is None else timeout.total_seconds())
        return not thread.is_alive()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def _wait(self, seconds: float) -> bool:
        """Sleep unless stopped; True if stop() was called meanwhile."""
        return self._stopping.wait(seconds)

    @abstractmethod
    def _run(self) -> SourceState:
        """Read until stopped or done; return the final state."""

    def _interrupt(self) -> None:  # noqa: B027 - a hook that most sources do not need
        """Wake the worker from a blocking read; called from the thread that calls stop()."""

    def _main(self) -> None:
        final = SourceState.FAILED
        try:
            final = self._run()
        except Exception as exc:  # a bug: report it rather than die silently in a thread
            self._report(exc)
        finally:
            self._set_state(SourceState.STOPPED if self.stopping else final)

    def _emit(self, event: ScanEvent) -> None:
        try:
            self._sink(event)
        except Exception as exc:
            self._report(exc)

    def _report(self, error: Exception) -> None:
        try:
            self._on_error(error)
        except Exception:  # the error sink itself failed: the log is the last resort
            _log.exception("Error sink of input source %s failed", self.source_id)

    def _set_state(self, state: SourceState) -> None:
        with self._state_lock:
            if state == self._state:
                return
            self._state = state
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception as exc:
                self._report(exc)
