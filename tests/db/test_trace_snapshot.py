"""A trace's two companion connections (`trace_snapshot`), on SQLite and PostgreSQL: they read
one snapshot and nothing committed after it, hand back what one connection reads, and go back
as they were lent, after an error too; SQLite holds writers back only while they begin, and
reads on one connection when it cannot have the write lock at once or the database is in
memory."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from tests.conftest import migrated_with_users
from tests.db.test_trace_columns import _lines
from tests.db.test_trace_walk import _genealogy
from tests.services.genealogy_builder import (
    ContainerSpec,
    ContentSpec,
    EdgeSpec,
    Genealogy,
    LotSpec,
    ShipmentSpec,
    Written,
    write,
)
from traceapp.db import trace_snapshot
from traceapp.db.engine import make_engine
from traceapp.db.trace_snapshot import SnapshotReader, trace_reader
from traceapp.db.trace_walk import RawId, TraceReader
from traceapp.db.uow import UnitOfWork


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    yield from migrated_with_users(pg_url)


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Engine]:
    yield from migrated_with_users(f"sqlite:///{tmp_path / 'trace.db'}")


def _write(engine: Engine) -> Written:
    genealogy = _genealogy()  # L0 and L1 in cases, on pallets, in a truck, shipped twice
    genealogy.edges = [EdgeSpec(0, 1, 20_000)]  # and L1 made from L0
    return write(engine, genealogy)


@pytest.fixture
def written(engine: Engine) -> Written:
    return _write(engine)


# Someone else's later changes: every edge voided (the closure shrinks to the start lot), every
# shipment line gone (the whereabouts lose their lines).
_CHANGES = ("UPDATE lot_edges SET voided_by_event_id = event_id", "DELETE FROM shipment_items")


def _one_connection(engine: Engine, start: list[RawId]) -> tuple[set[RawId], object]:
    """The closure's lots and the whereabouts' lines, read on the session's own connection."""
    with UnitOfWork(engine, write=False) as uow:
        reader = TraceReader(uow.session)
        lots = [row.id for row in reader.closure(start, forward=True).lots]
        return set(lots), _lines(reader.whereabouts(lots), lots)


def _start(engine: Engine, written: Written) -> list[RawId]:
    with UnitOfWork(engine, write=False) as uow:
        return [TraceReader(uow.session).raw_id(written.lots[0])]


def _read_through(engine: Engine, start: list[RawId]) -> tuple[list[RawId], object]:
    with UnitOfWork(engine, write=False) as uow, trace_reader(uow.session) as reader:
        assert isinstance(reader, SnapshotReader)
        reader.prefetch_whereabouts(start)
        lots = [row.id for row in reader.closure(start, forward=True).lots]
        return lots, _lines(reader.whereabouts(lots), lots)


def _assert_as_before(read: tuple[list[RawId], object], before: tuple[set[RawId], object]) -> None:
    assert set(read[0]) == before[0]
    assert read[1] == before[1]


def _assert_changed(engine: Engine, start: list[RawId]) -> None:
    """The changes were real: a trace begun now sees them."""
    lots, lines = _one_connection(engine, start)
    assert lots == set(start)
    assert not lines


