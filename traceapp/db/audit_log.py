"""Write an audit entry for every row created, changed or deleted, in the same transaction.

The unit of work says who acts (user, station, reason, the rule when the system acts); the
listener notes each changed row at every flush and, just before the commit, appends all of the
transaction's entries in one go, chained to the previous one by its hash.

Why at the end: the chain has one head row, and whoever extends it must hold that row's lock
until it commits. Taken at the first flush, the lock serialised every writer of the plant for its
whole transaction (a scan-station step is ~25 statements); taken just before the commit it is
held for the inserts of the entries, the head's update and the commit. The sequence still
follows commit order, because the head's lock is held until the commit.
"""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Dialect, Table, bindparam, event, func, insert, inspect, select, update
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from traceapp.db.models import AuditEntry, AuditHead
from traceapp.domain.audit import GENESIS_HASH, chain_hash
from traceapp.domain.ids import new_uuid

HEAD_ROW = 1
AUDIT_ENTRIES = Table(AuditEntry.__tablename__, AuditEntry.metadata)  # the mapped table
UNAUDITED = frozenset({"audit_entries", "audit_head"})
# Never copy secrets into the trail: it says that they changed, not what they are.
SECRET_COLUMNS = frozenset({"password_hash", "pin_hash", "badge_digest"})
SECRET_SHOWN = "(changed)"
STRICT = True  # a change without an acting user is a bug: refuse it rather than hide it
PENDING = "traceapp_audit_pending"  # session.info key: the entries noted since the last commit
# pg_advisory_xact_lock(namespace, key): the writers' queue that `serialize_writers` joins.
ADVISORY_NAMESPACE = 0x54524143  # "TRAC"
WRITERS_KEY = 1

Change = tuple[Any, ...]  # (action, entity, key, old values, new values)


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


CONTEXT = "traceapp_audit_context"  # session.info key: returns the AuditContext in force


class AuditedSession(Session):
    """A session whose changes are audited once `install` has been called on it.

    The listeners below are registered once, for this class: registered anew on every session,
    as they were, SQLAlchemy's event registry took some 0.14 ms of each unit of work, reading
    or writing (a pallet's backward trace takes 4-8 ms)."""


def install(session: AuditedSession, context: Any) -> None:
    """Audit every change made through `session`; `context()` returns the AuditContext in force.

    Each flush notes its changes (with who acted then); the entries are written at the commit.
    """
    session.info[CONTEXT] = context


@event.listens_for(AuditedSession, "before_flush")
def _before_flush(flushing: Session, _flush: UOWTransaction, _instances: object) -> None:
    context = flushing.info.get(CONTEXT)
    if context is None:  # not installed: not audited
        return
    changes = list(_changes(flushing))
    if not changes:
        return
    acting: AuditContext | None = context()
    if acting is None:
        if STRICT:
            tables = sorted({entity for _, entity, *_ in changes})
            raise MissingAuditContext(f"changes to {', '.join(tables)} without an acting user")
        return
    _pending(flushing).append((acting, changes))


@event.listens_for(AuditedSession, "before_commit")
def _before_commit(committing: Session) -> None:
    if CONTEXT not in committing.info:
        return
    committing.flush()  # note the changes not flushed yet
    batches = _pending(committing)
    if batches:
        _write(committing, batches)
        batches.clear()


