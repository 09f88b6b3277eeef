"""The trace's columnar reads (`trace_columns.whereabouts`, `TraceReader.closure`) against the
row-level reads already tested against an independent walk, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine, text

from tests.db.test_trace_walk import CASE_A, CASE_B, PALLET_P, PALLET_Q, TRUCK, _genealogy
from tests.services.genealogy_builder import (
    ContainerSpec,
    ContentSpec,
    EdgeSpec,
    Genealogy,
    LotSpec,
    ShipmentSpec,
    Written,
    at,
    write,
)
from tests.services.test_trace_properties import genealogies
from traceapp.db import trace_columns
from traceapp.db.trace_columns import ShipmentHead, Whereabouts
from traceapp.db.trace_walk import (
    Closure,
    ContainerRow,
    LotRow,
    RawId,
    ShipmentLine,
    TraceReader,
    closure_of,
)
from traceapp.db.uow import UnitOfWork
from traceapp.services.masterdata import ensure_builtin_users

PROPERTY_SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# (shipment id, container id or None for loose, lot id, quantity to 6 decimals or None, repeat)
Line = tuple[RawId, RawId | None, RawId, float | None, bool]
# (parent id, child id, quantity to 6 decimals or None)
EdgeKey = tuple[RawId, RawId, float | None]


class Reads(NamedTuple):
    """One set of lots read both ways: columns, and the row-level reference."""

    lots: list[RawId]
    columns: Whereabouts
    containers: list[ContainerRow]  # held_in_containers
    lines: list[ShipmentLine]  # shipments_of
    from_lines: Whereabouts  # trace_columns.from_lines of the two above


def _quantity(value: object) -> float | None:
    """A quantity to compare: six decimals (Numeric(18, 6)); None for unknown (None or NaN)."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else round(number, 6)


def _read(engine: Engine, lots: Sequence[uuid.UUID]) -> Reads:
    with UnitOfWork(engine, write=False) as uow:
        reader = TraceReader(uow.session)
        ids = [reader.raw_id(lot) for lot in lots]
        columns = reader.whereabouts(ids)
        stays, containers = reader.held_in_containers(ids)
        lines = reader.shipments_of(ids, stays)
    return Reads(ids, columns, containers, lines, trace_columns.from_lines(ids, containers, lines))


def _checked_shape(w: Whereabouts, lot_count: int) -> None:
    """Columns of one length and dtype, every number pointing at something, nothing twice."""
    count = len(w.shipment)
    assert [len(w.container), len(w.lot), len(w.quantity), len(w.repeat)] == [count] * 4
    assert w.shipment.dtype == np.int64
    assert w.container.dtype == np.int64
    assert w.lot.dtype == np.int64
    assert w.quantity.dtype == np.float64
    assert w.repeat.dtype == np.bool_
    if count:
        assert w.shipment.min() >= 0
        assert w.shipment.max() < len(w.shipments)
        assert w.container.min() >= -1
        assert w.container.max() < len(w.containers)
        assert w.lot.min() >= 0
        assert w.lot.max() < lot_count
    assert len({info.id for info in w.containers}) == len(w.containers)
    assert len({head.shipment_id for head in w.shipments}) == len(w.shipments)
    assert all(isinstance(info, ContainerRow) for info in w.containers)
    assert all(isinstance(head, ShipmentHead) for head in w.shipments)


def _lines(w: Whereabouts, lots: Sequence[RawId]) -> Counter[Line]:
    _checked_shape(w, len(lots))
    return Counter(
        (
            w.shipments[shipment].shipment_id,
            None if box < 0 else w.containers[box].id,
            lots[lot],
            _quantity(quantity),
            repeat,
        )
        for shipment, box, lot, quantity, repeat in _line_columns(w)
    )


def _line_columns(w: Whereabouts) -> Iterator[tuple[int, int, int, float, bool]]:
    """Each shipment line of `w` as (shipment, container, lot, quantity, repeat)."""
    return zip(
        w.shipment.tolist(),
        w.container.tolist(),
        w.lot.tolist(),
        w.quantity.tolist(),
        w.repeat.tolist(),
        strict=True,
    )


def _reference_lines(lines: Sequence[ShipmentLine]) -> Counter[Line]:
    return Counter(
        (line.shipment_id, line.container_id, line.lot_id, _quantity(line.quantity), line.repeat)
        for line in lines
    )


def _used_heads(w: Whereabouts) -> set[ShipmentHead]:
    return {w.shipments[n] for n in set(w.shipment.tolist())}


