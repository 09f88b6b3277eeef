"""EPC identities per the GS1 EPC Tag Data Standard: SGTIN-96, SGTIN-198, SSCC-96 and their URIs.

Decodes tag memory (hex) and EPC URIs into an `EpcIdentity`, and builds one from a GTIN + serial or
an SSCC when the company prefix length is known. The company prefix length cannot be derived from
a GTIN or SSCC (it is whatever GS1 assigned), so nothing here ever guesses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from biip.checksums import gs1_standard_check_digit

from traceapp.domain.codes.errors import (
    EpcHeaderError,
    MalformedEpc,
    TruncatedEpc,
)

# Partition tables (TDS tables 14-2 and 14-5): partition value -> (company prefix bits, digits).
# The rest of the 44 (SGTIN) or 58 (SSCC) bits holds the item or serial reference.
_PREFIX_PARTITIONS = ((40, 12), (37, 11), (34, 10), (30, 9), (27, 8), (24, 7), (20, 6))
_SGTIN_KEY_BITS, _SGTIN_KEY_DIGITS = 44, 13  # company prefix + indicator/item reference
_SSCC_KEY_BITS, _SSCC_KEY_DIGITS = 58, 17  # company prefix + extension/serial reference
_SGTIN96_SERIAL_BITS = 38
_SGTIN198_SERIAL_CHARS = 20  # seven bits each
# EPC header byte -> (tag scheme, hex digits of tag memory that hold it). SGTIN-198 is 198 bits;
# readers return whole 16-bit words, so 208 bits (52 hex digits), some trim to 200 bits (50).
SUPPORTED_HEADERS = {
    0x30: ("sgtin-96", (24,)),
    0x31: ("sscc-96", (24,)),
    0x36: ("sgtin-198", (52, 50)),
}
# Other headers of the TDS, named so that the error says what the tag is.
_OTHER_HEADERS = {
    0x2C: "GDTI-96",
    0x2D: "GSRN-96",
    0x2E: "GSRNP-96",
    0x2F: "USDOD-96",
    0x32: "SGLN-96",
    0x33: "GRAI-96",
    0x34: "GIAI-96",
    0x35: "GID-96",
    0x37: "GIAI-202",
    0x38: "GRAI-170",
    0x39: "SGLN-195",
    0x3A: "ADI-var",
    0x3B: "CPI-96",
    0x3C: "CPI-var",
    0x3D: "SGCN-96",
    0x3E: "GDTI-174",
}
EPC_HEADERS = frozenset(SUPPORTED_HEADERS) | frozenset(_OTHER_HEADERS)
# GS1 AI encodable character set 82, which SGTIN serials use.
_SERIAL_CHARS = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}", re.ASCII)
# Characters an EPC URI must percent-escape in a serial (TDS section 5.3).
_URI_ESCAPES = {char: f"%{ord(char):02X}" for char in '"%&/<>?'}
_ESCAPED = re.compile(r"(?:[^%]|%[0-9A-Fa-f]{2})*", re.ASCII)
_PURE_URI = re.compile(r"urn:epc:id:(sgtin|sscc):([0-9]+)\.([0-9]+)(?:\.(.+))?", re.ASCII)
_TAG_URI = re.compile(
    r"urn:epc:tag:(sgtin-96|sgtin-198|sscc-96):([0-7])\.([0-9]+)\.([0-9]+)(?:\.(.+))?", re.ASCII
)
_EPC_HINT = "Reread the tag; if it repeats, the tag is badly encoded: set it aside and report it."


@dataclass(frozen=True, slots=True)
class EpcIdentity:
    """An SGTIN or SSCC as EPC fields; `tag_scheme` and `filter` are known only from tag data."""

    scheme: str  # "sgtin" or "sscc"
    company_prefix: str
    reference: str  # indicator digit + item reference, or extension digit + serial reference
    serial: str | None = None  # SGTIN only
    tag_scheme: str | None = None  # "sgtin-96", "sgtin-198", "sscc-96"
    filter: int | None = None

    @property
    def pure_uri(self) -> str:
        fields = [self.company_prefix, self.reference]
        if self.serial is not None:
            fields.append(escape_serial(self.serial))
        return f"urn:epc:id:{self.scheme}:{'.'.join(fields)}"

    @property
    def tag_uri(self) -> str | None:
        if self.tag_scheme is None or self.filter is None:
            return None
        return f"urn:epc:tag:{self.tag_scheme}:{self.filter}.{self.pure_uri.split(':', 4)[4]}"

    @property
    def gtin(self) -> str | None:
        if self.scheme != "sgtin":
            return None
        return _with_check_digit(self.reference[0] + self.company_prefix + self.reference[1:])

    @property
    def sscc(self) -> str | None:
        if self.scheme != "sscc":
            return None
        return _with_check_digit(self.reference[0] + self.company_prefix + self.reference[1:])


def decode_hex(hex_digits: str) -> EpcIdentity:
    """Decode EPC memory given as hex digits (upper or lower case, no separators)."""
    header = int(hex_digits[:2], 16)
    if header not in SUPPORTED_HEADERS:
        name = _OTHER_HEADERS.get(header, "no EPC scheme")
        raise EpcHeaderError(
            f"The tag's EPC header is 0x{header:02X} ({name}); this app reads SGTIN-96 (0x30),"
            " SSCC-96 (0x31) and SGTIN-198 (0x36).",
            hint="Bind the tag to the item with its UID instead, or have it re-encoded.",
        )
    tag_scheme, lengths = SUPPORTED_HEADERS[header]
    if len(hex_digits) not in lengths:
        problem = "cut short" if len(hex_digits) < lengths[0] else "longer than its scheme"
        raise TruncatedEpc(
            f"The {tag_scheme.upper()} tag data is {problem}: {len(hex_digits)} hex digits,"
            f" expected {lengths[0]}.",
            hint="Reread the tag. If the reader adds the PC word or CRC, set it to report the EPC"
            " only.",
        )
    bits = _Bits(int(hex_digits, 16), len(hex_digits) * 4)
    bits.take(8)  # the header, checked above
    filter_value = bits.take(3)
    if tag_scheme == "sscc-96":
        prefix, reference = _partitioned(bits, _SSCC_KEY_BITS, _SSCC_KEY_DIGITS, tag_scheme)
        # The remaining 24 bits are unallocated in SSCC-96; decoders ignore them (TDS 14.5.2).
        return EpcIdentity("sscc", prefix, reference, None, tag_scheme, filter_value)
    prefix, reference = _partitioned(bits, _SGTIN_KEY_BITS, _SGTIN_KEY_DIGITS, tag_scheme)
    if tag_scheme == "sgtin-96":
        serial = str(bits.take(_SGTIN96_SERIAL_BITS))
    else:
        serial = _seven_bit_serial(bits)
    return EpcIdentity("sgtin", prefix, reference, serial, tag_scheme, filter_value)


def parse_uri(text: str) -> EpcIdentity:
    """Read an EPC pure-identity URI (urn:epc:id:…) or tag URI (urn:epc:tag:…)."""
    # "urn:epc:" is case-insensitive (RFC 8141); the rest of the URI is not.
    lowered = text[:8].lower() + text[8:]
    if match := _PURE_URI.fullmatch(lowered):
        scheme, prefix, reference, serial = match.groups()
        return _identity(scheme, prefix, reference, serial, text, None, None)
    if match := _TAG_URI.fullmatch(lowered):
        tag_scheme, filter_text, prefix, reference, serial = match.groups()
        identity = _identity(
            tag_scheme.split("-")[0], prefix, reference, serial, text, tag_scheme, int(filter_text)
        )
        if tag_scheme == "sgtin-96" and not _fits_sgtin96(identity.serial or ""):
            raise MalformedEpc(
                f"SGTIN-96 serial {identity.serial!r} in {text!r} must be digits without leading"
                f" zeros, below 2^{_SGTIN96_SERIAL_BITS}.",
                hint="Use an SGTIN-198 tag URI for other serials.",
            )
        return identity
    kind = text[8:].split(":", 2)
    scheme = ":".join(kind[:2])
    raise MalformedEpc(
        f"{text[:80]!r} is not an EPC URI this app reads (scheme {scheme!r}).",
        hint="Expected e.g. urn:epc:id:sgtin:0614141.812345.6789 or urn:epc:id:sscc:0614141"
        ".1234567890, with the company prefix and reference together 13 (SGTIN) or 17 (SSCC)"
        " digits.",
    )


def sgtin_from_gtin(gtin: str, serial: str, company_prefix_length: int) -> EpcIdentity:
    """The SGTIN of a GTIN-14 and serial, given how many digits GS1 assigned as company prefix."""
    prefix = gtin[1 : 1 + company_prefix_length]
    return EpcIdentity("sgtin", prefix, gtin[0] + gtin[1 + company_prefix_length : 13], serial)


def sscc_identity(sscc: str, company_prefix_length: int) -> EpcIdentity:
    """The SSCC EPC of an 18-digit SSCC, given the company prefix length."""
    prefix = sscc[1 : 1 + company_prefix_length]
    return EpcIdentity("sscc", prefix, sscc[0] + sscc[1 + company_prefix_length : 17])


def escape_serial(serial: str) -> str:
    return "".join(_URI_ESCAPES.get(char, char) for char in serial)


def _identity(
    scheme: str,
    prefix: str,
    reference: str,
    serial: str | None,
    text: str,
    tag_scheme: str | None,
    filter_value: int | None,
) -> EpcIdentity:
    key_digits = _SGTIN_KEY_DIGITS if scheme == "sgtin" else _SSCC_KEY_DIGITS
    if not 6 <= len(prefix) <= 12 or len(prefix) + len(reference) != key_digits:
        raise MalformedEpc(
            f"In {text!r} the company prefix ({len(prefix)} digits) and reference"
            f" ({len(reference)} digits) must together have {key_digits} digits, with a 6 to 12"
            " digit prefix.",
            hint=_EPC_HINT,
        )
    if scheme == "sscc":
        if serial is not None:
            raise MalformedEpc(f"An SSCC EPC URI has no serial part: {text!r}.", hint=_EPC_HINT)
        return EpcIdentity(scheme, prefix, reference, None, tag_scheme, filter_value)
    if serial is None:
        raise MalformedEpc(f"The SGTIN EPC URI {text!r} has no serial.", hint=_EPC_HINT)
    if not _ESCAPED.fullmatch(serial):
        raise MalformedEpc(
            f"The serial {serial!r} in {text!r} has a '%' that is not an escape like %2F.",
            hint=_EPC_HINT,
        )
    unescaped = unquote(serial)  # invalid UTF-8 becomes U+FFFD, which _check_serial refuses
    _check_serial(unescaped, text)
    return EpcIdentity(scheme, prefix, reference, unescaped, tag_scheme, filter_value)


def _check_serial(serial: str, source: str) -> None:
    if not _SERIAL_CHARS.fullmatch(serial):
        raise MalformedEpc(
            f"The serial {serial!r} in {source!r} is not 1-20 characters of the GS1 character set.",
            hint=_EPC_HINT,
        )


def _fits_sgtin96(serial: str) -> bool:
    return (
        serial.isascii()
        and serial.isdigit()
        and (serial == "0" or not serial.startswith("0"))
        and int(serial) < 2**_SGTIN96_SERIAL_BITS
    )


class _Bits:
    """Reads big-endian bit fields from tag memory, left to right."""

    def __init__(self, value: int, width: int) -> None:
        self._value = value
        self._left = width

    def take(self, count: int) -> int:
        self._left -= count
        return (self._value >> self._left) & ((1 << count) - 1)


def _partitioned(bits: _Bits, key_bits: int, key_digits: int, tag_scheme: str) -> tuple[str, str]:
    partition = bits.take(3)
    if partition >= len(_PREFIX_PARTITIONS):
        raise MalformedEpc(
            f"The {tag_scheme.upper()} partition value is {partition}; only 0-6 exist.",
            hint=_EPC_HINT,
        )
    prefix_bits, prefix_digits = _PREFIX_PARTITIONS[partition]
    reference_bits, reference_digits = key_bits - prefix_bits, key_digits - prefix_digits
    prefix, reference = bits.take(prefix_bits), bits.take(reference_bits)
    if prefix >= 10**prefix_digits or reference >= 10**reference_digits:
        raise MalformedEpc(
            f"The {tag_scheme.upper()} company prefix or reference is too large for partition"
            f" {partition} ({prefix_digits} and {reference_digits} digits).",
            hint=_EPC_HINT,
        )
    return str(prefix).zfill(prefix_digits), str(reference).zfill(reference_digits)


def _seven_bit_serial(bits: _Bits) -> str:
    """SGTIN-198 serial: up to 20 seven-bit ASCII characters, padded with zero characters."""
    codes = [bits.take(7) for _ in range(_SGTIN198_SERIAL_CHARS)]
    length = codes.index(0) if 0 in codes else len(codes)
    if any(codes[length:]):
        raise MalformedEpc(
            "The SGTIN-198 serial has characters after its end (a zero character).",
            hint=_EPC_HINT,
        )
    serial = "".join(chr(code) for code in codes[:length])
    _check_serial(serial, "the tag")
    return serial


def _with_check_digit(digits: str) -> str:
    return digits + str(gs1_standard_check_digit(digits))
