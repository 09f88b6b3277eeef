"""Test a station's database connection and say plainly which part failed (never at start-up
cost: the connection dialog runs this in the background)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import ArgumentError, DBAPIError

from traceapp.db import migrate
from traceapp.db.engine import make_engine, masked, parse_url
from traceapp.domain.connection import (
    ConnectionCheck,
    ConnectionFailed,
    FailureReason,
    SchemaState,
)
from traceapp.domain.errors import InvalidInput

# Failures a person at the station can fix by typing: the start asks for the password again.
LOGIN_PROBLEMS = frozenset({FailureReason.PASSWORD_NEEDED, FailureReason.AUTHENTICATION})
CONNECT_TIMEOUT_S = 5  # a station on a dead network learns it in seconds, not minutes

# Pieces of libpq's messages and SQLSTATEs, from the most specific to the least.
_SQLSTATES = {
    "28P01": FailureReason.AUTHENTICATION,  # invalid_password
    "28000": FailureReason.AUTHENTICATION,  # invalid_authorization_specification (pg_hba, role)
    "3D000": FailureReason.NO_DATABASE,  # invalid_catalog_name
    "42501": FailureReason.PERMISSIONS,  # insufficient_privilege
}
_MESSAGES = (
    ("no password supplied", FailureReason.PASSWORD_NEEDED),
    ("fe_sendauth: no password", FailureReason.PASSWORD_NEEDED),
    ("password authentication failed", FailureReason.AUTHENTICATION),
    ("no pg_hba.conf entry", FailureReason.AUTHENTICATION),
    ('role "', FailureReason.AUTHENTICATION),
    ('database "', FailureReason.NO_DATABASE),
    ("ssl", FailureReason.SSL),
    ("could not translate host name", FailureReason.UNREACHABLE),
    ("name or service not known", FailureReason.UNREACHABLE),
    ("connection refused", FailureReason.UNREACHABLE),
    ("timeout expired", FailureReason.UNREACHABLE),
    ("no route to host", FailureReason.UNREACHABLE),
    ("network is unreachable", FailureReason.UNREACHABLE),
    ("connection timed out", FailureReason.UNREACHABLE),
)

_WHAT_TO_DO = {
    FailureReason.UNREACHABLE: "Check the server name and port, that this PC is on the plant "
    "network, and that the server is running (ask IT).",
    FailureReason.PASSWORD_NEEDED: "Type the station's database password, or give this PC a "
    "PGPASSFILE with it.",
    FailureReason.AUTHENTICATION: "Check the user name and password. If they are right, IT must "
    "allow this station in the server's pg_hba.conf.",
    FailureReason.NO_DATABASE: "Check the database name, or ask IT to create it "
    "(docs/plant_server.md).",
    FailureReason.SCHEMA_TOO_NEW: "A newer TraceApp has upgraded this database: install that "
    "version on this station.",
    FailureReason.SSL: "Set the SSL mode the server expects (ask IT), e.g. require.",
    FailureReason.PERMISSIONS: "IT must give this login the station rights "
    "(docs/plant_server.md, 'Give the station role its rights').",
    FailureReason.OTHER: "Check the settings; if they look right, show this message to IT.",
}


def classify(error: BaseException | None) -> FailureReason:
    """Which part of the connection failed, from the driver's error."""
    state = getattr(error, "sqlstate", None)
    if state in _SQLSTATES:
        return _SQLSTATES[state]
    message = str(error).lower()
    for piece, reason in _MESSAGES:
        if piece in message:
            return reason
    return FailureReason.OTHER


def _server_said(detail: str) -> str:
    """The useful part of libpq's message: after "FATAL:" or the last "failed:"."""
    first = detail.strip().splitlines()[0] if detail.strip() else ""
    if "FATAL:" in first:
        return first.rsplit("FATAL:", 1)[1].strip()
    if "failed: " in first:
        return first.rsplit("failed: ", 1)[1].strip()
    return first


