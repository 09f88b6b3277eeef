"""Serial scanners and RFID readers, driven through a pseudo-terminal pair."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import serial

from tests.devices.input.helpers import Inbox
from traceapp.devices.input import (
    NO_RECONNECT,
    Debouncer,
    EpcHexLines,
    GarbledData,
    PortUnavailable,
    ReconnectGaveUp,
    ReconnectPolicy,
    ScanEvent,
    ScannerDisconnected,
    SerialSettings,
    SerialSource,
    SourceKind,
    SourceState,
    UidStxEtx,
)
from traceapp.devices.input.serial_source import open_port

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX only")

FAST_RETRY = ReconnectPolicy(first_delay=timedelta(milliseconds=5), max_attempts=2)
EPC = "3034257BF7194E4000001A85"
OTHER_EPC = "3034257BF7194E4000001A86"


@dataclass
class Pty:
    """The reader's end (master, written by the test) and the port name the source opens."""

    master: int
    slave: int
    port: str

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        os.close(self.master)
        self.master = -1

    def close(self) -> None:
        for fd in (self.master, self.slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)


def _open_pty() -> Pty:
    master, slave = os.openpty()
    return Pty(master, slave, os.ttyname(slave))


@pytest.fixture
def pty() -> Iterator[Pty]:
    pair = _open_pty()
    yield pair
    pair.close()


def _source(port: str, inbox: Inbox, **options: object) -> SerialSource:
    return SerialSource(
        "scanner-1",
        SerialSettings(port),
        inbox.sink,
        on_error=inbox.on_error,
        on_state=inbox.on_state,
        **options,  # type: ignore[arg-type]
    )


def _payloads(inbox: Inbox, count: int) -> list[str]:
    return [inbox.next_event().payload for _ in range(count)]


def test_a_burst_of_reads_arrives_in_order(pty: Pty, inbox: Inbox) -> None:
    with _source(pty.port, inbox, reconnect=NO_RECONNECT):
        inbox.wait_state(SourceState.CONNECTED)
        pty.write(b"LOT-1\rLOT-2\r\nLOT-3\n")
        events = [inbox.next_event() for _ in range(3)]
    assert [e.payload for e in events] == ["LOT-1", "LOT-2", "LOT-3"]
    assert {(e.kind, e.source_id) for e in events} == {(SourceKind.SERIAL, "scanner-1")}
    assert inbox.drain_errors() == []


def test_a_read_split_across_writes_is_one_read(pty: Pty, inbox: Inbox) -> None:
    with _source(pty.port, inbox, reconnect=NO_RECONNECT):
        inbox.wait_state(SourceState.CONNECTED)
        for part in (b"]d2010950", b"6000134352", b"10ABC123\x1d21", b"S1\r", b"\n"):
            pty.write(part)
        event = inbox.next_event()
    assert event.payload == "]d20109506000134352" + "10ABC123\x1d21S1"
    assert event.symbology == "]d2"
    assert inbox.drain_events() == []


def test_garbage_is_reported_and_reading_goes_on(pty: Pty, inbox: Inbox) -> None:
    with _source(pty.port, inbox, reconnect=NO_RECONNECT):
        inbox.wait_state(SourceState.CONNECTED)
        pty.write(b"\x00\xfe\xfa\x81\r\x00\x00\rLOT-5\r")
        error = inbox.next_error()
        event = inbox.next_event()
    assert isinstance(error, GarbledData)
    assert error.source_id == "scanner-1"
    assert event.payload == "LOT-5"


def test_an_rfid_reader_repeating_a_tag_counts_it_once(pty: Pty, inbox: Inbox) -> None:
    reader = _source(pty.port, inbox, protocol=EpcHexLines(), reconnect=NO_RECONNECT)
    with reader:
        inbox.wait_state(SourceState.CONNECTED)
        pty.write(b"".join(f"EPC:{EPC}\r\n".encode() for _ in range(20)))
        pty.write(f"EPC:{OTHER_EPC}\r\nEPC:{EPC}\r\n".encode())
        events = [inbox.next_event(), inbox.next_event()]
        pty.write(b"SENTINEL00\r\n")  # garbage: once reported, every line before it was read
        inbox.next_error()
    assert [(e.kind, e.payload) for e in events] == [
        (SourceKind.RFID, EPC),
        (SourceKind.RFID, OTHER_EPC),
    ]
    assert inbox.drain_events() == []


