"""Alembic environment: runs on the connection the app (or a test) hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from traceapp.db.base import Base
from traceapp.db.models import *  # noqa: F403  (registers every table on the metadata)

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through traceapp.db.migrate, which passes a connection.")
run_migrations(connection)
