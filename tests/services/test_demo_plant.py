"""The demo plant: reproducible, realistic, and true to the plant's rules once it is in the database."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from operator import itemgetter

import pytest
from sqlalchemy import Engine, select

from tests.db.test_bulk_schema import differences_from_models, schema
from traceapp.db.bulk import SQLITE_TYPES, NativeRow
from traceapp.db.bulk_schema import secondary_indexes
from traceapp.db.models import (
    Container,
    ContainerContent,
    Event,
    EventItem,
    Lot,
    LotEdge,
    Party,
    Product,
    Shipment,
)
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import AlreadyExists, InsufficientQuantity, LotNotUsable
from traceapp.domain.steps import STEP_VOCABULARY, HandlingStep
from traceapp.services.database import open_database
from traceapp.services.demo import LANDMARKS_META_KEY, DemoSummary, build_demo_plant, catalog
from traceapp.services.demo.plan import PlantPlan, _check_mass_balance, plan_plant
from traceapp.services.demo.rows import MasterIds, PlantRows

LOTS = 400
DAYS = 5


@pytest.fixture
def demo(engine: Engine) -> DemoSummary:
    return build_demo_plant(engine, seed=11, lots=LOTS, days=DAYS)


def _lot_codes(seed: int) -> list[str]:
    plan = plan_plant(seed=seed, lots=LOTS, days=DAYS)
    return [*(s.lot_code for s in plan.stock), *(b.lot_code for b in plan.batches)] + [
        f.lot_code for f in plan.fills
    ]


def test_the_same_seed_gives_the_same_plant_and_another_seed_another() -> None:
    assert _lot_codes(3) == _lot_codes(3)
    assert _lot_codes(3) != _lot_codes(4)


def test_the_database_holds_exactly_the_planned_plant(engine: Engine, demo: DemoSummary) -> None:
    plan = plan_plant(seed=11, lots=LOTS, days=DAYS)
    with UnitOfWork(engine, write=False) as uow:
        codes = sorted(uow.session.scalars(select(Lot.lot_code)))
        repo = Repository(uow.session)
        assert repo.count(Lot) == demo.lots == LOTS
        assert repo.count(Event) == demo.events
        assert repo.count(LotEdge) == demo.genealogy_edges
        assert repo.count(Shipment) == demo.shipments
    planned = [*(s.lot_code for s in plan.stock), *(b.lot_code for b in plan.batches)]
    assert codes == sorted([*planned, *(f.lot_code for f in plan.fills)])
    assert demo.to_json_dict()["lots"] == LOTS


def test_at_least_twenty_customers_receive_shipments(engine: Engine, demo: DemoSummary) -> None:
    with UnitOfWork(engine, write=False) as uow:
        customers = list(
            uow.session.execute(
                select(Party.contact_name, Party.contact_email, Party.contact_phone).where(
                    Party.kind == "customer"
                )
            )
        )
        shipped_to = set(uow.session.scalars(select(Shipment.customer_id)))
    assert demo.customers == len(customers) >= 20
    assert all(all(contact) for contact in customers)
    assert len(shipped_to) >= 20


def test_mass_balance_holds_for_every_lot(engine: Engine, demo: DemoSummary) -> None:
    with UnitOfWork(engine, write=False) as uow:
        session = uow.session
        lots = {
            lot_id: (code, initial, on_hand, status)
            for lot_id, code, initial, on_hand, status in session.execute(
                select(Lot.id, Lot.lot_code, Lot.initial_quantity, Lot.on_hand, Lot.status)
            )
        }
        consumed: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
        for lot_id, quantity in session.execute(
            select(EventItem.lot_id, EventItem.quantity).where(EventItem.role == "input")
        ):
            consumed[lot_id] += quantity
        shipped: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
        for lot_id, quantity in session.execute(
            select(ContainerContent.lot_id, ContainerContent.quantity)
            .join(Container, Container.id == ContainerContent.container_id)
            .where(ContainerContent.lot_id.is_not(None), Container.status == "shipped")
        ):
            shipped[lot_id] += quantity
    for lot_id, (code, initial, on_hand, status) in lots.items():
        left = initial - consumed[lot_id] - shipped[lot_id]
        assert left >= 0, code
        assert on_hand >= 0
        assert on_hand == left, code
        if status == "on_hold":
            assert not consumed[lot_id]
            assert not shipped[lot_id]
        elif on_hand == 0:
            assert status in ("consumed", "shipped")
        else:
            assert status == "active"
    statuses = {status for *_, status in lots.values()}
    assert {"on_hold", "consumed", "shipped", "active"} <= statuses


def test_genealogy_has_parents_for_every_produced_lot_and_no_cycle(
    engine: Engine, demo: DemoSummary
) -> None:
    with UnitOfWork(engine, write=False) as uow:
        produced = set(uow.session.scalars(select(Lot.id).where(Lot.origin == "produced")))
        edges = list(uow.session.execute(select(LotEdge.parent_lot_id, LotEdge.child_lot_id)))
    children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for parent, child in edges:
        children[parent].append(child)
    assert produced <= {child for _, child in edges}
    # Iterative three-colour depth-first search: meeting a grey node means a cycle.
    colour: dict[uuid.UUID, int] = {}
    for root in list(children):
        if colour.get(root):
            continue
        stack = [(root, iter(children[root]))]
        colour[root] = 1
        while stack:
            node, pending = stack[-1]
            step = next(pending, None)
            if step is None:
                colour[node] = 2
                stack.pop()
                continue
            assert colour.get(step) != 1, "genealogy cycle"
            if not colour.get(step):
                colour[step] = 1
                stack.append((step, iter(children[step])))


def test_some_cases_were_repacked_onto_another_pallet(engine: Engine, demo: DemoSummary) -> None:
    with UnitOfWork(engine, write=False) as uow:
        rows = list(
            uow.session.execute(
                select(
                    ContainerContent.child_container_id,
                    ContainerContent.container_id,
                    ContainerContent.packed_at,
                    ContainerContent.unpacked_at,
                    ContainerContent.unpacked_event_id,
                ).where(ContainerContent.child_container_id.is_not(None))
            )
        )
    by_case: dict[uuid.UUID, list[tuple[datetime, uuid.UUID, datetime | None, object]]]
    by_case = defaultdict(list)
    for case, pallet, packed, unpacked, unpacked_by in rows:
        by_case[case].append((packed, pallet, unpacked, unpacked_by))
    repacked = [sorted(r, key=itemgetter(0)) for r in by_case.values() if len(r) > 1]
    assert repacked
    for (packed, pallet, unpacked, unpacked_by), (repacked_at, new_pallet, still, _) in (
        rows[:2] for rows in repacked
    ):
        assert pallet != new_pallet
        assert unpacked_by is not None
        assert unpacked is not None
        assert packed < unpacked <= repacked_at
        assert still is None


def _forward_reach(edges: list[tuple[uuid.UUID, uuid.UUID]], start: uuid.UUID) -> int:
    children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for parent, child in edges:
        children[parent].append(child)
    seen: set[uuid.UUID] = set()
    frontier = [start]
    while frontier:
        node = frontier.pop()
        for child in children[node]:
            if child not in seen:
                seen.add(child)
                frontier.append(child)
    return len(seen)


def test_landmark_lots_reach_more_lots_in_the_right_order(
    engine: Engine, demo: DemoSummary
) -> None:
    with UnitOfWork(engine, write=False) as uow:
        stored = json.loads(Repository(uow.session).meta(LANDMARKS_META_KEY) or "{}")
        edges = [
            (p, c)
            for p, c in uow.session.execute(select(LotEdge.parent_lot_id, LotEdge.child_lot_id))
        ]
        names = {
            f"{part}/{code}": lot_id
            for lot_id, part, code in uow.session.execute(
                select(Lot.id, Product.part_number, Lot.lot_code).join(
                    Product, Product.id == Lot.product_id
                )
            )
        }
        pallet = uow.session.execute(
            select(Container.kind, Container.status).where(
                Container.code == stored["backward_pallet"]
            )
        ).one()
    assert stored == demo.landmarks
    assert tuple(pallet) == ("pallet", "shipped")
    reach = {
        name: _forward_reach(edges, names[stored[name]])
        for name in ("forward_100", "forward_1000", "forward_10000")
    }
    assert reach == demo.landmark_reach
    assert 0 < reach["forward_100"] < reach["forward_1000"] < reach["forward_10000"]


def test_every_event_carries_its_steps_epcis_vocabulary(engine: Engine, demo: DemoSummary) -> None:
    with UnitOfWork(engine, write=False) as uow:
        rows = list(
            uow.session.execute(
                select(
                    Event.step,
                    Event.event_type,
                    Event.action,
                    Event.biz_step,
                    Event.disposition,
                    Event.equipment_id,
                    Event.started_at,
                    Event.ended_at,
                    Event.event_time,
                )
            )
        )
    steps = set()
    for step, event_type, action, biz_step, disposition, equipment, started, ended, at in rows:
        vocabulary = STEP_VOCABULARY[HandlingStep(step)]
        assert (event_type, action, biz_step, disposition) == (
            vocabulary.event_type.value,
            vocabulary.action.value if vocabulary.action else None,
            vocabulary.biz_step,
            vocabulary.disposition,
        )
        if step == "produce":
            assert equipment is not None
            assert started < ended == at
        steps.add(step)
    assert steps == {"receive", "hold", "produce", "pack", "unpack", "ship"}


def test_a_second_demo_in_the_same_database_is_refused(engine: Engine, demo: DemoSummary) -> None:
    with pytest.raises(AlreadyExists):
        build_demo_plant(engine, seed=11, lots=LOTS, days=DAYS)


def test_the_build_leaves_the_migrated_schema_with_its_triggers(db_url: str) -> None:
    engine, _ = open_database(db_url)
    try:
        before = schema(engine)
        build_demo_plant(engine, seed=11, lots=LOTS, days=DAYS)
        assert schema(engine) == before  # indexes, constraints (all valid), triggers
        assert differences_from_models(engine) == []
    finally:
        engine.dispose()


def test_a_build_that_fails_midway_puts_every_index_and_key_back(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = schema(engine)
    seen_during: list[int] = []
    edges = PlantRows.lot_edges

    def failing_edges(self: PlantRows) -> Iterator[NativeRow]:
        with engine.connect() as connection:
            seen_during.append(len(secondary_indexes(connection, ["lot_edges"])))
        for number, row in enumerate(edges(self)):
            if number == 50:
                raise RuntimeError("disk full, say")
            yield row

    monkeypatch.setattr(PlantRows, "lot_edges", failing_edges)
    with pytest.raises(RuntimeError, match="disk full"):
        build_demo_plant(engine, seed=11, lots=LOTS, days=DAYS)
    assert seen_during == [0]  # the load really ran without the indexes
    assert schema(engine) == before


def _master_ids(plan: PlantPlan) -> MasterIds:
    """Made-up database ids for the master data a plan needs."""
    parts = [m.part for m in catalog.RAW_MATERIALS] + [r.part for r in catalog.RECIPES]
    parts += [s.part for s in catalog.SKUS]
    parties = [p.code for p in (*plan.suppliers, *plan.customers)]
    return MasterIds(
        products={part: uuid.uuid4() for part in parts},
        parties={code: uuid.uuid4() for code in parties},
        places={place.code: uuid.uuid4() for place in plan.places},
        user=uuid.uuid4(),
    )


def _event_ids(seed: int) -> list[str]:
    plan = plan_plant(seed=seed, lots=LOTS, days=DAYS)
    rows = PlantRows(plan, _master_ids(plan), SQLITE_TYPES)
    return [str(row[0]) for row in rows.events()]


def test_ids_are_the_same_for_the_same_seed_and_differ_for_another() -> None:
    assert _event_ids(3) == _event_ids(3)
    assert set(_event_ids(3)).isdisjoint(_event_ids(4))


def test_ids_are_version_7_uuids_of_the_records_time(engine: Engine, demo: DemoSummary) -> None:
    with UnitOfWork(engine, write=False) as uow:
        events = list(uow.session.execute(select(Event.id, Event.event_time)))
        lots = list(uow.session.scalars(select(Lot.id)))
        edges = list(
            uow.session.execute(
                select(LotEdge.id, Event.event_time).join(Event, Event.id == LotEdge.event_id)
            )
        )
    assert len(events) == demo.events
    for record_id, at in [*events, *edges]:
        assert record_id.version == 7
        assert record_id.variant == uuid.RFC_4122
        assert record_id.int >> 80 == int(at.timestamp() * 1000)
    assert all(lot_id.version == 7 for lot_id in lots)


def _balanced_plan() -> PlantPlan:
    plan = plan_plant(seed=11, lots=LOTS, days=DAYS)
    _check_mass_balance(plan.stock, plan.batches, plan.fills)  # as planned: nothing refused
    return plan


def test_the_plans_check_refuses_a_lot_that_gives_more_than_it_has() -> None:
    plan = _balanced_plan()
    lot = next(s for s in plan.stock if s.used > 1)
    lot.size = lot.used - 1  # one gram or unit short
    with pytest.raises(InsufficientQuantity, match=lot.lot_code):
        _check_mass_balance(plan.stock, plan.batches, plan.fills)


def test_the_plans_check_refuses_a_held_lot_that_gives() -> None:
    plan = _balanced_plan()
    lot = next(s for s in plan.stock if s.used)
    lot.held = True
    with pytest.raises(LotNotUsable, match=lot.lot_code):
        _check_mass_balance(plan.stock, plan.batches, plan.fills)


def test_the_plans_check_refuses_a_batch_overdrawn_by_its_fills() -> None:
    plan = _balanced_plan()
    batch = plan.batches[0]
    plan.fills[batch.fills[0]].grams += 1
    with pytest.raises(InsufficientQuantity, match=batch.lot_code):
        _check_mass_balance(plan.stock, plan.batches, plan.fills)


def test_the_plans_check_refuses_shipping_more_than_a_run_made_or_a_held_run() -> None:
    plan = _balanced_plan()
    fill = next(f for f in plan.fills if f.shipped_units)
    fill.shipped_units = fill.units + 1
    with pytest.raises(InsufficientQuantity, match=fill.lot_code):
        _check_mass_balance(plan.stock, plan.batches, plan.fills)
    fill.shipped_units = fill.units
    fill.held = True
    with pytest.raises(LotNotUsable, match=fill.lot_code):
        _check_mass_balance(plan.stock, plan.batches, plan.fills)
