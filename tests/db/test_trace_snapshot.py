"""A trace's two companion connections on PostgreSQL (`trace_snapshot`): they read the session's
snapshot and nothing committed after it, hand back what one connection reads, and go back to
the pool as they were lent, after an error too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from tests.db.test_trace_columns import _lines
from tests.db.test_trace_walk import _genealogy
from tests.services.genealogy_builder import EdgeSpec, Written, write
from traceapp.db import trace_snapshot
from traceapp.db.trace_snapshot import SnapshotReader, trace_reader
from traceapp.db.trace_walk import RawId, TraceReader
from traceapp.db.uow import UnitOfWork
from traceapp.services.database import open_database
from traceapp.services.masterdata import ensure_builtin_users


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    opened, _ = open_database(pg_url)
    with UnitOfWork(opened) as uow:
        ensure_builtin_users(uow)
    yield opened
    opened.dispose()


@pytest.fixture
def written(pg_engine: Engine) -> Written:
    genealogy = _genealogy()  # L0 and L1 in cases, on pallets, in a truck, shipped twice
    genealogy.edges = [EdgeSpec(0, 1, 20_000)]  # and L1 made from L0
    return write(pg_engine, genealogy)


def _one_connection(engine: Engine, start: list[RawId]) -> tuple[set[RawId], object]:
    """The closure's lots and the whereabouts' lines, read on the session's own connection."""
    with UnitOfWork(engine, write=False) as uow:
        reader = TraceReader(uow.session)
        lots = [row.id for row in reader.closure(start, forward=True).lots]
        return set(lots), _lines(reader.whereabouts(lots), lots)


def _start(engine: Engine, written: Written) -> list[RawId]:
    with UnitOfWork(engine, write=False) as uow:
        return [TraceReader(uow.session).raw_id(written.lots[0])]


@pytest.mark.postgres
def test_both_companions_read_the_session_snapshot_not_a_later_commit(
    pg_engine: Engine, written: Written, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = _start(pg_engine, written)
    lots_before, lines_before = _one_connection(pg_engine, start)
    assert len(lots_before) == 2
    assert lines_before
    # Someone else commits after the trace's snapshot was taken, just before each companion
    # begins: every edge voided before the first, every shipment line gone before the second.
    changes = [
        "UPDATE lot_edges SET voided_by_event_id = event_id",
        "DELETE FROM shipment_items",
    ]

    class CommittedJustBefore(trace_snapshot._Companion):
        def __init__(self, engine: Engine, snapshot: str) -> None:
            with engine.begin() as other:
                other.execute(text(changes.pop(0)))
            super().__init__(engine, snapshot)

    monkeypatch.setattr(trace_snapshot, "_Companion", CommittedJustBefore)
    with UnitOfWork(pg_engine, write=False) as uow, trace_reader(uow.session) as reader:
        assert isinstance(reader, SnapshotReader)
        reader.prefetch_whereabouts(start)
        lots = [row.id for row in reader.closure(start, forward=True).lots]
        where = reader.whereabouts(lots)
    assert not changes  # both companions began after a commit
    assert set(lots) == lots_before
    assert _lines(where, lots) == lines_before
    # The changes were real: a trace begun now sees them.
    lots_after, lines_after = _one_connection(pg_engine, start)
    assert lots_after == set(start)
    assert not lines_after


@pytest.mark.postgres
def test_the_prefetched_whereabouts_number_the_lots_as_the_caller_asks(
    pg_engine: Engine, written: Written
) -> None:
    start = _start(pg_engine, written)
    lots_before, lines_before = _one_connection(pg_engine, start)
    with UnitOfWork(pg_engine, write=False) as uow, trace_reader(uow.session) as reader:
        for order in (sorted(lots_before), sorted(lots_before, reverse=True)):
            reader.prefetch_whereabouts(start)
            assert _lines(reader.whereabouts(order), order) == lines_before


@pytest.mark.postgres
def test_a_prefetch_for_other_lots_is_not_handed_out(pg_engine: Engine, written: Written) -> None:
    start = _start(pg_engine, written)
    lots, _ = _one_connection(pg_engine, start)
    child = sorted(lots - set(start))
    with UnitOfWork(pg_engine, write=False) as uow, trace_reader(uow.session) as reader:
        reader.prefetch_whereabouts(start)  # reaches L0 and L1
        only_child = reader.whereabouts(child)  # asked for L1 alone: read again, for L1
        reader.prefetch_whereabouts(start)  # never collected: waited for on the way out
    with UnitOfWork(pg_engine, write=False) as uow:
        assert _lines(only_child, child) == _lines(
            TraceReader(uow.session).whereabouts(child), child
        )


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
def test_companions_go_back_to_the_pool_as_they_were_lent(
    pg_engine: Engine, written: Written
) -> None:
    start = _start(pg_engine, written)
    pool = pg_engine.pool
    for _ in range(3):
        with UnitOfWork(pg_engine, write=False) as uow, trace_reader(uow.session) as reader:
            reader.prefetch_whereabouts(start)
            reader.whereabouts([row.id for row in reader.closure(start, forward=True).lots])
            assert pool.checkedout() == 3  # the session's and two companions
    assert pool.checkedout() == 0
    assert _settings_of_every_pooled_connection(pg_engine) == {("read committed", "off", "on")}


@pytest.mark.postgres
def test_a_failed_prefetch_fails_the_read_and_returns_the_connections(
    pg_engine: Engine, written: Written, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = _start(pg_engine, written)

    def broken(reader: TraceReader, lots: list[RawId]) -> None:
        raise RuntimeError("the side connection failed")

    monkeypatch.setattr(trace_snapshot, "_reach_whereabouts", broken)
    with UnitOfWork(pg_engine, write=False) as uow:
        with trace_reader(uow.session) as reader:
            reader.prefetch_whereabouts(start)
            lots = [row.id for row in reader.closure(start, forward=True).lots]
            with pytest.raises(RuntimeError, match="side connection"):
                reader.whereabouts(lots)
        # A failed prefetch nobody collected is not the error of what the reader did.
        with trace_reader(uow.session) as reader:
            reader.prefetch_whereabouts(start)
    assert pg_engine.pool.checkedout() == 0
    assert _settings_of_every_pooled_connection(pg_engine) == {("read committed", "off", "on")}


def test_sqlite_traces_on_the_session_connection(sqlite_engine: Engine) -> None:
    with UnitOfWork(sqlite_engine, write=False) as uow, trace_reader(uow.session) as reader:
        assert type(reader) is TraceReader