def _reference_heads(lines: Sequence[ShipmentLine]) -> set[ShipmentHead]:
    return {ShipmentHead(*line[:9]) for line in lines}


def _without_repeat(lines: Counter[Any]) -> Counter[tuple[object, ...]]:
    merged: Counter[tuple[object, ...]] = Counter()
    for line, n in lines.items():
        merged[line[:4]] += n
    return merged


def _without_container(lines: Counter[Any]) -> Counter[tuple[object, ...]]:
    merged: Counter[tuple[object, ...]] = Counter()
    for line, n in lines.items():
        merged[(line[0], *line[2:])] += n
    return merged


def _assert_agree(reads: Reads, *, exact_repeats: bool) -> None:
    """Whereabouts and from_lines say what the row-level reads say.

    Which of two lines of one content row on one shipment is the `repeat` is not specified
    when they name different containers (a case shipped in its pallet and beside it): with
    `exact_repeats` off, lines are compared without the flag, and the flags per shipment,
    lot and quantity (what a repeat shares with its counted line)."""
    expected = _reference_lines(reads.lines)
    for w in (reads.columns, reads.from_lines):
        found = _lines(w, reads.lots)
        if exact_repeats:
            assert found == expected
        else:
            assert _without_repeat(found) == _without_repeat(expected)
            assert _without_container(found) == _without_container(expected)
        assert set(w.containers) == set(reads.containers)
        assert _used_heads(w) == _reference_heads(reads.lines)
        for head in w.shipments:
            assert head.shipped_at.tzinfo is not None
            assert head.shipped_at.utcoffset() == UTC.utcoffset(None)


def _names(written: Written, reads: Reads) -> tuple[dict[RawId, int], ...]:
    """Database ids back to the genealogy's numbers: lots, containers, shipments."""
    spell = (lambda value: value.hex) if len(reads.lots[0]) == 32 else str
    return tuple(
        {spell(value): n for n, value in enumerate(ids)}
        for ids in (written.lots, written.containers, written.shipments)
    )


def _by_number(written: Written, reads: Reads) -> Counter[tuple[object, ...]]:
    """The columns' lines as (shipment, container or None, lot, quantity, repeat) numbers."""
    lots, boxes, shipments = _names(written, reads)
    w = reads.columns
    return Counter(
        (
            shipments[w.shipments[s].shipment_id],
            None if c < 0 else boxes[w.containers[c].id],
            lots[reads.lots[lot]],
            _quantity(q),
            r,
        )
        for s, c, lot, q, r in _line_columns(w)
    )


# --- whereabouts on fixed genealogies -----------------------------------------------------------


def test_whereabouts_of_repacked_cases_match_the_row_reads(engine: Engine) -> None:
    g = _genealogy()
    written = write(engine, g)
    reads = _read(engine, written.lots)
    _assert_agree(reads, exact_repeats=True)
    w = reads.columns
    assert set(w.shipments) == _reference_heads(reads.lines)  # every shipment took something
    # The truck left at 5 with only case B's L0 (case A had moved from P to Q at 5); pallet Q
    # left at 7 with case A: L0 twice (two alike content rows), L1 once.
    assert _by_number(written, reads) == Counter(
        {
            (0, TRUCK, 0, 5.0, False): 1,
            (1, PALLET_Q, 0, 10.0, False): 2,
            (1, PALLET_Q, 1, 7.0, False): 1,
        }
    )
    assert sorted(info.code for info in w.containers) == sorted(
        g.container_code(n) for n in (CASE_A, CASE_B, PALLET_P, PALLET_Q, TRUCK)
    )
    heads = sorted(w.shipments, key=lambda head: head.shipped_at)
    assert [head.shipped_at for head in heads] == [at(5), at(7)]
    assert [head.reference_document for head in heads] == ["WALK-DN0", "WALK-DN1"]
    assert {head.customer_code for head in heads} == {"WALK-SHOP"}
    assert {head.contact_email for head in heads} == {"recall@walk-shop.example"}


