"""Rows of the demo plant, table by table, in an order that satisfies every foreign key.

A 1,000,000-lot plant is about 17 million rows, so each row is made once, straight as a tuple of
the values the database stores (`NativeTypes` from `traceapp.db.bulk`): ids as hex text made from
the record's time and seeded random bits, each time formatted once, quantities from integer grams or units.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from traceapp.db.bulk import Native, NativeRow, NativeTypes, uuid7_hex
from traceapp.domain.lots import LotOrigin, LotStatus
from traceapp.domain.steps import HandlingStep, ItemRole, vocabulary_for
from traceapp.services.demo import catalog
from traceapp.services.demo.plan import HOLD_REASONS, REPACK_REASON, PlantPlan

RECORDED_DELAY = timedelta(seconds=2)  # a scan reaches the database a moment after it happens
HOLD_DELAY = timedelta(minutes=50)  # the lab's verdict arrives within the hour

EVENT_COLUMNS = (
    "id", "external_event_id", "step", "event_type", "action", "biz_step", "disposition",
    "event_time", "event_tz_offset_minutes", "recorded_at", "station_id", "equipment_id",
    "started_at", "ended_at", "user_id", "party_id", "reference_document", "reason",
    "corrects_event_id",
)  # fmt: skip
LOT_COLUMNS = (
    "id", "product_id", "lot_code", "unit", "initial_quantity", "on_hand", "status", "origin",
    "expiry", "supplier_id", "supplier_lot_code", "location_id", "created_event_id", "created_at",
)  # fmt: skip
CONTAINER_COLUMNS = ("id", "code", "sscc", "kind", "status", "location_id", "created_at")
ITEM_COLUMNS = (
    "event_id", "role", "lot_id", "unit_id", "container_id", "quantity", "unit", "external_ref",
)  # fmt: skip
EDGE_COLUMNS = (
    "id", "parent_lot_id", "child_lot_id", "quantity", "unit", "event_id", "voided_by_event_id",
)  # fmt: skip
CONTENT_COLUMNS = (
    "id", "container_id", "lot_id", "unit_id", "child_container_id", "quantity", "unit",
    "packed_at", "packed_event_id", "unpacked_at", "unpacked_event_id",
)  # fmt: skip
SHIPMENT_COLUMNS = (
    "id", "event_id", "customer_id", "shipped_at", "reference_document", "voided_by_event_id",
)  # fmt: skip
SHIPMENT_ITEM_COLUMNS = ("id", "shipment_id", "container_id", "lot_id", "quantity", "unit")

Rows = Callable[[], Iterator[NativeRow]]


class Ids:
    """Seeded version-7 UUIDs (as hex): the time of the record they name, then random bits.

    One random stream per kind of record, so each table's ids are reproducible whatever order
    the tables are written in. Time first makes the ids of each kind rise as its rows are
    written (the plan lists them roughly in time order), so the indexes on them grow at one end.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def maker(self, kind: str) -> Callable[[datetime], str]:
        """Ids of one kind, one per call, from the time of the record (an aware datetime)."""
        bits = random.Random(f"demo-{self.seed}-{kind}").getrandbits

        def make(at: datetime) -> str:
            return uuid7_hex(int(at.timestamp() * 1000), bits(80))

        return make

    def block(self, kind: str, times: Iterable[datetime]) -> list[str]:
        """Ids of records other tables point at, made once and kept."""
        make = self.maker(kind)
        return [make(at) for at in times]


@dataclass(frozen=True, slots=True)
class MasterIds:
    """Database ids of the master data the builder created through the services."""

    products: dict[str, uuid.UUID]
    parties: dict[str, uuid.UUID]
    places: dict[str, uuid.UUID]
    user: uuid.UUID


def _vocabulary(step: HandlingStep, null: Native) -> tuple[Native, ...]:
    """(step, event_type, action, biz_step, disposition): the same for every event of a step."""
    words = vocabulary_for(step)
    action = words.action.value if words.action else null
    return (step.value, words.event_type.value, action, words.biz_step, words.disposition)


