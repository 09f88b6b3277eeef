"""What testing a station's database connection found: ready, empty, behind, or why it failed."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from traceapp.domain.errors import StorageUnavailable


class SchemaState(enum.StrEnum):
    READY = "ready"  # the schema this TraceApp writes
    EMPTY = "empty"  # a new database: the first start creates the tables
    BEHIND = "behind"  # an older schema: migrated at the next start


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """A connection that works: what it reached and what the next start will do there."""

    url: str  # masked: no password
    server: str  # e.g. "PostgreSQL 16.4" or "SQLite 3.45.1"
    state: SchemaState
    revision: str | None
    head: str

    def describe(self) -> str:
        return {
            SchemaState.READY: f"Connected to {self.server}. The database is ready.",
            SchemaState.EMPTY: f"Connected to {self.server}. The database is empty: TraceApp "
            "creates its tables at the next start.",
            SchemaState.BEHIND: f"Connected to {self.server}. The database has the older schema "
            f"{self.revision}: it is brought up to {self.head} at the next start.",
        }[self.state]


class FailureReason(enum.StrEnum):
    UNREACHABLE = "unreachable"  # no server at that address (name, port, firewall, stopped)
    PASSWORD_NEEDED = "password_needed"  # the server asks for a password and none was given
    AUTHENTICATION = "authentication"  # wrong user or password, or pg_hba refuses this station
    NO_DATABASE = "no_database"  # the server runs, the database is not there
    SCHEMA_TOO_NEW = "schema_too_new"  # written by a newer TraceApp
    SSL = "ssl"  # the server and the station disagree on encryption
    PERMISSIONS = "permissions"  # the login works but may not record (grants missing)
    OTHER = "other"


class ConnectionFailed(StorageUnavailable):
    """The station cannot use the database; `reason` says which part failed. Not a bug."""

    code = "connection_failed"

    def __init__(self, reason: FailureReason, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.reason = reason
