"""What a scanned or typed code points at: GS1 labels, RFID tags, bound codes, or lot names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from traceapp.domain.codes import CodeKind, ParsedCode, parse_code
from traceapp.domain.codes.errors import CodeError
from traceapp.domain.errors import AmbiguousCode, InvalidInput, NotFound
from traceapp.domain.lots import LotReference, clean_code

# Payloads that name their own structure: a lot or container is looked up by the fields inside.
STRUCTURED = frozenset(
    {CodeKind.GS1_ELEMENT_STRING, CodeKind.GS1_DIGITAL_LINK, CodeKind.EPC_HEX, CodeKind.EPC_URI}
)


@dataclass(frozen=True, slots=True)
class ScanReading:
    """A code read once: its parsed fields, the plain text to look up, and keys for bindings."""

    raw: str
    parsed: ParsedCode | None
    text: str | None  # the code as a plain lot/container name; None for structured payloads
    error: CodeError | None  # why the parser refused it (shown when nothing else matches)

    @property
    def binding_keys(self) -> tuple[str, ...]:
        keys = [self.raw]
        if self.parsed is not None:
            keys += [key for key in (self.parsed.rfid_uid, self.parsed.epc_uri) if key]
        return tuple(dict.fromkeys(keys))

    @property
    def structured(self) -> bool:
        return self.parsed is not None and self.parsed.kind in STRUCTURED

    def refuse_if_unreadable(self) -> None:
        """A payload that looked like a label but failed to parse: say why, not 'unknown'."""
        if self.error is not None:
            raise self.error


def read_scan(code: str) -> ScanReading:
    raw = code.strip()
    if not raw:
        raise InvalidInput("The code is empty.", hint="Scan or type a code.")
    try:
        parsed: ParsedCode | None = parse_code(raw)
        error = None
    except CodeError as exc:
        parsed, error = None, exc
    if parsed is not None and parsed.kind in STRUCTURED:
        return ScanReading(raw, parsed, None, None)
    bare = raw
    if parsed is not None and parsed.symbology and raw.startswith(parsed.symbology):
        # A scanner set to send AIM identifiers prefixes plain codes too ("]Q1PAL-7").
        bare = raw[len(parsed.symbology) :]
    try:
        text = clean_code(bare)
    except InvalidInput:
        if error is not None:
            raise error from None
        raise
    return ScanReading(raw, parsed, text, error)


def lot_key(parsed: ParsedCode) -> tuple[str, str] | None:
    """(GTIN, lot) when the label names a lot of a product."""
    if parsed.gtin and parsed.lot:
        return parsed.gtin, parsed.lot
    return None


def product_without_lot(parsed: ParsedCode) -> InvalidInput:
    return InvalidInput(
        f"The label carries GTIN {parsed.gtin} but no lot number.",
        hint="Scan the label that carries the lot (AI 10), or type PART/LOT.",
    )


def unknown_gtin(gtin: str) -> NotFound:
    return NotFound(
        f"No product has GTIN {gtin}.", hint="Add the GTIN to the product's master data."
    )


# --- what a code names: one set of rules over look-ups of either kind ---------------------------
# The app looks codes up through the ORM (`recording`, entities it goes on to change); a trace
# through the driver's cursor (`db.trace_start`, a fifth of the time: a pallet's backward trace
# spent a third of its time resolving the pallet's code). Both follow the rules below.

LotT = TypeVar("LotT")
ContainerT = TypeVar("ContainerT")
ContainerT_co = TypeVar("ContainerT_co", covariant=True)


# What an active code binding names: (lot id, container id), one of the two or neither (a
# serial unit). A plain pair, so that a look-up of any layer can give it.
BoundTo = tuple[Any, Any]


class CodeLookups(Protocol[LotT, ContainerT_co]):
    """The look-ups the rules need; lots and containers are whatever the caller works with."""

    def binding(self, keys: Sequence[str]) -> BoundTo | None:
        """What the first of `keys` with an active binding is bound to."""
        ...

    def lot(self, lot_id: Any) -> LotT: ...

    def part_by_gtin(self, gtin: str) -> str | None: ...

    def lots_by_code(self, lot_code: str, part_number: str | None) -> Sequence[LotT]:
        """By part number, then lot code: the first is the one a name picks."""
        ...

    def lot_name(self, lot: LotT) -> str: ...

    def container(self, container_id: Any) -> ContainerT_co | None: ...

    def container_by_code(self, code: str) -> ContainerT_co | None: ...


def lot_named(
    lookups: CodeLookups[LotT, Any], reading: ScanReading, binding: BoundTo | None
) -> LotT | None:
    """The lot a reading names: its binding's, a GS1 label's (GTIN + lot), PART/LOTCODE, or a
    bare lot code (refused when several products have it)."""
    if binding is not None:
        lot_id, _ = binding
        return lookups.lot(lot_id) if lot_id is not None else None
    if reading.structured:
        assert reading.parsed is not None
        key = lot_key(reading.parsed)
        if key is None:
            if reading.parsed.gtin and not reading.parsed.sscc:
                raise product_without_lot(reading.parsed)
            return None  # an SSCC or a serial: not a lot
        part_number = lookups.part_by_gtin(key[0])
        if part_number is None:
            raise unknown_gtin(key[0])
        rows = lookups.lots_by_code(key[1], part_number)
        return rows[0] if rows else None
    assert reading.text is not None
    return _lot_by_name(lookups, reading.text)


def _lot_by_name(lookups: CodeLookups[LotT, Any], text: str) -> LotT | None:
    reference = LotReference.parse(text)
    rows = lookups.lots_by_code(reference.lot_code, reference.part_number)
    if reference.part_number is None and len(rows) > 1:
        raise AmbiguousCode(text, [lookups.lot_name(row) for row in rows])
    if rows:
        return rows[0]
    if reference.part_number is not None:
        # A lot code may itself contain a slash; try it whole as a bare code.
        rows = lookups.lots_by_code(text, None)
        if len(rows) > 1:
            raise AmbiguousCode(text, [lookups.lot_name(row) for row in rows])
        if rows:
            return rows[0]
    return None


def container_named(
    lookups: CodeLookups[Any, ContainerT], reading: ScanReading, binding: BoundTo | None
) -> ContainerT | None:
    """The container a reading names: its binding's, an SSCC label's, or its own code's."""
    if binding is not None:
        _, container_id = binding
        return lookups.container(container_id) if container_id else None
    if reading.structured:
        assert reading.parsed is not None
        sscc = reading.parsed.sscc
        return lookups.container_by_code(sscc) if sscc else None
    assert reading.text is not None
    return lookups.container_by_code(reading.text)


def lot_or_container_named(
    lookups: CodeLookups[LotT, ContainerT], reading: ScanReading
) -> LotT | ContainerT | None:
    """The lot a reading names, else the container, its binding looked up once."""
    binding = lookups.binding(reading.binding_keys)
    found = lot_named(lookups, reading, binding)
    return found if found is not None else container_named(lookups, reading, binding)
