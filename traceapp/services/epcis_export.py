"""EPCIS export: our event, item and genealogy rows (and imported events' own rows) as EPCIS events.

Nothing is replayed from stored source JSON: each field comes from a column. Our events carry
the step table's CBV words; imported ones the words and identifiers they arrived with.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from traceapp.db import epcis as rows_db
from traceapp.db.models import Event, EventItem, Location
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.codes.epc import sgtin_from_gtin
from traceapp.domain.epcis import (
    BizTransaction,
    EpcisDocument,
    EpcisEvent,
    ErrorDeclarationInfo,
    QuantityElement,
    SensorElement,
    SensorReport,
    SourceDestination,
)
from traceapp.domain.epcis_identifiers import (
    DEFAULT_PLANT_DOMAIN,
    IdentifierSettings,
    IdentifierStyle,
    uom_of,
)
from traceapp.domain.errors import InvalidInput
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.quantity import SCALE
from traceapp.domain.steps import Action, EventType, HandlingStep, ItemRole
from traceapp.domain.timeutil import join_instant, split_instant
from traceapp.services.recording import require_lot

# Plant settings (plant_meta keys) an export reads when the caller does not override them.
STYLE_KEY = "epcis.identifiers"  # epc | digital_link
DOMAIN_KEY = "plant.domain"  # e.g. plant.example.com
PREFIX_KEY = "gs1.company_prefix_length"  # the plant's own prefix, for its SSCCs and GLNs

# The business transaction our reference document stands for, per step.
REFERENCE_TYPE = {HandlingStep.RECEIVE.value: "po", HandlingStep.SHIP.value: "desadv"}

# Sensor channel quantities (as the recorder names them) -> EPCIS measurement types.
MEASUREMENT_TYPES = {
    "temp": "Temperature",
    "temperature": "Temperature",
    "pressure": "Pressure",
    "humidity": "RelativeHumidity",
    "relative_humidity": "RelativeHumidity",
    "speed": "AngularVelocity",
    "rpm": "AngularVelocity",
    "mass": "Mass",
    "weight": "Mass",
    "flow": "VolumeFlowRate",
    "voltage": "Voltage",
    "current": "ElectricCurrent",
    "power": "Power",
    "length": "Length",
    "time": "Time",
}
# Sensor units -> UN/CEFACT codes.
SENSOR_UOMS = {
    "degC": "CEL",
    "°C": "CEL",
    "C": "CEL",
    "degF": "FAH",
    "K": "KEL",
    "bar": "BAR",
    "mbar": "MBR",
    "Pa": "PAL",
    "kPa": "KPA",
    "%RH": "P1",
    "%": "P1",
    "rpm": "RPM",
    "kg": "KGM",
    "g": "GRM",
    "V": "VLT",
    "A": "AMP",
    "W": "WTT",
    "kW": "KWT",
    "mm": "MMT",
    "m": "MTR",
    "s": "SEC",
    "l/min": "L2",
}


def plant_settings(
    uow: UnitOfWork,
    *,
    style: IdentifierStyle | str | None = None,
    plant_domain: str | None = None,
) -> IdentifierSettings:
    """The plant's identifier settings (plant_meta), each overridable by the caller."""
    repo = Repository(uow.session)
    chosen = style or repo.meta(STYLE_KEY) or IdentifierStyle.EPC.value
    try:
        style_value = IdentifierStyle(chosen)
    except ValueError:
        raise InvalidInput(
            f"{chosen!r} is not an identifier style.", hint="Use epc or digital_link."
        ) from None
    prefix = repo.meta(PREFIX_KEY)
    return IdentifierSettings(
        style=style_value,
        plant_domain=plant_domain or repo.meta(DOMAIN_KEY) or DEFAULT_PLANT_DOMAIN,
        company_prefix_length=int(prefix) if prefix and prefix.isdigit() else None,
    )


def may_export(actor: Actor) -> None:
    require(actor.role, UseCase.EXPORT, username=actor.username)


def export_document(
    uow: UnitOfWork,
    *,
    actor: Actor,
    settings: IdentifierSettings,
    since: datetime | None = None,
    until: datetime | None = None,
    lot: str | None = None,
) -> EpcisDocument:
    """Every event with since <= time < until (of one lot if given) as one EPCIS document."""
    may_export(actor)
    for moment in (since, until):
        if moment is not None:
            split_instant(moment)  # refuses a time without an offset
    if since is not None and until is not None and until <= since:
        raise InvalidInput("--to is not after --from.", hint="Swap them.")
    lot_id = require_lot(Repository(uow.session), lot).lot.id if lot else None
    events = rows_db.events_in(uow.session, since=since, until=until, lot_id=lot_id)
    return EpcisDocument(
        events=tuple(epcis_events(uow, events, settings)),
        creation_date=datetime.now(UTC).replace(microsecond=0),
    )


