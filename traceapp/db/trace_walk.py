"""A whole trace's rows in a handful of statements, read through the driver's own cursor.

A 10,000-lot trace reads some 60,000 rows. Through SQLAlchemy result rows, with a UUID object made
for every id and a type processor run on every time and quantity, handling those rows took longer
than the queries themselves. Here each statement is plain SQL written once per database; rows come
back as the driver's tuples; ids stay the text the database spells them in (`RawId`: a str hashes
once and compares fast, a UUID hashes in Python every time); and only what the answer shows is
converted (`as_uuid`, `instant`).

No statement runs per visited node: the lot closure is one recursive query; containers are read
one nesting level at a time (a case, then the pallets holding those cases, ...), each level one
query for all the containers on it; shipments are two queries.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from sqlalchemy.orm import Session

from traceapp.domain.attribution import Edge

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from traceapp.db.trace_columns import Whereabouts

RawId = str  # an id as the database spells it as text: 32 hex digits (SQLite), 36 (PostgreSQL)
# A time as the driver returns it: naive UTC text on SQLite (stored so that text order is time
# order), an aware datetime on PostgreSQL. Only ever compared with moments of the same database.
Moment = Any


class LotRow(NamedTuple):
    id: RawId
    part_number: str
    product_name: str
    kind: str
    lot_code: str
    status: str
    unit: str
    initial: Decimal
    on_hand: Decimal
    supplier_code: str | None
    supplier_name: str | None
    supplier_lot_code: str | None


_LOT_FIELDS = len(LotRow._fields)


class LotColumns(Sequence[LotRow]):
    """A closure's lots as one list per `LotRow` field; a lot's `LotRow` is made when it is
    read. A forward trace reaches 10,000 lots, and a page shows a few dozen: made as a tuple
    each, the lots took 17 ms of a trace (8.6 ms as columns), and every tuple is one more
    object for the collector to walk when the trace ends."""

    __slots__ = ("_initial", "columns", "ids")

    def __init__(self, columns: Sequence[list[Any]], initial: npt.NDArray[np.float64]) -> None:
        """`columns`: the twelve fields of `LotRow`, each a list with an item per lot;
        `initial`: the initial quantities as floats (NaN: none)."""
        assert len(columns) == _LOT_FIELDS
        self.columns = tuple(columns)
        self.ids: list[RawId] = self.columns[0]
        self._initial = initial

    @classmethod
    def of_rows(cls, rows: Sequence[LotRow]) -> LotColumns:
        if not rows:
            return cls([[] for _ in range(_LOT_FIELDS)], floats([]))
        columns = [list(column) for column in zip(*rows, strict=True)]
        return cls(columns, floats(columns[7]))

    @property
    def initial(self) -> npt.NDArray[np.float64]:
        """Each lot's initial quantity as a float (NaN: unknown)."""
        return self._initial

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> LotRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[LotRow]: ...
    def __getitem__(self, index: int | slice) -> LotRow | list[LotRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.ids)))]
        return _new_tuple(LotRow, [column[index] for column in self.columns])

    def __iter__(self) -> Iterator[LotRow]:
        new = _new_tuple
        for values in zip(*self.columns, strict=True):
            yield new(LotRow, values)


class Closure(NamedTuple):
    """The lots of a trace, numbered by their place in `lots`, and every live edge between
    them as columns: edge i gave `given[i]` (the parent's unit; NaN: unknown) of lot
    `parent[i]` to lot `child[i]`."""

    lots: LotColumns
    parent: npt.NDArray[np.int64]
    child: npt.NDArray[np.int64]
    given: npt.NDArray[np.float64]


def floats(values: Sequence[float | Decimal | None]) -> npt.NDArray[np.float64]:
    """Quantities as floats, None as NaN."""
    import numpy as np

    try:
        return np.array(values, dtype=np.float64)
    except TypeError:  # a None among them: an unknown quantity
        return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def closure_of(rows: Sequence[LotRow], edges: Sequence[Edge[RawId]]) -> Closure:
    """The columns of a closure read row by row (the trace benchmark's per-node walks)."""
    import numpy as np

    lots = list({row[0]: row for row in rows}.values())
    number = {row[0]: n for n, row in enumerate(lots)}
    count = len(edges)
    return Closure(
        LotColumns.of_rows(lots),
        np.fromiter((number[edge[0]] for edge in edges), np.int64, count),
        np.fromiter((number[edge[1]] for edge in edges), np.int64, count),
        floats([edge[2] for edge in edges]),
    )


class ContainerRow(NamedTuple):
    id: RawId
    code: str
    kind: str
    status: str


class Stay(NamedTuple):
    """Lot `lot_id` (`quantity` of it, in its unit) sat in `container_id`, directly or nested,
    from `since` until `until` (None: still there). `origin` numbers the content row the stay
    started from: several cases holding the same quantity of one lot on one pallet look alike
    once the pallet's interval is taken, and must not be merged."""

    container_id: RawId
    lot_id: RawId
    quantity: Decimal | None
    since: Moment
    until: Moment | None
    origin: int


