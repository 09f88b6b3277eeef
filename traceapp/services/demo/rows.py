"""Rows of the demo plant, table by table, in an order that satisfies every foreign key."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

from traceapp.domain.lots import LotOrigin, LotStatus
from traceapp.domain.steps import HandlingStep, ItemRole, vocabulary_for
from traceapp.services.demo import catalog
from traceapp.services.demo.plan import HOLD_REASONS, REPACK_REASON, PlantPlan, grams_to_kg

Row = dict[str, Any]
RECORDED_DELAY = timedelta(seconds=2)  # a scan reaches the database a moment after it happens
HOLD_DELAY = timedelta(minutes=50)  # the lab's verdict arrives within the hour


class Ids:
    """Seeded version-4 UUIDs, one random stream per kind of record, so each table's ids are
    reproducible whatever order the tables are written in."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def stream(self, kind: str) -> Iterator[uuid.UUID]:
        rng = random.Random(f"demo-{self.seed}-{kind}")
        while True:
            yield uuid.UUID(int=rng.getrandbits(128), version=4)

    def block(self, kind: str, count: int) -> list[uuid.UUID]:
        """Ids of records other tables point at, made once and kept (about 5 µs each to make)."""
        return list(islice(self.stream(kind), count))


@dataclass(frozen=True, slots=True)
class MasterIds:
    """Database ids of the master data the builder created through the services."""

    products: dict[str, uuid.UUID]
    parties: dict[str, uuid.UUID]
    places: dict[str, uuid.UUID]
    user: uuid.UUID


def _event(
    step: HandlingStep,
    event_id: uuid.UUID,
    at: datetime,
    offset: int,
    user: uuid.UUID,
    station: uuid.UUID,
    *,
    equipment: uuid.UUID | None = None,
    started: datetime | None = None,
    ended: datetime | None = None,
    party: uuid.UUID | None = None,
    document: str | None = None,
    reason: str | None = None,
) -> Row:
    vocabulary = vocabulary_for(step)
    return {
        "id": event_id,
        "external_event_id": None,
        "step": step.value,
        "event_type": vocabulary.event_type.value,
        "action": vocabulary.action.value if vocabulary.action else None,
        "biz_step": vocabulary.biz_step,
        "disposition": vocabulary.disposition,
        "event_time": at,
        "event_tz_offset_minutes": offset,
        "recorded_at": at + RECORDED_DELAY,
        "station_id": station,
        "equipment_id": equipment,
        "started_at": started,
        "ended_at": ended,
        "user_id": user,
        "party_id": party,
        "reference_document": document,
        "reason": reason,
        "corrects_event_id": None,
    }


def _item(
    event: uuid.UUID,
    role: ItemRole,
    *,
    lot: uuid.UUID | None = None,
    container: uuid.UUID | None = None,
    quantity: Decimal | None = None,
    unit: str | None = None,
) -> Row:
    return {
        "event_id": event,
        "role": role.value,
        "lot_id": lot,
        "unit_id": None,
        "container_id": container,
        "quantity": quantity,
        "unit": unit,
        "external_ref": None,
    }


