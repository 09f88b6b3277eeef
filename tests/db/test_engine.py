"""The engines keep their connections: a SQLite file's hands each out as it was made, and both
pools lend the connection given back last."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool, QueuePool

from traceapp.db.engine import BUSY_TIMEOUT_MS, PAGE_CACHE_KIB, make_engine

SETTINGS = ("busy_timeout", "foreign_keys", "synchronous", "cache_size", "temp_store")


def _read(raw: object) -> tuple[object, ...]:
    driver = raw.driver_connection  # type: ignore[attr-defined]
    return tuple(driver.execute(f"PRAGMA {name}").fetchone()[0] for name in SETTINGS)


EXPECTED = (BUSY_TIMEOUT_MS, 1, 2, -PAGE_CACHE_KIB, 0)


def test_a_file_keeps_its_connections_and_memory_does_not(tmp_path: Path) -> None:
    kept = make_engine(f"sqlite:///{tmp_path / 'plant.db'}")
    in_memory = make_engine("sqlite:///:memory:")
    try:
        assert isinstance(kept.pool, QueuePool)
        assert isinstance(in_memory.pool, NullPool)
        first = kept.raw_connection()
        driver = first.driver_connection
        first.close()
        again = kept.raw_connection()
        assert again.driver_connection is driver  # the same connection, not a new one
        again.close()
    finally:
        kept.dispose()
        in_memory.dispose()


def test_a_kept_connection_comes_back_with_its_settings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'plant.db'}")
    try:
        raw = engine.raw_connection()
        assert _read(raw) == EXPECTED
        driver = raw.driver_connection
        # What a migration, a bulk load and a trace's gate set for their own work.
        for pragma in (
            "foreign_keys=OFF",
            "busy_timeout=100",
            "synchronous=OFF",
            "cache_size=-1000000",
            "temp_store=MEMORY",
        ):
            driver.execute(f"PRAGMA {pragma}")  # type: ignore[union-attr]
        raw.close()
        again = engine.raw_connection()
        assert again.driver_connection is driver
        assert _read(again) == EXPECTED
        again.close()
    finally:
        engine.dispose()


def test_a_connection_given_back_unchanged_keeps_its_compiled_statements(tmp_path: Path) -> None:
    """Nothing is set on a connection that comes back as it went out: setting foreign_keys,
    even to the value it has, expires every statement the connection has compiled, and each
    unit of work would compile its statements anew."""
    engine = make_engine(f"sqlite:///{tmp_path / 'plant.db'}")
    try:
        raw = engine.raw_connection()
        driver = raw.driver_connection
        statements: list[str] = []
        driver.set_trace_callback(statements.append)  # type: ignore[union-attr]
        driver.execute("SELECT 1").fetchall()  # type: ignore[union-attr]
        raw.close()
        again = engine.raw_connection()
        assert again.driver_connection is driver
        assert _read(again) == EXPECTED
        again.close()
        assert statements[0] == "SELECT 1"
        assert not [s for s in statements if s.startswith("PRAGMA") and "=" in s]
    finally:
        engine.dispose()


def test_foreign_keys_hold_on_a_connection_a_migration_switched_them_off(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'plant.db'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
            connection.execute(
                text("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id REFERENCES parent(id))")
            )
        raw = engine.raw_connection()
        raw.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        raw.close()
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("INSERT INTO child (id, parent_id) VALUES (1, 42)"))
    finally:
        engine.dispose()


def test_a_file_hands_out_as_many_connections_as_are_asked_for_at_once(tmp_path: Path) -> None:
    # Four traces at once take sixteen (each: its session, a gate, two companions); with a
    # limit they would wait on each other for connections none gives back.
    engine = make_engine(f"sqlite:///{tmp_path / 'plant.db'}")
    try:
        held = [engine.raw_connection() for _ in range(24)]
        assert len({id(raw.driver_connection) for raw in held}) == 24
        for raw in held:
            raw.close()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_pool_lends_the_connection_given_back_last(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Last in, first out: the connection lent next is the one just used, with the statements
    it has prepared (psycopg, the server) or compiled (SQLite) and its page cache still warm.
    Handed out in turn, each of a trace's pooled connections ran cold for a dozen traces."""
    url = (
        f"sqlite:///{tmp_path / 'plant.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = make_engine(url)
    try:
        first, second = engine.raw_connection(), engine.raw_connection()
        drivers = first.driver_connection, second.driver_connection
        second.close()
        first.close()  # given back last
        for _ in range(3):
            again = engine.raw_connection()
            assert again.driver_connection is drivers[0]
            again.close()
    finally:
        engine.dispose()
