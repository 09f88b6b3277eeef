"""Engines for the embedded SQLite file and the shared PostgreSQL server, set up the same way."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from traceapp.domain.errors import InvalidInput

BUSY_TIMEOUT_MS = 15_000  # a second workstation's write waits this long for the lock
WRITE_OPTION = "traceapp_write"


def parse_url(url: str) -> URL:
    """A SQLAlchemy URL; a bare file path means a SQLite file."""
    text = url.strip()
    if "://" not in text:
        text = f"sqlite:///{Path(text).expanduser().resolve()}"
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise InvalidInput(
            f"{url!r} is not a database URL.",
            hint="Use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db.",
        ) from None
    if parsed.drivername == "postgresql" or parsed.drivername == "postgres":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InvalidInput(
            f"{parsed.get_backend_name()} databases are not supported.",
            hint="Use a SQLite file or a PostgreSQL server.",
        )
    return parsed


def masked(url: URL | str) -> str:
    """The URL as it may be shown or logged: the password hidden."""
    return (url if isinstance(url, URL) else parse_url(url)).render_as_string(hide_password=True)


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine with the pragmas or options our rules rely on."""
    parsed = parse_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # A trace hands a connection to a thread of its own (`trace_snapshot`); each is used by
        # one thread at a time, which is all SQLite asks.
        connect_args = {"check_same_thread": False, **kwargs.pop("connect_args", {})}
        engine = create_engine(parsed, poolclass=NullPool, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


PAGE_CACHE_KIB = 65_536
MMAP_BYTES = 2 * 1024**3


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # We issue BEGIN ourselves (below), so the driver must not open transactions on its own.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # First: switching to WAL needs the lock too, and must wait for it like everything else.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Every acknowledged scan must survive a power cut.
        cursor.execute("PRAGMA synchronous=FULL")
        # A trace on a large plant touches tens of thousands of index pages spread over the
        # file: the default 2 MB page cache re-reads most of them from the OS on every trace.
        # 64 MB (taken only as pages are used) keeps a 10,000-lot trace's pages in between.
        cursor.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        # Reads through a memory map skip a system call and a copy per page: a third off a
        # large trace. (SQLite caps the map at 2 GB; pages past it are read as before. A disk
        # I/O error while reading the map would end the process instead of raising an error;
        # with WAL and synchronous=FULL that loses nothing acknowledged.)
        cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock up front, so two stations cannot both read the last
        # kilos of a lot and then both write: the second waits, then reads the new quantity.
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
