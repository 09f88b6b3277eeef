"""Framing of serial streams and what barcode and RFID readers put in a frame."""

from __future__ import annotations

import pytest

from traceapp.devices.input import (
    BarcodeLines,
    EpcHexLines,
    GarbledData,
    LineFramer,
    SourceKind,
    Terminator,
    UidStxEtx,
)
from traceapp.devices.input.framing import MAX_FRAME_BYTES

EPC = "3034257BF7194E4000001A85"  # an SGTIN-96


@pytest.mark.parametrize(
    ("terminator", "stream"),
    [
        (Terminator.CR, b"A-1\rB-2\r"),
        (Terminator.LF, b"A-1\nB-2\n"),
        (Terminator.CRLF, b"A-1\r\nB-2\r\n"),
        (Terminator.ETX, b"A-1\x03B-2\x03"),
        (Terminator.ANY_EOL, b"A-1\r\nB-2\n"),
        (Terminator.ANY_EOL, b"A-1\rB-2\r"),
    ],
)
def test_each_terminator_splits_reads(terminator: Terminator, stream: bytes) -> None:
    assert LineFramer(terminator).feed(stream) == [b"A-1", b"B-2"]


def test_a_read_split_across_chunks_is_joined() -> None:
    framer = LineFramer(Terminator.CRLF)
    assert framer.feed(b"LOT-") == []
    assert framer.feed(b"12") == []
    assert framer.feed(b"34\r") == []
    assert framer.feed(b"\nLOT-5") == [b"LOT-1234"]


def test_crlf_split_between_chunks_makes_no_empty_read() -> None:
    framer = LineFramer(Terminator.ANY_EOL)
    assert framer.feed(b"LOT-1\r") == [b"LOT-1"]
    assert framer.feed(b"\nLOT-2\r\n") == [b"LOT-2"]


def test_noise_around_a_read_is_trimmed() -> None:
    assert LineFramer().feed(b"\x00\x00LOT-1 \xff\r") == [b"LOT-1"]


def test_an_endless_frame_is_dropped_and_reading_goes_on() -> None:
    framer = LineFramer()
    assert framer.feed(b"9" * (MAX_FRAME_BYTES + 1)) == []
    assert framer.dropped == MAX_FRAME_BYTES + 1
    assert framer.feed(b"LOT-1\r") == [b"LOT-1"]


def test_bytes_outside_stx_frames_are_dropped() -> None:
    framer = LineFramer(Terminator.ETX, prefix=b"\x02")
    assert framer.feed(b"junk\x02AB12\x03noise\x03\x02CD34\x03") == [b"AB12", b"CD34"]
    assert framer.dropped == len(b"junk") + len(b"noise")


def test_barcode_lines_keep_gs_and_aim_identifiers() -> None:
    protocol = BarcodeLines()
    assert protocol.kind is SourceKind.SERIAL
    assert protocol.payload(b"]d20109506000134352\x1d21S1") == "]d20109506000134352\x1d21S1"


def test_barcode_lines_in_another_encoding() -> None:
    assert BarcodeLines(encoding="latin-1").payload(b"CH\xc4RGE-1") == "CHÄRGE-1"


def test_bytes_that_are_no_text_are_garbled() -> None:
    with pytest.raises(GarbledData, match="baud rate"):
        BarcodeLines().payload(b"\xfe\xfa\x81")


@pytest.mark.parametrize(
    "line",
    [
        EPC.encode(),
        EPC.lower().encode(),
        b"EPC: " + EPC.encode(),
        b"TAG=" + EPC.encode() + b",ANT1,-61",
        b"30 34 25 7B F7 19 4E 40 00 00 1A 85",
        b"30:34:25:7B:F7:19:4E:40:00:00:1A:85\t-55dBm",
    ],
)
def test_epc_lines_in_the_forms_readers_print(line: bytes) -> None:
    protocol = EpcHexLines()
    assert protocol.kind is SourceKind.RFID
    assert protocol.payload(line) == EPC


@pytest.mark.parametrize("line", [b"NO TAG", b"3034257", b"READER READY v1.2"])
def test_lines_without_an_epc_are_garbled(line: bytes) -> None:
    with pytest.raises(GarbledData, match="EPC"):
        EpcHexLines().payload(line)


def _with_checksum(uid: str) -> bytes:
    data = bytes.fromhex(uid)
    check = 0
    for byte in data:
        check ^= byte
    return (uid + f"{check:02X}").encode()


def test_uid_frames_with_a_good_checksum() -> None:
    protocol = UidStxEtx(checksum=True)
    [frame] = protocol.framer().feed(b"\x02" + _with_checksum("04A224B2C37080") + b"\r\n\x03")
    assert protocol.payload(frame) == "04A224B2C37080"


def test_uid_frames_with_a_bad_checksum_are_garbled() -> None:
    with pytest.raises(GarbledData, match="checksum"):
        UidStxEtx(checksum=True).payload(b"04A224B2C3708000")


def test_uid_frames_without_checksum() -> None:
    assert UidStxEtx().payload(b"e0:04:01:50:12:34:56:78") == "E004015012345678"