class PlantRows:
    """Generators of the rows of each table; `tables()` lists them in foreign-key order."""

    def __init__(self, plan: PlantPlan, master: MasterIds) -> None:
        self.plan = plan
        self.master = master
        ids = Ids(plan.seed)
        self.ids = ids
        holds = sum(1 for _ in self._held_times())
        self.stock_id = ids.block("stock", len(plan.stock)).__getitem__
        self.batch_id = ids.block("batch", len(plan.batches)).__getitem__
        self.fill_id = ids.block("fill", len(plan.fills)).__getitem__
        self.case_id = ids.block("case", len(plan.cases.fill)).__getitem__
        self.pallet_id = ids.block("pallet", len(plan.pallets)).__getitem__
        self.shipment_id = ids.block("shipment", len(plan.shipments)).__getitem__
        self.ev_receive = ids.block("ev_receive", len(plan.stock)).__getitem__
        self.ev_hold = ids.block("ev_hold", holds).__getitem__
        self.ev_mix = ids.block("ev_mix", len(plan.batches)).__getitem__
        self.ev_fill = ids.block("ev_fill", len(plan.fills)).__getitem__
        self.ev_case = ids.block("ev_case", len(plan.cases.fill)).__getitem__
        self.ev_pallet = ids.block("ev_pallet", len(plan.pallets)).__getitem__
        self.ev_unpack = ids.block("ev_unpack", len(plan.pallets)).__getitem__
        self.ev_ship = ids.block("ev_ship", len(plan.shipments)).__getitem__
        places = master.places
        self.receiving = [places[code] for code in catalog.RECEIVING_STATIONS]
        self.line_station = {line: places[code] for line, code in catalog.LINE_STATIONS.items()}
        self.mixers = {
            line: [places[catalog.mixer_code(line, n + 1)] for n in range(count)]
            for line, count in plan.lines.items()
        }
        self.fillers = {
            line: [places[catalog.filler_code(line, n + 1)] for n in range(count)]
            for line, count in plan.lines.items()
        }
        self.packers = [places[code] for code in catalog.PACK_STATIONS]
        self.palletiser = places[catalog.PALLET_STATION]
        self.warehouse = places[catalog.WAREHOUSE_STATION]
        self.docks = [places[code] for code in catalog.SHIP_STATIONS]
        self.lab = places[catalog.QC_STATION]
        self.materials = [master.products[m.part] for m in catalog.RAW_MATERIALS]
        self.recipes = [master.products[r.part] for r in catalog.RECIPES]
        self.skus = [master.products[s.part] for s in catalog.SKUS]
        self.suppliers = [master.parties[m.supplier] for m in catalog.RAW_MATERIALS]
        self.customers = [master.parties[c.code] for c in plan.customers]

    def tables(self) -> list[tuple[str, Callable[[], Iterator[Row]]]]:
        return [
            ("events", self.events),
            ("lots", self.lots),
            ("containers", self.containers),
            ("event_items", self.event_items),
            ("lot_edges", self.lot_edges),
            ("container_contents", self.container_contents),
            ("shipments", self.shipment_rows),
            ("shipment_items", self.shipment_items),
        ]

    # --- events -------------------------------------------------------------------------------

    def _held_times(self) -> Iterator[tuple[str, int, datetime]]:
        """(kind, index, hold time) of every lot placed on hold."""
        for lot in self.plan.stock:
            if lot.held:
                yield "stock", lot.index, lot.received_at + HOLD_DELAY
        for fill in self.plan.fills:
            if fill.held:
                yield "fill", fill.index, fill.ended_at + HOLD_DELAY

    def events(self) -> Iterator[Row]:
        plan, user, offset_at = self.plan, self.master.user, self.plan.offset_at
        for lot in plan.stock:
            at = lot.received_at
            yield _event(
                HandlingStep.RECEIVE, self.ev_receive(lot.index), at, offset_at(at), user,
                self.receiving[lot.index % 2], party=self.suppliers[lot.material],
                document=f"BL-{lot.supplier_lot_code}",
            )  # fmt: skip
        for number, (kind, _index, at) in enumerate(self._held_times()):
            reason = HOLD_REASONS[0] if kind == "stock" else HOLD_REASONS[1]
            yield _event(
                HandlingStep.HOLD, self.ev_hold(number), at, offset_at(at), user, self.lab,
                reason=reason,
            )  # fmt: skip
        for batch in plan.batches:
            line = catalog.RECIPES[batch.recipe].line
            at = batch.ended_at
            yield _event(
                HandlingStep.PRODUCE, self.ev_mix(batch.index), at, offset_at(at), user,
                self.line_station[line], equipment=self.mixers[line][batch.line],
                started=batch.started_at, ended=at,
            )  # fmt: skip
        for fill in plan.fills:
            line = catalog.RECIPES[plan.batches[fill.batch].recipe].line
            at = fill.ended_at
            yield _event(
                HandlingStep.PRODUCE, self.ev_fill(fill.index), at, offset_at(at), user,
                self.line_station[line], equipment=self.fillers[line][fill.line],
                started=fill.started_at, ended=at,
            )  # fmt: skip
        cases = plan.cases
        for case, at in enumerate(cases.packed_at):
            yield _event(
                HandlingStep.PACK,
                self.ev_case(case),
                at,
                offset_at(at),
                user,
                self.packers[case % 2],
            )
        for pallet in plan.pallets:
            at = pallet.packed_at
            yield _event(
                HandlingStep.PACK, self.ev_pallet(pallet.index), at, offset_at(at), user,
                self.palletiser,
            )  # fmt: skip
            if pallet.unpacked_at is not None:
                at = pallet.unpacked_at
                yield _event(
                    HandlingStep.UNPACK, self.ev_unpack(pallet.index), at, offset_at(at), user,
                    self.warehouse, reason=REPACK_REASON,
                )  # fmt: skip
        for shipment in plan.shipments:
            at = shipment.shipped_at
            yield _event(
                HandlingStep.SHIP, self.ev_ship(shipment.index), at, offset_at(at), user,
                self.docks[shipment.index % 2], party=self.customers[shipment.customer],
                document=shipment.reference,
            )  # fmt: skip

    # --- lots ---------------------------------------------------------------------------------

    def lots(self) -> Iterator[Row]:
        plan = self.plan
        for lot in plan.stock:
            spec = catalog.RAW_MATERIALS[lot.material]
            on_hand = lot.size - lot.used
            status = (
                LotStatus.ON_HOLD
                if lot.held
                else LotStatus.CONSUMED
                if on_hand == 0
                else LotStatus.ACTIVE
            )
            yield self._lot(
                self.stock_id(lot.index), self.materials[lot.material], lot.lot_code, spec.unit,
                _amount(lot.size, spec.unit), _amount(on_hand, spec.unit), status,
                LotOrigin.RECEIVED, lot.received_at, spec.shelf_life_days,
                self.ev_receive(lot.index), self.receiving[lot.index % 2],
                supplier=self.suppliers[lot.material], supplier_lot=lot.supplier_lot_code,
            )  # fmt: skip
        for batch in plan.batches:
            recipe = catalog.RECIPES[batch.recipe]
            taken = sum(plan.fills[f].grams for f in batch.fills)
            left = batch.grams - taken
            yield self._lot(
                self.batch_id(batch.index), self.recipes[batch.recipe], batch.lot_code, "kg",
                grams_to_kg(batch.grams), grams_to_kg(left),
                LotStatus.CONSUMED if left == 0 else LotStatus.ACTIVE, LotOrigin.PRODUCED,
                batch.ended_at, recipe.shelf_life_days, self.ev_mix(batch.index),
                self.mixers[recipe.line][batch.line],
            )  # fmt: skip
        for fill in plan.fills:
            sku = catalog.SKUS[fill.sku]
            on_hand = fill.units - fill.shipped_units
            status = (
                LotStatus.ON_HOLD
                if fill.held
                else LotStatus.SHIPPED
                if on_hand == 0
                else LotStatus.ACTIVE
            )
            line = catalog.RECIPES[plan.batches[fill.batch].recipe].line
            yield self._lot(
                self.fill_id(fill.index), self.skus[fill.sku], fill.lot_code, "ea",
                Decimal(fill.units), Decimal(on_hand), status, LotOrigin.PRODUCED,
                fill.ended_at, sku.shelf_life_days, self.ev_fill(fill.index),
                self.fillers[line][fill.line],
            )  # fmt: skip

    @staticmethod
    def _lot(
        lot_id: uuid.UUID,
        product: uuid.UUID,
        code: str,
        unit: str,
        initial: Decimal,
        on_hand: Decimal,
        status: LotStatus,
        origin: LotOrigin,
        made: datetime,
        shelf_life: int,
        event: uuid.UUID,
        location: uuid.UUID,
        *,
        supplier: uuid.UUID | None = None,
        supplier_lot: str | None = None,
    ) -> Row:
        expiry: date = made.date() + timedelta(days=shelf_life)
        return {
            "id": lot_id,
            "product_id": product,
            "lot_code": code,
            "unit": unit,
            "initial_quantity": initial,
            "on_hand": on_hand,
            "status": status.value,
            "origin": origin.value,
            "expiry": expiry,
            "supplier_id": supplier,
            "supplier_lot_code": supplier_lot,
            "location_id": location,
            "created_event_id": event,
            "created_at": made + RECORDED_DELAY,
        }

    # --- containers ---------------------------------------------------------------------------

    def containers(self) -> Iterator[Row]:
        plan = self.plan
        shipped = [p.shipment >= 0 for p in plan.pallets]
        for case, at in enumerate(plan.cases.packed_at):
            code = catalog.sscc(0, case + 1)
            yield {
                "id": self.case_id(case),
                "code": code,
                "sscc": code,
                "kind": "case",
                "status": "shipped" if shipped[plan.cases.pallet[case]] else "open",
                "location_id": self.packers[case % 2],
                "created_at": at,
            }
        for pallet in plan.pallets:
            code = catalog.sscc(1, pallet.index + 1)
            yield {
                "id": self.pallet_id(pallet.index),
                "code": code,
                "sscc": code,
                "kind": "pallet",
                "status": "shipped" if pallet.shipment >= 0 else "open",
                "location_id": self.warehouse,
                "created_at": pallet.packed_at,
            }

    # --- event items --------------------------------------------------------------------------

    def event_items(self) -> Iterator[Row]:
        plan = self.plan
        for lot in plan.stock:
            unit = catalog.RAW_MATERIALS[lot.material].unit
            yield _item(
                self.ev_receive(lot.index), ItemRole.OBSERVED, lot=self.stock_id(lot.index),
                quantity=_amount(lot.size, unit), unit=unit,
            )  # fmt: skip
        for number, (kind, index, _at) in enumerate(self._held_times()):
            lot_id = self.stock_id(index) if kind == "stock" else self.fill_id(index)
            yield _item(self.ev_hold(number), ItemRole.OBSERVED, lot=lot_id)
        for batch in plan.batches:
            event = self.ev_mix(batch.index)
            for index, grams in batch.inputs:
                yield _item(
                    event, ItemRole.INPUT, lot=self.stock_id(index),
                    quantity=grams_to_kg(grams), unit="kg",
                )  # fmt: skip
            yield _item(
                event, ItemRole.OUTPUT, lot=self.batch_id(batch.index),
                quantity=grams_to_kg(batch.grams), unit="kg",
            )  # fmt: skip
        for fill in plan.fills:
            event = self.ev_fill(fill.index)
            yield _item(
                event, ItemRole.INPUT, lot=self.batch_id(fill.batch),
                quantity=grams_to_kg(fill.grams), unit="kg",
            )  # fmt: skip
            for index, units in fill.packaging:
                yield _item(
                    event, ItemRole.INPUT, lot=self.stock_id(index),
                    quantity=Decimal(units), unit="ea",
                )  # fmt: skip
            yield _item(
                event, ItemRole.OUTPUT, lot=self.fill_id(fill.index),
                quantity=Decimal(fill.units), unit="ea",
            )  # fmt: skip
        cases = plan.cases
        for case, fill_no in enumerate(cases.fill):
            event = self.ev_case(case)
            yield _item(event, ItemRole.PARENT, container=self.case_id(case))
            yield _item(
                event, ItemRole.CHILD, lot=self.fill_id(fill_no),
                quantity=Decimal(cases.units[case]), unit="ea",
            )  # fmt: skip
        for pallet in plan.pallets:
            event = self.ev_pallet(pallet.index)
            yield _item(event, ItemRole.PARENT, container=self.pallet_id(pallet.index))
            for case in pallet.cases:
                yield _item(event, ItemRole.CHILD, container=self.case_id(case))
            if pallet.unpacked_at is not None:
                event = self.ev_unpack(pallet.index)
                yield _item(event, ItemRole.PARENT, container=self.pallet_id(pallet.index))
                for case in pallet.moved_out:
                    yield _item(event, ItemRole.CHILD, container=self.case_id(case))
        for shipment in plan.shipments:
            event = self.ev_ship(shipment.index)
            for pallet_index in shipment.pallets:
                yield _item(event, ItemRole.OBSERVED, container=self.pallet_id(pallet_index))

    # --- genealogy ----------------------------------------------------------------------------

    def lot_edges(self) -> Iterator[Row]:
        """One edge per input and output, with the input quantity (each step has one output)."""
        plan = self.plan
        ids = self.ids.stream("edge")
        for batch in plan.batches:
            event, child = self.ev_mix(batch.index), self.batch_id(batch.index)
            for index, grams in batch.inputs:
                yield _edge(next(ids), self.stock_id(index), child, grams_to_kg(grams), "kg", event)
        for fill in plan.fills:
            event, child = self.ev_fill(fill.index), self.fill_id(fill.index)
            yield _edge(
                next(ids), self.batch_id(fill.batch), child, grams_to_kg(fill.grams), "kg", event,
            )  # fmt: skip
            for index, units in fill.packaging:
                yield _edge(next(ids), self.stock_id(index), child, Decimal(units), "ea", event)

    def container_contents(self) -> Iterator[Row]:
        plan = self.plan
        ids = self.ids.stream("content")
        cases = plan.cases
        for case, fill in enumerate(cases.fill):
            yield _content(
                next(ids), self.case_id(case), cases.packed_at[case],
                self.ev_case(case), lot=self.fill_id(fill), quantity=Decimal(cases.units[case]),
            )  # fmt: skip
        for pallet in plan.pallets:
            for case in pallet.cases:
                moved = case in pallet.moved_out
                packed_by = self.ev_pallet(pallet.index)
                yield _content(
                    next(ids), self.pallet_id(pallet.index), pallet.packed_at,
                    packed_by, child=self.case_id(case),
                    unpacked_at=pallet.unpacked_at if moved else None,
                    unpacked_by=self.ev_unpack(pallet.index) if moved else None,
                )  # fmt: skip

    # --- shipping -----------------------------------------------------------------------------

    def shipment_rows(self) -> Iterator[Row]:
        for shipment in self.plan.shipments:
            yield {
                "id": self.shipment_id(shipment.index),
                "event_id": self.ev_ship(shipment.index),
                "customer_id": self.customers[shipment.customer],
                "shipped_at": shipment.shipped_at,
                "reference_document": shipment.reference,
                "voided_by_event_id": None,
            }

    def shipment_items(self) -> Iterator[Row]:
        ids = self.ids.stream("shipment_item")
        for shipment in self.plan.shipments:
            for pallet_index in shipment.pallets:
                yield {
                    "id": next(ids),
                    "shipment_id": self.shipment_id(shipment.index),
                    "container_id": self.pallet_id(pallet_index),
                    "lot_id": None,
                    "quantity": None,
                    "unit": None,
                }

    # --- names --------------------------------------------------------------------------------

    def stock_name(self, index: int) -> str:
        lot = self.plan.stock[index]
        return f"{catalog.RAW_MATERIALS[lot.material].part}/{lot.lot_code}"

    def pallet_code(self, index: int) -> str:
        return catalog.sscc(1, index + 1)


