"""A recall drill's result: what was suspect, what it reached, and the hash a signature binds."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from traceapp.domain.quantity import Quantity
from traceapp.domain.trace import ProcessedLot, Rows, TraceResult

RECORD_TYPE = "recall"  # the record type a recall's signature names
# How `canonical_json` writes values, named in the text itself ("canonical_format"). 1 (no
# field, until 2026-12-01): decimals as Python's str, which wrote a normalized 600 as "6E+2".
# 2: decimals in plain notation without trailing zeros ("600", "0.25"). A signature binds the
# SHA-256 of the text as written: a saved JSON file is checked by hashing its bytes, never by
# writing it again, so the files and signatures of format 1 check as they always did.
CANONICAL_FORMAT = 2


class RecallIncomplete(ValueError):
    """A drill result was hashed, printed or signed before its events were read (a bug in the
    caller, not something a person typed)."""


class SuspectKind(enum.StrEnum):
    LOT = "lot"
    SUPPLIER_LOT = "supplier_lot"
    EQUIPMENT = "equipment"


class CteKind(enum.StrEnum):
    """The FSMA 204 critical tracking events a factory records."""

    RECEIVING = "receiving"
    TRANSFORMATION = "transformation"
    SHIPPING = "shipping"


@dataclass(frozen=True, slots=True)
class Suspect:
    """What the recall started from, as the person named it."""

    kind: SuspectKind
    code: str
    since: datetime | None = None  # equipment window
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class StockOnSite:
    """An affected lot that still has stock here, and where it is."""

    lot: str  # PART/LOT
    product_name: str
    status: str
    location: str | None
    on_hand: Quantity


@dataclass(frozen=True, slots=True)
class CriticalTrackingEvent:
    """One row of the FSMA 204 sortable spreadsheet: a CTE of one traceability lot, with its key
    data elements. Transformation rows are one per input lot (`input_*`) of an output lot."""

    cte: CteKind
    event_id: str
    occurred_at: datetime  # with the station's offset
    tlc: str  # traceability lot code as PART/LOT
    gtin: str | None
    batch: str  # the lot code alone
    product_description: str
    quantity: Decimal | None
    unit: str | None
    location: str | None  # where received / transformed / shipped from
    location_gln: str | None
    counterparty: str | None  # immediate previous source (receiving) or subsequent recipient
    counterparty_gln: str | None
    tlc_source_reference: str | None  # who assigned the TLC: the supplier, or this site
    reference_document: str | None
    input_tlc: str | None = None
    input_product: str | None = None
    input_quantity: Decimal | None = None
    input_unit: str | None = None


@dataclass(frozen=True, slots=True)
class RecallTotals:
    lots: int  # affected lots (the forward trace, the suspect lots included)
    shipped: Quantity | None  # of the suspect material, on the shipments it reached
    shipped_upper_bound: bool  # some share could not be computed: `shipped` is a ceiling
    customers: int
    shipments: int
    lots_on_site: int


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One column of a printed chart: the lowest and highest reading in it."""

    time_us: int
    low: Decimal
    high: Decimal


@dataclass(frozen=True, slots=True)
class RecallExcursion:
    """A sensor excursion outside the specification while an affected lot was made (on its
    equipment) or in transit (a logger on its shipment), with the chart of that residence."""

    lot: str  # PART/LOT
    place: str  # equipment code, or "in transit: shipment REF"
    residence_since: datetime
    residence_until: datetime
    channel: str  # EQUIPMENT/CHANNEL
    unit: str
    start: datetime
    end: datetime
    still_open: bool
    worst: Decimal
    limit: Decimal | None
    lsl: Decimal | None
    usl: Decimal | None
    description: str
    chart: tuple[ChartPoint, ...] = ()
    # The channel's recorded silences in the chart's window (start, end; None: still silent):
    # the printed line breaks there. Hashed with the chart, as it is printed.
    gaps: tuple[tuple[int, int | None], ...] = ()


@dataclass(frozen=True, slots=True)
class RecallResult:
    recall_id: str
    reason: str
    suspects: tuple[Suspect, ...]
    run_by: str
    run_at: datetime
    drill_ms: float
    forward: TraceResult
    backward: TraceResult
    on_site: tuple[StockOnSite, ...]
    totals: RecallTotals
    # The FSMA 204 events of the affected lots; None while only the drill has run (its result
    # is on screen first, the events are read after it: services.recall.gather_details).
    events: tuple[CriticalTrackingEvent, ...] | None
    # Sensor excursions during the affected lots' production and transit (issue 8): the hash
    # binds them, so the printed charts are the ones signed. None: not read yet, as `events`.
    excursions: tuple[RecallExcursion, ...] | None = ()
    # An equipment recall: the lots of the steps on it in the window, what they made and took.
    processed: tuple[ProcessedLot, ...] = ()

    @property
    def complete(self) -> bool:
        """The events and excursions are read: the result may be hashed, signed and printed."""
        return self.events is not None and self.excursions is not None

    def details(self) -> tuple[tuple[CriticalTrackingEvent, ...], tuple[RecallExcursion, ...]]:
        """The events and the excursions; a drill result without them is refused."""
        if self.events is None or self.excursions is None:
            raise RecallIncomplete(
                f"The recall {self.recall_id} has no FSMA 204 events yet: gather them "
                "(services.recall.gather_details) before its report, spreadsheet or signature."
            )
        return self.events, self.excursions

    def as_plain(self) -> dict[str, object]:
        """The result as JSON types: decimals as strings, times ISO 8601 with their offset.
        Only of a complete result: the hash binds the events and excursions."""
        self.details()
        plain = _plain(self)
        assert isinstance(plain, dict)
        return plain

    def canonical_json(self) -> str:
        """Sorted keys, no whitespace: the same result always gives the same text."""
        plain = self.as_plain()
        plain["canonical_format"] = CANONICAL_FORMAT
        return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def sha256(self) -> str:
        """The hash of `canonical_json()`: what a sign-off and the printed report bind."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


def new_recall_id(moment: datetime) -> str:
    """RC-2026-11-30-7F3A: the day it ran and four random hex digits, made where it runs."""
    return f"RC-{moment:%Y-%m-%d}-{secrets.token_hex(2).upper()}"


def plain_decimal(value: Decimal) -> str:
    """A decimal in plain notation, without trailing zeros: 600 (not 6E+2), 0.25, 0 (not -0).
    Quick for the usual case (no exponent): a large recall writes ~100,000 of them."""
    text = str(value)
    if "E" in text:
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _plain(value: object) -> object:
    # Dispatch on the exact type first: a large recall has ~1,000,000 values to convert.
    kind = type(value)
    if kind is str or value is None or kind is int or kind is bool:
        return value
    if kind is Decimal:
        return plain_decimal(value)  # type: ignore[arg-type]
    fields = _FIELDS.get(kind)
    if fields is not None:
        return {name: _plain(getattr(value, name)) for name in fields}
    if kind is tuple or kind is list:
        return [_plain(item) for item in value]  # type: ignore[attr-defined]
    return _plain_other(value)


_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain_other(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float):
        return f"{value:.1f}"  # durations in ms: a tenth is all a person reads
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"time without an offset in a recall result: {value!r}")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Quantity):
        return {"unit": value.unit, "value": plain_decimal(value.value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
        return _plain(value)
    if isinstance(value, Rows):  # a trace's sequence whose objects are made when read
        return [_plain(item) for item in value]
    raise TypeError(f"no JSON form for {type(value).__name__}")