def test_a_nesting_cycle_in_imported_data_ends_and_matches_the_row_reads(engine: Engine) -> None:
    # Case A inside B from 2 to 6 and B inside A from 3 to 5: the lot in A reaches B over
    # [2, 6), A again over [3, 5), B again over [3, 5), and then nothing new.
    a, b = 0, 1
    g = Genealogy(prefix="CYC", customers=["SHOP"])
    g.lots = [LotSpec("L0", 10_000)]
    g.containers = [ContainerSpec("CYC-A"), ContainerSpec("CYC-B")]
    g.contents = [
        ContentSpec(a, packed=1, unpacked=None, lot=0, quantity=4_000),
        ContentSpec(b, packed=2, unpacked=6, inner=a),
        ContentSpec(a, packed=3, unpacked=5, inner=b),
    ]
    g.shipments = [
        ShipmentSpec(customer=0, shipped=4, containers=(b,)),  # inside B both ways round
        ShipmentSpec(customer=0, shipped=5, containers=(b,)),  # only by the first nesting
        ShipmentSpec(customer=0, shipped=6, containers=(b,)),  # A had left B at 6
    ]
    written = write(engine, g)
    reads = _read(engine, written.lots)
    _assert_agree(reads, exact_repeats=True)
    # Shipped at 4 the content row travels once, its second way in marked a repeat.
    assert _by_number(written, reads) == Counter(
        {(0, b, 0, 4.0, False): 1, (0, b, 0, 4.0, True): 1, (1, b, 0, 4.0, False): 1}
    )
    assert sorted(info.code for info in reads.columns.containers) == ["CYC-A", "CYC-B"]


def test_loose_voided_unknown_and_doubly_nested_shipments(engine: Engine) -> None:
    case, pallet, truck = 0, 1, 2
    g = Genealogy(prefix="LOOSE", customers=["SHOP", "MART"])
    g.lots = [LotSpec("L0", 50_000), LotSpec("L1", 20_000), LotSpec("L2", 9_000)]
    g.containers = [
        ContainerSpec("LOOSE-CASE"),
        ContainerSpec("LOOSE-PAL", "pallet"),
        ContainerSpec("LOOSE-TRUCK", "truck"),
    ]
    g.contents = [
        ContentSpec(case, packed=1, unpacked=None, lot=1, quantity=None),  # unknown: NaN
        ContentSpec(case, packed=1, unpacked=None, lot=2, quantity=3_000),
        ContentSpec(pallet, packed=2, unpacked=None, inner=case),
        # Imported data: the case both on the pallet and beside it in the same truck, over
        # the same hours: one stay in the truck, which travels once.
        ContentSpec(truck, packed=3, unpacked=None, inner=pallet),
        ContentSpec(truck, packed=3, unpacked=None, inner=case),
    ]
    g.shipments = [
        ShipmentSpec(customer=0, shipped=2, lots=((0, 1_500), (1, 2_250))),
        ShipmentSpec(customer=1, shipped=3, lots=((0, 8_000),), voided=True),
        ShipmentSpec(customer=1, shipped=4, containers=(case,), voided=True),
        ShipmentSpec(customer=1, shipped=5, containers=(truck,)),
        # The pallet and the truck it stands in, both named: the case's rows counted once.
        ShipmentSpec(customer=0, shipped=6, containers=(pallet, truck)),
    ]
    written = write(engine, g)
    # Asked about L1 and L0 only, in that order: L2's lines stay out, lots are numbered so.
    reads = _read(engine, [written.lots[1], written.lots[0]])
    _assert_agree(reads, exact_repeats=False)
    found = _by_number(written, reads)
    assert _without_repeat(found) == Counter(
        {
            (0, None, 0, 1.5): 1,
            (0, None, 1, 2.25): 1,
            (3, truck, 1, None): 1,
            (4, pallet, 1, None): 1,
            (4, truck, 1, None): 1,
        }
    )
    assert Counter((line[0], line[4]) for line in found.elements()) == Counter(
        {(0, False): 2, (3, False): 1, (4, False): 1, (4, True): 1}
    )
    w = reads.columns
    loose = w.container == -1
    assert sorted(w.lot[loose].tolist()) == [0, 1]
    assert w.lot[~loose].tolist() == [0, 0, 0]  # L1 is lot 0 of those asked
    assert np.isnan(w.quantity[~loose]).all()
    assert {head.reference_document for head in w.shipments} == {
        "LOOSE-DN0",
        "LOOSE-DN3",
        "LOOSE-DN4",
    }
    # Everything asked at once: L2's known quantity travels the same ways.
    every = _read(engine, written.lots)
    _assert_agree(every, exact_repeats=False)
    l2 = Counter(line[:4] for line in _by_number(written, every).elements() if line[2] == 2)
    assert l2 == Counter({(3, truck, 2, 3.0): 1, (4, pallet, 2, 3.0): 1, (4, truck, 2, 3.0): 1})


