"""Compose GS1 data for labels: checked fields to element strings, bracketed HRI and Digital Link URIs.

biip renders (GS1Message, GS1DigitalLinkURI.from_element_strings); this module adds what it leaves
to its caller: typed values in (dates, a weight as a Quantity, a count), a refusal with a typed
error that says what to fix for every value GS1 does not allow, the AI pairing rules a label must
keep, and an element order that our own reader (parser.py, rule R2 in gs1.py) reads back
unambiguously.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from biip import EncodeError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementStrings
from biip.gs1_messages import GS1Message

from traceapp.domain.codes import epc, gs1
from traceapp.domain.codes.errors import AmbiguousElementString, BadCheckDigit, CodeError
from traceapp.domain.codes.parser import COMPANY_PREFIX_LENGTHS
from traceapp.domain.errors import InvalidInput
from traceapp.domain.quantity import Quantity

DEFAULT_DIGITAL_LINK_DOMAIN = "id.gs1.org"
# GS1 AI encodable character set 82 (General Specifications, figure 7.11-1): what AI 10 and 21 allow.
CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*", re.ASCII)
MAX_LOT_LENGTH = 20  # AI 10 is X..20
MAX_SERIAL_LENGTH = 20  # AI 21 is X..20
MAX_COUNT = 99_999_999  # AI 30 and AI 37 are N..8
WEIGHT_DIGITS = 6  # AI 310n is N6 with n implied decimals
MAX_WEIGHT_DECIMALS = 5  # n runs from 0 to 5
_DOMAIN = re.compile(r"[A-Za-z0-9.-]+(:[0-9]+)?", re.ASCII)
_FIX_MASTER_DATA = "Correct it in the product master data (or the container record)."


class InvalidGs1Field(InvalidInput):
    """A value that cannot go into its GS1 field (wrong characters, too long, out of range)."""

    code = "invalid_gs1_field"


class ConflictingGs1Fields(InvalidInput):
    """GS1 fields that may not appear together, or one that needs another (e.g. AI 37 needs 02)."""

    code = "conflicting_gs1_fields"


@dataclass(frozen=True, slots=True)
class Gs1Data:
    """Checked GS1 fields in label order; renders as element string, HRI or Digital Link."""

    elements: tuple[tuple[str, str], ...]  # (AI, value) in the order they are encoded

    @property
    def element_string(self) -> str:
        """The raw data as a scanner transmits it: GS after each variable field that is not last.

        FNC1 in first position is not part of it; symbols signal it (]d2, ]Q3, ]C1).
        """
        return GS1Message.from_element_strings(self._biip()).value

    @property
    def bracketed(self) -> str:
        """The human-readable interpretation in one line: "(01)09506000134352(10)ABC"."""
        return "".join(f"({ai}){value}" for ai, value in self.elements)

    def hri(self) -> tuple[str, ...]:
        """One printable line per element, as GS1 spaces them: "(01) 09506000134352"."""
        return tuple(f"({ai}) {value}" for ai, value in self.elements)

    def value(self, ai: str) -> str | None:
        return next((value for key, value in self.elements if key == ai), None)

    def digital_link(self, domain: str = DEFAULT_DIGITAL_LINK_DOMAIN) -> str:
        """A GS1 Digital Link URI on `domain`; values are percent-encoded as the standard asks."""
        if not _DOMAIN.fullmatch(domain):
            raise InvalidGs1Field(
                f"{domain!r} is not a host name for a Digital Link.",
                hint=f"Give a bare host such as {DEFAULT_DIGITAL_LINK_DOMAIN}, without https://.",
            )
        try:
            uri = GS1DigitalLinkURI.from_element_strings(self._biip())
        except EncodeError:
            raise ConflictingGs1Fields(
                "A GS1 Digital Link has exactly one primary key, but these fields hold "
                + ", ".join(f"({ai})" for ai, _ in self.elements if ai in ("00", "01"))
                + ".",
                hint="Print this label as GS1 Data Matrix, or give the count of contained items so"
                " the GTIN travels as AI 02.",
            ) from None
        return uri.as_uri(domain=domain)

    def epc_uri(self, company_prefix_length: int) -> str | None:
        """The EPC pure-identity URI of the SSCC, or of GTIN + serial; None when neither is there.

        The company prefix length comes from master data: it cannot be read off the number.
        """
        if company_prefix_length not in COMPANY_PREFIX_LENGTHS:
            raise InvalidGs1Field(
                f"A GS1 company prefix has 6 to 12 digits, not {company_prefix_length}.",
                hint="Fix the company prefix length in the product master data.",
            )
        sscc, gtin, serial = self.value("00"), self.value("01"), self.value("21")
        if sscc is not None:
            return epc.sscc_identity(sscc, company_prefix_length).pure_uri
        if gtin is not None and serial is not None:
            return epc.sgtin_from_gtin(gtin, serial, company_prefix_length).pure_uri
        return None

    def _biip(self) -> GS1ElementStrings:
        return GS1ElementStrings(gs1.parse_one(ai, value) for ai, value in self.elements)


def build_gs1(
    *,
    sscc: str | None = None,
    gtin: str | None = None,
    content_gtin: str | None = None,
    lot: str | None = None,
    serial: str | None = None,
    expiry: date | None = None,
    best_before: date | None = None,
    net_weight: Quantity | None = None,
    count: int | None = None,
) -> Gs1Data:
    """Check label fields and put them in GS1 order: keys, fixed-length fields, variable ones.

    `gtin` is AI 01 (the labelled item is a trade item); `content_gtin` is AI 02 (the GTIN of the
    trade items inside a logistic unit), which GS1 pairs with the count in AI 37. A count without
    `content_gtin` goes into AI 30.
    """
    _check_pairing(sscc, gtin, content_gtin, lot, serial, expiry, best_before, net_weight, count)
    fixed: list[tuple[str, str]] = []
    variable: list[tuple[str, str]] = []
    if sscc is not None:
        fixed.append(("00", _checked_key(sscc, 18, "SSCC")))
    if gtin is not None:
        fixed.append(("01", _checked_key(gtin, 14, "GTIN")))
    if content_gtin is not None:
        fixed.append(("02", _checked_key(content_gtin, 14, "GTIN of the contents")))
    if best_before is not None:
        fixed.append(("15", _yymmdd(best_before)))
    if expiry is not None:
        fixed.append(("17", _yymmdd(expiry)))
    if net_weight is not None:
        fixed.append(_net_weight(net_weight))
    if lot is not None:
        variable.append(("10", _cset82(lot, MAX_LOT_LENGTH, "lot code")))
    if serial is not None:
        variable.append(("21", _cset82(serial, MAX_SERIAL_LENGTH, "serial number")))
    if count is not None:
        variable.append(("37" if content_gtin is not None else "30", _count(count)))
    return _readable_order(fixed, variable)


def _check_pairing(
    sscc: str | None,
    gtin: str | None,
    content_gtin: str | None,
    lot: str | None,
    serial: str | None,
    expiry: date | None,
    best_before: date | None,
    net_weight: Quantity | None,
    count: int | None,
) -> None:
    """The GS1 General Specifications' pairing rules (4.13) that label fields can break."""
    if gtin is not None and content_gtin is not None:
        raise ConflictingGs1Fields(
            "AI 01 (GTIN of the item) and AI 02 (GTIN of its contents) cannot both be on a label.",
            hint="Use AI 01 when the unit is itself a trade item, AI 02 with a count otherwise.",
        )
    if content_gtin is not None and (sscc is None or count is None):
        raise ConflictingGs1Fields(
            "AI 02 (GTIN of contained items) needs an SSCC (AI 00) and a count (AI 37).",
            hint="Give the container's SSCC and the number of items inside it.",
        )
    if serial is not None and gtin is None:
        raise ConflictingGs1Fields(
            "A serial number (AI 21) names one unit of a GTIN, but the label has no AI 01.",
            hint="Give the unit's GTIN, or leave the serial off.",
        )
    attributes = {
        "lot (AI 10)": lot,
        "expiry (AI 17)": expiry,
        "best-before date (AI 15)": best_before,
        "net weight (AI 310n)": net_weight,
        "count (AI 30/37)": count,
    }
    given = [name for name, value in attributes.items() if value is not None]
    if given and gtin is None and content_gtin is None:
        raise ConflictingGs1Fields(
            f"GS1 only allows {', '.join(given)} together with a GTIN (AI 01 or 02).",
            hint="Give the product's GTIN, or print these as text only.",
        )
    if sscc is None and gtin is None:
        raise ConflictingGs1Fields(
            "A GS1 label needs a key: an SSCC (AI 00) or a GTIN (AI 01).",
            hint="Give the GTIN from the product master data, or use an internal code label.",
        )


