"""master data version: a counter the database bumps whenever master data changes

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-01

Station processes keep products, parties, locations and users between steps (see
`traceapp/services/station_cache.py`) and check one number per step to know whether their copy
still holds: plant_meta's `master_data_version`. Triggers bump it in the same transaction as any
UPDATE or DELETE of those tables (of a user: of the columns a step uses), whoever makes it: the
app, an import, or an administrator at the SQL prompt. An INSERT needs no bump: a copy only
holds rows it has read, and a code it does not hold is looked up in the database.

(0012 is reserved for another change; whichever of the two lands second revises the other.)
SQLite drops a table's triggers when a batch migration rebuilds the table: a later migration
that rebuilds one of these tables must create its triggers again (`create_triggers`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "master_data_version"
# The columns of a user a step reads (sign-in counters and password changes do not count).
USER_COLUMNS = "username, role, active"
TABLES = ("products", "parties", "locations", "users")
FUNCTION = "traceapp_master_data_changed"


def _bump_sql(dialect: str) -> str:
    cast = (
        "CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        if dialect == "sqlite"
        else "(value::bigint + 1)::text"
    )
    return f"UPDATE plant_meta SET value = {cast} WHERE key = '{KEY}'"


def create_triggers(connection: sa.Connection) -> None:
    dialect = connection.dialect.name
    bump = _bump_sql(dialect)
    if dialect == "postgresql":
        connection.execute(
            sa.text(
                f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$ "
                f"BEGIN {bump}; RETURN NULL; END; $$ LANGUAGE plpgsql"
            )
        )
    for table in TABLES:
        update = f"UPDATE OF {USER_COLUMNS}" if table == "users" else "UPDATE"
        if dialect == "postgresql":
            connection.execute(
                sa.text(
                    f"CREATE TRIGGER {table}_master_version AFTER {update} OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                )
            )
            continue
        for verb in (update, "DELETE"):
            name = f"{table}_master_version_{verb.split()[0].lower()}"
            connection.execute(
                sa.text(f"CREATE TRIGGER {name} AFTER {verb} ON {table} BEGIN {bump}; END")
            )


def drop_triggers(connection: sa.Connection) -> None:
    dialect = connection.dialect.name
    for table in TABLES:
        if dialect == "postgresql":
            connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_master_version ON {table}"))
            continue
        for verb in ("update", "delete"):
            connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_master_version_{verb}"))
    if dialect == "postgresql":
        connection.execute(sa.text(f"DROP FUNCTION IF EXISTS {FUNCTION}()"))


def upgrade() -> None:
    connection = op.get_bind()
    connection.execute(
        sa.text("INSERT INTO plant_meta (key, value) VALUES (:key, '1')"), {"key": KEY}
    )
    create_triggers(connection)


def downgrade() -> None:
    connection = op.get_bind()
    drop_triggers(connection)
    connection.execute(sa.text("DELETE FROM plant_meta WHERE key = :key"), {"key": KEY})
