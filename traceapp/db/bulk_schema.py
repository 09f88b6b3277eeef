"""Set aside the secondary indexes (and on PostgreSQL the foreign keys) of tables about to be
bulk-loaded while they are empty, and put back exactly what was there once they are full.

Every row inserted into an indexed table also lands in each of its indexes; with millions of
rows that is most of the work, and a page read and written per row once an index outgrows the
cache. Building an index over a full table sorts once instead. On PostgreSQL a foreign key
checks each row with a query of its own; `VALIDATE CONSTRAINT` checks all rows in one join.

Only for tables with nothing in them yet (the caller's promise: see `deferred_indexes`). The
definitions are read from the database's own catalog (`sqlite_master`, `pg_get_indexdef`,
`pg_get_constraintdef`) and replayed verbatim, so what comes back is what the migrations made.
Primary keys, unique constraints and check constraints stay in place throughout: the rules they
keep are checked row by row as before. Triggers are not touched.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

# Memory for PostgreSQL's sort while it builds an index after the load (session only).
INDEX_BUILD_MEMORY = "512MB"
RESTORE_LANES = 2  # PostgreSQL connections rebuilding indexes and checking keys side by side


@dataclass(frozen=True, slots=True)
class SavedIndex:
    table: str
    name: str
    create_sql: str  # the database's own CREATE INDEX statement


@dataclass(frozen=True, slots=True)
class SavedForeignKey:
    table: str
    name: str
    definition: str  # "FOREIGN KEY (...) REFERENCES ...(...)" as the database prints it


@dataclass(frozen=True, slots=True)
class DeferredSchema:
    """What was set aside, to be put back."""

    indexes: tuple[SavedIndex, ...]
    foreign_keys: tuple[SavedForeignKey, ...]


def secondary_indexes(connection: Connection, tables: Sequence[str]) -> list[SavedIndex]:
    """Indexes of `tables` that enforce nothing: neither primary key nor unique, made by CREATE
    INDEX (in model order: table by table, then by name)."""
    found: list[SavedIndex] = []
    if connection.dialect.name == "sqlite":
        for table in tables:
            quoted = connection.dialect.identifier_preparer.quote(table)
            # origin 'c': made by CREATE INDEX ('u' and 'pk' back constraints and cannot go).
            listed = connection.exec_driver_sql(f"PRAGMA index_list({quoted})").all()
            names = sorted(row[1] for row in listed if row[3] == "c" and not row[2])
            for name in names:
                sql = connection.scalar(
                    text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"),
                    {"name": name},
                )
                if sql:  # never None for origin 'c'; guards against a catalog we do not know
                    found.append(SavedIndex(table, name, sql))
        return found
    rows = connection.execute(
        text(
            "SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid) "
            "FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND t.relname = ANY(:tables) "
            "AND NOT x.indisunique AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
            "ORDER BY t.relname, i.relname"
        ),
        {"tables": list(tables)},
    ).all()
    order = {name: number for number, name in enumerate(tables)}
    found = [SavedIndex(table, name, sql) for table, name, sql in rows]
    return sorted(found, key=lambda saved: (order[saved.table], saved.name))


def foreign_keys(connection: Connection, tables: Sequence[str]) -> list[SavedForeignKey]:
    """The foreign keys declared on `tables` (PostgreSQL; SQLite cannot drop one)."""
    if connection.dialect.name != "postgresql":
        return []
    rows = connection.execute(
        text(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = ANY(:tables) "
            "ORDER BY t.relname, c.conname"
        ),
        {"tables": list(tables)},
    ).all()
    order = {name: number for number, name in enumerate(tables)}
    found = [SavedForeignKey(table, name, definition) for table, name, definition in rows]
    return sorted(found, key=lambda saved: (order[saved.table], saved.name))


def set_aside(engine: Engine, tables: Sequence[str], *, keys: bool = True) -> DeferredSchema:
    """Drop the secondary indexes of `tables` (and their foreign keys on PostgreSQL, if `keys`),
    in one transaction, and say what they were."""
    with engine.begin() as connection:
        indexes = secondary_indexes(connection, tables)
        constraints = foreign_keys(connection, tables) if keys else []
        quote = connection.dialect.identifier_preparer.quote
        for key in constraints:
            connection.exec_driver_sql(
                f"ALTER TABLE {quote(key.table)} DROP CONSTRAINT {quote(key.name)}"
            )
        for index in indexes:
            connection.exec_driver_sql(f"DROP INDEX {quote(index.name)}")
    return DeferredSchema(tuple(indexes), tuple(constraints))


def restore(engine: Engine, saved: DeferredSchema) -> None:
    """Build the indexes again and add the foreign keys back, checking every row against them.

    Each piece is put back on its own, so one that fails (a row breaking a foreign key) does
    not keep the others away; the first failure is raised once all were tried. A foreign key
    whose check failed stays, marked NOT VALID: it still refuses every new row that breaks it.
    On PostgreSQL `RESTORE_LANES` connections share the work (one server process each).
    """
    postgres = engine.dialect.name == "postgresql"
    lanes = RESTORE_LANES if postgres else 1
    quote = engine.dialect.identifier_preparer.quote
    failures: list[Exception] = []
    _run(engine, [(i.name, i.create_sql) for i in saved.indexes], lanes, failures)
    # NOT VALID: in place at once, without reading the table (a brief lock each, one lane)...
    added = _run(
        engine,
        [
            (k.name, f"ALTER TABLE {quote(k.table)} ADD CONSTRAINT {quote(k.name)} "
                     f"{k.definition} NOT VALID")
            for k in saved.foreign_keys
        ],
        1,
        failures,
    )  # fmt: skip
    # ...then every row checked in one pass per key (one join, not a query per row).
    _run(
        engine,
        [
            (k.name, f"ALTER TABLE {quote(k.table)} VALIDATE CONSTRAINT {quote(k.name)}")
            for k in saved.foreign_keys
            if k.name in added
        ],
        lanes,
        failures,
    )
    if failures:
        raise failures[0]


def _run(
    engine: Engine, work: list[tuple[str, str]], lanes: int, failures: list[Exception]
) -> set[str]:
    """Run each (name, statement) in a transaction of its own, on up to `lanes` connections.

    Failures are logged and added to `failures`; returns the names whose statement succeeded.
    """
    pending: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
    for item in work:
        pending.put(item)
    done: set[str] = set()
    lock = threading.Lock()

    def lane() -> None:
        try:
            with engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    memory = INDEX_BUILD_MEMORY
                    connection.exec_driver_sql(f"SET maintenance_work_mem = '{memory}'")
                    connection.commit()
                while True:
                    try:
                        name, statement = pending.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        with connection.begin():
                            connection.exec_driver_sql(statement)
                        with lock:
                            done.add(name)
                    except Exception as exc:  # collected: the caller raises the first
                        log.exception("could not put back %s", name)
                        with lock:
                            failures.append(exc)
        except Exception as exc:  # no connection: what is left is reported below
            log.exception("a connection putting indexes back failed")
            with lock:
                failures.append(exc)

    workers = [
        threading.Thread(target=lane, name=f"bulk-restore-{n}")
        for n in range(max(1, min(lanes, len(work))))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    left = [name for name, _ in work if name not in done]
    if left and not failures:  # cannot happen unless a lane died without saying why
        failures.append(RuntimeError(f"not put back: {', '.join(left)}"))
    return done


@contextmanager
def deferred_indexes(
    engine: Engine, tables: Sequence[str], *, keys: bool = True
) -> Iterator[DeferredSchema]:
    """Load `tables` inside this block without their secondary indexes (nor foreign keys on
    PostgreSQL); they come back when the block ends, whether it succeeded or failed.

    The caller promises the tables are empty and nobody else writes them meanwhile: an index
    that is missing slows every query, and a foreign key that is missing lets another writer's
    bad row in until it comes back (its validation would then fail).
    """
    saved = set_aside(engine, tables, keys=keys)
    try:
        yield saved
    finally:
        restore(engine, saved)
