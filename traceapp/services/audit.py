"""Read and verify the audit trail: who changed what, and whether anyone tampered with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from traceapp.db.models import AuditEntry, AuditHead
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.audit import AuditVerdict, StoredEntry, verify_chain
from traceapp.domain.permissions import UseCase, require

HEAD_ROW = 1
STREAM_CHUNK = 2_000  # entries read per round trip while verifying a long trail


@dataclass(frozen=True, slots=True)
class AuditLine:
    seq: int
    recorded_at: datetime
    username: str
    station: str | None
    action: str
    entity: str
    entity_id: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    rule: str | None


def verify(uow: UnitOfWork, *, actor: Actor) -> AuditVerdict:
    """Walk the whole chain from the first entry to the anchored head."""
    require(actor.role, UseCase.VERIFY_AUDIT, username=actor.username)
    head = uow.session.get(AuditHead, HEAD_ROW)
    anchor = (int(head.seq), head.hash) if head is not None else None
    rows = uow.session.execute(
        _ENTRY_COLUMNS.order_by(AuditEntry.seq).execution_options(yield_per=STREAM_CHUNK)
    )
    try:
        return verify_chain((_stored(row) for row in rows), anchor)
    finally:
        rows.close()  # the walk may stop at the first breach: release the server-side cursor


# Columns, not ORM objects: a million entries must stream, not fill the identity map.
_ENTRY_COLUMNS = select(
    AuditEntry.seq,
    AuditEntry.id,
    AuditEntry.recorded_at,
    AuditEntry.username,
    AuditEntry.station,
    AuditEntry.action,
    AuditEntry.entity,
    AuditEntry.entity_id,
    AuditEntry.old_value,
    AuditEntry.new_value,
    AuditEntry.reason,
    AuditEntry.rule,
    AuditEntry.prev_hash,
    AuditEntry.hash,
)


def _stored(row: Any) -> StoredEntry:
    fields = {
        "seq": row.seq,
        "id": str(row.id),
        "recorded_at": row.recorded_at,
        "username": row.username,
        "station": row.station,
        "action": row.action,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "old_value": row.old_value,
        "new_value": row.new_value,
        "reason": row.reason,
        "rule": row.rule,
    }
    return StoredEntry(fields, row.prev_hash, row.hash)


def show(
    uow: UnitOfWork,
    *,
    actor: Actor,
    entity: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
) -> tuple[AuditLine, ...]:
    """The newest entries, optionally for one table or one record."""
    require(actor.role, UseCase.READ, username=actor.username)
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    return tuple(
        AuditLine(
            seq=row.seq,
            recorded_at=row.recorded_at,
            username=row.username,
            station=row.station,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            old_value=row.old_value,
            new_value=row.new_value,
            reason=row.reason,
            rule=row.rule,
        )
        for row in uow.session.scalars(query)
    )
