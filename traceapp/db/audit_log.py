"""Write an audit entry for every row created, changed or deleted, in the same flush.

The unit of work says who acts (user, station, reason, the rule when the system acts); the
listener turns each changed row into an entry chained to the previous one by its hash.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from traceapp.db.models import AuditEntry, AuditHead
from traceapp.domain.audit import GENESIS_HASH, chain_hash
from traceapp.domain.ids import new_uuid

HEAD_ROW = 1
UNAUDITED = frozenset({"audit_entries", "audit_head"})
# Never copy secrets into the trail: it says that they changed, not what they are.
SECRET_COLUMNS = frozenset({"password_hash", "pin_hash", "badge_digest"})
SECRET_SHOWN = "(changed)"
STRICT = True  # a change without an acting user is a bug: refuse it rather than hide it


@dataclass(frozen=True, slots=True)
class AuditContext:
    """Who is acting, for the entries of one unit of work."""

    user_id: uuid.UUID | None
    username: str
    station: str | None = None
    reason: str | None = None
    rule: str | None = None  # the rule that fired, when the system acts by itself


class MissingAuditContext(RuntimeError):
    """A change reached the database without an acting user: a bug in the calling code."""


def install(session: Session, context: Any) -> None:
    """Audit every flush of `session`; `context()` returns the AuditContext in force."""

    @event.listens_for(session, "before_flush")
    def _before_flush(flushing: Session, _flush: UOWTransaction, _instances: object) -> None:
        changes = list(_changes(flushing))
        if not changes:
            return
        acting: AuditContext | None = context()
        if acting is None:
            if STRICT:
                tables = sorted({entity for _, entity, *_ in changes})
                raise MissingAuditContext(f"changes to {', '.join(tables)} without an acting user")
            return
        _append(flushing, acting, changes)


def _changes(session: Session) -> Any:
    for obj in list(session.new):
        table = _table(obj)
        if table not in UNAUDITED:
            yield ("create", table, _key(obj), None, _values(obj))
    for obj in list(session.dirty):
        table = _table(obj)
        if table in UNAUDITED or not session.is_modified(obj, include_collections=False):
            continue
        old, new = _differences(obj)
        if new:
            yield ("update", table, _key(obj), old, new)
    for obj in list(session.deleted):
        table = _table(obj)
        if table not in UNAUDITED:
            yield ("delete", table, _key(obj), _values(obj), None)


def lock_head(session: Session) -> AuditHead | None:
    """Take the audit head's row lock. Writers take it first thing, so they queue in one place
    (no deadlock between a lot lock and the head) and sequence numbers never collide."""
    return session.scalar(
        select(AuditHead)
        .where(AuditHead.id == HEAD_ROW)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _append(session: Session, acting: AuditContext, changes: list[tuple[Any, ...]]) -> None:
    head = lock_head(session)
    if head is None:
        head = AuditHead(id=HEAD_ROW, seq=0, hash=GENESIS_HASH)
        session.add(head)
    seq, previous = head.seq, head.hash
    now = datetime.now(UTC)
    for action, entity, key, old, new in changes:
        seq += 1
        fields: dict[str, object] = {
            "seq": seq,
            "id": str(new_uuid()),
            "recorded_at": now,
            "username": acting.username,
            "station": acting.station,
            "action": action,
            "entity": entity,
            "entity_id": key,
            "old_value": _json(old),
            "new_value": _json(new),
            "reason": acting.reason,
            "rule": acting.rule,
        }
        digest = chain_hash(previous, fields)
        session.add(
            AuditEntry(
                seq=seq,
                id=uuid.UUID(str(fields["id"])),
                recorded_at=now,
                user_id=acting.user_id,
                username=acting.username,
                station=acting.station,
                action=action,
                entity=entity,
                entity_id=key,
                old_value=fields["old_value"],
                new_value=fields["new_value"],
                reason=acting.reason,
                rule=acting.rule,
                prev_hash=previous,
                hash=digest,
            )
        )
        previous = digest
    head.seq, head.hash = seq, previous


def _table(obj: object) -> str:
    return str(getattr(obj, "__tablename__", type(obj).__name__))


def _key(obj: object) -> str | None:
    identity = inspect(obj).identity
    if identity:
        return ",".join(str(part) for part in identity)
    value = getattr(obj, "id", None) or getattr(obj, "key", None)
    return str(value) if value is not None else None


def _values(obj: object) -> dict[str, object]:
    state = inspect(obj)
    return {
        attr.key: SECRET_SHOWN
        if attr.key in SECRET_COLUMNS and attr.value is not None
        else _plain(attr.value)
        for attr in state.attrs
        if attr.key in state.mapper.columns
    }


def _differences(obj: object) -> tuple[dict[str, object], dict[str, object]]:
    old: dict[str, object] = {}
    new: dict[str, object] = {}
    state = inspect(obj)
    for attr in state.attrs:
        if attr.key not in state.mapper.columns:
            continue
        history = attr.history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        secret = attr.key in SECRET_COLUMNS
        old[attr.key] = SECRET_SHOWN if secret else _plain(before)
        new[attr.key] = SECRET_SHOWN if secret else _plain(after)
    return old, new


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _json(values: dict[str, object] | None) -> str | None:
    return None if values is None else json.dumps(values, sort_keys=True, ensure_ascii=False)
