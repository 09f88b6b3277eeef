"""EPCIS 2.0 events as frozen dataclasses, and their canonical form and hash (import idempotency)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal

from traceapp.domain.errors import InvalidInput
from traceapp.domain.steps import Action, EventType, ItemRole

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_VERSION = "2.0"


class EpcisFormatError(InvalidInput):
    """An EPCIS document field is missing or wrong; `path` is its JSON path ($.epcisBody...)."""

    code = "epcis_format"

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(
            f"{path}: {problem}",
            hint="Fix that field and import the document again; nothing of it was stored.",
        )
        self.path = path
        self.problem = problem


@dataclass(frozen=True, slots=True)
class QuantityElement:
    """A class-level identifier (a lot: LGTIN) with an amount; no uom means a count."""

    epc_class: str
    quantity: Decimal | None = None
    uom: str | None = None


@dataclass(frozen=True, slots=True)
class BizTransaction:
    value: str
    type: str | None = None  # CBV bizTransactionType: po, desadv, inv, ...


@dataclass(frozen=True, slots=True)
class SourceDestination:
    type: str  # owning_party, possessing_party, location
    value: str


@dataclass(frozen=True, slots=True)
class SensorReport:
    """One sensorReport; only the fields this app keeps (the others are dropped on import)."""

    type: str | None = None
    exception: str | None = None
    device_id: str | None = None
    time: datetime | None = None
    value: Decimal | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    mean_value: Decimal | None = None
    s_dev: Decimal | None = None
    perc_rank: Decimal | None = None
    perc_value: Decimal | None = None
    uom: str | None = None
    component: str | None = None
    string_value: str | None = None
    boolean_value: bool | None = None
    uri_value: str | None = None
    microorganism: str | None = None
    chemical_substance: str | None = None


@dataclass(frozen=True, slots=True)
class SensorElement:
    reports: tuple[SensorReport, ...]
    time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    device_id: str | None = None
    device_metadata: str | None = None
    raw_data: str | None = None
    data_processing_method: str | None = None
    biz_rules: str | None = None


@dataclass(frozen=True, slots=True)
class ErrorDeclarationInfo:
    declaration_time: datetime
    reason: str | None = None  # CBV errorReason
    corrective_event_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EpcisEvent:
    """One EPCIS event. `epc_list`/`quantity_list` are the epcList/quantityList of object and
    transaction events and the childEPCs/childQuantityList of aggregation and association events."""

    type: EventType
    event_time: datetime  # aware
    time_zone_offset: str  # "+01:00"
    event_id: str | None = None
    action: Action | None = None
    biz_step: str | None = None
    disposition: str | None = None
    read_point: str | None = None
    biz_location: str | None = None
    parent_id: str | None = None
    epc_list: tuple[str, ...] = ()
    quantity_list: tuple[QuantityElement, ...] = ()
    input_epcs: tuple[str, ...] = ()
    input_quantities: tuple[QuantityElement, ...] = ()
    output_epcs: tuple[str, ...] = ()
    output_quantities: tuple[QuantityElement, ...] = ()
    biz_transactions: tuple[BizTransaction, ...] = ()
    sources: tuple[SourceDestination, ...] = ()
    destinations: tuple[SourceDestination, ...] = ()
    sensor_elements: tuple[SensorElement, ...] = ()
    error_declaration: ErrorDeclarationInfo | None = None

    @property
    def list_role(self) -> ItemRole:
        """The part the objects of `epc_list`/`quantity_list` play."""
        if self.type in (EventType.AGGREGATION, EventType.ASSOCIATION):
            return ItemRole.CHILD
        return ItemRole.OBSERVED

    def identifiers(self) -> tuple[str, ...]:
        """Every object identifier the event names (parent, lists, classes), first seen first."""
        found: list[str] = [self.parent_id] if self.parent_id else []
        for epcs, quantities in (
            (self.epc_list, self.quantity_list),
            (self.input_epcs, self.input_quantities),
            (self.output_epcs, self.output_quantities),
        ):
            found += epcs
            found += [q.epc_class for q in quantities]
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class EpcisDocument:
    events: tuple[EpcisEvent, ...]
    creation_date: datetime
    document_id: str | None = None
    sender: str | None = None
    receiver: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def utc_text(moment: datetime) -> str:
    """An instant as UTC ISO 8601 text with microseconds: one spelling per instant."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def decimal_text(value: Decimal) -> str:
    """One spelling per number (1, 1.0 and 1.000 are the same quantity)."""
    normal = value.normalize()
    return format(normal, "f") if normal == normal.to_integral() else str(normal)


def canonical_form(event: EpcisEvent) -> dict[str, object]:
    """What the event says, independent of spelling and of list order; `event_id` left out.

    Lists whose order carries no meaning (EPCs, quantities, transactions, parties) are sorted;
    times are UTC instants; numbers are normalized decimals.
    """

    def quantities(items: tuple[QuantityElement, ...]) -> list[list[str]]:
        # "" for an absent amount or uom: sortable, and no amount or uom can be spelled "".
        return sorted(
            [q.epc_class, decimal_text(q.quantity) if q.quantity is not None else "", q.uom or ""]
            for q in items
        )

    def parties(items: tuple[SourceDestination, ...]) -> list[list[str]]:
        return sorted([p.type, p.value] for p in items)

    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return utc_text(value)
        if isinstance(value, Decimal):
            return decimal_text(value)
        return value

    sensors = [
        {
            "meta": [
                plain(getattr(element, f.name))
                for f in fields(SensorElement)
                if f.name != "reports"
            ],
            "reports": [
                [plain(getattr(report, f.name)) for f in fields(SensorReport)]
                for report in element.reports
            ],
        }
        for element in event.sensor_elements
    ]
    declaration = event.error_declaration
    return {
        "type": event.type.value,
        "eventTime": utc_text(event.event_time),
        "eventTimeZoneOffset": event.time_zone_offset,
        "action": event.action.value if event.action else None,
        "bizStep": event.biz_step,
        "disposition": event.disposition,
        "readPoint": event.read_point,
        "bizLocation": event.biz_location,
        "parentID": event.parent_id,
        "epcList": sorted(event.epc_list),
        "quantityList": quantities(event.quantity_list),
        "inputEPCList": sorted(event.input_epcs),
        "inputQuantityList": quantities(event.input_quantities),
        "outputEPCList": sorted(event.output_epcs),
        "outputQuantityList": quantities(event.output_quantities),
        "bizTransactionList": sorted([t.type or "", t.value] for t in event.biz_transactions),
        "sourceList": parties(event.sources),
        "destinationList": parties(event.destinations),
        "sensorElementList": sensors,
        "errorDeclaration": None
        if declaration is None
        else {
            "declarationTime": utc_text(declaration.declaration_time),
            "reason": declaration.reason,
            "correctiveEventIDs": sorted(declaration.corrective_event_ids),
        },
    }


def canonical_hash(event: EpcisEvent) -> str:
    """SHA-256 (hex) of the canonical form: equal for the same event however it was spelled.

    This is TraceApp's own canonicalisation, not the GS1 event hash algorithm (CBV 2.0 section
    8.9); it serves to recognise a re-sent event that has no eventID, and to tell a re-sent event
    from a different one under the same eventID.
    """
    text = json.dumps(canonical_form(event), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
