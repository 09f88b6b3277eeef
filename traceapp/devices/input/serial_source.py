"""Serial barcode scanners and RFID readers (pyserial), read in a thread that reconnects."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import serial

from traceapp.devices.input.debounce import Debouncer
from traceapp.devices.input.errors import (
    GarbledData,
    InputSettingsError,
    PortUnavailable,
    ReconnectGaveUp,
    ScannerDisconnected,
)
from traceapp.devices.input.events import (
    SYSTEM_CLOCK,
    Clock,
    ErrorSink,
    ScanEvent,
    ScanSink,
    SourceKind,
    SourceState,
    StateSink,
    aim_identifier,
)
from traceapp.devices.input.framing import BarcodeLines, ReaderProtocol
from traceapp.devices.input.worker import WorkerSource

# A blocking read returns at least this often, so stop() is answered even if cancel_read is not
# supported by the port type.
READ_TIMEOUT = timedelta(milliseconds=200)
READ_CHUNK = 4096


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """Retry with exponential backoff, a bounded number of times, then give up and say so."""

    first_delay: timedelta = timedelta(milliseconds=500)
    factor: float = 2.0
    max_delay: timedelta = timedelta(seconds=10)
    # About five minutes of retries with the defaults: long enough to replug a cable.
    max_attempts: int = 35

    def __post_init__(self) -> None:
        if self.max_attempts < 0 or self.factor < 1 or self.first_delay < timedelta(0):
            raise InputSettingsError(
                "A reconnect policy needs attempts ≥ 0, a factor ≥ 1 and a delay ≥ 0.",
                hint="Use ReconnectPolicy() for the defaults.",
            )

    def delays(self) -> Iterator[float]:
        """Seconds to wait before each attempt."""
        delay = self.first_delay.total_seconds()
        for _ in range(self.max_attempts):
            yield delay
            delay = min(delay * self.factor, self.max_delay.total_seconds())


NO_RECONNECT = ReconnectPolicy(max_attempts=0)


@dataclass(frozen=True, slots=True)
class SerialSettings:
    """Where a reader is and how it talks; `port` is a device name or a pyserial URL."""

    port: str
    baudrate: int = 9600
    bytesize: int = serial.EIGHTBITS
    parity: str = serial.PARITY_NONE
    stopbits: float = serial.STOPBITS_ONE


PortOpener = Callable[[], serial.SerialBase]


def open_port(settings: SerialSettings) -> serial.SerialBase:
    return serial.serial_for_url(
        settings.port,
        baudrate=settings.baudrate,
        bytesize=settings.bytesize,
        parity=settings.parity,
        stopbits=settings.stopbits,
        timeout=READ_TIMEOUT.total_seconds(),
    )


class SerialSource(WorkerSource):
    """Reads a serial scanner or RFID reader, emitting one ScanEvent per read.

    `protocol` says how reads are framed (BarcodeLines, EpcHexLines, UidStxEtx). The debouncer
    drops repeats; RFID readers get one by default (pass Debouncer(timedelta(0)) to see every
    report), barcode scanners none. When the port
    fails or goes away, the error is reported and the port is reopened after the policy's
    delays; when they run out, ReconnectGaveUp is reported and the source ends in FAILED.
    """

    def __init__(
        self,
        source_id: str,
        settings: SerialSettings,
        sink: ScanSink,
        *,
        protocol: ReaderProtocol | None = None,
        debouncer: Debouncer | None = None,
        reconnect: ReconnectPolicy | None = None,
        on_error: ErrorSink | None = None,
        on_state: StateSink | None = None,
        clock: Clock = SYSTEM_CLOCK,
        opener: PortOpener | None = None,
    ) -> None:
        super().__init__(source_id, sink, on_error=on_error, on_state=on_state, clock=clock)
        self.settings = settings
        self.protocol: ReaderProtocol = protocol or BarcodeLines()
        # RFID readers report a tag many times a second; scanners send one line per trigger pull.
        if debouncer is None and self.protocol.kind is SourceKind.RFID:
            debouncer = Debouncer()
        self._debouncer = debouncer
        self._reconnect = reconnect or ReconnectPolicy()
        self._opener = opener or (lambda: open_port(settings))
        self._port: serial.SerialBase | None = None
        self._port_lock = threading.Lock()

    def _run(self) -> SourceState:
        delays = self._reconnect.delays()
        while not self.stopping:
            port = self._open()
            if port is not None:
                delays = self._reconnect.delays()  # a good connection earns a fresh budget
                self._read(port)
            if self.stopping:
                break
            delay = next(delays, None)
            if delay is None:
                self._report(
                    ReconnectGaveUp(
                        f"Gave up reconnecting to {self.settings.port} after"
                        f" {self._reconnect.max_attempts} attempts.",
                        hint="Check the cable and the port name, then restart the reader.",
                        source_id=self.source_id,
                    )
                )
                return SourceState.FAILED
            self._set_state(SourceState.RECONNECTING)
            self._wait(delay)
        return SourceState.STOPPED

    def _open(self) -> serial.SerialBase | None:
        try:
            port = self._opener()
        except (serial.SerialException, OSError, ValueError) as exc:
            self._report(
                PortUnavailable(
                    f"The port {self.settings.port} cannot be opened: {exc}.",
                    hint="Plug the reader in, check the port name in the settings, and close"
                    " other programs that use the port.",
                    source_id=self.source_id,
                )
            )
            return None
        with self._port_lock:
            self._port = port
        # stop() may have come while the port was opening, before _port was set to be woken.
        if self.stopping:
            self._close(port)
            return None
        self._set_state(SourceState.CONNECTED)
        return port

    def _read(self, port: serial.SerialBase) -> None:
        framer = self.protocol.framer()
        try:
            while not self.stopping:
                # Whatever is buffered, or block for one byte until the read timeout.
                data = port.read(min(port.in_waiting, READ_CHUNK) or 1)
                if not data:
                    continue
                for frame in framer.feed(data):
                    self._deliver(frame)
        except (serial.SerialException, OSError) as exc:
            if not self.stopping:
                self._report(
                    ScannerDisconnected(
                        f"The reader on {self.settings.port} went away: {exc}.",
                        hint="Check the cable; the app reconnects by itself when it is back.",
                        source_id=self.source_id,
                    )
                )
        finally:
            self._close(port)

    def _deliver(self, frame: bytes) -> None:
        try:
            payload = self.protocol.payload(frame)
        except GarbledData as exc:
            exc.source_id = self.source_id
            self._report(exc)
            return
        event = ScanEvent(
            source_id=self.source_id,
            kind=self.protocol.kind,
            payload=payload,
            received_monotonic=self._clock.monotonic(),
            received_at=self._clock.utc_now(),
            symbology=aim_identifier(payload),
        )
        if self._debouncer is None or self._debouncer.accept(event):
            self._emit(event)

    def _close(self, port: serial.SerialBase) -> None:
        with self._port_lock:
            self._port = None
        # A device that is already gone has nothing left to release.
        with contextlib.suppress(serial.SerialException, OSError):
            port.close()

    def _interrupt(self) -> None:
        with self._port_lock:
            port = self._port
        if port is None:
            return
        # Ports without cancel_read are woken by the read timeout soon enough.
        with contextlib.suppress(
            AttributeError, NotImplementedError, serial.SerialException, OSError
        ):
            port.cancel_read()