class PlantRows:
    """Generators of each table's rows; `tables()` lists them in foreign-key order."""

    def __init__(self, plan: PlantPlan, master: MasterIds, types: NativeTypes) -> None:
        self.plan = plan
        self.types = types
        null = types.null
        self.null = null
        ids = Ids(plan.seed)
        self.ids = ids
        self.held = list(self._held_times())
        places = {code: value.hex for code, value in master.places.items()}
        products = {code: value.hex for code, value in master.products.items()}
        parties = {code: value.hex for code, value in master.parties.items()}
        self.user = master.user.hex
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
        self.materials = [products[m.part] for m in catalog.RAW_MATERIALS]
        self.recipes = [products[r.part] for r in catalog.RECIPES]
        self.skus = [products[s.part] for s in catalog.SKUS]
        self.suppliers = [parties[m.supplier] for m in catalog.RAW_MATERIALS]
        self.customers = [parties[c.code] for c in plan.customers]
        self.fill_line = [catalog.RECIPES[plan.batches[f.batch].recipe].line for f in plan.fills]

    # Ids and times are made when a table first needs them, not all up front: the writer can
    # start on the first table sooner, and the rest are made while it writes (a 1,000,000-lot
    # plant has about five million of them).

    @cached_property
    def stock_id(self) -> list[str]:
        return self.ids.block("stock", (lot.received_at for lot in self.plan.stock))

    @cached_property
    def batch_id(self) -> list[str]:
        return self.ids.block("batch", (b.ended_at for b in self.plan.batches))

    @cached_property
    def fill_id(self) -> list[str]:
        return self.ids.block("fill", (f.ended_at for f in self.plan.fills))

    @cached_property
    def case_id(self) -> list[str]:
        return self.ids.block("case", self.plan.cases.packed_at)

    @cached_property
    def pallet_id(self) -> list[str]:
        return self.ids.block("pallet", (p.packed_at for p in self.plan.pallets))

    @cached_property
    def shipment_id(self) -> list[str]:
        return self.ids.block("shipment", (s.shipped_at for s in self.plan.shipments))

    @cached_property
    def ev_receive(self) -> list[str]:
        return self.ids.block("ev_receive", (lot.received_at for lot in self.plan.stock))

    @cached_property
    def ev_hold(self) -> list[str]:
        return self.ids.block("ev_hold", (at for _kind, _index, at in self.held))

    @cached_property
    def ev_mix(self) -> list[str]:
        return self.ids.block("ev_mix", (b.ended_at for b in self.plan.batches))

    @cached_property
    def ev_fill(self) -> list[str]:
        return self.ids.block("ev_fill", (f.ended_at for f in self.plan.fills))

    @cached_property
    def ev_case(self) -> list[str]:
        return self.ids.block("ev_case", self.plan.cases.packed_at)

    @cached_property
    def ev_pallet(self) -> list[str]:
        return self.ids.block("ev_pallet", (p.packed_at for p in self.plan.pallets))

    @cached_property
    def ev_unpack(self) -> list[str]:
        return self.ids.block(
            "ev_unpack", ((p.unpacked_at or p.packed_at) for p in self.plan.pallets)
        )

    @cached_property
    def ev_ship(self) -> list[str]:
        return self.ids.block("ev_ship", (s.shipped_at for s in self.plan.shipments))

    # Times that several tables store, formatted once each (events, containers, contents).

    @cached_property
    def case_packed(self) -> list[str]:
        return [self.types.timestamp(at) for at in self.plan.cases.packed_at]

    @cached_property
    def pallet_packed(self) -> list[str]:
        return [self.types.timestamp(p.packed_at) for p in self.plan.pallets]

    @cached_property
    def pallet_unpacked(self) -> list[Native]:
        stamp, null = self.types.timestamp, self.null
        return [
            stamp(p.unpacked_at) if p.unpacked_at is not None else null for p in self.plan.pallets
        ]

    def tables(self) -> list[tuple[str, tuple[str, ...], Rows]]:
        return [
            ("events", EVENT_COLUMNS, self.events),
            ("lots", LOT_COLUMNS, self.lots),
            ("containers", CONTAINER_COLUMNS, self.containers),
            ("event_items", ITEM_COLUMNS, self.event_items),
            ("lot_edges", EDGE_COLUMNS, self.lot_edges),
            ("container_contents", CONTENT_COLUMNS, self.container_contents),
            ("shipments", SHIPMENT_COLUMNS, self.shipment_rows),
            ("shipment_items", SHIPMENT_ITEM_COLUMNS, self.shipment_items),
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

    def events(self) -> Iterator[NativeRow]:
        plan, user, null = self.plan, self.user, self.null
        stamp, integer, offset_at = self.types.timestamp, self.types.integer, plan.offset_at

        def when(at: datetime) -> tuple[Native, Native, Native]:
            """(event_time, event_tz_offset_minutes, recorded_at)."""
            return stamp(at), integer(offset_at(at)), stamp(at + RECORDED_DELAY)

        words = _vocabulary(HandlingStep.RECEIVE, null)
        for lot in plan.stock:
            n = lot.index
            yield (
                self.ev_receive[n], null, *words, *when(lot.received_at), self.receiving[n % 2],
                null, null, null, user, self.suppliers[lot.material],
                f"BL-{lot.supplier_lot_code}", null, null,
            )  # fmt: skip
        words = _vocabulary(HandlingStep.HOLD, null)
        for number, (kind, _index, at) in enumerate(self.held):
            reason = HOLD_REASONS[0] if kind == "stock" else HOLD_REASONS[1]
            yield (
                self.ev_hold[number], null, *words, *when(at), self.lab, null, null, null, user,
                null, null, reason, null,
            )  # fmt: skip
        words = _vocabulary(HandlingStep.PRODUCE, null)
        for batch in plan.batches:
            line = catalog.RECIPES[batch.recipe].line
            at = batch.ended_at
            times = when(at)
            yield (
                self.ev_mix[batch.index], null, *words, *times, self.line_station[line],
                self.mixers[line][batch.line], stamp(batch.started_at), times[0], user, null,
                null, null, null,
            )  # fmt: skip
        for fill in plan.fills:
            line = self.fill_line[fill.index]
            times = when(fill.ended_at)
            yield (
                self.ev_fill[fill.index], null, *words, *times, self.line_station[line],
                self.fillers[line][fill.line], stamp(fill.started_at), times[0], user, null,
                null, null, null,
            )  # fmt: skip
        words = _vocabulary(HandlingStep.PACK, null)
        packers, packed = self.packers, self.case_packed
        for case, at in enumerate(plan.cases.packed_at):
            yield (
                self.ev_case[case], null, *words, packed[case], integer(offset_at(at)),
                stamp(at + RECORDED_DELAY), packers[case % 2], null, null, null, user, null,
                null, null, null,
            )  # fmt: skip
        unpack = _vocabulary(HandlingStep.UNPACK, null)
        for pallet in plan.pallets:
            at = pallet.packed_at
            yield (
                self.ev_pallet[pallet.index], null, *words, self.pallet_packed[pallet.index],
                integer(offset_at(at)), stamp(at + RECORDED_DELAY), self.palletiser, null, null,
                null, user, null, null, null, null,
            )  # fmt: skip
            if pallet.unpacked_at is not None:
                yield (
                    self.ev_unpack[pallet.index], null, *unpack, *when(pallet.unpacked_at),
                    self.warehouse, null, null, null, user, null, null, REPACK_REASON, null,
                )  # fmt: skip
        words = _vocabulary(HandlingStep.SHIP, null)
        for shipment in plan.shipments:
            n = shipment.index
            yield (
                self.ev_ship[n], null, *words, *when(shipment.shipped_at), self.docks[n % 2],
                null, null, null, user, self.customers[shipment.customer], shipment.reference,
                null, null,
            )  # fmt: skip

    # --- lots ---------------------------------------------------------------------------------

    def lots(self) -> Iterator[NativeRow]:
        plan, null, quantity = self.plan, self.null, self.types.quantity
        stamp, day = self.types.timestamp, self.types.date
        received, produced = LotOrigin.RECEIVED.value, LotOrigin.PRODUCED.value
        on_hold, consumed = LotStatus.ON_HOLD.value, LotStatus.CONSUMED.value
        active, shipped = LotStatus.ACTIVE.value, LotStatus.SHIPPED.value

        def expiry(made: datetime, shelf_life: int) -> Native:
            made_on: date = made.date() + timedelta(days=shelf_life)
            return day(made_on)

        for lot in plan.stock:
            spec = catalog.RAW_MATERIALS[lot.material]
            # Quantities in thousandths of the unit: grams are thousandths of a kg already.
            scale = 1 if spec.unit == "kg" else 1000
            on_hand = lot.size - lot.used
            status = on_hold if lot.held else consumed if on_hand == 0 else active
            n = lot.index
            yield (
                self.stock_id[n], self.materials[lot.material], lot.lot_code, spec.unit,
                quantity(lot.size * scale), quantity(on_hand * scale), status, received,
                expiry(lot.received_at, spec.shelf_life_days), self.suppliers[lot.material],
                lot.supplier_lot_code, self.receiving[n % 2], self.ev_receive[n],
                stamp(lot.received_at + RECORDED_DELAY),
            )  # fmt: skip
        fills = plan.fills
        for batch in plan.batches:
            recipe = catalog.RECIPES[batch.recipe]
            left = batch.grams - sum(fills[f].grams for f in batch.fills)
            yield (
                self.batch_id[batch.index], self.recipes[batch.recipe], batch.lot_code, "kg",
                quantity(batch.grams), quantity(left), consumed if left == 0 else active,
                produced, expiry(batch.ended_at, recipe.shelf_life_days), null, null,
                self.mixers[recipe.line][batch.line], self.ev_mix[batch.index],
                stamp(batch.ended_at + RECORDED_DELAY),
            )  # fmt: skip
        for fill in fills:
            sku = catalog.SKUS[fill.sku]
            on_hand = fill.units - fill.shipped_units
            status = on_hold if fill.held else shipped if on_hand == 0 else active
            yield (
                self.fill_id[fill.index], self.skus[fill.sku], fill.lot_code, "ea",
                quantity(fill.units * 1000), quantity(on_hand * 1000), status, produced,
                expiry(fill.ended_at, sku.shelf_life_days), null, null,
                self.fillers[self.fill_line[fill.index]][fill.line], self.ev_fill[fill.index],
                stamp(fill.ended_at + RECORDED_DELAY),
            )  # fmt: skip

    # --- containers ---------------------------------------------------------------------------

    def containers(self) -> Iterator[NativeRow]:
        plan = self.plan
        shipped = [p.shipment >= 0 for p in plan.pallets]
        on_pallet, packers = plan.cases.pallet, self.packers
        for case, packed in enumerate(self.case_packed):
            code = catalog.sscc(0, case + 1)
            status = "shipped" if shipped[on_pallet[case]] else "open"
            yield (self.case_id[case], code, code, "case", status, packers[case % 2], packed)
        for pallet in plan.pallets:
            n = pallet.index
            code = catalog.sscc(1, n + 1)
            status = "shipped" if shipped[n] else "open"
            yield (self.pallet_id[n], code, code, "pallet", status, self.warehouse,
                   self.pallet_packed[n])  # fmt: skip

    # --- event items --------------------------------------------------------------------------

    def event_items(self) -> Iterator[NativeRow]:
        plan, null, quantity = self.plan, self.null, self.types.quantity
        observed, given, made = ItemRole.OBSERVED.value, ItemRole.INPUT.value, ItemRole.OUTPUT.value
        parent, child = ItemRole.PARENT.value, ItemRole.CHILD.value
        stock_id, fill_id, batch_id, case_id = (
            self.stock_id,
            self.fill_id,
            self.batch_id,
            self.case_id,
        )
        for lot in plan.stock:
            unit = catalog.RAW_MATERIALS[lot.material].unit
            size = quantity(lot.size if unit == "kg" else lot.size * 1000)
            n = lot.index
            yield (self.ev_receive[n], observed, stock_id[n], null, null, size, unit, null)
        for number, (kind, index, _at) in enumerate(self.held):
            lot_id = stock_id[index] if kind == "stock" else fill_id[index]
            yield (self.ev_hold[number], observed, lot_id, null, null, null, null, null)
        for batch in plan.batches:
            event = self.ev_mix[batch.index]
            for index, grams in batch.inputs:
                yield (event, given, stock_id[index], null, null, quantity(grams), "kg", null)
            yield (event, made, batch_id[batch.index], null, null, quantity(batch.grams), "kg",
                   null)  # fmt: skip
        for fill in plan.fills:
            event = self.ev_fill[fill.index]
            yield (event, given, batch_id[fill.batch], null, null, quantity(fill.grams), "kg",
                   null)  # fmt: skip
            for index, units in fill.packaging:
                yield (event, given, stock_id[index], null, null, quantity(units * 1000), "ea",
                       null)  # fmt: skip
            yield (event, made, fill_id[fill.index], null, null, quantity(fill.units * 1000),
                   "ea", null)  # fmt: skip
        cases = plan.cases
        ev_case = self.ev_case
        for case, fill_no in enumerate(cases.fill):
            event = ev_case[case]
            yield (event, parent, null, null, case_id[case], null, null, null)
            yield (event, child, fill_id[fill_no], null, null, quantity(cases.units[case] * 1000),
                   "ea", null)  # fmt: skip
        for pallet in plan.pallets:
            event = self.ev_pallet[pallet.index]
            pallet_id = self.pallet_id[pallet.index]
            yield (event, parent, null, null, pallet_id, null, null, null)
            for case in pallet.cases:
                yield (event, child, null, null, case_id[case], null, null, null)
            if pallet.unpacked_at is not None:
                event = self.ev_unpack[pallet.index]
                yield (event, parent, null, null, pallet_id, null, null, null)
                for case in pallet.moved_out:
                    yield (event, child, null, null, case_id[case], null, null, null)
        for shipment in plan.shipments:
            event = self.ev_ship[shipment.index]
            for pallet_index in shipment.pallets:
                yield (event, observed, null, null, self.pallet_id[pallet_index], null, null,
                       null)  # fmt: skip

    # --- genealogy ----------------------------------------------------------------------------

    def lot_edges(self) -> Iterator[NativeRow]:
        """One edge per input and output, with the input quantity (each step has one output)."""
        plan, null, quantity, stock_id = self.plan, self.null, self.types.quantity, self.stock_id
        new_id = self.ids.maker("edge")  # at the time of the event that made the edge
        for batch in plan.batches:
            event, child, at = self.ev_mix[batch.index], self.batch_id[batch.index], batch.ended_at
            for index, grams in batch.inputs:
                yield (new_id(at), stock_id[index], child, quantity(grams), "kg", event, null)
        for fill in plan.fills:
            event, child, at = self.ev_fill[fill.index], self.fill_id[fill.index], fill.ended_at
            yield (new_id(at), self.batch_id[fill.batch], child, quantity(fill.grams), "kg",
                   event, null)  # fmt: skip
            for index, units in fill.packaging:
                yield (new_id(at), stock_id[index], child, quantity(units * 1000), "ea", event,
                       null)  # fmt: skip

    def container_contents(self) -> Iterator[NativeRow]:
        plan, null, quantity = self.plan, self.null, self.types.quantity
        new_id = self.ids.maker("content")  # at the time the content was packed
        cases, case_id = plan.cases, self.case_id
        for case, fill in enumerate(cases.fill):
            yield (
                new_id(cases.packed_at[case]), case_id[case], self.fill_id[fill], null, null,
                quantity(cases.units[case] * 1000), "ea", self.case_packed[case],
                self.ev_case[case], null, null,
            )  # fmt: skip
        for pallet in plan.pallets:
            n = pallet.index
            pallet_id, packed, packed_by = (
                self.pallet_id[n],
                self.pallet_packed[n],
                self.ev_pallet[n],
            )
            moved_out = set(pallet.moved_out)
            unpacked: Native
            unpacked_by: Native
            for case in pallet.cases:
                if case in moved_out:
                    unpacked, unpacked_by = self.pallet_unpacked[n], self.ev_unpack[n]
                else:
                    unpacked, unpacked_by = null, null
                yield (
                    new_id(pallet.packed_at), pallet_id, null, null, case_id[case], null, null,
                    packed, packed_by, unpacked, unpacked_by,
                )  # fmt: skip

    # --- shipping -----------------------------------------------------------------------------

    def shipment_rows(self) -> Iterator[NativeRow]:
        null, stamp = self.null, self.types.timestamp
        for shipment in self.plan.shipments:
            n = shipment.index
            yield (self.shipment_id[n], self.ev_ship[n], self.customers[shipment.customer],
                   stamp(shipment.shipped_at), shipment.reference, null)  # fmt: skip

    def shipment_items(self) -> Iterator[NativeRow]:
        null = self.null
        new_id = self.ids.maker("shipment_item")
        for shipment in self.plan.shipments:
            for pallet_index in shipment.pallets:
                yield (new_id(shipment.shipped_at), self.shipment_id[shipment.index],
                       self.pallet_id[pallet_index], null, null, null)  # fmt: skip

    # --- names --------------------------------------------------------------------------------

    def stock_name(self, index: int) -> str:
        lot = self.plan.stock[index]
        return f"{catalog.RAW_MATERIALS[lot.material].part}/{lot.lot_code}"

    def pallet_code(self, index: int) -> str:
        return catalog.sscc(1, index + 1)
