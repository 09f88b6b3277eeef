"""Engines for the embedded SQLite file and the shared PostgreSQL server, set up the same way."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool, QueuePool

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
        # A file's connections are kept between units of work: opening one costs its pragmas
        # and reading the schema (3-4 ms here, a third of a backward trace), and each keeps
        # its page cache. In memory, every connection is a database of its own: none is kept.
        # As many as are asked for at once (SQLite sets no limit; a trace takes four, and
        # a limit would make concurrent traces wait on each other), five kept between uses.
        in_memory = not database or database == ":memory:" or "mode=memory" in database
        pooling: dict[str, Any] = (
            {"poolclass": NullPool}
            if in_memory
            else {"poolclass": QueuePool, "max_overflow": -1, "pool_use_lifo": True}
        )
        engine = create_engine(parsed, connect_args=connect_args, **pooling, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_use_lifo=True, **kwargs)


PAGE_CACHE_KIB = 65_536
MMAP_BYTES = 2 * 1024**3


def _settings() -> tuple[tuple[str, str], ...]:
    """The per-connection settings our rules rely on, as (pragma, value)."""
    return (
        ("busy_timeout", str(BUSY_TIMEOUT_MS)),
        ("foreign_keys", "ON"),
        # Every acknowledged scan must survive a power cut.
        ("synchronous", "FULL"),
        # A trace on a large plant touches tens of thousands of index pages spread over the
        # file: the default 2 MB page cache re-reads most of them from the OS on every trace.
        # 64 MB (taken only as pages are used) keeps a 10,000-lot trace's pages in between.
        ("cache_size", f"-{PAGE_CACHE_KIB}"),
        # Reads through a memory map skip a system call and a copy per page: a third off a large
        # trace. (SQLite caps the map at 2 GB; pages past it are read as before. A disk I/O error
        # while reading the map would end the process instead of raising an error; with WAL and
        # synchronous=FULL that loses nothing acknowledged.)
        ("mmap_size", str(MMAP_BYTES)),
        ("temp_store", "DEFAULT"),
    )


def _apply_settings(dbapi_connection: sqlite3.Connection) -> list[object]:
    """Set them all (a new connection); what they read back as afterwards (SQLite caps some)."""
    for name, value in _settings():
        dbapi_connection.execute(f"PRAGMA {name}={value}")
    return _settings_now(dbapi_connection)


def _settings_now(dbapi_connection: sqlite3.Connection) -> list[object]:
    """Each setting as it reads now (None where it reads as nothing: mmap_size in memory)."""
    rows = (dbapi_connection.execute(f"PRAGMA {name}").fetchone() for name, _ in _settings())
    return [row[0] if row else None for row in rows]


def _restore_settings(dbapi_connection: sqlite3.Connection, wanted: list[object]) -> None:
    """Set again only the settings a borrower changed. Setting foreign_keys, even to the value
    it has, expires every statement the connection has compiled: set on every return to the
    pool, it made each unit of work compile its statements anew (a pallet's backward trace
    spent half its time on that)."""
    for (name, value), now, want in zip(
        _settings(), _settings_now(dbapi_connection), wanted, strict=True
    ):
        if now != want:
            dbapi_connection.execute(f"PRAGMA {name}={value}")


_SETTINGS_KEY = "traceapp_settings"  # in a pooled connection's info: its settings as read back


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        # We issue BEGIN ourselves (below), so the driver must not open transactions on its own.
        dbapi_connection.isolation_level = None
        # First: switching to WAL needs the lock too, and must wait for it like everything else.
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        record.info[_SETTINGS_KEY] = _apply_settings(dbapi_connection)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: sqlite3.Connection | None, record: Any) -> None:
        # A kept connection goes back as it was made: a borrower may have changed a setting
        # for its own work (a migration's foreign_keys=OFF, a bulk load's synchronous=OFF, a
        # trace's short busy_timeout), which the next one must not inherit.
        if dbapi_connection is not None and not dbapi_connection.in_transaction:
            wanted = record.info.get(_SETTINGS_KEY)
            if wanted is None:
                record.info[_SETTINGS_KEY] = _apply_settings(dbapi_connection)
            else:
                _restore_settings(dbapi_connection, wanted)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock up front, so two stations cannot both read the last
        # kilos of a lot and then both write: the second waits, then reads the new quantity.
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
