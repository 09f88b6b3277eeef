"""Bring a database to the newest schema at start, copying a SQLite file aside first."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from traceapp.domain.errors import StorageError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> Path | None:
    """Migrate to `revision`; returns the backup file made of a SQLite database, if any."""
    current = current_revision(engine)
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if current is not None and current not in known:
        raise StorageError(
            f"The database has schema {current}, which this TraceApp does not know.",
            hint="It was written by a newer TraceApp: install that version.",
        )
    target = head_revision() if revision == "head" else revision
    if current == target:
        return None
    backup = None
    if current is not None and engine.dialect.name == "sqlite":
        backup = backup_sqlite(engine, label=current)
    _run(engine, "upgrade", revision)
    return backup


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, "downgrade", revision)


def _run(engine: Engine, verb: str, revision: str) -> None:
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # A batch migration copies and renames tables; with foreign keys on, dropping the old
            # table would cascade. The pragma only works outside a transaction, so it is set on
            # the raw connection first, and the keys are checked before committing.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        with connection.begin():
            config.attributes["connection"] = connection
            getattr(command, verb)(config, revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StorageError(
                        f"The migration left {len(broken)} broken references (first: {broken[0]}).",
                        hint="Nothing was changed; the copy made before migrating is untouched. Report this.",
                    )


def backup_sqlite(engine: Engine, *, label: str) -> Path | None:
    """Copy a SQLite file aside with SQLite's own backup API (consistent even in WAL mode)."""
    database = engine.url.database
    if not database or database == ":memory:" or not Path(database).exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = Path(f"{database}.before-{label}-{stamp}.bak")
    source = sqlite3.connect(database)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return target


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
