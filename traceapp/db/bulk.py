"""Fast inserts of many rows of database-native values, table after table, on SQLite and PostgreSQL.

The ORM (and even SQLAlchemy Core's executemany) spends several microseconds per value on bind
processors and bookkeeping, which at millions of rows is most of the time. Here the caller builds
each row once as a tuple of the exact values the database stores, through `NativeTypes`: one
small, tested converter per column type that gives what SQLAlchemy's own bind processor would
give for our types (`Uuid`, `UtcDateTime`, `Numeric(18, 6)`, `Date`, `Integer`, strings).
SQLite gets the tuples through `executemany`; PostgreSQL gets them as COPY text.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import islice
from operator import methodcaller
from typing import Any

from psycopg import Cursor
from psycopg.copy import Copy, QueuedLibpqWriter
from sqlalchemy import Connection, Engine, Table

from traceapp.db.engine import WRITE_OPTION
from traceapp.domain.errors import InvalidInput
from traceapp.domain.ids import uuid7_int

CHUNK_ROWS = 5_000  # rows handed to the driver at once
TRANSACTION_ROWS = 500_000  # rows per commit: few commits, yet a failure loses one group only
QUEUED_CHUNKS = 64  # chunks made ahead of the writer (bounds the memory the pipeline holds)
POSTGRES_LANES = 2  # connections loading tables side by side (one server process each)

Native = str | int | float | None  # a value as the driver hands it to the database
NativeRow = tuple[Native, ...]
Progress = Callable[[str, int], None]

PG_NULL = "\\N"  # NULL in PostgreSQL's COPY text format
# NULL in rows for SQLite: a text the INSERT turns into NULL (NULLIF). Binding None itself costs
# sqlite3 an adapter look-up per value (int, float and str skip it), a fifth of all the writing
# time for a table like events with eight NULL columns a row.
SQLITE_NULL = "\x1e\\N\x1e"
_UTC_SUFFIX = "+00:00"


# --- one converter per column type ------------------------------------------------------------


def uuid7_hex(millis: int, bits: int) -> str:
    """The 32 hex digits of a version-7 UUID: `millis` (Unix time in ms) first, then `bits`.

    The layout of RFC 9562 (`uuid7_int`, as the app's own `new_uuid`), bits taken from the low
    80 bits of `bits`. Ids made in time order sort in time
    order, so a bulk load of them appends to each index instead of landing on a random page of
    it: with random (version-4) ids nearly every insert of a large table reads and writes some
    page of the primary key, and of every index on a column that points at such ids.
    No UUID object is made (about 5 µs each): the hex form is what SQLAlchemy's `Uuid` stores on
    SQLite (CHAR(32)), and PostgreSQL's uuid input reads it.
    """
    return f"{uuid7_int(millis, bits):032x}"


def _sqlite_timestamp(moment: datetime) -> str:
    """What `UtcDateTime` stores on SQLite: naive UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    text = moment.isoformat(" ", "microseconds")
    if text.endswith(_UTC_SUFFIX):
        return text[:26]
    return _sqlite_timestamp(_as_utc(moment))


def _pg_timestamp(moment: datetime) -> str:
    """timestamptz input with its offset (so the session time zone cannot shift it)."""
    text = moment.isoformat(" ", "microseconds")
    if text.endswith(_UTC_SUFFIX):
        return text
    return _as_utc(moment).isoformat(" ", "microseconds")


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        # The same refusal as UtcDateTime: a naive time has no instant.
        raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
    return moment.astimezone(UTC)


def _sqlite_quantity(thousandths: int) -> float:
    # SQLAlchemy binds Numeric as float(Decimal) on SQLite; int / int is correctly rounded just
    # like float(Decimal(thousandths).scaleb(-3)), so the stored REAL (or INTEGER) is the same.
    return thousandths / 1000


def _pg_quantity(thousandths: int) -> str:
    """Exact decimal text: numeric(18, 6) stores the number, whatever its written scale."""
    whole, fraction = divmod(abs(thousandths), 1000)
    return f"{'-' if thousandths < 0 else ''}{whole}.{fraction:03d}"


@dataclass(frozen=True, slots=True)
class NativeTypes:
    """Converters from Python values to what one database stores, column type by column type.

    Strings are stored as they are and UUIDs as 32 hex digits on both databases (`uuid7_hex`,
    or `uuid.UUID.hex`); the rest differs: SQLite gets int, float and SQLAlchemy's text forms
    of times, PostgreSQL gets COPY text for every value. NULL is a text on both (`null`): a text
    value that is exactly `SQLITE_NULL` or `PG_NULL` cannot be stored as such.
    """

    dialect: str
    null: str
    integer: Callable[[int], int | str]
    timestamp: Callable[[datetime], str]  # UtcDateTime, from an aware datetime
    date: Callable[[date], str]  # Date
    quantity: Callable[[int], float | str]  # Numeric(18, 6), from thousandths of the unit


SQLITE_TYPES = NativeTypes(
    dialect="sqlite",
    null=SQLITE_NULL,
    integer=int,
    timestamp=_sqlite_timestamp,
    date=date.isoformat,  # SQLAlchemy's SQLite DATE format is %Y-%m-%d as well
    quantity=_sqlite_quantity,
)

POSTGRES_TYPES = NativeTypes(
    dialect="postgresql",
    null=PG_NULL,
    integer=str,
    timestamp=_pg_timestamp,
    date=date.isoformat,
    # Quantities repeat (case sizes, pack counts, batch splits): each text is made once.
    quantity=lru_cache(maxsize=1 << 16)(_pg_quantity),
)


def native_types(engine: Engine | Connection) -> NativeTypes:
    """The converters for this engine's database; only SQLite and PostgreSQL through psycopg."""
    dialect = engine.dialect
    if dialect.name == "sqlite":
        return SQLITE_TYPES
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return POSTGRES_TYPES
    raise InvalidInput(
        f"Bulk loading supports SQLite and PostgreSQL through psycopg, not {dialect.name}"
        f"+{dialect.driver}.",
        hint="Use a sqlite:/// or postgresql+psycopg:// URL.",
    )


# --- writing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableRows:
    """Rows for one table: every tuple has one native value per column, in `columns` order."""

    table: Table
    columns: tuple[str, ...]
    rows: Iterable[NativeRow]


def chunks(rows: Iterable[NativeRow], size: int) -> Iterator[list[NativeRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _copy_text(chunk: list[NativeRow], width: int) -> str:
    """COPY text of a chunk of all-text rows (POSTGRES_TYPES makes only strings).

    A text value that is exactly `\\N` cannot be told from NULL here (COPY reads it as NULL).
    """
    text = "\n".join(map("\t".join, chunk))  # type: ignore[arg-type]  # all str, checked below
    # Values seldom hold a tab, newline or backslash, and then joining is all the formatting
    # they need. Counting (at C speed, over the whole chunk) proves it: every backslash must be
    # that of a NULL field. Otherwise the chunk is escaped value by value.
    nulls = sum(map(_count_nulls, chunk))
    if (
        text.count("\t") != (width - 1) * len(chunk)
        or text.count("\n") != len(chunk) - 1
        or text.count("\\") != nulls
    ):
        text = "\n".join("\t".join(_escape(value) for value in row) for row in chunk)
    return text + "\n"


_count_nulls = methodcaller("count", PG_NULL)


def _escape(value: Native) -> str:
    if value == PG_NULL:
        return PG_NULL
    if not isinstance(value, str):
        raise TypeError(f"COPY text needs str values, not {type(value).__name__}")
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


class _Writer:
    """Writes chunks of one table in the connection's current transaction."""

    def __init__(self, connection: Connection, spec: TableRows) -> None:
        missing = [name for name in spec.columns if name not in spec.table.c]
        if missing:
            raise ValueError(f"{spec.table.name} has no column(s) {', '.join(missing)}")
        preparer = connection.dialect.identifier_preparer
        table = preparer.format_table(spec.table)
        columns = ", ".join(preparer.quote(name) for name in spec.columns)
        self.connection = connection
        self.width = len(spec.columns)
        self.sqlite = connection.dialect.name == "sqlite"
        # Every column, NOT NULL ones too: there SQLITE_NULL must be refused as NULL is.
        null = "'" + SQLITE_NULL.replace("'", "''") + "'"
        marks = ", ".join(f"NULLIF(?, {null})" for _ in spec.columns)
        self.insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        self.copying: ExitStack | None = None
        self.copy: Copy | None = None

    def write(self, chunk: list[NativeRow]) -> None:
        driver: Any = self.connection.connection.driver_connection
        if self.sqlite:
            # Straight to sqlite3: tuples of native values, nothing left to convert.
            driver.executemany(self.insert, chunk)
            return
        if self.copy is None:
            # One COPY per table and transaction: several times faster than INSERT, the same
            # constraints. The queued writer sends from its own thread while the next chunk is
            # made (psycopg releases the GIL while it waits on the socket).
            self.copying = ExitStack()
            cursor: Cursor[Any] = self.copying.enter_context(driver.cursor())
            self.copy = self.copying.enter_context(
                cursor.copy(self.copy_sql, writer=QueuedLibpqWriter(cursor))
            )
        self.copy.write(_copy_text(chunk, self.width))

    def finish(self) -> None:
        """End the open COPY (before a commit, or before the next table)."""
        if self.copying is not None:
            copying, self.copying, self.copy = self.copying, None, None
            copying.close()


_DONE = object()


def _pipelined(
    specs: Sequence[TableRows], chunk_rows: int
) -> Iterator[tuple[int, list[NativeRow]]]:
    """(table number, chunk) in order, made by a second thread while the caller writes.

    sqlite3 releases the GIL while SQLite inserts a row and psycopg while it sends, so the
    rows of the next chunk are made on the other core meanwhile.
    """
    ready: queue.Queue[Any] = queue.Queue(maxsize=QUEUED_CHUNKS)
    stop = threading.Event()

    def offer(item: object) -> bool:
        """Queue the item unless the writer has stopped (it may have failed: never block)."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for number, spec in enumerate(specs):
                for chunk in chunks(spec.rows, chunk_rows):
                    if not offer((number, chunk)):
                        return
            offer(_DONE)
        except BaseException as exc:  # handed over: the writer re-raises it
            offer(exc)

    maker = threading.Thread(target=produce, name="bulk-rows", daemon=True)
    maker.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        maker.join()


def bulk_insert(
    engine: Engine,
    tables: Sequence[TableRows],
    *,
    chunk_rows: int = CHUNK_ROWS,
    transaction_rows: int = TRANSACTION_ROWS,
    sqlite_pragmas: Sequence[str] = (),
    lanes: int | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Insert each table's rows, committing every `transaction_rows` rows.

    A table is written only once every table it references (among `tables`) is written and
    committed, so every committed group is consistent. SQLite has one writer: the tables go in
    the order given. On PostgreSQL `lanes` connections (default `POSTGRES_LANES`) each load one
    table at a time, in the order given as they become ready.
    Rows are native values (see `NativeTypes`, from `native_types(engine)`).
    `sqlite_pragmas` apply to this one connection only (it is closed at the end).
    Returns the number of rows written per table.
    """
    native_types(engine)  # refuses a database we cannot write natively, before any work
    if engine.dialect.name == "sqlite":
        lanes = 1
    elif lanes is None:
        lanes = POSTGRES_LANES
    if lanes > 1 and len(tables) > 1:
        return _in_lanes(
            engine, tables, lanes=lanes, chunk_rows=chunk_rows,
            transaction_rows=transaction_rows, progress=progress,
        )  # fmt: skip
    written = {spec.table.name: 0 for spec in tables}
    with _write_connection(engine) as connection:
        if connection.dialect.name == "sqlite" and sqlite_pragmas:
            # Straight on the driver, before SQLAlchemy begins: some pragmas refuse a transaction.
            cursor = connection.connection.cursor()
            for pragma in sqlite_pragmas:
                cursor.execute(pragma)
            cursor.close()
        writers = [_Writer(connection, spec) for spec in tables]
        since_commit = 0
        current = 0
        for number, chunk in _pipelined(tables, chunk_rows):
            if number != current:
                writers[current].finish()
                current = number
            if not connection.in_transaction():
                connection.begin()
            writers[number].write(chunk)
            name = tables[number].table.name
            written[name] += len(chunk)
            since_commit += len(chunk)
            if since_commit >= transaction_rows:
                writers[number].finish()
                connection.commit()
                since_commit = 0
            if progress is not None:
                progress(name, written[name])
        for writer in writers:
            writer.finish()
        if connection.in_transaction():
            connection.commit()
    return written


def _write_connection(engine: Engine) -> Connection:
    return engine.connect().execution_options(**{WRITE_OPTION: True})


def _in_lanes(
    engine: Engine,
    tables: Sequence[TableRows],
    *,
    lanes: int,
    chunk_rows: int,
    transaction_rows: int,
    progress: Progress | None,
) -> dict[str, int]:
    """Load tables on several connections at once (PostgreSQL).

    One COPY keeps one server process busy, and the foreign-key checks and random UUID index
    entries make the server, not Python, the slow side; independent tables (items, edges and
    contents all point only at events, lots and containers) can load side by side.
    """
    names = {spec.table.name for spec in tables}
    needs = {
        spec.table.name: {key.column.table.name for key in spec.table.foreign_keys}
        & names - {spec.table.name}
        for spec in tables
    }
    written = dict.fromkeys(names, 0)
    done: set[str] = set()
    taken: set[str] = set()
    failures: list[BaseException] = []
    turn = threading.Condition()

    def next_table() -> TableRows | None:
        with turn:
            while not failures:
                ready = [
                    s for s in tables if s.table.name not in taken and needs[s.table.name] <= done
                ]
                if ready:
                    taken.add(ready[0].table.name)
                    return ready[0]
                if len(taken) == len(tables):
                    return None
                turn.wait()
            return None

    def lane() -> None:
        try:
            with _write_connection(engine) as connection:
                while (spec := next_table()) is not None:
                    count = _load_table(connection, spec, chunk_rows, transaction_rows, progress)
                    with turn:
                        written[spec.table.name] = count
                        done.add(spec.table.name)
                        turn.notify_all()
        except BaseException as exc:  # handed over: bulk_insert re-raises the first
            with turn:
                failures.append(exc)
                turn.notify_all()

    workers = [threading.Thread(target=lane, name=f"bulk-lane-{n}") for n in range(lanes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise failures[0]
    return written


def _load_table(
    connection: Connection,
    spec: TableRows,
    chunk_rows: int,
    transaction_rows: int,
    progress: Progress | None,
) -> int:
    writer = _Writer(connection, spec)
    count = since_commit = 0
    for chunk in chunks(spec.rows, chunk_rows):
        if not connection.in_transaction():
            connection.begin()
        writer.write(chunk)
        count += len(chunk)
        since_commit += len(chunk)
        if since_commit >= transaction_rows:
            writer.finish()
            connection.commit()
            since_commit = 0
        if progress is not None:
            progress(spec.table.name, count)
    writer.finish()
    if connection.in_transaction():
        connection.commit()
    return count


def insert_rows(connection: Connection, spec: TableRows, *, chunk_rows: int = CHUNK_ROWS) -> int:
    """Write one table's rows in the connection's current transaction, without committing.

    For callers that write other tables in the same transaction (the sensor batch writer: raw
    readings with their aggregates). Returns the number of rows written.
    """
    writer = _Writer(connection, spec)
    count = 0
    for chunk in chunks(spec.rows, chunk_rows):
        writer.write(chunk)
        count += len(chunk)
    writer.finish()
    return count
