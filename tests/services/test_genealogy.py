"""Genealogy one level at a time: what the graph loads when a person expands a node."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import InvalidInput, PermissionDenied, UnknownCode
from traceapp.domain.genealogy import GraphNode, Neighbours, NodeKey, NodeKind, Step
from traceapp.domain.quantity import Quantity
from traceapp.services import genealogy
from traceapp.services.corrections import correct
from traceapp.services.masterdata import actor_for
from traceapp.services.packing import PackItem, pack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.shipping import ship

from .conftest import Plant
from .genealogy_builder import EdgeSpec, Genealogy, LotSpec, write

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _start(plant: Plant, code: str) -> GraphNode:
    with plant.uow() as uow:
        return genealogy.start_node(uow, actor=plant.actor, code=code)


def _level(
    plant: Plant, node: GraphNode | NodeKey, step: Step, limit: int = 25, offset: int = 0
) -> Neighbours:
    key = node.key if isinstance(node, GraphNode) else node
    with plant.uow() as uow:
        return genealogy.neighbours(
            uow, actor=plant.actor, key=key, step=step, limit=limit, offset=offset
        )


def _labels(level: Neighbours) -> list[tuple[str, str, str | None]]:
    return [
        (link.node.key.kind.value, link.node.label, str(link.quantity) if link.quantity else None)
        for link in level.links
    ]


def _mix(plant: Plant, inputs: dict[str, str], outputs: dict[str, str], hours: float) -> uuid.UUID:
    with plant.uow() as uow:
        result = produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec(code, Quantity.parse(q)) for code, q in inputs.items()],
            outputs=[
                OutputSpec(*name.split("/"), Quantity.parse(q)) for name, q in outputs.items()
            ],
            event_time=_at(hours),
        )
    return result.event.id


def _bakery(plant: Plant) -> None:
    """F-1 and S-1 -> DOUGH/D-1 -> COOKIE/C-1 in CASE-1 on PAL-1, shipped to Shop 1."""
    plant.receive("F-1", "100 kg")
    plant.receive("S-1", "50 kg", product="SUGAR")
    _mix(plant, {"F-1": "40 kg", "S-1": "10 kg"}, {"DOUGH/D-1": "50 kg"}, 1)
    _mix(plant, {"DOUGH/D-1": "50 kg"}, {"COOKIE/C-1": "400 ea"}, 2)
    with plant.uow() as uow:
        pack(
            uow,
            actor=plant.actor,
            container="CASE-1",
            kind="case",
            items=[PackItem("COOKIE/C-1")],
            event_time=_at(3),
        )
    with plant.uow() as uow:
        pack(
            uow,
            actor=plant.actor,
            container="PAL-1",
            kind="pallet",
            items=[PackItem("CASE-1")],
            event_time=_at(4),
        )
    with plant.uow() as uow:
        ship(
            uow,
            actor=plant.actor,
            customer="SHOP1",
            items=[PackItem("PAL-1")],
            event_time=_at(5),
            reference_document="DN-77",
        )


def test_a_lot_shows_its_inputs_to_the_left_and_its_outputs_to_the_right(plant: Plant) -> None:
    _bakery(plant)
    dough = _start(plant, "DOUGH/D-1")
    assert (dough.label, dough.detail, dough.status) == ("DOUGH/D-1", "Dough", "consumed")
    assert (dough.backward, dough.forward) == (2, 1)
    backward = _level(plant, dough, Step.BACKWARD)
    assert _labels(backward) == [("lot", "FLOUR/F-1", "40 kg"), ("lot", "SUGAR/S-1", "10 kg")]
    assert backward.total == 2
    assert backward.remaining == 0
    assert _labels(_level(plant, dough, Step.FORWARD)) == [("lot", "COOKIE/C-1", "50 kg")]


def test_forward_from_a_lot_reaches_case_pallet_shipment_and_customer(plant: Plant) -> None:
    _bakery(plant)
    cookies = _start(plant, "COOKIE/C-1")
    case = _level(plant, cookies, Step.FORWARD)
    assert _labels(case) == [("container", "CASE-1", "400 ea")]
    pallet = _level(plant, case.links[0].node, Step.FORWARD)
    assert _labels(pallet) == [("container", "PAL-1", None)]
    shipment = _level(plant, pallet.links[0].node, Step.FORWARD)
    assert _labels(shipment) == [("shipment", "Shipment DN-77", None)]
    assert shipment.links[0].node.detail == "to Shop 1, 2026-03-02"
    customer = _level(plant, shipment.links[0].node, Step.FORWARD)
    assert _labels(customer) == [("customer", "Shop 1", None)]
    assert customer.links[0].node.forward == 0
    # And back again: the customer's shipments, the shipment's pallet, the pallet's case.
    assert _labels(_level(plant, customer.links[0].node, Step.BACKWARD)) == [
        ("shipment", "Shipment DN-77", None)
    ]
    assert _labels(_level(plant, pallet.links[0].node, Step.BACKWARD)) == [
        ("container", "CASE-1", None)
    ]


def test_a_received_lot_leads_back_to_its_supplier_and_the_supplier_to_its_lots(
    plant: Plant,
) -> None:
    _bakery(plant)
    flour = _start(plant, "F-1")
    supplier = _level(plant, flour, Step.BACKWARD)
    assert _labels(supplier) == [("supplier", "Northern Mill", None)]
    lots = _level(plant, supplier.links[0].node, Step.FORWARD)
    assert sorted(label for _, label, _ in _labels(lots)) == ["FLOUR/F-1", "SUGAR/S-1"]


def test_a_scanned_container_code_starts_the_graph_at_the_container(plant: Plant) -> None:
    _bakery(plant)
    pallet = _start(plant, "PAL-1")
    assert (pallet.key.kind, pallet.label, pallet.detail, pallet.status) == (
        NodeKind.CONTAINER,
        "PAL-1",
        "pallet",
        "shipped",
    )
    assert (pallet.backward, pallet.forward) == (1, 1)


def test_many_neighbours_come_a_page_at_a_time_with_the_count_of_the_rest(plant: Plant) -> None:
    plant.receive("F-1", "100 kg")
    _mix(plant, {"F-1": "12 kg"}, {f"DOUGH/D-{i:02}": f"{i} kg" for i in range(1, 13)}, 1)
    flour = _start(plant, "F-1")
    assert flour.forward == 12
    first = _level(plant, flour, Step.FORWARD, limit=5)
    # The largest share first: D-12 got 12/78 of the 12 kg of flour.
    assert [link.node.label for link in first.links] == [
        "DOUGH/D-12",
        "DOUGH/D-11",
        "DOUGH/D-10",
        "DOUGH/D-09",
        "DOUGH/D-08",
    ]
    assert (first.total, first.remaining) == (12, 7)
    second = _level(plant, flour, Step.FORWARD, limit=5, offset=5)
    last = _level(plant, flour, Step.FORWARD, limit=5, offset=10)
    assert (second.remaining, last.remaining, len(last.links)) == (2, 0, 2)
    seen = [link.node.label for page in (first, second, last) for link in page.links]
    assert sorted(seen) == [f"DOUGH/D-{i:02}" for i in range(1, 13)]


def test_a_corrected_transformation_no_longer_links_its_lots(plant: Plant) -> None:
    plant.receive("F-1", "100 kg")
    event_id = _mix(plant, {"F-1": "10 kg"}, {"DOUGH/D-1": "10 kg"}, 1)
    _mix(plant, {"F-1": "5 kg"}, {"DOUGH/D-2": "5 kg"}, 2)
    with UnitOfWork(plant.engine) as uow:
        supervisor = actor_for(uow)
    with plant.uow() as uow:
        correct(uow, actor=supervisor, event=event_id, reason="wrong flour lot scanned")
    flour = _start(plant, "F-1")
    assert flour.forward == 1
    assert _labels(_level(plant, flour, Step.FORWARD)) == [("lot", "DOUGH/D-2", "5 kg")]


def test_an_unknown_code_and_a_bad_page_are_refused_with_a_reason(plant: Plant) -> None:
    plant.receive("F-1", "100 kg")
    with pytest.raises(UnknownCode):
        _start(plant, "NOPE-1")
    flour = _start(plant, "F-1")
    with pytest.raises(InvalidInput):
        _level(plant, flour, Step.FORWARD, limit=0)


def test_reading_the_graph_needs_the_read_permission(plant: Plant) -> None:
    plant.receive("F-1", "100 kg")
    nobody = Actor(user_id=plant.actor.user_id, username="mallory", role="visitor")
    with plant.uow() as uow, pytest.raises(PermissionDenied):
        genealogy.start_node(uow, actor=nobody, code="F-1")


def test_a_lot_with_ten_thousand_children_loads_one_page_in_a_few_queries(
    engine: Engine, admin: Actor
) -> None:
    fan = Genealogy(
        prefix="FAN",
        lots=[LotSpec("ROOT", 10_000_000)] + [LotSpec(f"C{i:05}", 1000) for i in range(10_000)],
        edges=[EdgeSpec(0, i, 1000) for i in range(1, 10_001)],
    )
    written = write(engine, fan)
    root = NodeKey(NodeKind.LOT, written.lots[0])
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    # Speed is the benchmarks' question; here: one page costs a fixed handful of queries, not one
    # per child (a query per child would be 10,000 here).
    event.listen(engine, "before_cursor_execute", count)
    try:
        with UnitOfWork(engine, write=False) as uow:
            level = genealogy.neighbours(uow, actor=admin, key=root, step=Step.FORWARD)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert (len(level.links), level.total, level.remaining) == (25, 10_000, 9_975)
    assert level.links[0].quantity == Quantity(Decimal(1), "kg")
    assert all(link.node.backward == 1 for link in level.links)
    assert len(statements) <= 12, statements