@pytest.mark.postgres
def test_postgres_companions_read_the_exported_snapshot_not_a_later_commit(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = _start(pg_engine, _write(pg_engine))
    before = _one_connection(pg_engine, start)
    assert len(before[0]) == 2
    assert before[1]
    changes = list(_CHANGES)  # committed just before each companion begins

    class CommittedJustBefore(trace_snapshot._PostgresCompanion):
        def __init__(self, engine: Engine, snapshot: str) -> None:
            with engine.begin() as other:
                other.execute(text(changes.pop(0)))
            super().__init__(engine, snapshot)

    monkeypatch.setattr(trace_snapshot, "_PostgresCompanion", CommittedJustBefore)
    _assert_as_before(_read_through(pg_engine, start), before)
    assert not changes  # both companions began after a commit
    _assert_changed(pg_engine, start)


def test_sqlite_companions_begin_before_a_waiting_writer_commits(
    sqlite_file: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = _start(sqlite_file, _write(sqlite_file))
    before = _one_connection(sqlite_file, start)
    committed = threading.Event()

    def writer() -> None:
        with sqlite_file.begin() as other:
            for change in _CHANGES:
                other.execute(text(change))
        committed.set()

    thread = threading.Thread(target=writer)
    real_init = trace_snapshot._SqliteCompanion.__init__

    def begin_after_a_writer_tried(companion: object, engine: Engine) -> None:
        if not thread.is_alive() and not committed.is_set():
            thread.start()  # the write waits for the gate's lock, or commits at once without it
            committed.wait(0.5)
        real_init(companion, engine)  # type: ignore[arg-type]

    monkeypatch.setattr(trace_snapshot._SqliteCompanion, "__init__", begin_after_a_writer_tried)
    _assert_as_before(_read_through(sqlite_file, start), before)
    thread.join(10)
    assert committed.is_set()
    _assert_changed(sqlite_file, start)


def test_the_prefetched_whereabouts_number_the_lots_as_the_caller_asks(
    engine: Engine, written: Written
) -> None:
    start = _start(engine, written)
    lots_before, lines_before = _one_connection(engine, start)
    assert len(lots_before) == 2
    with UnitOfWork(engine, write=False) as uow, trace_reader(uow.session) as reader:
        assert isinstance(reader, SnapshotReader)
        for order in (sorted(lots_before), sorted(lots_before, reverse=True)):
            reader.prefetch_whereabouts(start)
            assert _lines(reader.whereabouts(order), order) == lines_before


def test_a_prefetch_for_other_lots_is_not_handed_out(engine: Engine, written: Written) -> None:
    start = _start(engine, written)
    lots, _ = _one_connection(engine, start)
    child = sorted(lots - set(start))
    assert child
    with UnitOfWork(engine, write=False) as uow, trace_reader(uow.session) as reader:
        reader.prefetch_whereabouts(start)  # reaches L0 and L1
        only_child = reader.whereabouts(child)  # asked for L1 alone: read again, for L1
        reader.prefetch_whereabouts(start)  # never collected: waited for on the way out
    with UnitOfWork(engine, write=False) as uow:
        expected = _lines(TraceReader(uow.session).whereabouts(child), child)
    assert expected
    assert _lines(only_child, child) == expected


def _settings_of_every_pooled_connection(engine: Engine) -> set[tuple[str, str, str]]:
    """Isolation, read-only and hash-join setting of as many connections as the pool lends."""
    lent = [engine.raw_connection() for _ in range(4)]
    try:
        found = set()
        for pooled in lent:
            cursor = pooled.cursor()
            cursor.execute(
                "SELECT current_setting('transaction_isolation'), "
                "current_setting('transaction_read_only'), current_setting('enable_hashjoin')"
            )
            found.add(tuple(cursor.fetchone()))
            cursor.close()
            pooled.rollback()
        return found
    finally:
        for pooled in lent:
            pooled.close()


@pytest.mark.postgres
def test_companions_go_back_to_the_pool_as_they_were_lent(pg_engine: Engine) -> None:
    start = _start(pg_engine, _write(pg_engine))
    pool = pg_engine.pool
    for _ in range(3):
        with UnitOfWork(pg_engine, write=False) as uow, trace_reader(uow.session) as reader:
            reader.prefetch_whereabouts(start)
            reader.whereabouts([row.id for row in reader.closure(start, forward=True).lots])
            assert pool.checkedout() == 3  # the session's and two companions
    assert pool.checkedout() == 0
    assert _settings_of_every_pooled_connection(pg_engine) == {("read committed", "off", "on")}


def _can_write_at_once(engine: Engine) -> bool:
    """Whether a write on another connection commits without waiting for a lock."""
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        if isinstance(driver, sqlite3.Connection):
            driver.execute("PRAGMA busy_timeout=0")
        try:
            with connection.begin():
                connection.execute(text("UPDATE lots SET status = status"))
        except OperationalError:
            return False
    return True


def test_a_failed_prefetch_fails_the_read_and_returns_the_connections(
    engine: Engine, written: Written, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = _start(engine, written)

    def broken(reader: TraceReader, lots: list[RawId]) -> None:
        raise RuntimeError("the side connection failed")

    monkeypatch.setattr(trace_snapshot, "_reach_whereabouts", broken)
    with UnitOfWork(engine, write=False) as uow:
        with trace_reader(uow.session) as reader:
            reader.prefetch_whereabouts(start)
            lots = [row.id for row in reader.closure(start, forward=True).lots]
            with pytest.raises(RuntimeError, match="side connection"):
                reader.whereabouts(lots)
        # A failed prefetch nobody collected is not the error of what the reader did.
        with trace_reader(uow.session) as reader:
            reader.prefetch_whereabouts(start)
    assert _can_write_at_once(engine)  # no transaction of a companion left open
    if engine.dialect.name == "postgresql":
        assert engine.pool.checkedout() == 0
        assert _settings_of_every_pooled_connection(engine) == {("read committed", "off", "on")}


def test_sqlite_holds_writers_back_only_while_the_companions_begin(
    sqlite_engine: Engine,
) -> None:
    with UnitOfWork(sqlite_engine, write=False) as uow, trace_reader(uow.session) as reader:
        assert isinstance(reader, SnapshotReader)
        assert _can_write_at_once(sqlite_engine)  # while both read transactions are open


def test_sqlite_reads_on_one_connection_while_a_long_write_holds_the_lock(
    sqlite_file: Engine,
) -> None:
    start = _start(sqlite_file, _write(sqlite_file))
    before = _one_connection(sqlite_file, start)
    writer = sqlite_file.raw_connection()
    try:
        writer.driver_connection.execute("BEGIN IMMEDIATE")  # a long import, say
        began = time.perf_counter()
        with UnitOfWork(sqlite_file, write=False) as uow, trace_reader(uow.session) as reader:
            waited = time.perf_counter() - began
            assert type(reader) is TraceReader
            lots = [row.id for row in reader.closure(start, forward=True).lots]
            assert (set(lots), _lines(reader.whereabouts(lots), lots)) == before
    finally:
        writer.rollback()
        writer.close()
    assert waited >= trace_snapshot.GATE_WAIT_MS / 1000 * 0.9  # it did wait for the lock


def test_an_in_memory_sqlite_database_reads_on_the_session_connection() -> None:
    engine = make_engine("sqlite://")
    with UnitOfWork(engine, write=False) as uow, trace_reader(uow.session) as reader:
        assert type(reader) is TraceReader


def test_a_backward_trace_reads_on_the_session_connection(engine: Engine) -> None:
    with (
        UnitOfWork(engine, write=False) as uow,
        trace_reader(uow.session, forward=False) as reader,
    ):
        assert type(reader) is TraceReader


def test_loose_shipments_read_beside_the_prefetch_give_the_columns_of_one_connection(
    engine: Engine,
) -> None:
    """The first connection reads the loose shipments while the second reads the rest; put
    together, they are the lines one connection reads (on SQLite, with the same numbers)."""
    g = Genealogy(prefix="LOOSE", customers=["SHOP", "DEPOT"])
    g.lots = [LotSpec("L0", 100_000), LotSpec("L1", 50_000), LotSpec("L2", 50_000)]
    g.edges = [EdgeSpec(0, 1, 20_000), EdgeSpec(0, 2, 30_000)]
    g.containers = [ContainerSpec("CASE-A"), ContainerSpec("CASE-B")]
    g.contents = [
        ContentSpec(0, packed=1, unpacked=None, lot=0, quantity=10_000),
        ContentSpec(1, packed=1, unpacked=None, lot=2, quantity=5_000),
    ]
    g.shipments = [
        ShipmentSpec(customer=0, shipped=2, containers=(0,)),  # in a case only
        ShipmentSpec(customer=1, shipped=3, lots=((1, 4_000),)),  # loose only
        ShipmentSpec(customer=0, shipped=4, containers=(1,), lots=((1, 1_000), (0, 2_000))),
    ]
    written = write(engine, g)
    start = _start(engine, written)
    with UnitOfWork(engine, write=False) as uow:
        reader = TraceReader(uow.session)
        lots = [row.id for row in reader.closure(start, forward=True).lots]
        expected = reader.whereabouts(lots)
    assert len(expected.shipments) == 3
    assert (expected.container == -1).sum() == 3  # three loose lines
    with UnitOfWork(engine, write=False) as uow, trace_reader(uow.session) as snapshot:
        assert isinstance(snapshot, SnapshotReader)
        snapshot.prefetch_whereabouts(start)
        assert [row.id for row in snapshot.closure(start, forward=True).lots] == lots
        found = snapshot.whereabouts(lots)
    # The same lines; the numbers inside may differ where the rows came in another order.
    assert set(found.containers) == set(expected.containers)
    assert set(found.shipments) == set(expected.shipments)
    assert len(found.shipments) == len(expected.shipments)
    assert _lines(found, lots) == _lines(expected, lots)
    if engine.dialect.name == "sqlite":  # the same rows in the same order: the same numbers
        assert found.shipments == expected.shipments
        for column in ("shipment", "container", "lot", "quantity", "repeat"):
            assert getattr(found, column).tolist() == getattr(expected, column).tolist()
