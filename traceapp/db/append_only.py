"""Database triggers that refuse UPDATE and DELETE on append-only tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Connection, text

APPEND_ONLY_TABLES = ("events", "event_items", "error_declarations")
REFUSAL = "append-only table: record a correction event instead"


def create_triggers(connection: Connection, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "CREATE OR REPLACE FUNCTION traceapp_refuse_change() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '% is an {REFUSAL}', TG_TABLE_NAME; END; "
                "$$ LANGUAGE plpgsql"
            )
        )
    for table in tables:
        for verb in ("UPDATE", "DELETE"):
            name = f"{table}_no_{verb.lower()}"
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text(
                        f"CREATE TRIGGER {name} BEFORE {verb} ON {table} "
                        "FOR EACH ROW EXECUTE FUNCTION traceapp_refuse_change()"
                    )
                )
                # TRUNCATE bypasses row triggers; refuse it as well.
                if verb == "DELETE":
                    connection.execute(
                        text(
                            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                            "FOR EACH STATEMENT EXECUTE FUNCTION traceapp_refuse_change()"
                        )
                    )
            else:
                connection.execute(
                    text(
                        f"CREATE TRIGGER {name} BEFORE {verb} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{table} is an {REFUSAL}'); END"
                    )
                )


def drop_triggers(connection: Connection, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    postgres = connection.dialect.name == "postgresql"
    for table in tables:
        names = [f"{table}_no_update", f"{table}_no_delete"]
        if postgres:
            names.append(f"{table}_no_truncate")
        for name in names:
            suffix = f" ON {table}" if postgres else ""
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}{suffix}"))
    if postgres:
        connection.execute(text("DROP FUNCTION IF EXISTS traceapp_refuse_change()"))
