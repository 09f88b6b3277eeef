"""Queries around a trace: where a lot sat and shipped, a container's contents at a moment, lots on
equipment, and the PostgreSQL planner settings a trace runs with.

The trace's own reads are in `traceapp.db.trace_walk`; these serve one lot's record and resolve
where a trace starts. No query runs per visited node.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    CTE,
    ColumnElement,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from traceapp.db.base import UuidType
from traceapp.db.models import (
    ContainerContent,
    Event,
    EventItem,
    Location,
    Party,
    Shipment,
    ShipmentItem,
)


@dataclass(frozen=True, slots=True)
class HeldRow:
    """Lot `lot_id` (quantity in the lot's unit) sat in `container_id` from `since` to `until`."""

    container_id: uuid.UUID
    lot_id: uuid.UUID
    quantity: Decimal | None
    since: datetime
    until: datetime | None


@dataclass(frozen=True, slots=True)
class ShippedRow:
    shipment_id: uuid.UUID
    event_id: uuid.UUID
    shipped_at: datetime
    reference_document: str | None
    customer_code: str
    customer_name: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    container_id: uuid.UUID | None  # the shipped (top) container; None for a loose lot
    lot_id: uuid.UUID
    quantity: Decimal | None  # of the lot, in the lot's unit


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


class IdCache(dict[Any, uuid.UUID]):
    """Ids as the database spells them (32 hex digits on SQLite, text on PostgreSQL) to one UUID
    object each. A 10,000-lot trace reads each id many times (as a lot, an edge end, a content):
    making the UUID once saves most of the row handling, and since equal ids are then the same
    object, the trace's dict look-ups skip UUID.__eq__ (written in Python)."""

    def __missing__(self, raw: Any) -> uuid.UUID:
        value = self[raw] = uuid.UUID(str(raw))
        return value


def _raw_id(dialect: str, column: Any) -> Any:
    """An id column read as the database spells it, for `IdCache` to turn into a UUID."""
    if dialect == "postgresql":
        return cast(column, String)
    return type_coerce(column, String)


def _among(dialect: str, column: Any, name: str) -> ColumnElement[bool]:
    """`column IN ids` with the ids bound as one parameter `name` (see `_id_list`), however
    many: an IN list of 10,000 binds takes longer to render and bind than the query to run."""
    condition: ColumnElement[bool]
    if dialect == "postgresql":
        condition = column == any_(bindparam(name, type_=ARRAY(UuidType)))
    else:
        # SQLite stores a UUID as its 32 hex digits; json_each reads a JSON array of them.
        listed = func.json_each(bindparam(name, type_=String)).table_valued("value")
        condition = column.in_(select(listed.c.value))
    return condition


def _id_list(dialect: str, ids: Iterable[uuid.UUID]) -> Any:
    """The value bound to an `_among` parameter."""
    if dialect == "postgresql":
        return list(ids)
    return json.dumps([value.hex for value in ids])


# Planner settings for a trace on PostgreSQL, and what they are while a trace runs.
_INDEX_WALK_SETTINGS = {
    "enable_hashjoin": "off",
    "enable_mergejoin": "off",
    "enable_seqscan": "off",
    "jit": "off",
}


@contextmanager
def index_walks(session: Session) -> Iterator[None]:
    """While a trace runs on PostgreSQL: every row is reached through an index.

    The planner guesses a recursive query's result at thousands of rows whatever it holds, and
    then hashes or scans a whole table (every lot, edge or container content) to join a few
    dozen rows; and it counts an id list of a thousand as a good share of a table. Those costs
    also switch the JIT compiler on, which alone took longer than the query. A trace always
    starts from a handful of rows and follows indexes, so for its queries those plans are off.
    The settings are local to the transaction and put back afterwards (after an error, the
    rollback drops them).
    """
    if _dialect(session) != "postgresql":
        yield
        return
    connection = session.connection()
    names = list(_INDEX_WALK_SETTINGS)
    saved = connection.execute(
        text(", ".join(f"current_setting('{name}')" for name in names).join(("SELECT ", "")))
    ).one()
    _set_local(connection, _INDEX_WALK_SETTINGS)
    yield
    _set_local(connection, dict(zip(names, saved, strict=True)))


def _set_local(connection: Connection, settings: dict[str, str]) -> None:
    calls = ", ".join(f"set_config('{name}', :{name}, true)" for name in settings)
    connection.execute(text(f"SELECT {calls}"), settings)


# Statements are built once per dialect and direction: building one takes longer than
# running it for a small trace, and a statement object that is reused hits the compiled cache.


def _later(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


def _earlier_open(a: Any, b: Any) -> Any:
    """The earlier of two interval ends, where NULL means still open."""
    return case((a.is_(None), b), (b.is_(None), a), (a < b, a), else_=b)


def held_in_containers(
    session: Session, lot_ids: Sequence[uuid.UUID] | CTE, *, ids: IdCache | None = None
) -> list[HeldRow]:
    """Every container each lot sat in, directly or nested, with the time it was there.

    A case packed on pallet P and later moved to Q reaches P only for the time it sat on P: each
    step up intersects the intervals, and an empty intersection stops the walk. Each row keeps
    the content row it started from: several cases holding the same quantity of one lot on one
    pallet look alike once the pallet's interval is taken, and UNION must not merge them.
    """
    dialect = _dialect(session)
    if isinstance(lot_ids, CTE):
        query = _held_query(dialect, ContainerContent.lot_id.in_(select(lot_ids.c.lot_id)))
        rows = session.connection().execute(query)
    else:
        rows = session.connection().execute(
            _held_ids_query(dialect), {"ids": _id_list(dialect, lot_ids)}
        )
    ids = IdCache() if ids is None else ids
    return [
        HeldRow(ids[container], ids[lot], quantity, since, until)
        for container, lot, quantity, since, until in rows
    ]


@functools.cache
def _held_ids_query(dialect: str) -> Select[*tuple[Any, ...]]:
    return _held_query(dialect, _among(dialect, ContainerContent.lot_id, "ids"))


def _held_query(dialect: str, lot_filter: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    seed = select(
        ContainerContent.id.label("content_id"),
        ContainerContent.container_id.label("container_id"),
        ContainerContent.lot_id.label("lot_id"),
        ContainerContent.quantity.label("quantity"),
        ContainerContent.packed_at.label("since"),
        ContainerContent.unpacked_at.label("until"),
    ).where(lot_filter)
    held = seed.cte("held", recursive=True)
    outer = aliased(ContainerContent)
    held = held.union(
        select(
            held.c.content_id,
            outer.container_id,
            held.c.lot_id,
            held.c.quantity,
            _later(outer.packed_at, held.c.since),
            _earlier_open(outer.unpacked_at, held.c.until),
        )
        .join(held, outer.child_container_id == held.c.container_id)
        .where(
            or_(held.c.until.is_(None), outer.packed_at < held.c.until),
            or_(outer.unpacked_at.is_(None), outer.unpacked_at > held.c.since),
        )
    )
    return select(
        _raw_id(dialect, held.c.container_id),
        _raw_id(dialect, held.c.lot_id),
        held.c.quantity,
        held.c.since,
        held.c.until,
    )


@functools.cache
def _shipped_query(dialect: str, *, loose: bool) -> Select[*tuple[Any, ...]]:
    """Live shipments of the lots (loose) or containers bound as `ids`, with their customer."""
    customer = aliased(Party)
    item = (ShipmentItem.lot_id, ShipmentItem.quantity) if loose else (ShipmentItem.container_id,)
    return (
        select(
            Shipment.id,
            Shipment.event_id,
            Shipment.shipped_at,
            Shipment.reference_document,
            customer.code,
            customer.name,
            customer.contact_name,
            customer.contact_email,
            customer.contact_phone,
            *item,
        )
        .join(Shipment, Shipment.id == ShipmentItem.shipment_id)
        .join(customer, customer.id == Shipment.customer_id)
        .where(_among(dialect, item[0], "ids"), Shipment.voided_by_event_id.is_(None))
    )


def shipments_of(
    session: Session, lot_ids: Sequence[uuid.UUID], held: Sequence[HeldRow]
) -> list[ShippedRow]:
    """Shipments that took the lots: loose, or in a container shipped while the lot sat in it."""
    dialect = _dialect(session)
    connection = session.connection()
    result: list[ShippedRow] = []
    loose = connection.execute(
        _shipped_query(dialect, loose=True), {"ids": _id_list(dialect, lot_ids)}
    )
    for row in loose:
        assert row[9] is not None  # selected by lot_id IN (...)
        result.append(
            ShippedRow(**_shipment_fields(row), container_id=None, lot_id=row[9], quantity=row[10])
        )
    stays: dict[uuid.UUID, list[HeldRow]] = {}
    for stay in held:
        stays.setdefault(stay.container_id, []).append(stay)
    if not stays:
        return result
    shipped = connection.execute(
        _shipped_query(dialect, loose=False), {"ids": _id_list(dialect, stays)}
    )
    for row in shipped:
        assert row[9] is not None  # selected by container_id IN (...)
        fields = _shipment_fields(row)
        shipped_at: datetime = row[2]
        for stay in stays[row[9]]:
            # The lot travels with the container only if it was inside when the container left.
            if stay.since <= shipped_at and (stay.until is None or shipped_at < stay.until):
                result.append(
                    ShippedRow(
                        **fields, container_id=row[9], lot_id=stay.lot_id, quantity=stay.quantity
                    )
                )
    return result


_SHIPMENT_FIELDS = (
    "shipment_id",
    "event_id",
    "shipped_at",
    "reference_document",
    "customer_code",
    "customer_name",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def _shipment_fields(row: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(_SHIPMENT_FIELDS, row[: len(_SHIPMENT_FIELDS)], strict=True))


def contents_at(session: Session, container_id: uuid.UUID, at: datetime | None) -> list[HeldRow]:
    """Lots inside a container (nested too) at a moment (None: now), with their quantities."""
    moment_open = (
        or_(ContainerContent.unpacked_at.is_(None), ContainerContent.unpacked_at > at)
        if at is not None
        else ContainerContent.unpacked_at.is_(None)
    )
    packed_before = ContainerContent.packed_at <= at if at is not None else literal(True)
    seed = select(
        ContainerContent.container_id.label("top"),
        ContainerContent.child_container_id.label("child"),
        ContainerContent.lot_id.label("lot_id"),
        ContainerContent.quantity.label("quantity"),
        ContainerContent.packed_at.label("since"),
    ).where(ContainerContent.container_id == container_id, moment_open, packed_before)
    tree = seed.cte("tree", recursive=True)
    inner = aliased(ContainerContent)
    inner_open = (
        or_(inner.unpacked_at.is_(None), inner.unpacked_at > at)
        if at is not None
        else inner.unpacked_at.is_(None)
    )
    tree = tree.union(
        select(
            inner.container_id,
            inner.child_container_id,
            inner.lot_id,
            inner.quantity,
            inner.packed_at,
        )
        .join(tree, inner.container_id == tree.c.child)
        .where(inner_open, inner.packed_at <= at if at is not None else literal(True))
    )
    rows = session.execute(
        select(tree.c.top, tree.c.lot_id, tree.c.quantity, tree.c.since).where(
            tree.c.lot_id.is_not(None)
        )
    )
    return [HeldRow(top, lot_id, quantity, since, None) for top, lot_id, quantity, since in rows]


def lots_on_equipment(
    session: Session, equipment_id: uuid.UUID, since: datetime, until: datetime
) -> list[uuid.UUID]:
    """Lots that went into or came out of a step on the equipment overlapping [since, until]."""
    began = Event.started_at
    ended = Event.ended_at
    overlaps = or_(
        and_(began.is_not(None), ended.is_not(None), began <= until, ended >= since),
        and_(
            or_(began.is_(None), ended.is_(None)),
            Event.event_time >= since,
            Event.event_time <= until,
        ),
    )
    query = (
        select(EventItem.lot_id)
        .join(Event, Event.id == EventItem.event_id)
        .where(Event.equipment_id == equipment_id, overlaps, EventItem.lot_id.is_not(None))
        .distinct()
    )
    return [row for row in session.scalars(query) if row is not None]


def equipment_by_code(session: Session, code: str) -> Location | None:
    return session.scalar(select(Location).where(Location.code == code))