def _amount(amount: int, unit: str) -> Decimal:
    return grams_to_kg(amount) if unit == "kg" else Decimal(amount)


def _edge(
    edge_id: uuid.UUID,
    parent: uuid.UUID,
    child: uuid.UUID,
    quantity: Decimal,
    unit: str,
    event: uuid.UUID,
) -> Row:
    return {
        "id": edge_id,
        "parent_lot_id": parent,
        "child_lot_id": child,
        "quantity": quantity,
        "unit": unit,
        "event_id": event,
        "voided_by_event_id": None,
    }


def _content(
    content_id: uuid.UUID,
    container: uuid.UUID,
    packed_at: datetime,
    packed_by: uuid.UUID,
    *,
    lot: uuid.UUID | None = None,
    child: uuid.UUID | None = None,
    quantity: Decimal | None = None,
    unpacked_at: datetime | None = None,
    unpacked_by: uuid.UUID | None = None,
) -> Row:
    return {
        "id": content_id,
        "container_id": container,
        "lot_id": lot,
        "unit_id": None,
        "child_container_id": child,
        "quantity": quantity,
        "unit": "ea" if lot is not None else None,
        "packed_at": packed_at,
        "packed_event_id": packed_by,
        "unpacked_at": unpacked_at,
        "unpacked_event_id": unpacked_by,
    }
