"""Alarm acknowledgements, kept as entries of the append-only audit trail (no table of their own).

An alarm is an excursion of a sensor channel, named by (channel, kind, start): the same key the
excursions table is unique on. Acknowledging one appends an audit entry `acknowledge` of entity
`sensor_alarm` with that key, chained like every other entry: who, when and at which station
answer for it, and it can never be changed or taken back. Reading which alarms are acknowledged
is one look-up of the indexed (entity, entity_id) columns.

Why not a table: the migration chain this would need (0008 after the lot-conditions 0007) was not
on main when this was designed; the audit trail already has the properties an acknowledgement
needs (append-only, who/when, tamper-evident). docs/live_monitor.md says what a table would add.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceapp.db import audit_log
from traceapp.db.audit_log import AuditContext
from traceapp.db.models import AuditEntry

ALARM_ENTITY = "sensor_alarm"
ACKNOWLEDGE_ACTION = "acknowledge"
_LOOKUP_CHUNK = 500  # keys per IN list: well below SQLite's bound-parameter limit


def alarm_key(channel_id: int, kind: str, start_us: int) -> str:
    """The key of an excursion as the audit trail names it, e.g. '12:spec:1764500000000000'."""
    return f"{channel_id}:{kind}:{start_us}"


@dataclass(frozen=True, slots=True)
class StoredAcknowledgement:
    key: str
    username: str
    at: datetime  # UTC
    station: str | None
    note: str | None


def append_acknowledgement(
    session: Session, acting: AuditContext, key: str, details: dict[str, object]
) -> None:
    """Append the acknowledgement of alarm `key` to the audit trail (in the session's transaction)."""
    audit_log._append(session, acting, [(ACKNOWLEDGE_ACTION, ALARM_ENTITY, key, None, details)])


def lock_audit(session: Session) -> None:
    """Take the audit head's row lock (PostgreSQL; SQLite writers are serialised anyway)."""
    audit_log.lock_head(session)


def acknowledgements(session: Session, keys: Iterable[str]) -> dict[str, StoredAcknowledgement]:
    """The first acknowledgement of each of `keys` that has one."""
    wanted = sorted(set(keys))
    found: dict[str, StoredAcknowledgement] = {}
    e = AuditEntry
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        rows = session.execute(
            select(e.entity_id, e.username, e.recorded_at, e.station, e.reason)
            .where(
                e.entity == ALARM_ENTITY,
                e.action == ACKNOWLEDGE_ACTION,
                e.entity_id.in_(wanted[start : start + _LOOKUP_CHUNK]),
            )
            .order_by(e.seq)
        )
        for key, username, at, station, note in rows:
            if key is None or key in found:
                continue
            moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
            found[key] = StoredAcknowledgement(key, username, moment, station, note)
    return found