@event.listens_for(AuditedSession, "after_transaction_end")
def _after_transaction_end(ending: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and CONTEXT in ending.info:
        _pending(ending).clear()  # committed (already written) or rolled back: forget


def _pending(session: Session) -> list[tuple[AuditContext, list[Change]]]:
    pending: list[tuple[AuditContext, list[Change]]] = session.info.setdefault(PENDING, [])
    return pending


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


def serialize_writers(session: Session) -> None:
    """Queue behind every other transaction that called this, until this one ends.

    For writers that check, then write, something no row lock covers (a new plan version, an
    imported document, an alarm acknowledged once). It is not the audit head's lock: that one is
    taken only at the commit, so a transaction holding it never waits for another lock (which
    is what keeps lot locks and the head free of deadlocks). SQLite writers are serialised by
    their BEGIN IMMEDIATE already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ADVISORY_NAMESPACE, WRITERS_KEY)))


# The older name, still used by the services that queue writers this way.
lock_head = serialize_writers


def append_entries(session: Session, acting: AuditContext, changes: list[Change]) -> None:
    """Add entries that no row change stands for (e.g. an acknowledgement): written at the commit
    with the transaction's other entries."""
    _pending(session).append((acting, changes))


def created(row: object) -> Change:
    """The entry of a row inserted with a Core statement, as a flush would note it."""
    return ("create", _table(row), _key(row), None, _values(row))


# Kept for callers of the earlier private name.
_append = append_entries


# Core statements, built once: the chain is extended at every commit of every step.
AUDIT_HEAD = Table(AuditHead.__tablename__, AuditHead.metadata)  # the mapped tables
LOCK_HEAD = (
    select(AUDIT_HEAD.c.seq, AUDIT_HEAD.c.hash).where(AUDIT_HEAD.c.id == HEAD_ROW).with_for_update()
)
MOVE_HEAD = (
    update(AUDIT_HEAD)
    .where(AUDIT_HEAD.c.id == bindparam("head_row"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
# Up to this many entries go in one statement with the head's update on PostgreSQL (a
# data-modifying WITH); a larger batch (an import) is an executemany, then the update.
ONE_STATEMENT_ENTRIES = 20


@functools.cache
def _entries_and_head(count: int, dialect: Dialect) -> str:
    """`count` entries and the head's update in one statement, as SQL text made once per count.

    (SQLAlchemy does not cache the compiled form of a multi-row INSERT inside a WITH: built
    as a statement, it was compiled again at every commit, a millisecond of CPU each time.)
    """
    columns = [column.key for column in AUDIT_ENTRIES.columns]
    values: list[dict[str, Any]] = [
        {name: bindparam(f"e{n}_{name}") for name in columns} for n in range(count)
    ]
    statement = MOVE_HEAD.add_cte(insert(AUDIT_ENTRIES).values(values).cte("entries"))
    return str(statement.compile(dialect=dialect))


def _write(session: Session, batches: list[tuple[AuditContext, list[Change]]]) -> None:
    """Extend the chain with every noted entry, under the head's lock (held until the commit).

    Core statements, not ORM objects: the entries are append-only and nothing reads them back
    in this transaction, so no flush; on PostgreSQL a step's few entries and the head's new
    place are one statement.
    """
    connection = session.connection()
    head = connection.execute(LOCK_HEAD).first()
    seq, previous = (head[0], head[1]) if head is not None else (0, GENESIS_HASH)
    now = datetime.now(UTC)
    rows: list[dict[str, object]] = []
    for acting, changes in batches:
        for action, entity, key, old, new in changes:
            seq += 1
            entry_id = new_uuid()
            fields: dict[str, object] = {
                "seq": seq,
                "id": str(entry_id),
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
            rows.append(
                {
                    **fields,
                    "id": entry_id,
                    "user_id": acting.user_id,
                    "prev_hash": previous,
                    "hash": digest,
                }
            )
            previous = digest
    if not rows:
        return
    moved = {"new_seq": seq, "new_hash": previous, "head_row": HEAD_ROW}
    if head is None:
        connection.execute(insert(AUDIT_ENTRIES), rows)
        connection.execute(insert(AUDIT_HEAD).values(id=HEAD_ROW, seq=seq, hash=previous))
    elif connection.dialect.name == "postgresql" and len(rows) <= ONE_STATEMENT_ENTRIES:
        params = {
            f"e{n}_{name}": value for n, row in enumerate(rows) for name, value in row.items()
        }
        sql = _entries_and_head(len(rows), connection.dialect)
        connection.exec_driver_sql(sql, params | moved)
    else:
        connection.execute(insert(AUDIT_ENTRIES), rows)
        connection.execute(MOVE_HEAD, moved)


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