def test_no_lots_and_lots_in_no_container(engine: Engine) -> None:
    g = Genealogy(prefix="NONE", customers=["SHOP"])
    g.lots = [LotSpec("L0", 1_000)]
    written = write(engine, g)
    for asked in ([], written.lots):
        reads = _read(engine, asked)
        _assert_agree(reads, exact_repeats=True)
        assert reads.columns.containers == []
        assert reads.columns.shipments == []
        assert len(reads.columns.shipment) == 0


def test_a_sqlite_file_without_the_covering_indexes_reads_the_same_whereabouts(
    sqlite_engine: Engine,
) -> None:
    with UnitOfWork(sqlite_engine) as uow:
        ensure_builtin_users(uow)
    written = write(sqlite_engine, _genealogy())
    covered = _read(sqlite_engine, written.lots)
    with sqlite_engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_lots_trace_row")
        connection.exec_driver_sql("DROP INDEX ix_containers_trace_row")
    plain = _read(sqlite_engine, written.lots)
    _assert_agree(plain, exact_repeats=True)
    assert _lines(plain.columns, plain.lots) == _lines(covered.columns, covered.lots)
    assert set(plain.columns.containers) == set(covered.columns.containers)


# --- closure ------------------------------------------------------------------------------------


def _closure_parts(closure: Closure) -> tuple[set[LotRow], Counter[EdgeKey]]:
    lots = closure.lots
    assert len({row.id for row in lots}) == len(lots)  # each lot once
    count = len(closure.parent)
    assert len(closure.child) == count
    assert len(closure.given) == count
    return set(lots), Counter(
        (lots[parent].id, lots[child].id, _quantity(quantity))
        for parent, child, quantity in zip(
            closure.parent.tolist(), closure.child.tolist(), closure.given.tolist(), strict=True
        )
    )


def _closures_agree(engine: Engine, start: Sequence[uuid.UUID]) -> dict[bool, Closure]:
    """closure and closure_of(genealogy) agree, both ways; the closures by direction."""
    found: dict[bool, Closure] = {}
    with UnitOfWork(engine, write=False) as uow:
        reader = TraceReader(uow.session)
        ids = [reader.raw_id(lot) for lot in start]
        for forward in (True, False):
            columns = reader.closure(ids, forward=forward)
            edges, rows = reader.genealogy(ids, forward=forward)
            assert _closure_parts(columns) == _closure_parts(closure_of(rows, edges)), forward
            assert {row.id for row in columns.lots} >= set(ids)
            found[forward] = columns
    return found


def test_closure_matches_the_row_closure_on_a_diamond_with_a_cycle(engine: Engine) -> None:
    g = Genealogy(prefix="DIA", suppliers=["SUP"])
    g.lots = [LotSpec("L0", 10_000, 0, "S0")] + [LotSpec(f"L{n}", 5_000) for n in range(1, 6)]
    g.edges = [
        EdgeSpec(0, 1, 2_000),
        EdgeSpec(0, 2, 3_000),
        EdgeSpec(1, 3, 1_000),
        EdgeSpec(1, 3, 1_000),  # alike in every column: two edges still
        EdgeSpec(2, 3, None),  # unknown: NaN
        EdgeSpec(3, 4, 500, voided=True),  # ignored
        EdgeSpec(3, 0, 250),  # a cycle in imported data
        EdgeSpec(5, 2, 125),  # an ancestor of L2 only
    ]
    written = write(engine, g)
    found = _closures_agree(engine, written.lots[:1])
    lot = {value: n for n, value in enumerate(written.lots)}
    spell = (lambda value: value.hex) if len(found[True].lots[0].id) == 32 else str
    number = {spell(value): n for value, n in lot.items()}

    def edges(closure: Closure) -> Counter[tuple[int, int, float | None]]:
        return Counter(
            (number[parent], number[child], quantity)
            for parent, child, quantity in _closure_parts(closure)[1].elements()
        )

    assert sorted(number[row.id] for row in found[True].lots) == [0, 1, 2, 3]
    assert edges(found[True]) == Counter(
        {(0, 1, 2.0): 1, (0, 2, 3.0): 1, (1, 3, 1.0): 2, (2, 3, None): 1, (3, 0, 0.25): 1}
    )
    assert sorted(number[row.id] for row in found[False].lots) == [0, 1, 2, 3, 5]
    assert edges(found[False]) == edges(found[True]) + Counter({(5, 2, 0.125): 1})
    (first,) = [row for row in found[True].lots if number[row.id] == 0]
    assert (first.lot_code, first.supplier_code, first.supplier_lot_code) == ("L0", "DIA-SUP", "S0")


