"""EPCIS import: a partner's events become events, items and genealogy in our own tables.

One document is one transaction: a refused document stores nothing. An event already here (same
eventID, or the same canonical hash where it has none) is skipped as a duplicate; the same
eventID with other content is a conflict, reported and not applied. Identifiers that name
nothing of ours become external objects (with a lot of origin "imported" when they carry a GTIN,
so the genealogy and `traceapp trace` reach them; a container for an SSCC).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import unquote

from sqlalchemy.exc import IntegrityError, OperationalError

from traceapp.db import epcis as rows_db
from traceapp.db.audit_log import lock_head
from traceapp.db.models import (
    CodeBinding,
    Container,
    ContainerContent,
    EpcisBizTransaction,
    EpcisCorrectiveEvent,
    EpcisEventDetail,
    EpcisSensorElement,
    EpcisSensorReport,
    EpcisSourceDestination,
    ErrorDeclaration,
    Event,
    EventItem,
    ExternalObject,
    Lot,
    LotEdge,
    Product,
)
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.epcis import (
    EpcisDocument,
    EpcisEvent,
    EpcisFormatError,
    QuantityElement,
    canonical_hash,
)
from traceapp.domain.epcis_identifiers import (
    COUNT_UNIT,
    IdentifierFacts,
    IdentifierSettings,
    ObjectKind,
    identify,
    unit_of,
)
from traceapp.domain.errors import InvalidInput, StorageError, StorageUnavailable
from traceapp.domain.ids import new_uuid
from traceapp.domain.lots import LotOrigin, LotStatus, ProductKind
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.quantity import SCALE, normalize_unit
from traceapp.domain.steps import Action, EventType, HandlingStep, ItemRole
from traceapp.domain.timeutil import split_instant
from traceapp.services.epcis_export import epcis_events

MAX_LOT_CODE = 80
MAX_PART = 40
# Lots an event names, per role: (lot id, amount, unit).
_Lots = dict[ItemRole, list[tuple[uuid.UUID, Decimal | None, str | None]]]


@dataclass(frozen=True, slots=True)
class EventConflict:
    """An eventID already recorded with other content: reported, never applied."""

    event_id: str
    path: str  # JSON path of the event in its document
    message: str


@dataclass(frozen=True, slots=True)
class DocumentImport:
    """What one document added: events, external objects, duplicates skipped, conflicts."""

    name: str
    events: int
    objects: int
    duplicates: int
    conflicts: tuple[EventConflict, ...]


def may_import(actor: Actor) -> None:
    """Import writes events (a floor use case) and may add products (master data)."""
    require(actor.role, UseCase.RECEIVE, username=actor.username)
    require(actor.role, UseCase.MANAGE_MASTER_DATA, username=actor.username)


def import_document(
    uow: UnitOfWork,
    *,
    actor: Actor,
    document: EpcisDocument,
    name: str,
    settings: IdentifierSettings,
    events_path: str = "$.epcisBody.eventList",
) -> DocumentImport:
    """Store the document's new events in one transaction (all or nothing) and commit."""
    may_import(actor)
    uow.acting(actor, reason=f"EPCIS import of {name}")
    try:
        lock_head(uow.session)
        result = _Importer(uow, actor, settings, name).run(document, events_path)
        uow.commit()
    except IntegrityError as exc:
        uow.rollback()
        raise StorageError(
            f"The database refused the document {name}: {exc.orig}",
            hint="Nothing of it was stored. Check the document; if it looks right, report this.",
        ) from exc
    except OperationalError as exc:
        uow.rollback()
        raise StorageUnavailable(
            f"The database could not store the document {name}: {exc.orig}",
            hint="Nothing of it was stored. Try again.",
        ) from exc
    return result


_PLANT_PATH = re.compile(r"https://([^/]+)/(lot|container)/([^/]+)(?:/([^/]+))?")