def _checked_key(digits: str, length: int, name: str) -> str:
    if len(digits) != length or not digits.isascii() or not digits.isdigit():
        raise InvalidGs1Field(
            f"The {name} must be {length} digits; got {digits!r}.",
            hint=f"Pad a shorter GTIN with leading zeros to {length} digits. {_FIX_MASTER_DATA}"
            if length == 14
            else _FIX_MASTER_DATA,
        )
    expected = gs1_standard_check_digit(digits[:-1])
    if str(expected) != digits[-1]:
        raise BadCheckDigit(
            f"The {name} {digits} ends in check digit {digits[-1]}, but its digits give {expected}.",
            hint=_FIX_MASTER_DATA,
        )
    return digits


def _cset82(value: str, max_length: int, name: str) -> str:
    if not value or len(value) > max_length:
        raise InvalidGs1Field(
            f"A GS1 {name} has 1 to {max_length} characters; {value!r} has {len(value)}.",
            hint=f"Use a shorter {name}, or print the label without GS1 data.",
        )
    if not CSET82.fullmatch(value):
        bad = sorted({char for char in value if not CSET82.fullmatch(char)})
        raise InvalidGs1Field(
            f"The {name} {value!r} contains {', '.join(repr(char) for char in bad)}, which GS1"
            " does not allow.",
            hint="GS1 allows A-Z, a-z, 0-9 and ! \" % & ' ( ) * + , - . / : ; < = > ? _ only (no"
            f" spaces, no accents); rename the {name}.",
        )
    return value