class ShipmentLine(NamedTuple):
    """A live shipment took `quantity` of lot `lot_id`: loose, or inside `container_id` (the
    container named on the shipment) while the lot sat in it."""

    shipment_id: RawId
    event_id: RawId
    shipped_at: datetime
    reference_document: str | None
    customer_code: str
    customer_name: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    container_id: RawId | None
    lot_id: RawId
    quantity: Decimal | None
    repeat: bool = False  # already counted on this shipment through another container


_new_tuple = tuple.__new__
# UUID's own slots, set through their descriptors (UUID refuses attribute assignment).
_UUID_SLOTS: Any = vars(uuid.UUID)
_set_uuid_int = _UUID_SLOTS["int"].__set__
_set_uuid_safety = _UUID_SLOTS["is_safe"].__set__


def as_uuid(
    raw: RawId,
    _uuid: type[uuid.UUID] = uuid.UUID,
    _new: Any = object.__new__,
    _int: type[int] = int,
    _set_int: Any = _set_uuid_int,
    _set_safety: Any = _set_uuid_safety,
    _unknown: uuid.SafeUUID = uuid.SafeUUID.unknown,
) -> uuid.UUID:
    """The UUID of an id read as text (either spelling).

    Built around `uuid.UUID.__init__`: a large trace hands out some 25,000 ids, and the
    constructor's checks for its five ways of being called took three times as long as
    this. For text the database wrote (32 hex digits, or 36 with hyphens); anything else goes
    to the constructor (`int` alone would take a sign, spaces or underscores). The names it
    uses are bound as defaults, and the slots set through their descriptors: a third faster
    than looking them up and going through `object.__setattr__` (the arguments after `raw`
    are not for callers)."""
    digits = raw.replace("-", "") if len(raw) == 36 else raw
    if len(digits) != 32 or not digits.isalnum():
        return _uuid(raw)  # not as the database spells it: the constructor decides
    result: uuid.UUID = _new(_uuid)
    _set_int(result, _int(digits, 16))
    _set_safety(result, _unknown)
    return result


def raw_id(dialect: str, value: uuid.UUID) -> RawId:
    """How `dialect` spells `value` as text, so ids from the ORM meet ids read here."""
    return value.hex if dialect == "sqlite" else str(value)


_ID_TEXT = re.compile(r"[0-9A-Fa-f,-]*")  # ids joined by commas


def _listed(ids: Iterable[RawId], dialect: str) -> str:
    """`ids` as one text parameter: a JSON array (SQLite's json_each) or an array literal
    (PostgreSQL). Refuses text that is not an id as the database spells it, which would need
    quoting."""
    joined = ",".join(ids)
    if not _ID_TEXT.fullmatch(joined):
        raise ValueError("trace ids must be database ids (hex digits and hyphens)")
    if dialect == "sqlite":
        return '["' + joined.replace(",", '","') + '"]' if joined else "[]"
    return "{" + joined + "}"


# Rows are named tuples, not frozen dataclasses: a large trace makes some 60,000 of them, and a
# tuple is made several times faster.

# --- the statements ---------------------------------------------------------------------------
# Written for SQLite; `_for_postgres` turns them into PostgreSQL's spelling. `{ids:name}` is a
# list of ids bound as one parameter, as a row source (an IN list of 10,000 binds takes longer to
# bind than the query takes to run); `{among:name}` tests a column against such a list
# (`IN (SELECT value FROM json_each(..))` on SQLite, which sorts the list once and seeks in
# order; `= ANY(array)` on PostgreSQL, an index scan over the sorted array: a fifth less
# server time than joining an `unnest`, whose hash aggregate only removed duplicates);
# `{id:column}` reads an id column as text; `{seed:name}` is a closure's first rows;
# `{indexed:name}` names the covering index SQLite is to read a lot or container from (without
# statistics its planner prefers the primary key's index, then reads the table too). `{near}`,
# `{far}` and `{column}` are filled in first.

# Every live edge of the closure with the lot it reaches, one row each (plus a row for each
# start lot, with no edge). The walk carries the edge's id so that two edges alike in every
# other column stay two; UNION still ends a cycle in imported data (a row comes back the same).
# A lot reached by several edges comes once per edge: fewer probes than walking the lots first
# and joining their edges again afterwards.
_CLOSURE = """
WITH RECURSIVE walk(lot_id, other_id, quantity, edge_id) AS (
    {seed:start}
    UNION
    SELECT e.{far}, walk.lot_id, e.quantity, e.id
    FROM walk JOIN lot_edges e ON e.{near} = walk.lot_id
    WHERE e.voided_by_event_id IS NULL
)
SELECT {id:l.id}, {id:l.product_id}, l.lot_code, l.status, l.unit, {numeric:l.initial_quantity},
       {numeric:l.on_hand}, {id:l.supplier_id}, l.supplier_lot_code, {id:walk.other_id}, walk.quantity
FROM walk JOIN lots l {indexed:ix_lots_trace_row} ON l.id = walk.lot_id
"""


