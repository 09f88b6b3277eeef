"""What a label says: the identifiers it encodes and the lines a person reads, checked up front."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from traceapp.domain.codes import CodeError, CodeKind, parse_code
from traceapp.domain.codes.build import DEFAULT_DIGITAL_LINK_DOMAIN, Gs1Data, build_gs1
from traceapp.domain.quantity import Quantity, format_decimal
from traceapp.domain.results import LotSummary
from traceapp.reports.labels.errors import LabelError

# Parts of one text line that may go onto separate lines when the label is narrow ("Part …", "Lot …").
SEGMENT_GAP = "   "
MAX_INTERNAL_CODE_LENGTH = 80  # a QR at 50×25 mm stays readable up to about this many characters
# A fallback code must not read as a GS1 or EPC code: a scanner would file it under a key it is not.
_RESERVED_KINDS = frozenset(
    {CodeKind.GS1_ELEMENT_STRING, CodeKind.GS1_DIGITAL_LINK, CodeKind.EPC_URI, CodeKind.EPC_HEX}
)


class LabelKind(enum.StrEnum):
    LOT = "lot"
    CASE = "case"
    PALLET = "pallet"


class Symbology(enum.StrEnum):
    DATA_MATRIX = "datamatrix"  # GS1 Data Matrix (]d2), or plain (]d1) for internal codes
    QR = "qr"  # a GS1 Digital Link URI, or the plain internal code


@dataclass(frozen=True, slots=True)
class LabelContent:
    """One label: GS1 identifiers when there is a GTIN or SSCC, else a plain internal code.

    `gtin` is the labelled product's GTIN-14. On a case or pallet with an SSCC and a count it
    names the contained items (AI 02 + AI 37); otherwise it is the unit's own GTIN (AI 01).
    `internal_code` is what a product without GTIN carries; it defaults to PART/LOT.
    """

    kind: LabelKind
    part_number: str
    product_name: str = ""
    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    best_before: date | None = None
    serial: str | None = None
    sscc: str | None = None
    net_weight: Quantity | None = None
    count: Quantity | None = None
    lines: tuple[str, ...] = ()
    internal_code: str | None = None
    gs1: Gs1Data | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if not self.part_number.strip():
            raise LabelError(
                "The label has no part number.", hint="Give the product's part number."
            )
        if self.kind is LabelKind.LOT and self.sscc is not None:
            raise LabelError(
                "An SSCC names a case or pallet, not a lot.",
                hint="Print a case or pallet label for the SSCC.",
            )
        if self.gtin is not None or self.sscc is not None:
            object.__setattr__(self, "gs1", self._build_gs1())
            return
        code = self.internal_code
        if code is None:
            if self.lot is None:
                raise LabelError(
                    f"Part {self.part_number} has no GTIN, and the label has no lot or internal code.",
                    hint="Give the GTIN, the lot, or an internal code for the label.",
                )
            code = f"{self.part_number}/{self.lot}"
        object.__setattr__(self, "internal_code", _checked_internal_code(code))

    @classmethod
    def for_lot(
        cls,
        lot: LotSummary,
        *,
        gtin: str | None = None,
        quantity: Quantity | None = None,
        lines: tuple[str, ...] = (),
    ) -> LabelContent:
        """A lot label from the lot's summary; `quantity` (default: on hand) goes in as weight or count."""
        amount = lot.on_hand if quantity is None else quantity
        is_count = amount.dimension == "count"
        if amount.dimension not in ("mass", "count"):  # GS1 labels carry no volume AI here
            lines = (f"Qty {amount}", *lines)
        return cls(
            kind=LabelKind.LOT,
            part_number=lot.part_number,
            product_name=lot.product_name,
            gtin=gtin,
            lot=lot.lot_code,
            expiry=lot.expiry,
            net_weight=amount if amount.dimension == "mass" else None,
            count=amount if is_count else None,
            lines=lines,
        )

    @property
    def is_gs1(self) -> bool:
        return self.gs1 is not None

    def payload(self, symbology: Symbology, domain: str = DEFAULT_DIGITAL_LINK_DOMAIN) -> str:
        """What a scanner transmits for this label's symbol (after any AIM symbology identifier)."""
        if self.gs1 is None:
            assert self.internal_code is not None  # set in __post_init__
            return self.internal_code
        if symbology is Symbology.QR:
            return self.gs1.digital_link(domain)
        return self.gs1.element_string

    def text_lines(self, *, compact: bool = False) -> tuple[str, ...]:
        """The human-readable lines after the title: part, lot, amounts, dates, extra lines.

        `compact` leaves out what the GS1 HRI already shows (lot, serial, amounts, dates), for
        labels too small for both.
        """
        if compact and self.gs1 is not None:
            return (f"Part {self.part_number}", *(line for line in self.lines if line.strip()))
        lines = [f"Part {self.part_number}" + (f"{SEGMENT_GAP}Lot {self.lot}" if self.lot else "")]
        if self.serial:
            lines.append(f"Serial {self.serial}")
        amounts = []
        if self.net_weight is not None:
            amounts.append(f"Net {self.net_weight}")
        if self.count is not None:
            amounts.append(f"Qty {format_decimal(self.count.value)}")
        if amounts:
            lines.append(SEGMENT_GAP.join(amounts))
        dates = []
        if self.expiry is not None:
            dates.append(f"Exp {self.expiry.isoformat()}")
        if self.best_before is not None:
            dates.append(f"Best before {self.best_before.isoformat()}")
        if dates:
            lines.append(SEGMENT_GAP.join(dates))
        lines.extend(line for line in self.lines if line.strip())
        return tuple(lines)

    def title(self) -> str:
        name = self.product_name.strip() or self.part_number
        return f"{self.kind.value.upper()}{SEGMENT_GAP}{name}"

    def hri(self) -> str:
        """GS1 human-readable interpretation, elements split by SEGMENT_GAP; or the internal code."""
        if self.gs1 is not None:
            return SEGMENT_GAP.join(self.gs1.hri())
        assert self.internal_code is not None
        return self.internal_code

    def _build_gs1(self) -> Gs1Data:
        count = _whole_count(self.count) if self.count is not None else None
        # A logistic unit holding counted trade items names them with AI 02 + 37 (GS1 logistic
        # label); a unit that is itself the trade item carries AI 01.
        contents = self.sscc is not None and count is not None and self.gtin is not None
        return build_gs1(
            sscc=self.sscc,
            gtin=None if contents else self.gtin,
            content_gtin=self.gtin if contents else None,
            lot=self.lot,
            serial=self.serial,
            expiry=self.expiry,
            best_before=self.best_before,
            net_weight=self.net_weight,
            count=count,
        )


def _whole_count(count: Quantity) -> int:
    if count.dimension != "count" or count.value != count.value.to_integral_value():
        raise LabelError(
            f"The count {count} is not a whole number of items.",
            hint="Give the count in ea (pieces), or the amount as net weight.",
        )
    return int(count.value)


def _checked_internal_code(code: str) -> str:
    if not code or len(code) > MAX_INTERNAL_CODE_LENGTH or not code.isprintable():
        raise LabelError(
            f"The internal code {code!r} must be 1 to {MAX_INTERNAL_CODE_LENGTH} printable"
            " characters.",
            hint="Use the PART/LOT form, e.g. P-100/L2024-117.",
        )
    try:
        kind = parse_code(code).kind
    except CodeError:
        kind = None  # it is not a valid code of any kind, so it cannot be mistaken for one
    if kind in _RESERVED_KINDS:
        raise LabelError(
            f"The internal code {code!r} reads as a {kind} and would be mistaken for it.",
            hint="Give the product's GTIN for a GS1 label, or use the PART/LOT form.",
        )
    return code
