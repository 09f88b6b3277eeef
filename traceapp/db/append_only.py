"""Database triggers that refuse UPDATE and DELETE on append-only tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Connection, text

APPEND_ONLY_TABLES = ("events", "event_items", "error_declarations")
AUDIT_TABLES = ("audit_entries", "signatures")
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


def drop_triggers(
    connection: Connection,
    tables: tuple[str, ...] = APPEND_ONLY_TABLES,
    *,
    drop_function: bool = True,
) -> None:
    postgres = connection.dialect.name == "postgresql"
    for table in tables:
        names = [f"{table}_no_update", f"{table}_no_delete"]
        if postgres:
            names.append(f"{table}_no_truncate")
        for name in names:
            suffix = f" ON {table}" if postgres else ""
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}{suffix}"))
    if postgres and drop_function:
        connection.execute(text("DROP FUNCTION IF EXISTS traceapp_refuse_change()"))


def create_head_guard(connection: Connection) -> None:
    """The audit head may only move forward and may never be deleted."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "CREATE OR REPLACE FUNCTION traceapp_head_forward() RETURNS trigger AS $$ "
                "BEGIN IF TG_OP = 'DELETE' OR NEW.seq <= OLD.seq THEN "
                "RAISE EXCEPTION 'audit_head only moves forward'; END IF; RETURN NEW; END; "
                "$$ LANGUAGE plpgsql"
            )
        )
        connection.execute(
            text(
                "CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head "
                "FOR EACH ROW EXECUTE FUNCTION traceapp_head_forward()"
            )
        )
        return
    connection.execute(
        text(
            "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head WHEN NEW.seq <= OLD.seq "
            "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END"
        )
    )
    connection.execute(
        text(
            "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
            "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END"
        )
    )


def drop_head_guard(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP TRIGGER IF EXISTS audit_head_forward ON audit_head"))
        connection.execute(text("DROP FUNCTION IF EXISTS traceapp_head_forward()"))
        return
    connection.execute(text("DROP TRIGGER IF EXISTS audit_head_forward"))
    connection.execute(text("DROP TRIGGER IF EXISTS audit_head_no_delete"))