# The same walk's rows as one row: the count, then each column joined into one text (ids,
# numbers: by commas; codes, statuses, units: by the unit separator; a NULL supplier lot code
# as the record separator, and a count of real codes equal to it). Fetched row by row, a
# 10,000-lot closure made a tuple of eleven values per row while holding the interpreter's
# lock; joined, the database does that work while the trace's other thread runs, and the text
# splits into columns in C. A code holding a separator comes apart into too many pieces:
# caught, and the closure read as rows.
def _joined_closure(dialect: str) -> str:
    """`_CLOSURE` with its select list joined as described above."""
    if dialect == "sqlite":
        join, unit_separator, null_code = "group_concat", "char(31)", "char(30)"
        number = "quote({})"  # as many digits as the float needs
    else:
        join, unit_separator, null_code = "string_agg", "chr(31)", "chr(30)"
        number = "CAST({} AS TEXT)"
    columns = (
        ("{id:l.id}", "','"), ("{id:l.product_id}", "','"), ("l.lot_code", unit_separator),
        ("l.status", unit_separator), ("l.unit", unit_separator),
        (number.format("l.initial_quantity"), "','"), (number.format("l.on_hand"), "','"),
        ("coalesce({id:l.supplier_id}, '')", "','"),
        (f"coalesce(l.supplier_lot_code, {null_code})", unit_separator),
        ("coalesce({id:walk.other_id}, '')", "','"),
        (f"CASE WHEN walk.quantity IS NULL THEN 'nan' ELSE {number.format('walk.quantity')} END", "','"),
    )  # fmt: skip
    joined = [f"{join}({expression}, {separator})" for expression, separator in columns]
    select = ",\n       ".join(
        ["count(*)", *joined, f"count(CASE WHEN l.supplier_lot_code = {null_code} THEN 1 END)"]
    )
    rows_select = _CLOSURE[_CLOSURE.index("SELECT {id:l.id}") : _CLOSURE.index("\nFROM walk JOIN")]
    return _CLOSURE.replace(rows_select, "SELECT " + select)


# The closure's products and suppliers, in one round trip: a row per product (kind 'p': part
# number, name, kind) and per supplier (kind 's': code, name).
_NAMES = """
SELECT 'p', {id:p.id}, p.part_number, p.name, p.kind FROM products p WHERE p.id {among:products}
UNION ALL
SELECT 's', {id:c.id}, c.code, c.name, NULL FROM parties c WHERE c.id {among:parties}
"""

# Where the lots sat directly, with those containers' facts and what held them, in one statement
# (from covering indexes alone): a row per content row and holder (NULLs where nothing held the
# container). `{contents}` numbers the content rows, which may repeat once per holder: SQLite's
# rowid; on PostgreSQL row_number() (a ctid made the planner read the heap).
_LOT_CONTENTS = """
SELECT cc.n, {id:cc.container_id}, {id:cc.lot_id}, cc.quantity, cc.packed_at, cc.unpacked_at,
       k.code, k.kind, k.status, {id:h.container_id}, h.packed_at, h.unpacked_at
FROM {contents} cc
JOIN containers k {indexed:ix_containers_trace_row} ON k.id = cc.container_id
LEFT JOIN container_contents h ON h.child_container_id = cc.container_id
"""
_CONTENTS = {
    "sqlite": """(SELECT rowid AS n, container_id, lot_id, quantity, packed_at, unpacked_at
    FROM container_contents WHERE lot_id {among:ids})""",
    "postgresql": """(SELECT row_number() OVER () AS n, container_id, lot_id, quantity, packed_at,
           unpacked_at
    FROM container_contents WHERE lot_id {among_unseen:ids})""",
}

# Which containers held these containers, and when (from the covering index alone).
_OUTER_CONTENTS = """
SELECT {id:cc.child_container_id}, {id:cc.container_id}, cc.packed_at, cc.unpacked_at
FROM container_contents cc WHERE cc.child_container_id {among:ids}
"""

_CONTAINERS = """
SELECT {id:k.id}, k.code, k.kind, k.status FROM containers k {indexed:ix_containers_trace_row} WHERE k.id {among:ids}
"""

_SHIPPED = """
SELECT {id:s.id}, {id:s.event_id}, s.shipped_at, s.reference_document,
       c.code, c.name, c.contact_name, c.contact_email, c.contact_phone,
       {id:si.{column}}, si.quantity
FROM shipment_items si
JOIN shipments s ON s.id = si.shipment_id
JOIN parties c ON c.id = s.customer_id
WHERE si.{column} {among:ids} AND s.voided_by_event_id IS NULL
"""

# What a container held when it first left (or now, if it never shipped), nested containers
# walked down, in one statement: the lots and the quantity of each content row. UNION, as in the
# closure, ends a nesting cycle in imported data (a row comes back the same). A pallet's backward
# trace starts here; read apart (the moment, then the contents through SQLAlchemy) the two took
# a third of that trace.
_CONTAINER_START = """
WITH RECURSIVE left_at(at) AS (
    SELECT min(s.shipped_at)
    FROM shipment_items si JOIN shipments s ON s.id = si.shipment_id
    WHERE si.container_id = {one:container} AND s.voided_by_event_id IS NULL
), tree(top, child, lot_id, quantity, since) AS (
    SELECT cc.container_id, cc.child_container_id, cc.lot_id, cc.quantity, cc.packed_at
    FROM container_contents cc CROSS JOIN left_at
    WHERE cc.container_id = {one:container} AND {inside:cc}
    UNION
    SELECT cc.container_id, cc.child_container_id, cc.lot_id, cc.quantity, cc.packed_at
    FROM tree JOIN container_contents cc ON cc.container_id = tree.child CROSS JOIN left_at
    WHERE {inside:cc}
)
SELECT {id:lot_id}, {numeric:quantity} FROM tree WHERE lot_id IS NOT NULL
"""
# A content row inside at that moment: packed by then and not yet unpacked (never shipped:
# not unpacked now).
_INSIDE = """(left_at.at IS NULL AND {row}.unpacked_at IS NULL
         OR left_at.at IS NOT NULL AND {row}.packed_at <= left_at.at
            AND ({row}.unpacked_at IS NULL OR {row}.unpacked_at > left_at.at))"""