def _failure(reason: FailureReason, where: str, detail: str) -> ConnectionFailed:
    headline = {
        FailureReason.UNREACHABLE: f"The server {where} cannot be reached",
        FailureReason.PASSWORD_NEEDED: f"The server {where} needs a password",
        FailureReason.AUTHENTICATION: f"The server {where} refused the user name or password",
        FailureReason.NO_DATABASE: f"The database {where} does not exist",
        FailureReason.SSL: f"The server {where} and this station disagree on SSL",
        FailureReason.PERMISSIONS: f"The login to {where} may not record steps",
        FailureReason.OTHER: f"The database {where} cannot be opened",
        FailureReason.SCHEMA_TOO_NEW: f"The database {where} is newer than this TraceApp",
    }[reason]
    said = _server_said(detail)
    # The headline already says what "database ... does not exist" would repeat.
    message = headline if reason is FailureReason.NO_DATABASE or not said else f"{headline}: {said}"
    return ConnectionFailed(reason, f"{message}.", hint=_WHAT_TO_DO[reason])


def explain(url: str, error: BaseException | None) -> ConnectionFailed:
    """A driver's connection error as a ConnectionFailed naming the part that failed."""
    parsed = parse_url(url)
    reason = classify(error)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    if reason is FailureReason.NO_DATABASE:
        where = f"{parsed.database!r} on {where}"
    return _failure(reason, where, str(error or ""))


def check_connection(url: str) -> ConnectionCheck:
    """Connect to `url` and read its schema revision, changing nothing (no file is created).

    Raises ConnectionFailed with the reason when it does not work.
    """
    try:
        parsed = parse_url(url)
    except (InvalidInput, ArgumentError) as exc:
        raise ConnectionFailed(
            FailureReason.OTHER, str(exc), hint=_WHAT_TO_DO[FailureReason.OTHER]
        ) from exc
    where = masked(parsed)
    if parsed.get_backend_name() == "sqlite":
        return _check_sqlite(parsed.database or "", where)
    engine = make_engine(parsed, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    try:
        try:
            with engine.connect() as connection:
                version = connection.execute(text("SHOW server_version")).scalar_one()
        except DBAPIError as exc:
            raise explain(url, exc.orig) from exc
        try:
            check = _schema(engine, where, f"PostgreSQL {str(version).split()[0]}")
            if check.state is SchemaState.READY:
                _require_write_rights(engine, where)
        except DBAPIError as exc:  # e.g. not even allowed to read the schema's version
            raise explain(url, exc.orig) from exc
        return check
    finally:
        engine.dispose()


def _check_sqlite(database: str, where: str) -> ConnectionCheck:
    path = Path(database)
    server = f"SQLite {sqlite3.sqlite_version}"
    if not path.exists():
        folder = path.parent
        if not folder.is_dir():
            raise ConnectionFailed(
                FailureReason.NO_DATABASE,
                f"The folder {folder} does not exist.",
                hint="Pick a file in an existing folder.",
            )
        return ConnectionCheck(where, server, SchemaState.EMPTY, None, migrate.head_revision())
    # Read-only and without our engine's pragmas: testing must not turn a file into WAL mode.
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            revision = (
                connection.execute("SELECT version_num FROM alembic_version").fetchone()
                if "alembic_version" in tables
                else None
            )
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise _failure(FailureReason.OTHER, where, f"{exc} (is it a TraceApp database?)") from exc
    return _state(where, server, str(revision[0]) if revision else None)


def _schema(engine: Engine, where: str, server: str) -> ConnectionCheck:
    return _state(where, server, migrate.current_revision(engine))


# What recording a step writes: a station login without these can sign in but not record.
_WRITES = (
    ("audit_head", "UPDATE"),
    ("audit_entries", "INSERT"),
    ("events", "INSERT"),
    ("lots", "UPDATE"),
)


def _require_write_rights(engine: Engine, where: str) -> None:
    with engine.connect() as connection:
        missing = [
            f"{verb} on {table}"
            for table, verb in _WRITES
            if not connection.execute(
                text("SELECT has_table_privilege(current_user, :table, :verb)"),
                {"table": table, "verb": verb},
            ).scalar_one()
        ]
    if missing:
        raise _failure(FailureReason.PERMISSIONS, where, "no " + ", ".join(missing))


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


def _state(where: str, server: str, revision: str | None) -> ConnectionCheck:
    head = migrate.head_revision()
    if revision is None:
        state = SchemaState.EMPTY
    elif revision == head:
        state = SchemaState.READY
    elif revision in _known_revisions():
        state = SchemaState.BEHIND
    else:
        raise _failure(
            FailureReason.SCHEMA_TOO_NEW,
            where,
            f"it has schema {revision}; this TraceApp knows up to {head}",
        )
    return ConnectionCheck(where, server, state, revision, head)
