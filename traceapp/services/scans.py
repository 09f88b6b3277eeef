"""What a scanned or typed code points at: GS1 labels, RFID tags, bound codes, or lot names."""

from __future__ import annotations

from dataclasses import dataclass

from traceapp.domain.codes import CodeKind, ParsedCode, parse_code
from traceapp.domain.codes.errors import CodeError
from traceapp.domain.errors import InvalidInput, NotFound
from traceapp.domain.lots import clean_code

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