_PLACEHOLDER = re.compile(
    r"\{(ids|id|one|text|inside|seed|among|among_unseen|indexed|time|until|float|numeric):([^{}]*)\}"
)
# The end of an open interval as text, later than any recorded moment: read with the other
# times as numpy datetime64 (a None there would make numpy convert every time one by one).
OPEN_END = "9999-12-31 23:59:59.999999"


def _render(template: str, dialect: str, *, covering: bool = True, **names: str) -> str:
    """The statement for `dialect`, with `{far}`-style names filled in; `covering`: the
    indexes of migration 0011 are there to be named."""
    for key, value in names.items():
        template = template.replace("{" + key + "}", value)

    def placeholder(match: re.Match[str]) -> str:
        kind, body = match.groups()
        if kind == "id":
            return f"CAST({body} AS TEXT)" if dialect == "postgresql" else body
        if kind == "one":  # a single id
            return f"CAST(%({body})s AS uuid)" if dialect == "postgresql" else f":{body}"
        if kind == "text":  # a single value as it is
            return f"%({body})s" if dialect == "postgresql" else f":{body}"
        if kind == "inside":
            return _INSIDE.replace("{row}", body)
        if kind == "seed":  # the walk's first rows: the start lots, reached by no edge
            if dialect == "postgresql":
                return (
                    f"SELECT unnest(CAST(%({body})s AS uuid[])), CAST(NULL AS uuid), "
                    "CAST(NULL AS numeric), CAST(NULL AS uuid)"
                )
            return f"SELECT value, NULL, NULL, NULL FROM json_each(:{body})"
        if kind == "indexed":
            return f"INDEXED BY {body}" if dialect == "sqlite" and covering else ""
        if kind == "numeric":  # a quantity as PostgreSQL's text: made a Decimal once per value
            return f"CAST({body} AS TEXT)" if dialect == "postgresql" else body
        if kind == "float":  # a quantity as a float (PostgreSQL would send a Decimal)
            return f"CAST({body} AS double precision)" if dialect == "postgresql" else body
        if kind in ("time", "until"):  # a moment as naive UTC text, for numpy to read at once
            moment = f"CAST({body} AT TIME ZONE 'UTC' AS text)" if dialect == "postgresql" else body
            return moment if kind == "time" else f"coalesce({moment}, '{OPEN_END}')"
        if kind in ("among", "among_unseen"):
            if dialect == "postgresql" and kind == "among_unseen":
                # Behind a scalar subquery the planner cannot look into the list: for 10,000
                # ids it spent 6 ms estimating each one (the plan, index probes, is the same).
                return f"= ANY(CAST((SELECT CAST(%({body})s AS uuid[])) AS uuid[]))"
            if dialect == "postgresql":
                return f"= ANY(CAST(%({body})s AS uuid[]))"
            return f"IN (SELECT value FROM json_each(:{body}))"
        if dialect == "postgresql":
            return f"SELECT unnest(CAST(%({body})s AS uuid[]))"
        return f"SELECT value FROM json_each(:{body})"

    return _PLACEHOLDER.sub(placeholder, template)


def render(template: str, dialect: str, *, covering: bool = True, **names: str) -> str:
    """`template` for `dialect` (placeholders as above), for statements kept elsewhere."""
    return _render(template, dialect, covering=covering, **names)


def _statements(dialect: str, *, covering: bool = True) -> dict[str, str]:
    ends = {"forward": ("parent_lot_id", "child_lot_id"), "backward": ("child_lot_id", "parent_lot_id")}  # fmt: skip
    result = {
        f"closure_{way}": _render(_CLOSURE, dialect, near=near, far=far, covering=covering)
        for way, (near, far) in ends.items()
    }
    # The same walk with each edge's quantity as a float, for the columns of `closure`.
    result.update(
        (
            f"columns_{way}",
            _render(
                _CLOSURE.replace("walk.quantity\nFROM", "{float:walk.quantity}\nFROM"),
                dialect, near=near, far=far, covering=covering,
            ),
        )
        for way, (near, far) in ends.items()
    )  # fmt: skip
    result.update(
        (f"joined_{way}", _render(_joined_closure(dialect), dialect, near=near, far=far, covering=covering))
        for way, (near, far) in ends.items()
    )  # fmt: skip
    result.update(
        names=_render(_NAMES, dialect),
        lot_contents=_render(
            _LOT_CONTENTS, dialect, contents=_CONTENTS[dialect], covering=covering
        ),
        outer_contents=_render(_OUTER_CONTENTS, dialect),
        container_start=_render(_CONTAINER_START, dialect),
        containers=_render(_CONTAINERS, dialect, covering=covering),
        shipped_loose=_render(_SHIPPED, dialect, column="lot_id"),
        shipped_in=_render(_SHIPPED, dialect, column="container_id"),
    )
    return result


