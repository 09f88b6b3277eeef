"""Fast inserts of many plain rows into one table after another, in chunks, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert
from sqlalchemy.engine import Dialect

from traceapp.db.engine import WRITE_OPTION

CHUNK_ROWS = 10_000  # rows handed to the driver at once
TRANSACTION_ROWS = 200_000  # rows per commit: few commits, yet a failure loses one group only

Row = Mapping[str, Any]
Progress = Callable[[str, int], None]
Processor = Callable[[Any], Any]


def chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _TableWriter:
    """Writes chunks of one table's rows, converting values exactly as SQLAlchemy would.

    SQLAlchemy's executemany spends most of its time per row on bookkeeping; here each
    column's own bind processor (UUID -> text on SQLite, aware time -> UTC, ...) is looked up
    once and applied in a tight loop, so the stored values are the same as through the ORM.
    """

    def __init__(self, connection: Connection, table: Table, columns: Sequence[str]) -> None:
        dialect: Dialect = connection.dialect
        self.connection = connection
        self.table = table
        self.columns = list(columns)
        self.getter = itemgetter(*self.columns)
        processors: list[tuple[int, Processor]] = []
        for position, name in enumerate(self.columns):
            column_type = table.c[name].type
            processor = column_type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors.append((position, processor))
        self.processors = processors
        preparer = dialect.identifier_preparer
        self.quoted_table = preparer.format_table(table)
        self.quoted_columns = ", ".join(preparer.quote(name) for name in self.columns)

    def values(self, chunk: list[Row]) -> list[list[Any]]:
        getter, processors, single = self.getter, self.processors, len(self.columns) == 1
        out: list[list[Any]] = []
        for row in chunk:
            values = [getter(row)] if single else list(getter(row))
            for position, processor in processors:
                values[position] = processor(values[position])
            out.append(values)
        return out

    def write(self, chunk: list[Row]) -> None:
        dialect = self.connection.dialect.name
        if dialect == "sqlite":
            marks = ", ".join("?" for _ in self.columns)
            sql = f"INSERT INTO {self.quoted_table} ({self.quoted_columns}) VALUES ({marks})"
            self.connection.exec_driver_sql(sql, [tuple(v) for v in self.values(chunk)])
        elif dialect == "postgresql" and self.connection.dialect.driver == "psycopg":
            # COPY is several times faster than multi-row INSERT on PostgreSQL; same constraints,
            # same triggers (there are no INSERT triggers), same transaction.
            driver = self.connection.connection.driver_connection
            assert driver is not None
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY {self.quoted_table} ({self.quoted_columns}) FROM STDIN") as copy,
            ):
                for values in self.values(chunk):
                    copy.write_row(values)
        else:
            self.connection.execute(insert(self.table), chunk)


def insert_rows(
    connection: Connection, table: Table, rows: Iterable[Row], *, chunk_rows: int = CHUNK_ROWS
) -> int:
    """Insert rows into `table` in the caller's transaction; every row has the same keys."""
    count = 0
    writer: _TableWriter | None = None
    for chunk in chunks(rows, chunk_rows):
        writer = writer or _TableWriter(connection, table, list(chunk[0]))
        writer.write(chunk)
        count += len(chunk)
    return count


def bulk_insert(
    engine: Engine,
    tables: Sequence[tuple[Table, Iterable[Row]]],
    *,
    chunk_rows: int = CHUNK_ROWS,
    transaction_rows: int = TRANSACTION_ROWS,
    sqlite_pragmas: Sequence[str] = (),
    progress: Progress | None = None,
) -> dict[str, int]:
    """Insert each table's rows in the order given, committing every `transaction_rows` rows.

    Tables come in foreign-key order (parents first), so every committed group is consistent.
    `sqlite_pragmas` apply to this one connection only (it is closed at the end).
    Returns the number of rows written per table.
    """
    written: dict[str, int] = {}
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
        if connection.dialect.name == "sqlite" and sqlite_pragmas:
            # Straight on the driver, before SQLAlchemy begins: some pragmas refuse a transaction.
            cursor = connection.connection.cursor()
            for pragma in sqlite_pragmas:
                cursor.execute(pragma)
            cursor.close()
        since_commit = 0
        for table, rows in tables:
            count = 0
            writer: _TableWriter | None = None
            for chunk in chunks(rows, chunk_rows):
                if not connection.in_transaction():
                    connection.begin()
                writer = writer or _TableWriter(connection, table, list(chunk[0]))
                writer.write(chunk)
                count += len(chunk)
                since_commit += len(chunk)
                if since_commit >= transaction_rows:
                    connection.commit()
                    since_commit = 0
                if progress is not None:
                    progress(table.name, count)
            written[table.name] = count
        if connection.in_transaction():
            connection.commit()
    return written
