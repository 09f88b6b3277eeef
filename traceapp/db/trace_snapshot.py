"""A trace reads on two connections at once, both in one snapshot.

A forward trace reads its lot closure, then where those lots sat and shipped. On one connection
the second waits for the first, while the machine's other core stays idle. Here two companion
connections begin in one snapshot: one reads the closure; the other, in a thread, walks the same
closure again (a bare recursive query over lot ids, a small part of the closure statement) and
reads where those lots sat. Both see exactly the same rows, as one transaction would: a commit
made meanwhile is in neither. The answer is the one a single connection gives; only the time
differs. Reading the start (the code resolved to lots) happens before, on the session.

How the two begin in one snapshot:
- PostgreSQL: the session's transaction exports its snapshot (`pg_export_snapshot`), and both
  companions import it (read-only, repeatable read).
- SQLite (a file, WAL): a third connection holds the write lock (`BEGIN IMMEDIATE`) while the
  two begin their read transactions, so nothing can be committed in between; it lets go at once
  (writers wait about a millisecond). When the lock is not free within `GATE_WAIT_MS` (a long
  write under way) or cannot be taken (a read-only file), or the database is in memory, the
  trace reads on the session's connection alone, as before. The side's statement comes back in
  a single row (`trace_columns.reach_whereabouts`): SQLite works it out in one step, during
  which the closure's rows are fetched; fetching both row by row, the two threads took turns
  with the interpreter's lock at every row and were slower than one.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from traceapp.db.trace import INDEX_WALK_SETTINGS
from traceapp.db.trace_columns import (
    Whereabouts,
    loose_rows,
    reach_whereabouts,
    renumbered,
    whereabouts,
    with_loose,
)
from traceapp.db.trace_walk import Closure, ContainerRow, RawId, TraceReader

# What pg_export_snapshot returns ("00000003-0000001B-1"): checked before it is spelled into
# SET TRANSACTION SNAPSHOT, which takes no bound parameter.
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+-[0-9A-Fa-f]+-[0-9]+")
# How long a SQLite trace waits for the write lock before it reads on one connection instead.
GATE_WAIT_MS = 100

_threads: ThreadPoolExecutor | None = None


def _worker() -> ThreadPoolExecutor:
    """The threads that read where a trace's lots sat (made on first use; several traces may
    run at once, from the window's workers)."""
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="trace-snapshot")
    return _threads


class _Companion(Protocol):
    reader: TraceReader

    def close(self) -> None: ...


class _PostgresCompanion:
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
        self.reader = TraceReader.on("postgresql", driver, self._pooled.info)

    def close(self) -> None:
        """The transaction ended and the connection back in the pool as it was lent."""
        driver = self._driver
        try:
            if not driver.closed:
                # Read-only: a commit ends it as a rollback would, and unlike a rollback it
                # keeps the statements psycopg prepared on this connection.
                from psycopg.pq import TransactionStatus

                if driver.info.transaction_status == TransactionStatus.INERROR:
                    driver.rollback()
                else:
                    driver.commit()
                driver.isolation_level, driver.read_only = self._saved
        finally:
            self._pooled.close()


class _SqliteCompanion:
    """A connection of its own in a read transaction, begun (its snapshot taken) at once."""

    def __init__(self, engine: Engine) -> None:
        self._pooled = engine.raw_connection()
        driver = self._pooled.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        self._driver = driver
        try:
            driver.execute("BEGIN")
            # A deferred transaction takes its snapshot at its first read, so read now.
            driver.execute("SELECT count(*) FROM sqlite_master").fetchall()
        except BaseException:
            self.close()
            raise
        self.reader = TraceReader.on("sqlite", driver, self._pooled.info)

    def close(self) -> None:
        try:
            if self._driver.in_transaction:
                self._driver.rollback()
        finally:
            self._pooled.close()