_SQL = {dialect: _statements(dialect) for dialect in ("sqlite", "postgresql")}
# For a SQLite file still without migration 0011's indexes (a plant kept as it was built):
# the same statements, reading through the primary keys.
_SQL_BEFORE_0011 = _statements("sqlite", covering=False)
_COVERING = ("ix_containers_trace_row", "ix_lots_trace_row")
# In a connection's pool info: (schema version, whether the covering indexes are there).
_HAS_COVERING = "traceapp_trace_covering_indexes"


def _sqlite_decimals() -> Callable[[Any], Decimal | None]:
    """What SQLAlchemy's Numeric(18, 6) gives back on SQLite, so both paths agree to the digit;
    remembered per value, since a trace meets the same few quantities thousands of times."""
    known: dict[Any, Decimal | None] = {None: None}

    def decimal(value: float | int | None) -> Decimal | None:
        if value in known:
            return known[value]
        result = known[value] = Decimal(f"{value:.6f}")
        return result

    return decimal


def _sqlite_instant(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _postgres_decimals() -> Callable[[Any], Decimal | None]:
    """A Decimal from a quantity PostgreSQL sent as text (`{numeric:}`: the driver would make a
    Decimal of every one of 20,000 values, where a lot's quantities repeat a few hundred) or
    as a Decimal; remembered per value."""
    known: dict[str | Decimal, Decimal] = {}

    def decimal(value: str | Decimal | None) -> Decimal | None:
        if value is None:
            return None
        result = known.get(value)
        if result is None:
            result = known[value] = Decimal(value)
        return result

    return decimal


def _postgres_instant(value: datetime) -> datetime:
    return value.astimezone(UTC)


_NULL_CODE = "\x1e"  # a NULL supplier lot code in a joined closure (the record separator)


def _split_closure(count: int, joined: Sequence[str]) -> list[list[str]] | None:
    """The eleven columns of a joined closure (`_joined_closure`), or None if a separator
    inside a code made a column come apart into too many pieces."""
    columns = [
        text.split(separator) for text, separator in zip(joined, _CLOSURE_SEPARATORS, strict=True)
    ]
    return columns if all(len(column) == count for column in columns) else None


_CLOSURE_SEPARATORS = (",", ",", "\x1f", "\x1f", "\x1f", ",", ",", ",", "\x1f", ",", ",")


def _decimal_texts(dialect: str) -> Callable[[Any], Decimal | None]:
    """A Decimal from a quantity as a joined closure spells it: exact text from PostgreSQL;
    from SQLite, a float as `quote` spells it, read as SQLAlchemy's Numeric(18, 6) reads the
    float (see `_sqlite_decimals`), so both ways of reading agree to the digit."""
    if dialect == "sqlite":
        return lambda text: Decimal(f"{float(text):.6f}")
    return Decimal


def _picked(column: Sequence[Any], at: list[int]) -> list[Any]:
    """The items of `column` at `at`, in one C call."""
    if len(at) == 1:
        return [column[at[0]]]
    return list(itemgetter(*at)(column)) if at else []


def _empty_closure() -> Closure:
    import numpy as np

    empty = np.empty(0, dtype=np.int64)
    return Closure(LotColumns.of_rows([]), empty, empty, np.empty(0, dtype=np.float64))


def _executed(cursor: Any, statement: str, values: dict[str, Any]) -> None:
    cursor.execute(statement, values)


def _prepared(cursor: Any, statement: str, values: dict[str, Any]) -> None:
    """Run `statement` as a statement prepared on the connection from its first run.

    psycopg prepares a statement only after its fifth run on a connection, and the server then
    plans it afresh five more times before it settles on a generic plan: on a pool of a few
    connections, a dozen traces or more each parsed and planned every statement (a pallet's
    backward trace took 10 ms, 6 once prepared). A trace's statements are a fixed few texts,
    so preparing them at once costs the server a handful of plans per connection."""
    cursor.execute(statement, values, prepare=True)


class TraceReader:
    """The reads of one trace, on the session's connection (inside its transaction)."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self._setup(
            connection.dialect.name, connection.connection.dbapi_connection, connection.info
        )

    @classmethod
    def on(cls, dialect: str, dbapi: Any, info: dict[Any, Any] | None = None) -> TraceReader:
        """A reader on a driver connection of its own, already inside the transaction it is
        to read in (a companion connection sharing a snapshot, `trace_snapshot`); `info`: the
        pool's dict kept with that connection."""
        reader = cls.__new__(cls)
        reader._setup(dialect, dbapi, info)
        return reader

    def _setup(self, dialect: str, dbapi: Any, info: dict[Any, Any] | None = None) -> None:
        self.dialect = dialect
        if self.dialect not in _SQL:
            raise NotImplementedError(f"no trace statements for {self.dialect}")
        self._sql = _SQL[self.dialect]
        self._dbapi = dbapi
        self.covering = self.dialect != "sqlite" or self._has_covering_indexes(info)
        if not self.covering:
            self._sql = _SQL_BEFORE_0011
        self._execute = _prepared if self.dialect == "postgresql" else _executed
        self.decimal: Callable[[Any], Decimal | None]
        self.instant: Callable[[Any], datetime]
        if self.dialect == "sqlite":
            self.decimal, self.instant = _sqlite_decimals(), _sqlite_instant
        else:
            self.decimal, self.instant = _postgres_decimals(), _postgres_instant

    def raw_id(self, value: uuid.UUID) -> RawId:
        return raw_id(self.dialect, value)

    def _has_covering_indexes(self, info: dict[Any, Any] | None) -> bool:
        """Whether this SQLite file has migration 0011's indexes, which the statements name.
        The answer is kept with the connection (`info`: the pool's dict for it) for as long as
        the schema stays the same version (`PRAGMA schema_version` costs less than looking the
        indexes up, which every trace did: some 40 us of each)."""
        assert self._dbapi is not None
        cursor = self._dbapi.cursor()
        try:
            cursor.execute("PRAGMA schema_version")
            (version,) = cursor.fetchone()
            known = info.get(_HAS_COVERING) if info is not None else None
            if known is not None and known[0] == version:
                return bool(known[1])
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN (?, ?)",
                _COVERING,
            )
            (found,) = cursor.fetchone() or (0,)
            covering = bool(found == len(_COVERING))
            if info is not None:
                info[_HAS_COVERING] = (version, covering)
            return covering
        finally:
            cursor.close()

    def _rows(self, name: str, ids: Iterable[RawId], key: str = "ids") -> list[tuple[Any, ...]]:
        return self.run(self._sql[name], ids, key)

    def run(self, statement: str, ids: Iterable[RawId], key: str = "ids") -> list[tuple[Any, ...]]:
        """The rows of `statement` (rendered for this database) over a list of ids."""
        # One text parameter either way: a JSON array for SQLite's json_each, an array literal
        # for PostgreSQL. Ids are hex digits and hyphens, which need no quoting in either, so
        # the text is joined, not encoded (psycopg's list dumper ran a regular expression over
        # each of 60,000 ids, a sixth of a large trace's time; json.dumps took 25 ms).
        listed = _listed(ids, self.dialect)
        assert self._dbapi is not None  # a live connection inside the session's transaction
        cursor = self._dbapi.cursor()
        try:
            self._execute(cursor, statement, {key: listed})
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def fetch(self, statement: str, **values: Any) -> list[tuple[Any, ...]]:
        """The rows of `statement` (rendered for this database) with these values bound."""
        assert self._dbapi is not None
        cursor = self._dbapi.cursor()
        try:
            self._execute(cursor, statement, values)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def closure(self, start: Sequence[RawId], *, forward: bool) -> Closure:
        """The closure of `start` (forward: descendants; backward: ancestors) as numbered lots
        and edge columns: a lot's row made once, however many edges reach it."""
        way = "forward" if forward else "backward"
        ((count, *joined, null_lookalikes),) = self._rows(f"joined_{way}", start, "start")
        if not count:
            return _empty_closure()
        split = _split_closure(count, joined)
        if split is None or null_lookalikes:  # a separator inside a code: read as rows
            return self._closure_of_rows(self._rows(f"columns_{way}", start, "start"), forward)
        *lot_columns, others, given = split
        columns: list[list[Any]] = list(lot_columns)
        columns[8] = [None if code == _NULL_CODE else code for code in columns[8]]
        return self._numbered(columns, others, given, forward, _decimal_texts(self.dialect))

    def _closure_of_rows(self, rows: list[tuple[Any, ...]], forward: bool) -> Closure:
        """`closure` from the walk's rows (`columns_*`), one per edge or start lot."""
        if not rows:
            return _empty_closure()
        columns = [list(column) for column in zip(*rows, strict=True)]
        *lot_columns, others, given = columns
        return self._numbered(lot_columns, others, given, forward, self.decimal)

    def _numbered(
        self,
        columns: list[list[Any]],
        others: Sequence[RawId | None],
        given: Sequence[Any],
        forward: bool,
        decimal: Callable[[Any], Decimal | None],
    ) -> Closure:
        """A closure from the walk's columns, a row per edge or start lot: the lot's nine
        fields (id, product, code, status, unit, initial and on-hand quantities, supplier,
        supplier lot code), the lot it was reached from (None or "" for a start lot) and the
        edge's quantity (a float, or text)."""
        import numpy as np  # here, not at start-up: the window opens without numpy

        ids = columns[0]
        count = len(ids)
        # Lots numbered in the order first reached; a lot reached by several edges has a row
        # for each, and its fields are taken from the first.
        number = dict(zip(dict.fromkeys(ids), range(count), strict=False))
        if len(number) < count:
            first_row = dict(zip(reversed(ids), range(count - 1, -1, -1), strict=True))
            at = [first_row[lot_id] for lot_id in number]
            columns = [_picked(column, at) for column in columns]
        reached = [i for i, other in enumerate(others) if other]
        edges = len(reached)
        own = np.fromiter(map(number.__getitem__, _picked(ids, reached)), np.int64, edges)
        other = np.fromiter(map(number.__getitem__, _picked(others, reached)), np.int64, edges)
        quantities = floats(given)[reached] if edges else np.empty(0, dtype=np.float64)
        lots = self._lot_columns(columns, decimal)
        # Forward, the walk reached a lot from its parent; backward, from its child.
        return Closure(lots, *((other, own) if forward else (own, other)), quantities)

    def _lot_columns(
        self, columns: list[list[Any]], decimal: Callable[[Any], Decimal | None]
    ) -> LotColumns:
        """`LotColumns` from the nine fields a closure reads of each lot: each product and
        supplier read once, each distinct quantity converted once."""
        import numpy as np

        ids, products, codes, statuses, units, initial, on_hand, suppliers, lot_codes = columns
        named = set(suppliers)
        named.discard(None)
        named.discard("")
        product: dict[RawId, tuple[Any, ...]] = {}
        party: dict[RawId, tuple[Any, ...]] = {}
        listed = {
            "products": _listed(set(products), self.dialect),
            "parties": _listed(named, self.dialect),
        }
        for kind, name_id, *fields in self.fetch(self._sql["names"], **listed):
            if kind == "p":
                product[name_id] = tuple(fields)
            else:
                party[name_id] = (fields[0], fields[1])
        parts, names, kinds = (
            zip(*map(product.__getitem__, products), strict=True) if ids else ((), (), ())
        )
        no_supplier = (None, None)
        supplier_codes, supplier_names = (
            zip(*(party.get(supplier, no_supplier) for supplier in suppliers), strict=True)
            if ids else ((), ())
        )  # fmt: skip
        amounts = {value: decimal(value) or Decimal(0) for value in {*initial, *on_hand}}
        as_float = {value: float(amount) for value, amount in amounts.items()}
        initial_amounts = list(map(amounts.__getitem__, initial))
        return LotColumns(
            [
                ids, list(parts), list(names), list(kinds), codes, statuses, units,
                initial_amounts, list(map(amounts.__getitem__, on_hand)),
                list(supplier_codes), list(supplier_names), lot_codes,
            ],
            np.fromiter(map(as_float.__getitem__, initial), np.float64, len(initial)),
        )  # fmt: skip

    def genealogy(
        self, start: Sequence[RawId], *, forward: bool
    ) -> tuple[list[Edge[RawId]], list[LotRow]]:
        """The lots of the closure of `start` (forward: descendants; backward: ancestors), and
        every live edge between them."""
        rows = self._rows("closure_forward" if forward else "closure_backward", start, "start")
        quantities = {value: self.decimal(value) for value in {row[10] for row in rows}}
        # Forward, the walk reached this lot from its parent; backward, from its child.
        if forward:
            edges = [
                _new_tuple(Edge, (row[9], row[0], quantities[row[10]]))
                for row in rows
                if row[9] is not None
            ]
        else:
            edges = [
                _new_tuple(Edge, (row[0], row[9], quantities[row[10]]))
                for row in rows
                if row[9] is not None
            ]
        # Each lot's fields from the first row that reaches it.
        first: dict[RawId, Sequence[Any]] = {}
        for row in rows:
            first.setdefault(row[0], row)
        columns = [
            list(column) for column in zip(*(row[:9] for row in first.values()), strict=True)
        ]
        return edges, list(self._lot_columns(columns or [[] for _ in range(9)], self.decimal))

    def held_in_containers(self, lot_ids: Sequence[RawId]) -> tuple[list[Stay], list[ContainerRow]]:
        """Every container each lot sat in, directly or nested, with the time it was there, and
        the containers' own facts.

        A case packed on pallet P and later moved to Q reaches P only for the time it sat on P:
        each step up intersects the intervals, and an empty intersection stops there.
        """
        rows = self._rows("lot_contents", lot_ids)
        quantities = {value: self.decimal(value) for value in {row[3] for row in rows}}
        new = _new_tuple
        stays: list[Stay] = []
        origins: dict[Any, int] = {}  # content row number -> its stay's `origin`
        infos: dict[RawId, ContainerRow] = {}
        # Each container's holders as the rows read them: (child, outer, packed, unpacked). A
        # container's holder rows repeat for every content row in it: taken from its first.
        holders: dict[RawId, list[tuple[Any, ...]]] = {}
        first: dict[RawId, Any] = {}
        for row in rows:
            number, container = row[0], row[1]
            if number not in origins:
                origin = origins[number] = len(stays)
                stays.append(
                    new(Stay, (container, row[2], quantities[row[3]], row[4], row[5], origin))
                )
                if container not in infos:
                    infos[container] = new(ContainerRow, (container, row[6], row[7], row[8]))
                    holders[container] = []
                    first[container] = number
            if row[9] is not None and first[container] == number:
                holders[container].append((container, row[9], row[10], row[11]))
        frontier = _by_container(stays)
        seen: set[tuple[int, RawId, Moment, Moment | None]] = set()
        while frontier:
            unknown = [container for container in frontier if container not in holders]
            if unknown:
                for container in unknown:
                    holders[container] = []
                for row in self._rows("outer_contents", unknown):
                    holders[row[0]].append(row)
            frontier = _step_up(frontier, holders, seen, stays)
        # The containers reached above the first level (pallets, trucks), read once each.
        reached = dict.fromkeys([stay[0] for stay in stays])
        for info in self.containers([c for c in reached if c not in infos]):
            infos[info[0]] = info
        known = infos.get
        return stays, [info for info in map(known, reached) if info is not None]

    def whereabouts(self, lot_ids: Sequence[RawId]) -> Whereabouts:
        """Where the lots sat and what shipped them, as columns (a whole trace's worth)."""
        from traceapp.db.trace_columns import whereabouts  # it builds on this module

        return whereabouts(self, lot_ids)

    def prefetch_whereabouts(self, start: Sequence[RawId]) -> None:
        """Nothing here: one connection reads one statement at a time, and a trace reads where
        its lots sat once it has their closure (`trace_snapshot` reads both at once)."""

    def shipments_of(self, lot_ids: Sequence[RawId], stays: Sequence[Stay]) -> list[ShipmentLine]:
        """Shipments that took the lots: loose, or in a container shipped while the lot sat in it."""
        lines: list[ShipmentLine] = []
        heads: dict[RawId, tuple[Any, ...]] = {}
        decimal = self.decimal
        new = _new_tuple
        for row in self._rows("shipped_loose", lot_ids):
            head = self._head(row, heads)
            lines.append(new(ShipmentLine, (*head, None, row[9], decimal(row[10]), False)))
        if not stays:
            return lines
        shipped = self._rows("shipped_in", dict.fromkeys([stay[0] for stay in stays]))
        if not shipped:
            return lines
        # Only the stays in a shipped container matter: a large trace has some 30,000 stays
        # and a few hundred shipped containers.
        by_container: dict[RawId, list[Stay]] = {row[9]: [] for row in shipped}
        wanted = by_container.get
        for stay in stays:
            theirs = wanted(stay[0])
            if theirs is not None:
                theirs.append(stay)
        counted: set[tuple[RawId, int]] = set()
        for row in shipped:
            shipped_at = row[2]
            shipment = row[0]
            head = self._head(row, heads)
            container = row[9]
            for _, lot, quantity, since, until, origin in by_container[container]:
                # The lot travels with the container only if it was inside when it left.
                if since <= shipped_at and (until is None or shipped_at < until):
                    # What one content row holds travels once, even where imported data nests
                    # its case twice over (in a pallet, and beside it in the same truck).
                    key = (shipment, origin)
                    repeat = key in counted
                    counted.add(key)
                    # tuple.__new__ straight away: some 30,000 lines, each made in one step.
                    lines.append(new(ShipmentLine, (*head, container, lot, quantity, repeat)))
        return lines

    def _head(self, row: Sequence[Any], heads: dict[RawId, tuple[Any, ...]]) -> tuple[Any, ...]:
        """A shipment's own fields of a ShipmentLine (shipment_id to contact_phone), made once
        per shipment, with its time converted once."""
        head = heads.get(row[0])
        if head is None:
            head = heads[row[0]] = (
                row[0], row[1], self.instant(row[2]), row[3], row[4], row[5], row[6], row[7],
                row[8],
            )  # fmt: skip
        return head

    def container_start(self, container_id: RawId) -> dict[RawId, Decimal]:
        """The lots a container held when it first left (now, if it never did), nested ones
        included, each with the quantity inside (summed over its content rows; none given
        counts 0), in the order read."""
        lots: dict[RawId, Decimal] = {}
        for lot_id, quantity in self.fetch(self._sql["container_start"], container=container_id):
            lots[lot_id] = lots.get(lot_id, Decimal(0)) + (self.decimal(quantity) or Decimal(0))
        return lots

    def containers(self, ids: Sequence[RawId]) -> list[ContainerRow]:
        if not ids:
            return []
        new = _new_tuple
        return [new(ContainerRow, row) for row in self._rows("containers", ids)]