def test_an_rfid_reader_can_report_every_read(pty: Pty, inbox: Inbox) -> None:
    reader = _source(
        pty.port,
        inbox,
        protocol=EpcHexLines(),
        debouncer=Debouncer(timedelta(0)),
        reconnect=NO_RECONNECT,
    )
    with reader:
        inbox.wait_state(SourceState.CONNECTED)
        pty.write(f"{EPC}\r\n{EPC}\r\n".encode())
        assert _payloads(inbox, 2) == [EPC, EPC]


def test_an_hf_reader_with_stx_etx_frames(pty: Pty, inbox: Inbox) -> None:
    with _source(pty.port, inbox, protocol=UidStxEtx(), reconnect=NO_RECONNECT):
        inbox.wait_state(SourceState.CONNECTED)
        pty.write(b"\xff\x0204A224B2C37080\r\n\x03\x02E004015012345678\x03")
        events = [inbox.next_event(), inbox.next_event()]
    assert [e.payload for e in events] == ["04A224B2C37080", "E004015012345678"]


def test_unplugging_is_reported_then_retried_then_given_up(pty: Pty, inbox: Inbox) -> None:
    source = _source(pty.port, inbox, reconnect=FAST_RETRY)
    with source:
        inbox.wait_state(SourceState.CONNECTED)
        pty.unplug()
        errors = [inbox.next_error() for _ in range(4)]
        inbox.wait_state(SourceState.FAILED)
    assert [type(e) for e in errors] == [
        ScannerDisconnected,
        PortUnavailable,
        PortUnavailable,
        ReconnectGaveUp,
    ]
    assert "Check the cable" in str(errors[0])
    assert not source.running


def test_a_reader_that_comes_back_is_read_again(inbox: Inbox) -> None:
    first, second = _open_pty(), _open_pty()
    attempts = iter([first.port, None, second.port])

    def opener() -> serial.SerialBase:
        port = next(attempts)
        if port is None:
            raise serial.SerialException("not back yet")
        return open_port(SerialSettings(port))

    try:
        with _source("usb-scanner", inbox, reconnect=FAST_RETRY, opener=opener):
            inbox.wait_state(SourceState.CONNECTED)
            first.unplug()
            assert isinstance(inbox.next_error(), ScannerDisconnected)
            assert isinstance(inbox.next_error(), PortUnavailable)
            inbox.wait_state(SourceState.CONNECTED)
            second.write(b"LOT-AGAIN\r")
            assert inbox.next_event().payload == "LOT-AGAIN"
    finally:
        first.close()
        second.close()


def test_a_missing_port_is_a_typed_error(inbox: Inbox) -> None:
    source = _source("/dev/traceapp-no-such-tty", inbox, reconnect=NO_RECONNECT)
    with source:
        error = inbox.next_error()
        assert isinstance(inbox.next_error(), ReconnectGaveUp)
        inbox.wait_state(SourceState.FAILED)
    assert isinstance(error, PortUnavailable)
    assert "port name" in error.hint


def test_stop_ends_a_blocked_read_and_closes_the_port(pty: Pty, inbox: Inbox) -> None:
    source = _source(pty.port, inbox, reconnect=NO_RECONNECT)
    source.start()
    inbox.wait_state(SourceState.CONNECTED)
    source.stop()
    assert not source.running
    assert source.state is SourceState.STOPPED
    assert inbox.drain_errors() == []
    # The port is free again: a second source can open it and read.
    with _source(pty.port, inbox, reconnect=NO_RECONNECT):
        inbox.wait_state(SourceState.CONNECTED)
        pty.write(b"LOT-6\r")
        assert inbox.next_event().payload == "LOT-6"


def test_a_failing_consumer_does_not_stop_the_reader(pty: Pty, inbox: Inbox) -> None:
    def fussy(event: ScanEvent) -> None:
        if event.payload == "BAD":
            raise RuntimeError("consumer bug")
        inbox.sink(event)

    source = SerialSource(
        "scanner-1",
        SerialSettings(pty.port),
        fussy,
        on_error=inbox.on_error,
        on_state=inbox.on_state,
        reconnect=NO_RECONNECT,
    )
    with source:
        inbox.wait_state(SourceState.CONNECTED)
        pty.write(b"BAD\rGOOD\r")
        assert inbox.next_event().payload == "GOOD"
    [error] = inbox.drain_errors()
    assert isinstance(error, RuntimeError)
