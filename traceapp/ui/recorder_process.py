"""The recorder child process of the window: started for `[monitoring] sources`, restarted when it dies, stopped with the window.

Ingest runs in a process of its own, not in threads of the window (on two cores with the GIL
it would take the window's frames: docs/live_monitor.md). The child is
`traceapp.services.recorder_service`; it prints a JSON status line every second, which
`RecorderSupervisor` turns into the line the Live monitor page shows ("Recorder: running,
N readings/s", or what went wrong and when it tries again).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal
from sqlalchemy import URL

from traceapp.config import load_settings, settings_path
from traceapp.domain.errors import InvalidInput
from traceapp.services.recorder_service import DB_VARIABLE

MONITORING_SECTION = "monitoring"
SOURCES_SETTING = "sources"  # [monitoring] sources = ["mqtt://127.0.0.1:1883/plant/#"]
RESTART_DELAYS_S = (1, 2, 5, 10, 30)  # a child that keeps dying is retried less and less often
STEADY_S = 30.0  # a child that ran this long starts the delays from the first again
STOP_WAIT_MS = 10_000  # at close: time to write what it holds before it is killed
SERVICE_MODULE = "traceapp.services.recorder_service"


def sources_from_settings_file(path: Path | None = None) -> list[str]:
    """`[monitoring] sources` of the settings file: a list of source URLs (empty: none)."""
    where = path or settings_path()
    section = load_settings(where).get(MONITORING_SECTION)
    sources = section.get(SOURCES_SETTING, []) if isinstance(section, dict) else []
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(s, str) and s for s in sources):
        raise InvalidInput(
            f"In the settings file {where}, [monitoring] sources must be a list of source URLs.",
            hint='Write e.g. sources = ["mqtt://127.0.0.1:1883/plant/#"] under [monitoring].',
        )
    return list(sources)


class RecorderSupervisor(QObject):
    """Runs the recorder child and keeps it running; `status` is the line people see."""

    status_changed = Signal(str, bool)  # the line, and whether the recorder is fine

    def __init__(
        self, database_url: URL | str, sources: Sequence[str], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.sources = list(sources)
        self._url = (
            database_url.render_as_string(hide_password=False)
            if isinstance(database_url, URL)
            else database_url
        )
        self.status = "Recorder: starting"
        self.ok = True
        self.readings_per_s = 0.0
        self.written = 0
        self.channels = 0
        self.restarts = 0
        self._stopping = False
        self._failures = 0
        self._last_error = ""
        self._why = ""
        self._pending = b""
        self._started_at = 0.0
        self._process: QProcess | None = None
        self._restart = QTimer(self)
        self._restart.setSingleShot(True)
        self._restart.timeout.connect(self._launch)

    @property
    def running(self) -> bool:
        process = self._process
        return process is not None and process.state() == QProcess.ProcessState.Running

    @property
    def pid(self) -> int | None:
        return int(self._process.processId()) if self.running and self._process else None

    def start(self) -> None:
        self._stopping = False
        self._launch()

    def _launch(self) -> None:
        if self._stopping:
            return
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert(DB_VARIABLE, self._url)
        environment.insert("PYTHONUNBUFFERED", "1")
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._on_output)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        arguments = ["-m", SERVICE_MODULE]
        for source in self.sources:
            arguments += ["--source", source]
        self._process = process
        self._pending = b""
        self._started_at = time.monotonic()
        if self.restarts:
            self._set(f"Recorder: restarting (it stopped: {self._why})", ok=False)
        else:
            self._set("Recorder: starting", ok=True)
        process.start(sys.executable, arguments)

    def stop(self) -> None:
        """End the child (it writes what it holds first) and do not restart it."""
        self._stopping = True
        self._restart.stop()
        process = self._process
        if process is None or process.state() == QProcess.ProcessState.NotRunning:
            return
        process.terminate()  # SIGTERM: the child flushes and exits
        if not process.waitForFinished(STOP_WAIT_MS):
            process.kill()
            process.waitForFinished(2_000)
        self._set("Recorder: stopped", ok=True)

    def _on_output(self) -> None:
        process = self._process
        if process is None:
            return
        self._pending += bytes(process.readAllStandardOutput().data())
        *lines, self._pending = self._pending.split(b"\n")
        for line in lines:
            try:
                status = json.loads(line)
            except ValueError:
                continue  # not ours (a library printing): ignore
            if isinstance(status, dict):
                self._on_status(status)

    def _on_status(self, status: dict[str, object]) -> None:
        state = status.get("state")
        if state == "running":
            rate = status.get("readings_per_s")
            self.readings_per_s = float(rate) if isinstance(rate, int | float) else 0.0
            written = status.get("written")
            self.written = int(written) if isinstance(written, int) else self.written
            channels = status.get("channels")
            self.channels = int(channels) if isinstance(channels, int) else self.channels
            sources = status.get("sources")
            waiting = [
                f"{s.get('url')} {s.get('state')}"
                for s in (sources if isinstance(sources, list) else [])
                if isinstance(s, dict) and s.get("state") != "connected"
            ]
            if time.monotonic() - self._started_at >= STEADY_S:
                self._failures = 0
            text = f"Recorder: running, {self.readings_per_s:,.0f} readings/s"
            self._set(text + (f" ({'; '.join(waiting)})" if waiting else ""), ok=not waiting)
        elif state == "failed":
            self._last_error = str(status.get("error", "failed"))

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._last_error = f"could not start {sys.executable}"
            self._schedule(None)

    def _on_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._on_output()
        if self._stopping:
            return
        self._schedule(code)

    def _schedule(self, code: int | None) -> None:
        if self._stopping or self._restart.isActive():
            return
        delay = RESTART_DELAYS_S[min(self._failures, len(RESTART_DELAYS_S) - 1)]
        self._failures += 1
        self.restarts += 1
        why = self._last_error or (f"exit status {code}" if code is not None else "did not start")
        self._last_error = ""
        self._why = why
        self.readings_per_s = 0.0
        self._set(f"Recorder: stopped ({why}); restarting in {delay} s", ok=False)
        self._restart.start(delay * 1000)

    def _set(self, text: str, *, ok: bool) -> None:
        changed = (text, ok) != (self.status, self.ok)
        self.status, self.ok = text, ok
        if changed or ok:  # while running, every status (the page looks at the channel count)
            self.status_changed.emit(text, ok)