# --- random genealogies -------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(case=genealogies())
def test_columns_match_the_row_reads_on_a_random_genealogy(
    engine: Engine, case: tuple[Genealogy, int]
) -> None:
    g, start = case
    written = write(engine, g)
    # Every lot, asked in reverse order (lot numbers are places in the list asked about).
    reads = _read(engine, written.lots[::-1])
    _assert_agree(reads, exact_repeats=False)
    # The closure of the start lot both ways, and its whereabouts as a trace would ask.
    closures = _closures_agree(engine, [written.lots[start]])
    traced = [uuid.UUID(row.id) for row in closures[True].lots]
    _assert_agree(_read(engine, traced), exact_repeats=False)


@pytest.mark.parametrize(
    ("lot_code", "supplier_lot_code"), [("A,1", ""), ("A\x1f1", ""), ("A-1", "\x1e")]
)
def test_the_closure_keeps_awkward_values(
    engine: Engine, lot_code: str, supplier_lot_code: str
) -> None:
    """Separators and control characters in codes (the joined closure's separators, and the
    character it spells a missing supplier lot code with), an empty supplier lot code beside a
    missing one, unknown edge quantities and a float that needs 17 digits come back as the row
    reads give them, and as written."""
    g = Genealogy(prefix="ODD", suppliers=["SUP"])
    g.lots = [
        LotSpec(lot_code, 10_000, 0, "S-1"),
        LotSpec("B;2", 5_000, 0, None),
        LotSpec("C 3", 5_000),
    ]
    g.edges = [EdgeSpec(0, 1, 2_000), EdgeSpec(0, 2, None), EdgeSpec(1, 2, 1)]
    written = write(engine, g)
    with engine.begin() as connection:
        connection.execute(
            # A supplier lot code that is empty (not missing) or spelled as the joined closure
            # spells a missing one, and a quantity of 17 digits.
            text(
                "UPDATE lots SET initial_quantity = :q, on_hand = :q, supplier_lot_code = :slc "
                "WHERE lot_code = :code"
            ),
            {"q": 0.1 + 0.2, "code": lot_code, "slc": supplier_lot_code},
        )
        connection.execute(
            text("UPDATE lot_edges SET quantity = :q WHERE quantity = 2"), {"q": 0.1 + 0.2}
        )
    found = _closures_agree(engine, written.lots[:1])
    lots = {row.lot_code: row for row in found[True].lots}
    assert set(lots) == {lot_code, "B;2", "C 3"}
    assert lots[lot_code].supplier_lot_code == supplier_lot_code
    assert lots["B;2"].supplier_lot_code is None
    assert lots["C 3"].supplier_code is None
    assert float(lots[lot_code].initial) == pytest.approx(0.3)
    assert np.isnan(found[True].given).sum() == 1
    # To the last bit, as the driver reads it (PostgreSQL's numeric(18, 6) rounded it on write).
    assert (0.1 + 0.2 if engine.dialect.name == "sqlite" else 0.3) in found[True].given.tolist()


@pytest.mark.parametrize("code", ["CASE,A", "CASE\x1fA", "CASE;A"])
def test_whereabouts_keep_awkward_codes_and_quantities(engine: Engine, code: str) -> None:
    """A container code holding a separator (read as rows then), kind and status as written,
    an unknown quantity and one that needs 17 digits: as the row reads give them."""
    g = _genealogy()
    written = write(engine, g)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE containers SET code = :new WHERE code = :old"),
            {"new": code, "old": g.container_code(CASE_A)},
        )
        contents = connection.execute(
            text("SELECT id FROM container_contents WHERE lot_id IS NOT NULL ORDER BY packed_at")
        ).scalars()
        first, second = list(contents)[:2]
        connection.execute(
            text("UPDATE container_contents SET quantity = NULL WHERE id = :id"), {"id": first}
        )
        connection.execute(
            text("UPDATE container_contents SET quantity = :q WHERE id = :id"),
            {"q": 0.1 + 0.2, "id": second},
        )
    reads = _read(engine, written.lots)
    _assert_agree(reads, exact_repeats=True)
    assert code in {info.code for info in reads.columns.containers}
    assert np.isnan(reads.columns.quantity).any()