def _postgres_pair(session: Session) -> tuple[_Companion, _Companion] | None:
    """Two companions in the session's snapshot (None: a standby server, which cannot export
    one; the trace reads on the session then)."""
    connection = session.connection()
    exported = connection.exec_driver_sql(
        "SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_export_snapshot() END"
    ).scalar_one()
    if exported is None:
        return None
    snapshot = str(exported)
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise RuntimeError(f"unexpected snapshot id from the server: {snapshot!r}")
    main = _PostgresCompanion(connection.engine, snapshot)
    try:
        return main, _PostgresCompanion(connection.engine, snapshot)
    except BaseException:
        main.close()
        raise


def _in_memory(engine: Engine) -> bool:
    database = engine.url.database or ""
    return database in ("", ":memory:") or "mode=memory" in database


def _sqlite_pair(engine: Engine) -> tuple[_Companion, _Companion] | None:
    """Two companions begun while the write lock is held (None: it could not be had)."""
    if _in_memory(engine):
        return None  # every connection would open a database of its own
    gate = engine.raw_connection()
    try:
        driver = gate.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        driver.execute(f"PRAGMA busy_timeout={GATE_WAIT_MS}")
        try:
            driver.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return None  # a long write under way, or a read-only file
        begun: list[_Companion] = []
        try:
            begun.append(_SqliteCompanion(engine))
            begun.append(_SqliteCompanion(engine))
        except BaseException:
            for companion in begun:
                companion.close()
            raise
        finally:
            driver.rollback()
        return begun[0], begun[1]
    finally:
        gate.close()


def _reach_whereabouts(reader: TraceReader, start: list[RawId]) -> tuple[list[RawId], Whereabouts]:
    # Without the loose shipments: the first connection reads those meanwhile, being idle.
    return reach_whereabouts(reader, start, loose=False)


class SnapshotReader:
    """A trace's reads (`services.trace.TraceRows`) on companion connections in the snapshot
    of `session`'s transaction; `prefetch_whereabouts` starts reading where the forward closure
    of the start lots sat, which `whereabouts` then hands back."""

    def __init__(self, main: _Companion, side: _Companion) -> None:
        self._main, self._side = main, side
        self._pending: Future[tuple[list[RawId], Whereabouts]] | None = None
        self.dialect = main.reader.dialect

    def raw_id(self, value: Any) -> RawId:
        return self._main.reader.raw_id(value)

    def closure(self, start: Sequence[RawId], *, forward: bool) -> Closure:
        return self._main.reader.closure(start, forward=forward)

    def containers(self, ids: Sequence[RawId]) -> list[ContainerRow]:
        return self._main.reader.containers(ids)

    def prefetch_whereabouts(self, start: Sequence[RawId]) -> None:
        self._settle()  # one statement at a time on the side connection
        self._pending = _worker().submit(_reach_whereabouts, self._side.reader, list(start))

    def whereabouts(self, lot_ids: Sequence[RawId]) -> Whereabouts:
        pending, self._pending = self._pending, None
        if pending is not None:
            # The loose shipments, on this connection while the other finishes its part.
            loose = loose_rows(self._main.reader, lot_ids)
            lots, where = pending.result()
            if len(lots) == len(lot_ids) and set(lots) == set(lot_ids):
                where = renumbered(where, lots, lot_ids)
                return with_loose(where, loose, lot_ids, self._main.reader)
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
                self._side.close()
            finally:
                self._main.close()


@contextmanager
def trace_reader(
    session: Session, *, forward: bool = True, own: TraceReader | None = None
) -> Iterator[TraceReader | SnapshotReader]:
    """The reader a trace runs on: a `SnapshotReader` where two connections can share a
    snapshot, else the session's own `TraceReader` (`own`, when the caller has made it
    already). Only a trace that goes `forward` reads on two (a backward trace reads no
    whereabouts, and would only pay for opening them)."""
    dialect = session.get_bind().dialect.name
    pair = (
        None if not forward
        else _postgres_pair(session) if dialect == "postgresql"
        else _sqlite_pair(session.get_bind()) if dialect == "sqlite"  # type: ignore[arg-type]
        else None
    )  # fmt: skip
    if pair is None:
        yield own if own is not None else TraceReader(session)
        return
    reader = SnapshotReader(*pair)
    try:
        yield reader
    finally:
        reader.close()