def _yymmdd(day: date) -> str:
    # GS1 dates carry two year digits and are read within -49/+50 years of today (7.12); label
    # dates are never that far off, so the formatting cannot be misread.
    return day.strftime("%y%m%d")


def _net_weight(weight: Quantity) -> tuple[str, str]:
    """AI 310n in kg with the fewest decimals n (0-5) that hold the value exactly."""
    if not weight.convertible_to("kg"):
        raise InvalidGs1Field(
            f"The net weight {weight} is not a mass.",
            hint="Give the net weight in kg, g or lb, or give a count instead.",
        )
    kilograms = weight.to("kg").value
    if kilograms <= 0:
        raise InvalidGs1Field(f"The net weight {weight} must be positive.")
    for decimals in range(MAX_WEIGHT_DECIMALS + 1):
        scaled = kilograms * (Decimal(10) ** decimals)
        if scaled == scaled.to_integral_value():
            digits = str(int(scaled))
            if len(digits) > WEIGHT_DIGITS:
                break
            return f"310{decimals}", digits.zfill(WEIGHT_DIGITS)
    raise InvalidGs1Field(
        f"The net weight {weight} does not fit AI 310n (six digits, at most five decimals in kg).",
        hint="Round the weight, e.g. to grams, or give it per smaller unit.",
    )


def _count(count: int) -> str:
    if isinstance(count, bool) or not 0 < count <= MAX_COUNT:
        raise InvalidGs1Field(
            f"A GS1 count is 1 to {MAX_COUNT}; got {count!r}.",
            hint="Give the number of items as a whole, positive number.",
        )
    return str(count)


def _readable_order(fixed: list[tuple[str, str]], variable: list[tuple[str, str]]) -> Gs1Data:
    """Fixed fields first saves separators (GS1 7.8.6), unless our reader would then see a guess.

    With one variable field last and no GS anywhere, a reader cannot tell a lost separator from a
    lot that ends in field-like digits ("X17261231"); gs1.py refuses such payloads (rule R2).
    Moving the variable field before a fixed one puts a GS after it, which removes the doubt.
    """
    data = Gs1Data(tuple(fixed + variable))
    try:
        gs1.parse_raw(data.element_string)
    except AmbiguousElementString:
        data = Gs1Data(tuple(fixed[:-1] + variable + fixed[-1:]))
    except CodeError as exc:  # every value was checked above, so biip refusing one is our bug
        raise AssertionError(f"GS1 data built from checked fields is invalid: {exc}") from exc
    return data
