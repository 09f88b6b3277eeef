"""The trace's container reads (`TraceReader.held_in_containers`, `shipments_of`) against an
independent walk over the genealogy's own specification, on SQLite and PostgreSQL; and the
statements read lots and containers from the covering indexes of migration 0011."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine

from tests.services.genealogy_builder import (
    ContainerSpec,
    ContentSpec,
    Genealogy,
    LotSpec,
    ShipmentSpec,
    at,
    write,
)
from traceapp.db import trace_columns, trace_walk
from traceapp.db.trace_walk import TraceReader
from traceapp.db.uow import UnitOfWork
from traceapp.services.masterdata import ensure_builtin_users

# Containers: two cases, two pallets and a truck.
CASE_A, CASE_B, PALLET_P, PALLET_Q, TRUCK = range(5)


def _genealogy() -> Genealogy:
    g = Genealogy(prefix="WALK", customers=["SHOP"])
    g.lots = [LotSpec("L0", 100_000), LotSpec("L1", 50_000)]
    g.containers = [
        ContainerSpec("CASE-A"),
        ContainerSpec("CASE-B"),
        ContainerSpec("PAL-P", "pallet"),
        ContainerSpec("PAL-Q", "pallet"),
        ContainerSpec("TRUCK", "truck"),
    ]
    g.contents = [
        # The same quantity of L0 packed twice into case A at the same hour: two content rows
        # alike in every column, each counted.
        ContentSpec(CASE_A, packed=1, unpacked=None, lot=0, quantity=10_000),
        ContentSpec(CASE_A, packed=1, unpacked=None, lot=0, quantity=10_000),
        ContentSpec(CASE_A, packed=1, unpacked=None, lot=1, quantity=7_000),
        ContentSpec(CASE_B, packed=2, unpacked=8, lot=0, quantity=5_000),
        # Case A sat on pallet P from 3 to 5, then on Q; case B on P from 3 on.
        ContentSpec(PALLET_P, packed=3, unpacked=5, inner=CASE_A),
        ContentSpec(PALLET_Q, packed=5, unpacked=None, inner=CASE_A),
        ContentSpec(PALLET_P, packed=3, unpacked=None, inner=CASE_B),
        # Pallet P rode in the truck from 4 to 6.
        ContentSpec(TRUCK, packed=4, unpacked=6, inner=PALLET_P),
    ]
    g.shipments = [
        ShipmentSpec(customer=0, shipped=5, containers=(TRUCK,)),  # case A had left P at 5
        ShipmentSpec(customer=0, shipped=7, containers=(PALLET_Q,)),
    ]
    return g


Interval = tuple[int, int | None]


def _expected_stays(g: Genealogy) -> Counter[tuple[int, int, int, int, int | None]]:
    """(content row, container, lot, since, until) of every stay, walking up the nesting
    from each lot's content row and narrowing the interval at each step."""

    def overlap(a: Interval, b: Interval) -> Interval | None:
        since = max(a[0], b[0])
        ends = [end for end in (a[1], b[1]) if end is not None]
        until = min(ends) if ends else None
        return None if until is not None and until <= since else (since, until)

    stays: Counter[tuple[int, int, int, int, int | None]] = Counter()

    def climb(row: int, container: int, lot: int, interval: Interval) -> None:
        stays[(row, container, lot, *interval)] += 1
        for holder in g.contents:
            if holder.inner == container:
                narrowed = overlap(interval, (holder.packed, holder.unpacked))
                if narrowed is not None:
                    climb(row, holder.container, lot, narrowed)

    for row, content in enumerate(g.contents):
        if content.lot is not None:
            climb(row, content.container, content.lot, (content.packed, content.unpacked))
    return stays


def _hour(reader: TraceReader, moment: object) -> int:
    instant = reader.instant(moment)
    return round((instant - at(0)).total_seconds() / 3600)


def test_held_in_containers_and_shipments_match_an_independent_walk(engine: Engine) -> None:
    g = _genealogy()
    written = write(engine, g)
    with UnitOfWork(engine, write=False) as uow:
        reader = TraceReader(uow.session)
        lots = [reader.raw_id(lot_id) for lot_id in written.lots]
        containers = {reader.raw_id(c): n for n, c in enumerate(written.containers)}
        lot_index = {raw: n for n, raw in enumerate(lots)}
        stays, infos = reader.held_in_containers(lots)
        lines = reader.shipments_of(lots, stays)

    # The same stays, each content row's stays under one origin of their own.
    expected = _expected_stays(g)
    by_origin: dict[int, set[int]] = {}
    found: Counter[tuple[int, int, int, int, int | None]] = Counter()
    rows_of_origin: dict[int, int] = {}
    for stay in stays:
        key = (
            containers[stay.container_id],
            lot_index[stay.lot_id],
            _hour(reader, stay.since),
            None if stay.until is None else _hour(reader, stay.until),
        )
        by_origin.setdefault(stay.origin, set()).add(key[0])
        found[key] += 1
        rows_of_origin.setdefault(stay.origin, 0)
        rows_of_origin[stay.origin] += 1
    assert found == Counter(key[1:] for key in expected.elements())
    # One origin per lot content row (the two identical rows stay two).
    assert len(by_origin) == sum(1 for c in g.contents if c.lot is not None)
    per_row = Counter(key[0] for key in expected.elements())
    assert sorted(rows_of_origin.values()) == sorted(per_row.values())
    # Quantities as read, per stay.
    assert {stay.quantity for stay in stays} == {Decimal("10"), Decimal("7"), Decimal("5")}

    # Every container reached, once, with its own facts.
    assert sorted(info.code for info in infos) == sorted(
        g.container_code(n) for n in {key[1] for key in expected}
    )
    assert {info.kind for info in infos} == {"case", "pallet", "truck"}

    # The truck left at 5: case A had moved from P to Q at 5, so only case B's L0 went in
    # it; pallet Q left at 7 with case A (L0 twice, L1).
    shipped = Counter(
        (containers[line.container_id] if line.container_id else None, lot_index[line.lot_id],
         line.quantity)
        for line in lines
    )  # fmt: skip
    assert shipped == Counter(
        {
            (TRUCK, 0, Decimal("5")): 1,
            (PALLET_Q, 0, Decimal("10")): 2,
            (PALLET_Q, 1, Decimal("7")): 1,
        }
    )
    assert all(isinstance(line.shipped_at, datetime) for line in lines)
    assert not any(line.repeat for line in lines)


