"""Queries around a trace: a container's contents at a moment, lots on equipment, and the
PostgreSQL planner settings a trace runs with.

Where lots sat and shipped is read by `traceapp.db.trace_walk`, for the trace and for one lot's
record alike. No query runs per visited node.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    Select,
    bindparam,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from traceapp.db.models import (
    ContainerContent,
    Location,
)


@dataclass(frozen=True, slots=True)
class HeldRow:
    """Lot `lot_id` (quantity in the lot's unit) sat in `container_id` from `since` to `until`."""

    container_id: uuid.UUID
    lot_id: uuid.UUID
    quantity: Decimal | None
    since: datetime
    until: datetime | None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# Planner settings for a trace on PostgreSQL, and what they are while a trace runs.
INDEX_WALK_SETTINGS = {
    "enable_hashjoin": "off",
    "enable_mergejoin": "off",
    "enable_seqscan": "off",
    "jit": "off",
    # A prepared statement's generic plan from its first run, not after five custom plans: a
    # trace's statements are planned for any list of ids (with the joins above off, the plan
    # is the same index walk), and planning took longer than running a small trace's.
    "plan_cache_mode": "force_generic_plan",
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
    # On the driver's own cursor: through SQLAlchemy each of the two round trips cost twice as
    # long, a tenth of a pallet's backward trace.
    # (psycopg's cursor: `prepare=True`, see `trace_walk._prepared`.)
    cursor: Any = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        # Read and set in one round trip: the settings are read in a CTE that is worked out
        # first (MATERIALIZED), and set as its one row is read.
        cursor.execute(_SAVE_AND_SET, INDEX_WALK_SETTINGS, prepare=True)
        saved = cursor.fetchone()
        assert saved is not None
        yield
        cursor.execute(
            _SET_LOCAL, dict(zip(INDEX_WALK_SETTINGS, saved, strict=False)), prepare=True
        )
    finally:
        cursor.close()


_SAVE_AND_SET = (
    "WITH saved AS MATERIALIZED (SELECT "
    + ", ".join(f"current_setting('{name}') AS {name}" for name in INDEX_WALK_SETTINGS)
    + ") SELECT saved.*, "
    + ", ".join(f"set_config('{name}', %({name})s, true)" for name in INDEX_WALK_SETTINGS)
    + " FROM saved"
)
_SET_LOCAL = "SELECT " + ", ".join(
    f"set_config('{name}', %({name})s, true)" for name in INDEX_WALK_SETTINGS
)


# Statements are built once per dialect and direction: building one takes longer than
# running it for a small trace, and a statement object that is reused hits the compiled cache.


def contents_at(session: Session, container_id: uuid.UUID, at: datetime | None) -> list[HeldRow]:
    """Lots inside a container (nested too) at a moment (None: now), with their quantities."""
    values: dict[str, object] = {"container_id": container_id}
    if at is not None:
        values["at"] = at
    rows = session.execute(_contents_statement(at is not None), values)
    return [HeldRow(top, lot_id, quantity, since, None) for top, lot_id, quantity, since in rows]


@cache
def _contents_statement(
    at_a_moment: bool,
) -> Select[uuid.UUID, uuid.UUID, Decimal | None, datetime]:
    """The statement of `contents_at`, built once (a recursive CTE took 2 ms to build, longer
    than a pallet's backward trace takes to run); `:container_id` and `:at` bound per call."""
    columns = ContainerContent.__table__.c
    at = bindparam("at", type_=columns.packed_at.type)
    container_id = bindparam("container_id", type_=columns.container_id.type)
    moment_open = (
        or_(ContainerContent.unpacked_at.is_(None), ContainerContent.unpacked_at > at)
        if at_a_moment
        else ContainerContent.unpacked_at.is_(None)
    )
    packed_before = ContainerContent.packed_at <= at if at_a_moment else literal(True)
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
        if at_a_moment
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
        .where(inner_open, inner.packed_at <= at if at_a_moment else literal(True))
    )
    return select(tree.c.top, tree.c.lot_id, tree.c.quantity, tree.c.since).where(
        tree.c.lot_id.is_not(None)
    )


def equipment_by_code(session: Session, code: str) -> Location | None:
    return session.scalar(select(Location).where(Location.code == code))
