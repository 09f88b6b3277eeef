"""Indexes and foreign keys set aside for a bulk load come back exactly as the migrations made them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from traceapp.db.base import Base
from traceapp.db.bulk_schema import deferred_indexes, foreign_keys, secondary_indexes

TABLES = ("events", "lots", "event_items", "lot_edges", "container_contents", "shipment_items")


def schema(engine: Engine) -> dict[str, Any]:
    """Every index, constraint and trigger as the database itself spells it."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return {
                "objects": sorted(
                    tuple(row)
                    for row in connection.execute(
                        text("SELECT type, name, tbl_name, sql FROM sqlite_master")
                    )
                )
            }
        return {
            "indexes": sorted(
                tuple(row)
                for row in connection.execute(
                    text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
                )
            ),
            "constraints": sorted(
                tuple(row)
                for row in connection.execute(
                    text(
                        "SELECT c.conrelid::regclass::text, c.conname, "
                        "pg_get_constraintdef(c.oid), c.convalidated "
                        "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                        "WHERE n.nspname = 'public'"
                    )
                )
            ),
            "triggers": sorted(
                tuple(row)
                for row in connection.execute(
                    text(
                        "SELECT tgrelid::regclass::text, tgname, tgenabled "
                        "FROM pg_trigger WHERE NOT tgisinternal"
                    )
                )
            ),
        }


def differences_from_models(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_the_secondary_indexes_are_those_the_models_declare_without_unique(
    engine: Engine,
) -> None:
    with engine.connect() as connection:
        found = {(s.table, s.name) for s in secondary_indexes(connection, TABLES)}
        keys = {(k.table, k.name) for k in foreign_keys(connection, TABLES)}
    declared = {
        (name, index.name)
        for name in TABLES
        for index in Base.metadata.tables[name].indexes
        if not index.unique
    }
    assert found == declared
    if engine.dialect.name == "postgresql":
        assert keys == {
            (name, key.name)
            for name in TABLES
            for key in Base.metadata.tables[name].foreign_key_constraints
        }
    else:
        assert keys == set()  # SQLite cannot drop a foreign key: they stay, checked per row


def test_the_schema_comes_back_exactly_and_its_constraints_valid(engine: Engine) -> None:
    before = schema(engine)
    with deferred_indexes(engine, TABLES) as saved:
        during = schema(engine)
        assert saved.indexes
        assert during != before
        with engine.connect() as connection:
            assert secondary_indexes(connection, TABLES) == []
            assert foreign_keys(connection, TABLES) == []
    assert schema(engine) == before
    assert differences_from_models(engine) == []


def test_a_failure_inside_the_block_still_puts_everything_back(engine: Engine) -> None:
    before = schema(engine)
    with pytest.raises(RuntimeError, match="load failed"), deferred_indexes(engine, TABLES):
        raise RuntimeError("load failed")
    assert schema(engine) == before


def _orphan_edge(engine: Engine) -> None:
    """A genealogy edge between lots that do not exist."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO lot_edges (id, parent_lot_id, child_lot_id, quantity, unit, event_id) "
                "VALUES (:id, :parent, :child, 1, 'kg', :event)"
            ),
            {
                "id": uuid.uuid4().hex,
                "parent": uuid.uuid4().hex,
                "child": uuid.uuid4().hex,
                "event": uuid.uuid4().hex,
            },
        )


def test_a_row_breaking_a_foreign_key_is_refused_all_the_same(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        # The foreign keys stay in place on SQLite: the row is refused as it is written.
        with pytest.raises(IntegrityError), deferred_indexes(engine, TABLES):
            _orphan_edge(engine)
        return
    # On PostgreSQL the check comes when the key is put back, and the load fails there.
    with pytest.raises(IntegrityError, match="lot_edges"), deferred_indexes(engine, TABLES):
        _orphan_edge(engine)
    invalid = [row for row in schema(engine)["constraints"] if not row[3]]
    # Only the keys the orphan breaks stay unvalidated; they still refuse every new bad row.
    assert {row[1] for row in invalid} == {
        "fk_lot_edges_parent_lot_id_lots",
        "fk_lot_edges_child_lot_id_lots",
        "fk_lot_edges_event_id_events",
    }
    with pytest.raises(IntegrityError):
        _orphan_edge(engine)