def test_postgres_lists_are_tested_with_any_and_sqlite_lists_with_json_each() -> None:
    postgres = trace_walk._SQL["postgresql"]
    sqlite = trace_walk._SQL["sqlite"]
    for name in ("containers", "outer_contents", "shipped_in", "shipped_loose", "lot_contents"):
        assert "ANY(CAST(" in postgres[name]
        assert "AS uuid[]))" in postgres[name]
        assert "IN (SELECT value FROM json_each(:ids))" in sqlite[name]


def test_postgres_plans_a_trace_s_lot_list_without_looking_into_it() -> None:
    # 10,000 lot ids in sight, the planner estimated each (6 ms a statement) for the same plan.
    unseen = "= ANY(CAST((SELECT CAST(%(ids)s AS uuid[])) AS uuid[]))"
    columns = trace_columns._SQL["postgresql", True]
    assert unseen in columns["sat"]
    assert unseen in columns["shipped_loose"]
    assert unseen in trace_walk._SQL["postgresql"]["lot_contents"]
    # A trace's containers stay in sight: the planner may hash them for one pass instead.
    assert unseen not in columns["shipped_in"]
    assert "IN (SELECT value FROM json_each(:ids))" in trace_columns._SQL["sqlite", True]["sat"]


def test_lots_and_containers_are_read_from_the_covering_indexes(sqlite_engine: Engine) -> None:
    # SQLite's plans follow from the schema alone (PostgreSQL's from statistics).
    database = sqlite_engine.url.database
    assert database is not None
    connection = sqlite3.connect(database)
    try:
        plans = {
            name: " ".join(
                str(row[3])
                for row in connection.execute(
                    f"EXPLAIN QUERY PLAN {trace_walk._SQL['sqlite'][name]}",
                    {"ids": "[]", "start": "[]"},
                )
            )
            for name in ("closure_forward", "containers", "lot_contents")
        }
    finally:
        connection.close()
    assert "COVERING INDEX ix_lots_trace_row" in plans["closure_forward"]
    assert "COVERING INDEX ix_containers_trace_row" in plans["containers"]
    assert "COVERING INDEX ix_containers_trace_row" in plans["lot_contents"]


def test_a_sqlite_file_without_the_covering_indexes_is_read_through_the_primary_keys(
    sqlite_engine: Engine,
) -> None:
    # A plant kept as it was built before migration 0011 (the benchmark reads it unmigrated).
    with UnitOfWork(sqlite_engine) as uow:
        ensure_builtin_users(uow)
    written = write(sqlite_engine, _genealogy())

    def read() -> tuple[list[trace_walk.Stay], list[trace_walk.ContainerRow], str]:
        with UnitOfWork(sqlite_engine, write=False) as uow:
            reader = TraceReader(uow.session)
            lots = [reader.raw_id(lot_id) for lot_id in written.lots]
            stays, infos = reader.held_in_containers(lots)
            reader.genealogy(lots, forward=True)
            return stays, infos, reader._sql["containers"]

    stays, infos, statement = read()
    assert "INDEXED BY" in statement
    with sqlite_engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_lots_trace_row")
        connection.exec_driver_sql("DROP INDEX ix_containers_trace_row")
    plain_stays, plain_infos, plain = read()
    assert "INDEXED BY" not in plain
    assert plain_stays == stays
    assert sorted(plain_infos) == sorted(infos)


def test_a_kept_connection_looks_up_the_covering_indexes_once_per_schema_version(
    sqlite_engine: Engine,
) -> None:
    """Whether the covering indexes are there is read from the schema once for a pooled
    connection, and again only after the schema changed (a migration, or indexes dropped)."""
    asked: list[str] = []

    def readers() -> list[bool]:
        found = []
        for _ in range(3):
            with UnitOfWork(sqlite_engine, write=False) as uow:
                driver = uow.session.connection().connection.dbapi_connection
                driver.set_trace_callback(asked.append)  # type: ignore[union-attr]
                found.append(TraceReader(uow.session).covering)
                driver.set_trace_callback(None)  # type: ignore[union-attr]
        return found

    assert readers() == [True, True, True]
    assert sum("sqlite_master" in statement for statement in asked) <= 1
    asked.clear()
    with sqlite_engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_lots_trace_row")
    assert readers() == [False, False, False]
    assert sum("sqlite_master" in statement for statement in asked) == 1
