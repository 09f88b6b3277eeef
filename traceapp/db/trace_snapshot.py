"""On PostgreSQL, a trace reads on two pooled connections at once, both in one snapshot.

A forward trace reads its lot closure, then where those lots sat and shipped. On one connection
the second waits for the first, and the server works on one core while the other stays idle.
Here the session's transaction exports its snapshot (`pg_export_snapshot`) and two companion
connections import it (read-only, repeatable read): one reads the closure; the other, in a
thread, walks the same closure again (a bare recursive query over lot ids, a seventh of the
closure statement) and reads where those lots sat. Both see exactly the same rows, as one
transaction would: a commit made meanwhile is in neither. The answer is the one a single
connection gives; only the time differs.

SQLite gains nothing from it: a second connection in another thread of this process contends
for the interpreter with every row fetched (measured: a 10,000-lot trace took 236 ms on two
connections against 203 ms on one), and could not share the snapshot anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from traceapp.db.trace import INDEX_WALK_SETTINGS
from traceapp.db.trace_columns import Whereabouts, renumbered, whereabouts
from traceapp.db.trace_walk import Closure, ContainerRow, LotRow, RawId, TraceReader, render

# Every lot the forward closure of the start lots reaches (UNION: each once, a cycle ends).
_REACH = render(
    """
WITH RECURSIVE walk(lot_id) AS (
    {ids:start}
    UNION
    SELECT e.child_lot_id FROM walk JOIN lot_edges e ON e.parent_lot_id = walk.lot_id
    WHERE e.voided_by_event_id IS NULL
)
SELECT {id:lot_id} FROM walk
""",
    "postgresql",
)

# What pg_export_snapshot returns ("00000003-0000001B-1"): checked before it is spelled into
# SET TRANSACTION SNAPSHOT, which takes no bound parameter.
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+-[0-9A-Fa-f]+-[0-9]+")

_threads: ThreadPoolExecutor | None = None


def _worker() -> ThreadPoolExecutor:
    """The threads that read where a trace's lots sat (made on first use; several traces may
    run at once, from the window's workers)."""
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="trace-snapshot")
    return _threads


class _Companion:
    """A pooled connection in a read-only repeatable-read transaction that imported
    `snapshot`, with a trace's planner settings (`trace.index_walks`)."""

    def __init__(self, engine: Engine, snapshot: str) -> None:
        from psycopg import Connection, IsolationLevel  # here: SQLite users may not have it

        self._pooled = engine.raw_connection()
        driver = self._pooled.driver_connection
        assert isinstance(driver, Connection)
        self._driver: Connection[Any] = driver
        self._saved = (driver.isolation_level, driver.read_only)
        try:
            driver.rollback()  # idle, whatever the connection did before
            driver.isolation_level = IsolationLevel.REPEATABLE_READ
            driver.read_only = True
            # The transaction's first statement (psycopg begins it with the settings above).
            driver.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            calls = ", ".join(f"set_config('{name}', %({name})s, true)" for name in INDEX_WALK_SETTINGS)  # fmt: skip
            driver.execute(f"SELECT {calls}", INDEX_WALK_SETTINGS)
        except BaseException:
            self.close()
            raise
        self.reader = TraceReader.on("postgresql", driver)

    def close(self) -> None:
        """The transaction ended and the connection back in the pool as it was lent."""
        driver = self._driver
        try:
            if not driver.closed:
                driver.rollback()
                driver.isolation_level, driver.read_only = self._saved
        finally:
            self._pooled.close()


def _reach_whereabouts(reader: TraceReader, start: list[RawId]) -> tuple[list[RawId], Whereabouts]:
    lots = [row[0] for row in reader.run(_REACH, start, "start")]
    return lots, whereabouts(reader, lots)


class SnapshotReader:
    """A trace's reads (`services.trace.TraceRows`) on companion connections in the snapshot
    of `session`'s transaction; `prefetch_whereabouts` starts reading where the forward closure
    of the start lots sat, which `whereabouts` then hands back."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self._engine = connection.engine
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        if not _SNAPSHOT_ID.fullmatch(str(snapshot)):
            raise RuntimeError(f"unexpected snapshot id from the server: {snapshot!r}")
        self._snapshot = str(snapshot)
        self._main = _Companion(self._engine, self._snapshot)
        self._side: _Companion | None = None
        self._pending: Future[tuple[list[RawId], Whereabouts]] | None = None
        self.dialect = "postgresql"

    def raw_id(self, value: Any) -> RawId:
        return self._main.reader.raw_id(value)

    def lot_rows(self, ids: Sequence[RawId]) -> list[LotRow]:
        return self._main.reader.lot_rows(ids)

    def closure(self, start: Sequence[RawId], *, forward: bool) -> Closure:
        return self._main.reader.closure(start, forward=forward)

    def containers(self, ids: Sequence[RawId]) -> list[ContainerRow]:
        return self._main.reader.containers(ids)

    def prefetch_whereabouts(self, start: Sequence[RawId]) -> None:
        self._settle()  # one statement at a time on the side connection
        if self._side is None:
            self._side = _Companion(self._engine, self._snapshot)
        self._pending = _worker().submit(_reach_whereabouts, self._side.reader, list(start))

    def whereabouts(self, lot_ids: Sequence[RawId]) -> Whereabouts:
        pending, self._pending = self._pending, None
        if pending is not None:
            lots, where = pending.result()
            if len(lots) == len(lot_ids) and set(lots) == set(lot_ids):
                return renumbered(where, lots, lot_ids)
            # Read for other lots (a prefetch the caller did not follow): read these now.
        return whereabouts(self._main.reader, lot_ids)

    def _settle(self) -> None:
        """Wait for a prefetch nobody collected; its error, if any, is not this trace's."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.exception()

    def close(self) -> None:
        try:
            self._settle()
        finally:
            try:
                if self._side is not None:
                    self._side.close()
            finally:
                self._main.close()


@contextmanager
def trace_reader(session: Session) -> Iterator[TraceReader | SnapshotReader]:
    """The reader a trace runs on: on PostgreSQL a `SnapshotReader` (two connections, one
    snapshot), elsewhere the session's own `TraceReader`."""
    if session.get_bind().dialect.name != "postgresql":
        yield TraceReader(session)
        return
    reader = SnapshotReader(session)
    try:
        yield reader
    finally:
        reader.close()