class _Importer:
    def __init__(
        self, uow: UnitOfWork, actor: Actor, settings: IdentifierSettings, name: str
    ) -> None:
        self.uow = uow
        self.session = uow.session
        self.repo = Repository(uow.session)
        self.actor = actor
        self.settings = settings
        self.name = name
        self.objects = 0
        self.now = datetime.now(UTC)
        # What this document made or found, not yet flushed: identifier -> (lot, container);
        # product by part number and by GTIN; lot by (product, lot code).
        self.resolved: dict[str, tuple[uuid.UUID | None, uuid.UUID | None]] = {}
        self.products: dict[str, Product] = {}
        self.lots_made: dict[tuple[uuid.UUID, str], uuid.UUID] = {}

    def run(self, document: EpcisDocument, events_path: str) -> DocumentImport:
        added = duplicates = 0
        conflicts: list[EventConflict] = []
        for index, event in enumerate(document.events):
            path = f"{events_path}[{index}]"
            digest = canonical_hash(event)
            existing = self._existing(event, digest)
            if existing is not None:
                same, stored = existing
                if same:
                    duplicates += 1
                else:
                    conflicts.append(
                        EventConflict(
                            event.event_id or digest,
                            path,
                            f"Event {event.event_id} is already recorded (as {stored}) with other"
                            " content; this version was not applied.",
                        )
                    )
                continue
            self._store(event, digest, path)
            added += 1
        return DocumentImport(self.name, added, self.objects, duplicates, tuple(conflicts))

    def _existing(self, event: EpcisEvent, digest: str) -> tuple[bool, str] | None:
        """(same content?, what it is stored as) for an event already here, else None."""
        if event.event_id is None:
            found = rows_db.imported_by_hash(self.session, digest)
            return (True, str(found.id)) if found is not None else None
        stored = rows_db.event_by_external_id(self.session, event.event_id)
        if stored is not None:
            detail = rows_db.detail_of(self.session, stored.id)
            if detail is not None:
                return detail.content_hash == digest, str(stored.id)
            return self._same_as_ours(stored, digest), str(stored.id)
        own = _own_uuid(event.event_id)
        if own is not None:
            mine = self.repo.event(own)
            if mine is not None:
                return self._same_as_ours(mine, digest), f"our event {mine.id}"
        return None

    def _same_as_ours(self, event: Event, digest: str) -> bool:
        """Our own event sent back to us: compared with its export under the current settings."""
        ours = epcis_events(self.uow, [event], self.settings)[0]
        return canonical_hash(ours) == digest

    # --- storing one event --------------------------------------------------------------------

    def _store(self, event: EpcisEvent, digest: str, path: str) -> None:
        instant, _ = split_instant(event.event_time)
        # The event's own offset field, not the one its time happens to be written in.
        offset_minutes = _offset_minutes(event.time_zone_offset)
        row = Event(
            id=new_uuid(),
            external_event_id=event.event_id,
            step=HandlingStep.IMPORTED.value,
            event_type=event.type.value,
            action=event.action.value if event.action else None,
            biz_step=event.biz_step or "",
            disposition=event.disposition or "",
            event_time=instant,
            event_tz_offset_minutes=offset_minutes,
            recorded_at=self.now,
            user_id=self.actor.user_id,
            reason=f"EPCIS import of {self.name}",
        )
        self.session.add(row)
        # Without relationship()s the unit of work does not order inserts by foreign key, and
        # SQLite checks them at once: a row goes in before the rows that point at it.
        self.session.flush()
        self.session.add(
            EpcisEventDetail(
                event_id=row.id,
                content_hash=digest,
                read_point=event.read_point,
                biz_location=event.biz_location,
            )
        )
        self._context(event, row)
        lots, children = self._items(event, row)
        if event.error_declaration is None:
            self._genealogy(event, row, lots, children, path)
        self.session.flush()

    def _context(self, event: EpcisEvent, row: Event) -> None:
        for position, transaction in enumerate(event.biz_transactions):
            self.session.add(
                EpcisBizTransaction(
                    event_id=row.id,
                    position=position,
                    type=transaction.type,
                    value=transaction.value,
                )
            )
        for direction, parties in (("source", event.sources), ("destination", event.destinations)):
            for position, party in enumerate(parties):
                self.session.add(
                    EpcisSourceDestination(
                        event_id=row.id,
                        direction=direction,
                        position=position,
                        type=party.type,
                        value=party.value,
                    )
                )
        for position, element in enumerate(event.sensor_elements):
            stored = EpcisSensorElement(
                event_id=row.id,
                position=position,
                time=element.time,
                start_time=element.start_time,
                end_time=element.end_time,
                device_id=element.device_id,
                device_metadata=element.device_metadata,
                raw_data=element.raw_data,
                data_processing_method=element.data_processing_method,
                biz_rules=element.biz_rules,
            )
            self.session.add(stored)
            self.session.flush()
            for number, report in enumerate(element.reports):
                values = {name: getattr(report, name) for name in type(report).__dataclass_fields__}
                self.session.add(EpcisSensorReport(element_id=stored.id, position=number, **values))
        declaration = event.error_declaration
        if declaration is not None:
            self.session.add(
                ErrorDeclaration(
                    id=new_uuid(),
                    event_id=row.id,
                    declaration_time=declaration.declaration_time,
                    reason=declaration.reason or "",
                    comment=f"Declared in EPCIS document {self.name}",
                    user_id=self.actor.user_id,
                )
            )
            for position, ref in enumerate(declaration.corrective_event_ids):
                self.session.add(
                    EpcisCorrectiveEvent(
                        declared_event_id=row.id, position=position, corrective_event_ref=ref
                    )
                )

    def _items(self, event: EpcisEvent, row: Event) -> tuple[_Lots, list[uuid.UUID]]:
        """Write the event items; returns the lots per role and the child containers."""
        lots: _Lots = {role: [] for role in ItemRole}
        children: list[uuid.UUID] = []
        entries: list[tuple[ItemRole, str, QuantityElement | None]] = []
        if event.parent_id is not None:
            entries.append((ItemRole.PARENT, event.parent_id, None))
        for role, epcs, quantities in (
            (event.list_role, event.epc_list, event.quantity_list),
            (ItemRole.INPUT, event.input_epcs, event.input_quantities),
            (ItemRole.OUTPUT, event.output_epcs, event.output_quantities),
        ):
            entries += [(role, epc, None) for epc in epcs]
            entries += [(role, q.epc_class, q) for q in quantities]
        for role, identifier, element in entries:
            lot_id, container_id = self._resolve(identifier, element, row)
            # A quantity element always keeps a unit ("ea" for a count): that is how the export
            # tells it from an EPC of an instance.
            unit = None if element is None else unit_of(element.uom)
            amount = element.quantity if element is not None else None
            self.session.add(
                EventItem(
                    event_id=row.id,
                    role=role.value,
                    lot_id=lot_id,
                    container_id=container_id,
                    quantity=amount.quantize(SCALE) if amount is not None else None,
                    unit=unit,
                    external_ref=identifier,
                )
            )
            if lot_id is not None:
                lots[role].append((lot_id, amount, unit))
            elif container_id is not None and role is ItemRole.CHILD:
                children.append(container_id)
        return lots, children

    def _genealogy(
        self,
        event: EpcisEvent,
        row: Event,
        lots: _Lots,
        child_containers: list[uuid.UUID],
        path: str,
    ) -> None:
        # Earlier events of the document are flushed: the queries below see their edges and
        # contents (this event's own rows do not matter to them).
        if event.type is EventType.TRANSFORMATION:
            inputs, outputs = lots[ItemRole.INPUT], lots[ItemRole.OUTPUT]
            output_ids = {lot_id for lot_id, _, _ in outputs}
            looped = output_ids & (
                self.repo.ancestors([lot_id for lot_id, _, _ in inputs])
                | {lot_id for lot_id, _, _ in inputs}
            )
            if looped:
                raise EpcisFormatError(
                    path,
                    "an output of this transformation is already upstream of its inputs (or is"
                    " one of them): the genealogy would go round in a circle",
                )
            for parent_id, amount, unit in inputs:
                for child_id, _, _ in outputs:
                    self.session.add(
                        LotEdge(
                            id=new_uuid(),
                            parent_lot_id=parent_id,
                            child_lot_id=child_id,
                            # Each output may have taken all of an input: an upper bound.
                            quantity=amount.quantize(SCALE) if amount is not None else None,
                            unit=unit if amount is not None else None,
                            event_id=row.id,
                        )
                    )
        elif event.type is EventType.AGGREGATION and event.parent_id is not None:
            parent = self.resolved.get(event.parent_id, (None, None))[1]
            if parent is None:
                return  # the parent is no container of ours: nothing to pack into
            children = [(lot_id, amount, unit) for lot_id, amount, unit in lots[ItemRole.CHILD]]
            if event.action is Action.ADD:
                for lot_id, amount, unit in children:
                    self.session.add(
                        ContainerContent(
                            id=new_uuid(),
                            container_id=parent,
                            lot_id=lot_id,
                            quantity=amount.quantize(SCALE) if amount is not None else None,
                            unit=unit if amount is not None else None,
                            packed_at=row.event_time,
                            packed_event_id=row.id,
                        )
                    )
                for child in child_containers:
                    if child != parent:
                        self.session.add(
                            ContainerContent(
                                id=new_uuid(),
                                container_id=parent,
                                child_container_id=child,
                                packed_at=row.event_time,
                                packed_event_id=row.id,
                            )
                        )
            elif event.action is Action.DELETE:
                child_lots = {lot_id for lot_id, _, _ in children}
                for content in self.repo.open_contents(parent):
                    if content.lot_id in child_lots or content.child_container_id in set(
                        child_containers
                    ):
                        content.unpacked_at = row.event_time
                        content.unpacked_event_id = row.id

    # --- objects ------------------------------------------------------------------------------

    def _resolve(
        self, identifier: str, element: QuantityElement | None, event: Event
    ) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """(lot id, container id) the identifier names here, made as an external object if new."""
        if identifier in self.resolved:
            return self.resolved[identifier]
        found = self._known(identifier)
        if found is None:
            found = self._external(identify(identifier), element, event)
        self.resolved[identifier] = found
        return found

    def _known(self, identifier: str) -> tuple[uuid.UUID | None, uuid.UUID | None] | None:
        known = rows_db.external_object(self.session, identifier)
        if known is not None:
            return known.lot_id, known.container_id
        binding = self.repo.active_binding(identifier, self.now)
        if binding is not None and binding.unit_id is None:
            return binding.lot_id, binding.container_id
        facts = identify(identifier)
        if facts.sscc is not None:
            # By SSCC, or a container of ours whose own code is that number.
            container = self.repo.container_by_code(facts.sscc)
            if container is not None:
                return None, container.id
        if facts.gtin is not None and facts.lot is not None and facts.serial is None:
            product = self.repo.product_by_gtin(facts.gtin)
            if product is not None:
                rows = self.repo.lots_by_code(facts.lot, product.part_number)
                if rows:
                    return rows[0].lot.id, None
        match = _PLANT_PATH.fullmatch(identifier)
        if match is not None and match.group(1) == self.settings.plant_domain:
            kind, first, second = match.group(2), unquote(match.group(3)), match.group(4)
            if kind == "lot" and second is not None:
                rows = self.repo.lots_by_code(unquote(second), first)
                if rows:
                    return rows[0].lot.id, None
            if kind == "container" and second is None:
                container = self.repo.container_by_code(first)
                if container is not None:
                    return None, container.id
        return None

    def _external(
        self, facts: IdentifierFacts, element: QuantityElement | None, event: Event
    ) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        lot_id: uuid.UUID | None = None
        container_id: uuid.UUID | None = None
        if facts.kind is ObjectKind.CONTAINER and facts.sscc is not None:
            container_id = self._container(facts.sscc, event)
        elif facts.gtin is not None and (facts.lot is not None or facts.serial is not None):
            product = self._product_of_gtin(facts.gtin, _our_unit(element), facts)
            code = facts.lot if facts.serial is None else f"SN-{facts.serial}"
            assert code is not None
            lot_id = self._lot(product, code, facts, element, event)
        elif (plant_lot := self._plant_lot(facts.identifier)) is not None:
            # Our own plant's spelling of a lot without a GTIN (an export of ours, read back
            # into another database of the plant): the product is named by its part number.
            part, code = plant_lot
            product = self.repo.product_by_part(part) or self._product(
                part, part, _our_unit(element), facts
            )
            lot_id = self._lot(product, code, facts, element, event)
        self.session.add(
            ExternalObject(
                id=new_uuid(),
                identifier=facts.identifier,
                kind=facts.kind.value,
                lot_id=lot_id,
                container_id=container_id,
                created_event_id=event.id,
                created_at=self.now,
            )
        )
        self.objects += 1
        return lot_id, container_id

    def _container(self, sscc: str, event: Event) -> uuid.UUID:
        container = Container(
            id=new_uuid(),
            code=sscc,
            sscc=sscc,
            kind="pallet",
            status="open",
            created_at=self.now,
        )
        self.session.add(container)
        self.session.flush()
        return container.id

    def _plant_lot(self, identifier: str) -> tuple[str, str] | None:
        """(part number, lot code) of `https://<our plant domain>/lot/PART/LOT`."""
        match = _PLANT_PATH.fullmatch(identifier)
        if match is None or match.group(1) != self.settings.plant_domain:
            return None
        if match.group(2) != "lot" or match.group(4) is None:
            return None
        part, code = unquote(match.group(3)), unquote(match.group(4))
        if not part.strip() or not code.strip() or len(part) > MAX_PART:
            return None
        return part, code

    def _lot(
        self,
        product: Product,
        code: str,
        facts: IdentifierFacts,
        element: QuantityElement | None,
        event: Event,
    ) -> uuid.UUID:
        unit = _our_unit(element)
        code = code[:MAX_LOT_CODE]
        made = self.lots_made.get((product.id, code))
        if made is not None:
            return made  # another spelling of a lot this document already named
        existing = self.repo.lots_by_code(code, product.part_number)
        if existing:
            return existing[0].lot.id
        amount = (
            element.quantity
            if element is not None and element.quantity is not None and unit == product.unit
            else None
        )
        if amount is None and facts.serial is not None and product.unit == COUNT_UNIT:
            amount = Decimal(1)
        quantity = (amount or Decimal(0)).quantize(SCALE)
        lot = Lot(
            id=new_uuid(),
            product_id=product.id,
            lot_code=code,
            unit=product.unit,
            initial_quantity=quantity,
            on_hand=quantity,
            status=LotStatus.ACTIVE.value,
            origin=LotOrigin.IMPORTED.value,
            created_event_id=event.id,
            created_at=self.now,
        )
        self.session.add(lot)
        self.session.flush()
        self.lots_made[(product.id, code)] = lot.id
        # The identifier itself names the lot from now on: a scan or `traceapp trace` finds it.
        self.session.add(
            CodeBinding(
                id=new_uuid(),
                payload=facts.identifier,
                lot_id=lot.id,
                valid_from=min(event.event_time, self.now),
                created_event_id=event.id,
            )
        )
        return lot.id

    def _product_of_gtin(self, gtin: str, unit: str, facts: IdentifierFacts) -> Product:
        known = self.products.get(gtin) or self.repo.product_by_gtin(gtin)
        return known or self._product(f"GTIN-{gtin}", f"GTIN {gtin}", unit, facts)

    def _product(self, part_number: str, name: str, unit: str, facts: IdentifierFacts) -> Product:
        product = self.products.get(part_number) or self.repo.product_by_part(part_number)
        if product is not None:
            return product
        product = Product(
            id=new_uuid(),
            part_number=part_number,
            gtin=facts.gtin,
            company_prefix_length=facts.company_prefix_length,
            name=f"{name} (from EPCIS {self.name})"[:200],
            unit=unit,
            kind=ProductKind.RAW.value,
            created_at=self.now,
        )
        self.session.add(product)
        self.session.flush()
        self.products[part_number] = product
        if product.gtin is not None:
            self.products[product.gtin] = product
        return product


def _our_unit(element: QuantityElement | None) -> str:
    """A unit our lots can hold: the element's, when we know it; a count otherwise."""
    unit = unit_of(element.uom if element is not None else None)
    try:
        return normalize_unit(unit)
    except InvalidInput:  # a unit we do not keep (A93, ...)
        return COUNT_UNIT


def _offset_minutes(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text[1:].split(":")
    return sign * (int(hours) * 60 + int(minutes))


def _own_uuid(event_id: str) -> uuid.UUID | None:
    if not event_id.lower().startswith("urn:uuid:"):
        return None
    try:
        return uuid.UUID(event_id[9:])
    except ValueError:
        return None
