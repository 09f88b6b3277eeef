"""Traces of random genealogies agree with a traversal written here from the definitions alone.

Each example writes a random genealogy (diamonds, unknown quantities, voided edges, cases on
pallets on trucks with pack/unpack intervals, cases repacked from one pallet to another, loose
and containerised shipments, voided shipments) into the test database under its own prefix,
traces one of its lots both ways and compares everything with the reference below. The
reference works differently from the engine: it asks what a container held at each instant from
the top down, instead of intersecting intervals from the bottom up, and it adds quantities in
lot-number order with exact fractions instead of pushing Decimals along a topological order.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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

_prefixes = itertools.count()
HOURS = range(0, 40)  # every pack, unpack and ship time falls on a whole hour in here
TOLERANCE = Fraction(1, 10**6)  # results are rounded to the 6 decimals of Numeric(18, 6)
PROPERTY_SETTINGS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# --- random genealogies -------------------------------------------------------------------------


@st.composite
def genealogies(draw: st.DrawFn) -> tuple[Genealogy, int]:
    """A random genealogy and the lot to trace from."""
    g = Genealogy(prefix=f"G{next(_prefixes)}X")
    g.suppliers = ["SUP1", "SUP2"]
    g.customers = ["CUST1", "CUST2", "CUST3"]
    count = draw(st.integers(2, 14))
    left: list[int] = []  # what each lot still has to give, in thousandths
    for lot in range(count):
        parents = draw(st.lists(st.integers(0, lot - 1), max_size=3, unique=True)) if lot else []
        parents = [p for p in parents if left[p] > 0 or g.lots[p].initial == 0]
        size = draw(st.one_of(st.integers(1, 100).map(lambda kg: kg * 1000), st.just(0)))
        if not parents:
            supplier = draw(st.integers(0, len(g.suppliers) - 1))
            g.lots.append(LotSpec(f"L{lot}", size, supplier, f"{g.prefix}-SL{lot}"))
        else:
            g.lots.append(LotSpec(f"L{lot}", size))
        left.append(size)
        for parent in parents:
            unknown = draw(st.integers(0, 9)) == 0
            # Imported data may name a lot of size 0 as a parent; it still gave something.
            # A parent mostly keeps some for later children (diamonds), sometimes gives all.
            quantity = draw(st.integers(1, max(left[parent] // 3, 1000)))
            quantity = min(quantity, left[parent]) if left[parent] else quantity
            voided = draw(st.integers(0, 11)) == 0
            if not unknown and not voided:
                left[parent] = max(0, left[parent] - quantity)
            g.edges.append(EdgeSpec(parent, lot, None if unknown else quantity, voided))
    levels = [draw(st.integers(0, 5)), draw(st.integers(0, 3)), draw(st.integers(0, 1))]
    kinds = ["case", "pallet", "truck"]
    by_level: list[list[int]] = []
    for level, how_many in enumerate(levels):
        by_level.append([])
        for _ in range(how_many):
            by_level[level].append(len(g.containers))
            g.containers.append(ContainerSpec(f"{g.prefix}-{kinds[level]}{len(g.containers)}"))
    hours = st.integers(0, 20)
    for case in by_level[0]:
        for _ in range(draw(st.integers(1, 3))):
            lot = draw(st.integers(0, count - 1))
            packed = draw(hours)
            unpacked = draw(st.one_of(st.none(), st.integers(packed + 1, packed + 10)))
            held = draw(st.one_of(st.integers(1, 50_000), st.integers(1, 50_000), st.none()))
            g.contents.append(ContentSpec(case, packed, unpacked, lot=lot, quantity=held))
    for level in (1, 2):
        outers = by_level[level]
        if not outers:
            continue
        for inner in (c for lower in by_level[:level] for c in lower):
            # One stay after another: a case unpacked from pallet P and repacked onto Q.
            moment = draw(hours)
            for _ in range(draw(st.integers(0, 3))):
                packed = moment + draw(st.integers(0, 3))
                stays = draw(st.integers(1, 6))
                unpacked = packed + stays if draw(st.booleans()) else None
                outer = draw(st.sampled_from(outers))
                g.contents.append(ContentSpec(outer, packed, unpacked, inner=inner))
                if unpacked is None:
                    break
                moment = unpacked
    for _ in range(draw(st.integers(0, 5))):
        chosen = (
            draw(st.lists(st.integers(0, len(g.containers) - 1), max_size=2, unique=True))
            if g.containers
            else []
        )
        loose = draw(
            st.lists(
                st.tuples(st.integers(0, count - 1), st.integers(1, 20_000)),
                max_size=2,
                unique_by=lambda item: item[0],
            )
        )
        g.shipments.append(
            ShipmentSpec(
                customer=draw(st.integers(0, len(g.customers) - 1)),
                shipped=draw(st.integers(2, 25)),
                containers=tuple(chosen),
                lots=tuple(loose),
                voided=draw(st.integers(0, 9)) == 0,
            )
        )
    # Early lots reach the most: trace from one of them more often than not.
    return g, draw(st.one_of(st.integers(0, min(2, count - 1)), st.integers(0, count - 1)))


# --- the reference traversal --------------------------------------------------------------------


def _exact(edge: EdgeSpec, g: Genealogy) -> bool:
    return edge.quantity is not None and g.lots[edge.parent].initial != 0


def _ratio(edge: EdgeSpec, g: Genealogy) -> Fraction:
    """The share of the parent that crossed; 1 (the whole amount, a bound) when unknown."""
    if not _exact(edge, g):
        return Fraction(1)
    assert edge.quantity is not None
    return Fraction(edge.quantity, g.lots[edge.parent].initial)


def _walk(g: Genealogy, start: int, *, forward: bool) -> dict[int, int]:
    """Fewest steps from the start lot to each lot it reaches along live edges."""
    depth = {start: 0}
    queue = deque([start])
    while queue:
        lot = queue.popleft()
        for edge in g.edges:
            near, far = (edge.parent, edge.child) if forward else (edge.child, edge.parent)
            if near == lot and not edge.voided and far not in depth:
                depth[far] = depth[lot] + 1
                queue.append(far)
    return depth


def _bounded(g: Genealogy, reached: dict[int, int], start: int, *, forward: bool) -> set[int]:
    """Lots reached over at least one edge whose share is unknown."""
    bounded: set[int] = set()
    for edge in g.edges:
        near, far = (edge.parent, edge.child) if forward else (edge.child, edge.parent)
        if not edge.voided and near in reached and not _exact(edge, g):
            bounded |= set(_walk(g, far, forward=forward))
    return bounded - {start}


def _forward_amounts(g: Genealogy, start: int, reached: dict[int, int]) -> dict[int, Fraction]:
    """Suspect kg in each lot: lots in number order, so every parent is complete before use."""
    amount = {lot: Fraction(0) for lot in reached}
    amount[start] = Fraction(g.lots[start].initial, 1000)
    for lot in sorted(reached):
        for edge in g.edges:
            if edge.parent == lot and not edge.voided and edge.child != start:
                amount[edge.child] += amount[lot] * _ratio(edge, g)
    return amount


def _backward_amounts(g: Genealogy, start: int, reached: dict[int, int]) -> dict[int, Fraction]:
    """kg of each upstream lot inside the start lot (fraction of it x its size)."""
    fraction = {lot: Fraction(0) for lot in reached}
    fraction[start] = Fraction(1)
    for lot in sorted(reached, reverse=True):  # children before their parents
        if lot == start:
            continue
        for edge in g.edges:
            if edge.parent == lot and not edge.voided and edge.child in reached:
                if _exact(edge, g):
                    assert edge.quantity is not None
                    fraction[lot] += (
                        Fraction(edge.quantity)
                        * fraction[edge.child]
                        / Fraction(g.lots[lot].initial)
                    )
                else:
                    fraction[lot] += fraction[edge.child]
    return {lot: f * Fraction(g.lots[lot].initial, 1000) for lot, f in fraction.items()}


def _inside(g: Genealogy, container: int, hour: int) -> list[ContentSpec]:
    """The lot content rows inside a container at an instant, nested ones too (top down). A
    container reached twice (imported data can nest a case both in a pallet and beside it, in
    the same truck) is looked into once: what it holds is in the truck once."""
    found: list[ContentSpec] = []
    pending = [container]
    opened: set[int] = set()
    while pending:
        here = pending.pop()
        if here in opened:
            continue
        opened.add(here)
        for row in g.contents:
            if (
                row.container == here
                and row.packed <= hour
                and (row.unpacked is None or hour < row.unpacked)
            ):
                if row.lot is not None:
                    found.append(row)
                else:
                    assert row.inner is not None
                    pending.append(row.inner)
    return found


@dataclass
class ExpectedShipment:
    customer: str
    lots: set[str]
    containers: set[str]
    quantity: Fraction
    bounded: bool


def _expected_shipments(
    g: Genealogy, amounts: dict[int, Fraction], bounded: set[int]
) -> dict[str, ExpectedShipment]:
    """Shipments that took suspect material, by delivery note, with the suspect kg on each."""
    result: dict[str, ExpectedShipment] = {}
    for number, shipment in enumerate(g.shipments):
        if shipment.voided:
            continue
        # (lot, quantity held, shipped container, counted): a content row travels once,
        # however it is nested; a second shipped container around it is named, not counted.
        carried: list[tuple[int, int | None, int | None, bool]] = [
            (lot, quantity, None, True) for lot, quantity in shipment.lots if lot in amounts
        ]
        loaded: set[int] = set()
        for container in shipment.containers:
            for row in _inside(g, container, shipment.shipped):
                if row.lot is not None and row.lot in amounts:
                    carried.append((row.lot, row.quantity, container, id(row) not in loaded))
                    loaded.add(id(row))
        if not carried:
            continue
        expected = ExpectedShipment(
            g.party_code(g.customers[shipment.customer]), set(), set(), Fraction(0), False
        )
        for lot, held, box, counted in carried:
            expected.lots.add(g.lot_name(lot))
            if box is not None:
                expected.containers.add(g.container_code(box))
            if not counted:
                continue
            size = g.lots[lot].initial
            if held is None or size == 0:
                expected.bounded = True
                continue
            expected.quantity += Fraction(held, 1000) * amounts[lot] / Fraction(size, 1000)
            expected.bounded = expected.bounded or lot in bounded
        result[f"{g.prefix}-DN{number}"] = expected
    return result


# --- comparing ----------------------------------------------------------------------------------


def _close(quantity: Quantity | None, expected: Fraction, what: str, *, terms: int = 1) -> None:
    """`quantity` is `expected` rounded to six decimals (a sum of `terms` rounded amounts)."""
    assert quantity is not None, what
    assert quantity.unit == "kg", what
    assert abs(Fraction(quantity.value) - expected) <= TOLERANCE * terms, (what, quantity, expected)


def _trace(engine: Engine, g: Genealogy, lot: int, direction: Direction) -> TraceResult:
    with UnitOfWork(engine, write=False) as uow:
        return trace(uow, code=g.lot_name(lot), direction=direction)


def _check_forward(engine: Engine, g: Genealogy, start: int) -> None:
    result = _trace(engine, g, start, Direction.FORWARD)
    reached = _walk(g, start, forward=True)
    amounts = _forward_amounts(g, start, reached)
    bounded = _bounded(g, reached, start, forward=True)
    names = {g.lot_name(lot): lot for lot in reached}
    assert result.start == (g.lot_name(start),)
    assert result.unit == "kg"
    assert {lot.name for lot in result.lots} == set(names)
    for traced in result.lots:
        lot = names[traced.name]
        assert traced.depth == reached[lot], traced.name
        assert traced.upper_bound is (lot in bounded), traced.name
        _close(traced.quantity, amounts[lot], traced.name)
    containers = {
        g.container_code(c)
        for c in range(len(g.containers))
        if any(row.lot in reached for hour in HOURS for row in _inside(g, c, hour))
    }
    assert {c.code for c in result.containers} == containers
    shipments = _expected_shipments(g, amounts, bounded)
    assert {s.reference_document for s in result.shipments} == set(shipments)
    for shipment in result.shipments:
        assert shipment.reference_document is not None
        expected = shipments[shipment.reference_document]
        assert shipment.customer == expected.customer
        assert set(shipment.lots) == expected.lots
        assert set(shipment.containers) == expected.containers
        assert shipment.upper_bound is expected.bounded, shipment.reference_document
        _close(shipment.quantity, expected.quantity, shipment.reference_document)
    customers: dict[str, list[ExpectedShipment]] = {}
    for expected in shipments.values():
        customers.setdefault(expected.customer, []).append(expected)
    assert [c.code for c in result.customers] == sorted(customers)
    for customer in result.customers:
        theirs = customers[customer.code]
        assert customer.shipments == len(theirs)
        assert set(customer.lots) == set().union(*(s.lots for s in theirs))
        assert customer.upper_bound is any(s.bounded for s in theirs)
        # A customer's total adds up the shipments' amounts as shown, each rounded to six places.
        total = sum((s.quantity for s in theirs), Fraction(0))
        _close(customer.quantity, total, customer.code, terms=len(theirs))
        assert customer.contact_email == f"recall@{customer.code.lower()}.example"


def _check_backward(engine: Engine, g: Genealogy, start: int) -> None:
    result = _trace(engine, g, start, Direction.BACKWARD)
    reached = _walk(g, start, forward=False)
    amounts = _backward_amounts(g, start, reached)
    bounded = _bounded(g, reached, start, forward=False)
    names = {g.lot_name(lot): lot for lot in reached}
    assert {lot.name for lot in result.lots} == set(names)
    for traced in result.lots:
        lot = names[traced.name]
        assert traced.depth == -reached[lot], traced.name
        assert traced.upper_bound is (lot in bounded), traced.name
        _close(traced.quantity, amounts[lot], traced.name)
    suppliers: dict[str, set[str]] = {}
    for lot in reached:
        spec = g.lots[lot]
        if spec.supplier is not None:
            code = g.party_code(g.suppliers[spec.supplier])
            suppliers.setdefault(code, set()).add(f"{g.lot_name(lot)} ({spec.supplier_lot_code})")
    assert {s.code: set(s.lots) for s in result.suppliers} == suppliers
    assert result.shipments == ()
    assert result.customers == ()


# --- the properties -----------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(case=genealogies())
def test_forward_trace_matches_an_independent_traversal_of_a_random_genealogy(
    engine: Engine, case: tuple[Genealogy, int]
) -> None:
    g, start = case
    write(engine, g)
    _check_forward(engine, g, start)


@PROPERTY_SETTINGS
@given(case=genealogies())
def test_backward_trace_matches_an_independent_traversal_of_a_random_genealogy(
    engine: Engine, case: tuple[Genealogy, int]
) -> None:
    g, start = case
    write(engine, g)
    _check_backward(engine, g, start)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=genealogies())
def test_a_lot_in_many_cases_on_one_pallet_counts_every_case_on_the_shipment(
    engine: Engine, case: tuple[Genealogy, int]
) -> None:
    # Cases of one lot hold the same quantity and share a pallet interval: the pallet must
    # still count each case, not merge identical-looking rows into one.
    g, start = case
    cases = [ContainerSpec(f"{g.prefix}-same{n}") for n in range(3)]
    first = len(g.containers)
    g.containers += [*cases, ContainerSpec(f"{g.prefix}-samepallet", "pallet")]
    pallet = first + len(cases)
    for n in range(len(cases)):
        g.contents.append(
            ContentSpec(
                first + n,
                packed=n,
                unpacked=None,
                lot=start,
                quantity=max(1, g.lots[start].initial // 4),
            )
        )
        g.contents.append(ContentSpec(pallet, packed=5, unpacked=None, inner=first + n))
    g.shipments.append(ShipmentSpec(customer=0, shipped=6, containers=(pallet,)))
    write(engine, g)
    _check_forward(engine, g, start)