def epcis_events(
    uow: UnitOfWork, events: list[Event], settings: IdentifierSettings
) -> list[EpcisEvent]:
    """The EPCIS form of stored events, in the order given."""
    out: list[EpcisEvent] = []
    for start in range(0, len(events), rows_db.BATCH):
        batch = events[start : start + rows_db.BATCH]
        rows = rows_db.event_rows(uow.session, batch)
        out += [_Builder(uow, rows, settings).event(event) for event in batch]
    return out


def offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


class _Builder:
    """Turns one batch of rows into events; identifiers spelled per the settings."""

    def __init__(
        self, uow: UnitOfWork, rows: rows_db.EventRows, settings: IdentifierSettings
    ) -> None:
        self.uow = uow
        self.rows = rows
        self.settings = settings

    def event(self, event: Event) -> EpcisEvent:
        kind = EventType(event.event_type)
        imported = event.id in self.rows.details
        lists: dict[ItemRole, tuple[list[str], list[QuantityElement]]] = {
            role: ([], []) for role in ItemRole
        }
        parent: str | None = None
        for item in self.rows.items[event.id]:
            role = ItemRole(item.role)
            identifier, quantity = self._object(item, imported=imported)
            if role is ItemRole.PARENT:
                parent = identifier
            elif quantity is not None:
                lists[role][1].append(quantity)
            else:
                lists[role][0].append(identifier)
        listed = (
            ItemRole.CHILD
            if kind in (EventType.AGGREGATION, EventType.ASSOCIATION)
            else (ItemRole.OBSERVED)
        )
        epcs, quantities = lists[listed]
        detail = self.rows.details.get(event.id)
        return EpcisEvent(
            type=kind,
            event_time=join_instant(event.event_time, event.event_tz_offset_minutes),
            time_zone_offset=offset_text(event.event_tz_offset_minutes),
            event_id=event.external_event_id or f"urn:uuid:{event.id}",
            action=Action(event.action) if event.action else None,
            biz_step=event.biz_step or None,
            disposition=event.disposition or None,
            read_point=detail.read_point if detail else self._read_point(event),
            biz_location=detail.biz_location if detail else self._biz_location(event),
            parent_id=parent,
            epc_list=tuple(dict.fromkeys(epcs)),
            quantity_list=tuple(quantities),
            input_epcs=tuple(dict.fromkeys(lists[ItemRole.INPUT][0])),
            input_quantities=tuple(lists[ItemRole.INPUT][1]),
            output_epcs=tuple(dict.fromkeys(lists[ItemRole.OUTPUT][0])),
            output_quantities=tuple(lists[ItemRole.OUTPUT][1]),
            biz_transactions=self._transactions(event, imported=imported),
            sources=self._parties(event, "source", imported=imported),
            destinations=self._parties(event, "destination", imported=imported),
            sensor_elements=self._sensors(event, imported=imported),
            error_declaration=self._declaration(event),
        )

    # --- objects --------------------------------------------------------------------------

    def _object(self, item: EventItem, *, imported: bool) -> tuple[str, QuantityElement | None]:
        """(identifier, quantity element or None for an instance in an EPC list)."""
        if imported and item.external_ref is not None:
            # An imported quantity element always has a unit (a count's is "ea").
            if item.unit is None:
                return item.external_ref, None
            return item.external_ref, QuantityElement(
                item.external_ref, item.quantity, uom_of(item.unit)
            )
        if item.container_id is not None:
            container = self.rows.containers[item.container_id]
            return self.settings.container(code=container.code, sscc=container.sscc), None
        if item.unit_id is not None:
            return self._serial(item.unit_id), None
        if item.lot_id is not None:
            lot = self.rows.lots[item.lot_id]
            product = self.rows.products[lot.product_id]
            identifier = self.settings.lot_class(
                part_number=product.part_number,
                lot_code=lot.lot_code,
                gtin=product.gtin,
                prefix_length=product.company_prefix_length,
            )
            return identifier, QuantityElement(identifier, item.quantity, uom_of(item.unit))
        if item.external_ref is not None:
            return item.external_ref, None
        raise AssertionError(f"event item {item.id} names no object")  # a CHECK forbids it

    def _serial(self, unit_id: uuid.UUID) -> str:
        unit = self.rows.units[unit_id]
        lot = self.rows.lots[unit.lot_id]
        product = self.rows.products[lot.product_id]
        if product.gtin is None:
            return self.settings.plant_uri("unit", product.part_number, lot.lot_code, unit.serial)
        if self.settings.style is IdentifierStyle.EPC and product.company_prefix_length is not None:
            return sgtin_from_gtin(
                product.gtin, unit.serial, product.company_prefix_length
            ).pure_uri
        return f"https://id.gs1.org/01/{product.gtin}/21/{unit.serial}"

    def _place(self, location_id: uuid.UUID | None) -> str | None:
        if location_id is None or location_id not in self.rows.locations:
            return None
        place: Location = self.rows.locations[location_id]
        return self.settings.location(code=place.code, gln=place.gln)

    def _read_point(self, event: Event) -> str | None:
        return self._place(event.station_id) or self._place(event.equipment_id)

    def _biz_location(self, event: Event) -> str | None:
        """The area or site the station belongs to (where the goods are afterwards)."""
        station = self.rows.locations.get(event.station_id) if event.station_id else None
        return self._place(station.parent_id) if station is not None else None

    # --- business context -------------------------------------------------------------------

    def _transactions(self, event: Event, *, imported: bool) -> tuple[BizTransaction, ...]:
        if imported:
            return tuple(
                BizTransaction(row.value, row.type) for row in self.rows.transactions[event.id]
            )
        if event.reference_document is None:
            return ()
        kind = REFERENCE_TYPE.get(event.step)
        return (
            BizTransaction(
                self.settings.plant_uri(kind or "document", event.reference_document), kind
            ),
        )

    def _parties(
        self, event: Event, direction: str, *, imported: bool
    ) -> tuple[SourceDestination, ...]:
        if imported:
            return tuple(
                SourceDestination(row.type, row.value)
                for row in self.rows.sources[event.id]
                if row.direction == direction
            )
        party = self.rows.parties.get(event.party_id) if event.party_id else None
        if party is None:
            return ()
        # Goods come from the supplier on receipt and go to the customer on shipment.
        wanted = {"receive": "source", "ship": "destination"}.get(event.step)
        if wanted != direction:
            return ()
        return (
            SourceDestination("owning_party", self.settings.party(code=party.code, gln=party.gln)),
        )

    def _declaration(self, event: Event) -> ErrorDeclarationInfo | None:
        declaration = self.rows.declarations.get(event.id)
        if declaration is None:
            return None
        corrective = list(self.rows.corrective.get(event.id, []))
        if declaration.corrective_event_id is not None:
            external = self.rows.external_ids.get(declaration.corrective_event_id)
            corrective.append(external or f"urn:uuid:{declaration.corrective_event_id}")
        return ErrorDeclarationInfo(
            declaration_time=declaration.declaration_time,
            reason=declaration.reason or None,
            corrective_event_ids=tuple(corrective),
        )

    # --- sensors ------------------------------------------------------------------------------

    def _sensors(self, event: Event, *, imported: bool) -> tuple[SensorElement, ...]:
        if imported:
            return tuple(
                SensorElement(
                    reports=tuple(_report(report) for report in reports),
                    time=element.time,
                    start_time=element.start_time,
                    end_time=element.end_time,
                    device_id=element.device_id,
                    device_metadata=element.device_metadata,
                    raw_data=element.raw_data,
                    data_processing_method=element.data_processing_method,
                    biz_rules=element.biz_rules,
                )
                for element, reports in self.rows.sensors[event.id]
            )
        equipment = self.rows.locations.get(event.equipment_id) if event.equipment_id else None
        if equipment is None:
            return ()
        # As the lot's residence on the equipment: a step without start or end stands for the
        # instant it was recorded at.
        start, end = sorted(
            (event.started_at or event.event_time, event.ended_at or event.event_time)
        )
        stats = rows_db.channel_stats(self.uow.session, equipment, start, end)
        if not stats:
            return ()
        reports = tuple(
            SensorReport(
                type=MEASUREMENT_TYPES.get(
                    s.channel.quantity.lower(),
                    self.settings.plant_uri("measurement", s.channel.quantity),
                ),
                device_id=self.settings.plant_uri(
                    "sensor", s.channel.site, s.channel.equipment, s.channel.name
                ),
                min_value=_decimal(s.minimum),
                max_value=_decimal(s.maximum),
                mean_value=_decimal(s.mean),
                uom=SENSOR_UOMS.get(s.channel.unit),
            )
            for s in stats
        )
        return (
            SensorElement(
                reports=reports,
                start_time=start,
                end_time=end,
                device_id=self.settings.plant_uri("equipment", equipment.code),
            ),
        )


def _decimal(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(SCALE)


def _report(row: object) -> SensorReport:
    names = SensorReport.__dataclass_fields__
    return SensorReport(**{name: getattr(row, name) for name in names})