def _step_up(
    frontier: dict[RawId, list[Stay]],
    holders: dict[RawId, list[tuple[Any, ...]]],
    seen: set[tuple[int, RawId, Moment, Moment | None]],
    stays: list[Stay],
) -> dict[RawId, list[Stay]]:
    """The stays one nesting level up from `frontier`, added to `stays`; the next frontier.

    A stay already reached (same starting row, container and interval) is not walked again, so
    a nesting cycle in imported data ends: intervals only narrow, over finitely many ends.
    """
    following: list[Stay] = []
    new = _new_tuple
    for container, theirs in frontier.items():
        for _, outer, packed, unpacked in holders[container]:
            for _, lot, quantity, since, until, origin in theirs:
                if until is not None and not packed < until:
                    continue
                if unpacked is not None and not unpacked > since:
                    continue
                if packed > since:
                    since = packed
                if unpacked is not None and (until is None or unpacked < until):
                    until = unpacked
                key = (origin, outer, since, until)
                if key in seen:
                    continue
                seen.add(key)
                following.append(new(Stay, (outer, lot, quantity, since, until, origin)))
    stays += following
    return _by_container(following)


def _by_container(stays: Iterable[Stay]) -> dict[RawId, list[Stay]]:
    grouped: dict[RawId, list[Stay]] = {}
    for stay in stays:
        theirs = grouped.get(stay[0])
        if theirs is None:
            grouped[stay[0]] = [stay]
        else:
            theirs.append(stay)
    return grouped
