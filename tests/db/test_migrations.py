"""Migrations: one head, reversible, and in step with the models on both databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from traceapp.db import migrate
from traceapp.db.base import Base
from traceapp.db.engine import make_engine
from traceapp.domain.errors import StorageError


def test_there_is_a_single_migration_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1


def test_upgrade_downgrade_upgrade_round_trips(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert migrate.table_names(engine) == ["alembic_version"]
    migrate.upgrade(engine)
    assert "events" in migrate.table_names(engine)
    engine.dispose()


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_a_sqlite_file_is_copied_aside_before_it_is_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plant.db"
    engine = make_engine(f"sqlite:///{path}")
    assert migrate.upgrade(engine) is None  # a new file has nothing to lose: no copy
    assert migrate.upgrade(engine) is None  # already current: no copy
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE keepsake (note TEXT)"))
        connection.execute(text("INSERT INTO keepsake VALUES ('before')"))
    # A newer release brings a migration: the file must be copied before it runs.
    order: list[str] = []
    current = migrate.current_revision(engine)
    monkeypatch.setattr(migrate, "head_revision", lambda: "9999_next")
    real_backup = migrate.backup_sqlite
    monkeypatch.setattr(
        migrate,
        "backup_sqlite",
        lambda e, label: order.append("backup") or real_backup(e, label=label),
    )
    monkeypatch.setattr(migrate, "_run", lambda e, verb, rev: order.append(verb))
    backup = migrate.upgrade(engine)
    assert order == ["backup", "upgrade"]
    assert backup is not None
    assert backup.name.startswith(f"plant.db.before-{current}-")
    copy = sqlite3.connect(backup)
    assert copy.execute("SELECT note FROM keepsake").fetchall() == [("before",)]
    copy.close()
    engine.dispose()


def test_a_schema_from_a_newer_traceapp_is_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'newer.db'}")
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    with pytest.raises(StorageError, match="newer TraceApp"):
        migrate.upgrade(engine)
    engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_full_sync(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }
    engine.dispose()
    assert pragmas["journal_mode"] == "wal"
    assert pragmas["foreign_keys"] == 1
    assert pragmas["synchronous"] == 2  # FULL
    assert pragmas["busy_timeout"] >= 5000
