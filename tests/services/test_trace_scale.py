"""Deep, wide and broken genealogies: a 1,000-deep chain, a 10,000-wide fan-out, and cycles in
imported data, traced on SQLite and PostgreSQL without recursion limits or endless loops."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.domain.quantity import Quantity
from traceapp.domain.trace import Direction, TraceResult
from traceapp.services.trace import trace

from .genealogy_builder import (
    ContainerSpec,
    ContentSpec,
    EdgeSpec,
    Genealogy,
    LotSpec,
    ShipmentSpec,
    write,
)

DEPTH = 1_000
WIDTH = 10_000
KG = 1000  # thousandths per kg


def _trace(engine: Engine, code: str, direction: Direction) -> TraceResult:
    with UnitOfWork(engine, write=False) as uow:
        return trace(uow, code=code, direction=direction)


def _kg(amount: int | str) -> Quantity:
    return Quantity(Decimal(amount), "kg")


@pytest.mark.slow
def test_a_chain_1000_lots_deep_traces_to_its_end_and_back_to_its_supplier(
    engine: Engine,
) -> None:
    g = Genealogy(prefix="CHAIN", suppliers=["MILL"], customers=["SHOP"])
    g.lots = [LotSpec("L0", 100 * KG, supplier=0, supplier_lot_code="MILL-7")]
    g.lots += [LotSpec(f"L{n}", 100 * KG) for n in range(1, DEPTH)]
    # Each lot goes whole into the next: the suspect 100 kg reach the last lot undivided.
    g.edges = [EdgeSpec(n, n + 1, 100 * KG) for n in range(DEPTH - 1)]
    g.containers = [ContainerSpec("CHAIN-CASE"), ContainerSpec("CHAIN-PAL", "pallet")]
    g.contents = [
        ContentSpec(0, packed=1, unpacked=None, lot=DEPTH - 1, quantity=40 * KG),
        ContentSpec(1, packed=2, unpacked=None, inner=0),
    ]
    g.shipments = [ShipmentSpec(customer=0, shipped=3, containers=(1,))]
    write(engine, g)
    last = g.lot_name(DEPTH - 1)

    forward = _trace(engine, g.lot_name(0), Direction.FORWARD)
    assert len(forward.lots) == DEPTH
    assert [lot.depth for lot in forward.lots] == list(range(DEPTH))
    assert forward.lots[-1].name == last
    assert {lot.quantity for lot in forward.lots} == {_kg(100)}
    assert not any(lot.upper_bound for lot in forward.lots)
    assert {c.code for c in forward.containers} == {"CHAIN-CASE", "CHAIN-PAL"}
    assert [(c.code, c.quantity, c.lots) for c in forward.customers] == [
        ("CHAIN-SHOP", _kg(40), (last,))
    ]

    backward = _trace(engine, last, Direction.BACKWARD)
    assert len(backward.lots) == DEPTH
    assert backward.lots[0].name == g.lot_name(0)
    assert backward.lots[0].depth == -(DEPTH - 1)
    assert {lot.quantity for lot in backward.lots} == {_kg(100)}
    assert [s.code for s in backward.suppliers] == ["CHAIN-MILL"]


@pytest.mark.slow
def test_a_fan_out_to_10000_lots_reaches_every_lot_case_pallet_and_customer(
    engine: Engine,
) -> None:
    cases, pallets, customers = WIDTH // 100, WIDTH // 1000, 5
    g = Genealogy(
        prefix="FAN", suppliers=["MILL"], customers=[f"SHOP{n}" for n in range(customers)]
    )
    g.lots = [LotSpec("ROOT", WIDTH * KG, supplier=0, supplier_lot_code="MILL-9")]
    g.lots += [LotSpec(f"C{n}", 2 * KG) for n in range(WIDTH)]
    # Each child: 1 kg of the root and 1 kg of something else.
    g.edges = [EdgeSpec(0, n + 1, KG) for n in range(WIDTH)]
    g.containers = [ContainerSpec(f"FAN-CASE{n}") for n in range(cases)]
    g.containers += [ContainerSpec(f"FAN-PAL{n}", "pallet") for n in range(pallets)]
    g.contents = [
        ContentSpec(n // 100, packed=1, unpacked=None, lot=n + 1, quantity=2 * KG)
        for n in range(WIDTH)
    ]
    g.contents += [
        ContentSpec(cases + case // 10, packed=2, unpacked=None, inner=case)
        for case in range(cases)
    ]
    g.shipments = [
        ShipmentSpec(customer=n % customers, shipped=3, containers=(cases + n,))
        for n in range(pallets)
    ]
    write(engine, g)

    forward = _trace(engine, g.lot_name(0), Direction.FORWARD)
    assert len(forward.lots) == WIDTH + 1
    children = forward.lots[1:]
    assert {lot.depth for lot in children} == {1}
    assert {lot.quantity for lot in children} == {_kg(1)}
    assert not any(lot.upper_bound for lot in forward.lots)
    assert len(forward.containers) == cases + pallets
    assert len(forward.shipments) == pallets
    assert {s.quantity for s in forward.shipments} == {_kg(1000)}
    assert [(c.code, c.quantity, c.shipments) for c in forward.customers] == [
        (f"FAN-SHOP{n}", _kg(2000), 2) for n in range(customers)
    ]
    assert sum(len(c.lots) for c in forward.customers) == WIDTH

    backward = _trace(engine, g.lot_name(WIDTH // 2), Direction.BACKWARD)
    assert [(lot.name, lot.quantity) for lot in backward.lots] == [
        (g.lot_name(0), _kg(1)),
        (g.lot_name(WIDTH // 2), _kg(2)),
    ]
    assert [s.code for s in backward.suppliers] == ["FAN-MILL"]


def test_a_cycle_in_imported_genealogy_ends_and_flags_the_lots_on_and_after_it(
    engine: Engine,
) -> None:
    g = Genealogy(prefix="LOOP", suppliers=["MILL"], customers=["SHOP"])
    names = ["R", "A", "B", "C", "D", "X"]
    g.lots = [LotSpec("R", 20 * KG, supplier=0, supplier_lot_code="MILL-1")]
    g.lots += [LotSpec(name, 20 * KG) for name in names[1:]]
    r, a, b, c, d, x = range(len(names))
    # R -> A -> B -> C -> A is a cycle (written straight into lot_edges, as an import might);
    # C -> D leaves it; R -> X never touches it.
    g.edges = [
        EdgeSpec(r, a, 10 * KG),
        EdgeSpec(a, b, 10 * KG),
        EdgeSpec(b, c, 10 * KG),
        EdgeSpec(c, a, 1 * KG),
        EdgeSpec(c, d, 5 * KG),
        EdgeSpec(r, x, 10 * KG),
    ]
    # Containers nested in each other, as broken data may have it: the walk up must end too.
    g.containers = [ContainerSpec("LOOP-BOX1"), ContainerSpec("LOOP-BOX2")]
    g.contents = [
        ContentSpec(0, packed=1, unpacked=None, lot=d, quantity=5 * KG),
        ContentSpec(1, packed=2, unpacked=None, inner=0),
        ContentSpec(0, packed=3, unpacked=None, inner=1),
    ]
    g.shipments = [ShipmentSpec(customer=0, shipped=4, containers=(1,))]
    write(engine, g)

    forward = _trace(engine, g.lot_name(r), Direction.FORWARD)
    by_name = {lot.name: lot for lot in forward.lots}
    assert set(by_name) == {g.lot_name(n) for n in range(len(names))}
    flagged = {lot.name for lot in forward.lots if lot.upper_bound}
    assert flagged == {g.lot_name(n) for n in (a, b, c, d)}
    for n in (a, b, c, d):
        assert by_name[g.lot_name(n)].quantity == _kg(20)  # all of R: the safe ceiling
    assert by_name[g.lot_name(x)].quantity == _kg(10)
    assert {c.code for c in forward.containers} == {"LOOP-BOX1", "LOOP-BOX2"}
    assert [c.code for c in forward.customers] == ["LOOP-SHOP"]
    assert forward.customers[0].upper_bound

    backward = _trace(engine, g.lot_name(d), Direction.BACKWARD)
    assert {lot.name for lot in backward.lots} == {g.lot_name(n) for n in (r, a, b, c, d)}
    assert {lot.name for lot in backward.lots if lot.upper_bound} == {
        g.lot_name(n) for n in (r, a, b, c)
    }
    assert [s.code for s in backward.suppliers] == ["LOOP-MILL"]


def test_a_trace_starting_on_a_cycle_ends_and_flags_the_rest_of_the_cycle(
    engine: Engine,
) -> None:
    g = Genealogy(prefix="RING")
    g.lots = [LotSpec(f"L{n}", 10 * KG) for n in range(3)]
    g.edges = [EdgeSpec(n, (n + 1) % 3, 5 * KG) for n in range(3)]
    write(engine, g)
    for direction in (Direction.FORWARD, Direction.BACKWARD):
        result = _trace(engine, g.lot_name(0), direction)
        assert len(result.lots) == 3
        start = next(lot for lot in result.lots if lot.depth == 0)
        assert start.quantity == _kg(10)
        assert not start.upper_bound
        assert all(lot.upper_bound for lot in result.lots if lot.depth != 0)
