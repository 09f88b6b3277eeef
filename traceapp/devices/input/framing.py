"""Byte streams to reads: line and STX/ETX framing, and what barcode and RFID readers send."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Protocol

from traceapp.devices.input.errors import GarbledData
from traceapp.devices.input.events import SourceKind
from traceapp.domain.codes import MAX_PAYLOAD_LENGTH
from traceapp.domain.codes.rfid import compact_hex

STX = b"\x02"
ETX = b"\x03"
# Noise a port delivers around plugging in or from a wrong baud rate; never part of a read.
_LINE_NOISE = b"\x00\xff \t\r\n"
# A frame this long without its end is a stream in the wrong mode, not a label: drop it.
MAX_FRAME_BYTES = 4 * MAX_PAYLOAD_LENGTH


class Terminator(enum.Enum):
    """What ends a read on the wire."""

    CR = b"\r"
    LF = b"\n"
    CRLF = b"\r\n"
    ETX = ETX
    ANY_EOL = b""  # CR, LF or CRLF: what most scanners send in their default setup


class Framer(Protocol):
    def feed(self, data: bytes) -> list[bytes]:
        """The frames completed by `data`; partial frames are kept for the next call."""
        ...


class LineFramer:
    """Splits a stream at a terminator; bytes before `prefix` (STX, say) are dropped."""

    def __init__(self, terminator: Terminator = Terminator.ANY_EOL, prefix: bytes = b"") -> None:
        self._terminator = terminator
        self._prefix = prefix
        self._buffer = bytearray()
        self.dropped = 0  # bytes thrown away as overlong or outside a frame, for diagnostics

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while (end := self._find_end()) is not None:
            index, width = end
            frames.append(bytes(self._buffer[:index]))
            del self._buffer[: index + width]
        if len(self._buffer) > MAX_FRAME_BYTES:
            self.dropped += len(self._buffer)
            self._buffer.clear()
        return [frame for raw in frames if (frame := self._strip_prefix(raw))]

    def _find_end(self) -> tuple[int, int] | None:
        if self._terminator is Terminator.ANY_EOL:
            found = re.search(rb"\r\n?|\n", self._buffer)
            if found is None:
                return None
            # A lone CR at the end of the buffer may be the first half of CRLF still in transit;
            # that is harmless because the LF then ends an empty frame, which is skipped.
            return found.start(), found.end() - found.start()
        index = self._buffer.find(self._terminator.value)
        return None if index < 0 else (index, len(self._terminator.value))

    def _strip_prefix(self, frame: bytes) -> bytes:
        if self._prefix:
            index = frame.rfind(self._prefix)
            if index < 0:
                self.dropped += len(frame)
                return b""
            self.dropped += index
            frame = frame[index + len(self._prefix) :]
        return frame.strip(_LINE_NOISE)


class ReaderProtocol(Protocol):
    """How one kind of reader frames its reads and what a frame says."""

    @property
    def kind(self) -> SourceKind: ...

    def framer(self) -> Framer:
        """A fresh framer for a new connection."""
        ...

    def payload(self, frame: bytes) -> str:
        """The read a frame carries; GarbledData if it carries none."""
        ...


def _garbled(frame: bytes, what: str, hint: str) -> GarbledData:
    shown = frame[:40].hex(" ")
    return GarbledData(f"The reader sent {what}: {shown}.", hint=hint)


_BAUD_HINT = "Check that the baud rate and character set match the reader's settings."


@dataclass(frozen=True, slots=True)
class BarcodeLines:
    """A serial barcode scanner: one text read per line, AIM identifier and GS kept as sent."""

    terminator: Terminator = Terminator.ANY_EOL
    encoding: str = "utf-8"
    prefix: bytes = b""  # e.g. STX, if the scanner is set to send one

    @property
    def kind(self) -> SourceKind:
        return SourceKind.SERIAL

    def framer(self) -> Framer:
        return LineFramer(self.terminator, self.prefix)

    def payload(self, frame: bytes) -> str:
        try:
            return frame.decode(self.encoding)
        except UnicodeDecodeError:
            raise _garbled(frame, f"bytes that are not {self.encoding} text", _BAUD_HINT) from None


# Many UHF readers label their lines ("EPC: 3034…", "TAG=3034…") or append fields after a comma
# (antenna, RSSI); the EPC is the first hex field.
_EPC_LINE = re.compile(
    r"\s*(?:[A-Za-z][A-Za-z ]*[:=]\s*)?(?P<hex>[0-9A-Fa-f]+(?:[ :\-][0-9A-Fa-f]{2})*)(?:[,;\t].*)?",
    re.ASCII,
)


@dataclass(frozen=True, slots=True)
class EpcHexLines:
    """A UHF RFID reader in "EPC per line" mode; reads become upper-case hex without separators."""

    terminator: Terminator = Terminator.ANY_EOL

    @property
    def kind(self) -> SourceKind:
        return SourceKind.RFID

    def framer(self) -> Framer:
        return LineFramer(self.terminator)

    def payload(self, frame: bytes) -> str:
        text = frame.decode("ascii", errors="replace")
        found = _EPC_LINE.fullmatch(text)
        digits = compact_hex(found.group("hex")) if found else None
        if digits is None or len(digits) % 2:
            raise _garbled(
                frame,
                "a line that holds no EPC",
                "Set the reader to report the EPC as hex, one tag per line. " + _BAUD_HINT,
            )
        return digits


@dataclass(frozen=True, slots=True)
class UidStxEtx:
    """An RFID UID reader framing each read as STX, hex digits, optional CR LF, ETX.

    With `checksum`, the last byte is the XOR of the others, as ID-12 and RDM6300-style readers
    send it; it is checked and removed.
    """

    checksum: bool = False

    @property
    def kind(self) -> SourceKind:
        return SourceKind.RFID

    def framer(self) -> Framer:
        return LineFramer(Terminator.ETX, STX)

    def payload(self, frame: bytes) -> str:
        digits = compact_hex(frame.decode("ascii", errors="replace"))
        if digits is None or len(digits) % 2 or not digits:
            raise _garbled(frame, "a frame that holds no tag UID", _BAUD_HINT)
        if not self.checksum:
            return digits
        data = bytes.fromhex(digits)
        expected = 0
        for byte in data[:-1]:
            expected ^= byte
        if len(data) < 2 or expected != data[-1]:
            raise _garbled(
                frame,
                "a tag UID whose checksum does not match",
                "Hold the tag still in front of the reader and read it again.",
            )
        return digits[:-2]
