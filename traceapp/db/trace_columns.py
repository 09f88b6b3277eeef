"""Where a trace's lots sat and what shipped them, as numpy columns: no Python object per stay.

A forward trace of 10,000 lots has some 27,000 stays (a lot in a case, that case on a pallet,
...) and 14,000 shipment lines. Made one tuple each and walked in Python, they took longer
than all the trace's queries together. Here the rows of each query are turned into columns at
once (times read by numpy as datetime64, ids numbered through one dict), and each nesting step
up, and the matching of stays with shipments, is a handful of array operations.

The rule is the one `TraceReader.held_in_containers` and `shipments_of` follow for one lot's
record: a lot reaches an outer container only for the time its own container sat in it (the
intervals are intersected a level at a time, and an empty intersection stops there); a lot
travels with a container only if it was inside when the container left; what one content row
holds travels once per shipment (`repeat` marks the other lines).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from traceapp.db.trace_walk import (
    _CONTENTS,
    ContainerRow,
    RawId,
    ShipmentLine,
    TraceReader,
    floats,
    render,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]


class ShipmentHead(NamedTuple):
    """A shipment's own fields (as the first nine of a `ShipmentLine`)."""

    shipment_id: RawId
    event_id: RawId
    shipped_at: datetime
    reference_document: str | None
    customer_code: str
    customer_name: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None


class Whereabouts(NamedTuple):
    """Every container the lots sat in (directly or nested) and every shipment line that took
    them. Lines are columns: line i is shipment `shipment[i]` (an index into `shipments`)
    taking `quantity[i]` (the lot's unit; NaN: unknown) of lot `lot[i]` (an index into the lot
    ids asked about), in container `container[i]` (an index into `containers`; -1: loose)."""

    containers: list[ContainerRow]
    shipments: list[ShipmentHead]
    shipment: npt.NDArray[np.int64]
    container: npt.NDArray[np.int64]
    lot: npt.NDArray[np.int64]
    quantity: npt.NDArray[np.float64]
    repeat: npt.NDArray[np.bool_]


# Where the lots sat directly, with those containers' facts and what held them (a row per
# content row and holder; NULLs where nothing held the container). Times as naive UTC text,
# an open end as OPEN_END; quantities as floats.
_SAT = """
SELECT cc.n, {id:cc.lot_id}, {id:cc.container_id}, {float:cc.quantity}, {time:cc.packed_at},
       {until:cc.unpacked_at}, k.code, k.kind, k.status, {id:h.container_id}, {time:h.packed_at},
       {until:h.unpacked_at}
FROM {contents} cc
JOIN containers k {indexed:ix_containers_trace_row} ON k.id = cc.container_id
LEFT JOIN container_contents h ON h.child_container_id = cc.container_id
"""

# What held these containers, and when (from the covering index alone).
_HELD_BY = """
SELECT {id:cc.child_container_id}, {id:cc.container_id}, {time:cc.packed_at},
       {until:cc.unpacked_at}
FROM container_contents cc WHERE cc.child_container_id {among:ids}
"""

_SHIPPED = """
SELECT {id:s.id}, {id:s.event_id}, s.shipped_at, s.reference_document,
       c.code, c.name, c.contact_name, c.contact_email, c.contact_phone,
       {id:si.{column}}, {float:si.quantity}, {time:s.shipped_at}
FROM shipment_items si
JOIN shipments s ON s.id = si.shipment_id
JOIN parties c ON c.id = s.customer_id
WHERE si.{column} {among:ids} AND s.voided_by_event_id IS NULL
"""


# Every lot the forward closure of the start lots reaches (UNION: each once, a cycle ends).
_REACH = """
WITH RECURSIVE walk(lot_id) AS (
    {ids:start}
    UNION
    SELECT e.child_lot_id FROM walk JOIN lot_edges e ON e.parent_lot_id = walk.lot_id
    WHERE e.voided_by_event_id IS NULL
)
"""

# SQLite: the reach and `_SAT` over it in one statement that hands back one row: the lots, the
# row count, and each of `_SAT`'s columns joined into one text. SQLite works out an aggregate in
# a single step, during which Python's other threads run; a statement fetched row by row takes
# and gives back the interpreter's lock at every row, and a trace reading on two connections
# at once was slower than on one. Ids, numbers and times hold no comma; codes, kinds and
# statuses are joined by the unit separator (a code holding one is caught, and read as rows).
# A quantity as `quote` spells it (as many digits as the float needs), NULL as nan.
_REACH_SAT_SQLITE = (
    _REACH
    + """
SELECT (SELECT group_concat(lot_id, ',') FROM walk), count(*),
       group_concat(n, ','), group_concat(lot_id, ','), group_concat(container_id, ','),
       group_concat(iif(quantity IS NULL, 'nan', quote(quantity)), ','),
       group_concat(packed_at, ','), group_concat(unpacked_at, ','),
       group_concat(code, char(31)), group_concat(kind, char(31)), group_concat(status, char(31)),
       group_concat(coalesce(holder, ''), ','), group_concat(coalesce(held_from, ''), ','),
       group_concat(held_until, ',')
FROM (
    SELECT cc.rowid AS n, cc.lot_id, cc.container_id, cc.quantity, cc.packed_at,
           {until:cc.unpacked_at} AS unpacked_at, k.code, k.kind, k.status,
           h.container_id AS holder, h.packed_at AS held_from, {until:h.unpacked_at} AS held_until
    FROM container_contents cc
    JOIN containers k {indexed:ix_containers_trace_row} ON k.id = cc.container_id
    LEFT JOIN container_contents h ON h.child_container_id = cc.container_id
    WHERE cc.lot_id IN (SELECT lot_id FROM walk)
)
"""
)
_SEPARATORS = (",",) * 6 + ("\x1f",) * 3 + (",",) * 3  # of `_SAT`'s twelve columns

# PostgreSQL: `_SAT`'s rows as one row the same way (`_SAT_JOINED`, filled in per database).
# psycopg made a Python object of each of its 165,000 values, in the thread that reads beside
# the closure; joined, the server does that work while the client's other thread runs. A
# quantity as PostgreSQL spells a double (as many digits as it needs), NULL as NaN.
_SAT_JOINED = """
SELECT count(*), string_agg(CAST(n AS text), ','), string_agg(lot_id, ','),
       string_agg(container_id, ','), string_agg(coalesce(CAST(quantity AS text), 'NaN'), ','),
       string_agg(packed_at, ','), string_agg(unpacked_at, ','),
       string_agg(code, chr(31)), string_agg(kind, chr(31)), string_agg(status, chr(31)),
       string_agg(coalesce(holder, ''), ','), string_agg(coalesce(held_from, ''), ','),
       string_agg(held_until, ',')
FROM ({sat}) AS sat(n, lot_id, container_id, quantity, packed_at, unpacked_at, code, kind, status,
                    holder, held_from, held_until)
"""


def _statements(dialect: str, covering: bool) -> dict[str, str]:
    statements = {
        "sat": render(_SAT, dialect, covering=covering, contents=_CONTENTS[dialect]),
        "held_by": render(_HELD_BY, dialect),
        "shipped_in": render(_SHIPPED, dialect, column="container_id"),
        # A trace's lots (10,000) unseen by the planner: it would estimate each. The containers
        # stay in sight: seeing them, the planner chooses one pass over the shipped containers
        # with the list hashed, over a probe each (14,000 containers, 42,000 shipped: 21 ms,
        # 8 of them planning, against 22 ms probing).
        "shipped_loose": render(
            _SHIPPED.replace("{among:ids}", "{among_unseen:ids}"), dialect, column="lot_id"
        ),
        # The lots as one text joined by commas (ids hold none): 10,000 rows made a tuple
        # each in the thread that reads beside the closure.
        "reach": render(
            _REACH
            + "SELECT "
            + ("group_concat" if dialect == "sqlite" else "string_agg")
            + "({id:lot_id}, ',') FROM walk",
            dialect,
        ),
    }
    if dialect == "sqlite":
        statements["reach_sat"] = render(_REACH_SAT_SQLITE, dialect, covering=covering)
    else:
        statements["sat_joined"] = _SAT_JOINED.replace("{sat}", statements["sat"])
    return statements


_new_tuple = tuple.__new__

_SQL = {
    (dialect, covering): _statements(dialect, covering)
    for dialect in ("sqlite", "postgresql")
    for covering in (True, False)
}


class _Stays(NamedTuple):
    """Stays as columns: lot `lot` (`quantity` of it) sat in container `box` from `since`
    until `until` (microseconds), starting from content row `origin`."""

    box: Ints
    lot: Ints
    quantity: npt.NDArray[np.float64]
    since: Ints
    until: Ints
    origin: Ints

    def take(self, at: Ints) -> _Stays:
        return _Stays(
            self.box[at], self.lot[at], self.quantity[at], self.since[at], self.until[at],
            self.origin[at],
        )  # fmt: skip


def whereabouts(
    reader: TraceReader, lot_ids: Sequence[RawId], *, loose: bool = True
) -> Whereabouts:
    """Where the lots `lot_ids` sat and shipped (see the module's rule); without the shipments
    that took them loose unless `loose`."""
    sql = _SQL[reader.dialect, reader.covering]
    if reader.dialect == "postgresql":
        ((count, *joined),) = reader.run(sql["sat_joined"], lot_ids)
        split = _split(count, joined)
        if split is not _UNSPLIT:
            return _whereabouts(reader, lot_ids, split, loose=loose)
    rows = reader.run(sql["sat"], lot_ids)
    sat = _Columns(*zip(*rows, strict=True)) if rows else None
    return _whereabouts(reader, lot_ids, sat, loose=loose)


def _split(count: int, joined: Sequence[str | None]) -> _Columns | None:
    """`_SAT`'s columns from the texts of its joined form (None: no rows), or `_UNSPLIT` if a
    separator inside a code made a column come apart into too many pieces."""
    if not count:
        return None
    columns = [
        text.split(separator) if text is not None else []
        for text, separator in zip(joined, _SEPARATORS, strict=True)
    ]
    if any(len(column) != count for column in columns):
        return _UNSPLIT
    return _Columns(*columns)


def loose_rows(reader: TraceReader, lot_ids: Sequence[RawId]) -> list[tuple[Any, ...]]:
    """The live shipment lines that took the lots loose (not in a container)."""
    return reader.run(_SQL[reader.dialect, reader.covering]["shipped_loose"], lot_ids)


def with_loose(
    where: Whereabouts,
    rows: list[tuple[Any, ...]],
    lot_ids: Sequence[RawId],
    reader: TraceReader,
) -> Whereabouts:
    """`where` (read without loose shipments, its lots numbered by `lot_ids`) with the loose
    lines of `rows` (`loose_rows` of those lots) put first, shipments numbered in the order
    `whereabouts` numbers them: the same columns it gives."""
    import numpy as np

    if not rows:
        return where
    shipments = _Numbering()
    heads: list[ShipmentHead] = []
    lot_number = dict(zip(lot_ids, range(len(lot_ids)), strict=True))
    loose = _loose_lines(rows, lot_number, shipments, heads, reader)
    known = len(heads)
    renumber = shipments.of([head.shipment_id for head in where.shipments])
    heads += [head for head in where.shipments if shipments.number[head.shipment_id] >= known]
    carried = (renumber[where.shipment], where.container, where.lot, where.quantity, where.repeat)
    shipment, container, lot, quantity, repeat = (
        np.concatenate(parts) for parts in zip(loose, carried, strict=True)
    )
    return Whereabouts(where.containers, heads, shipment, container, lot, quantity, repeat)


def reach_whereabouts(
    reader: TraceReader, start: Sequence[RawId], *, loose: bool = True
) -> tuple[list[RawId], Whereabouts]:
    """The lots the forward closure of `start` reaches, and where they sat and shipped (as
    `whereabouts` of those lots, numbered in the order of the list); without the shipments
    that took them loose unless `loose` (`with_loose` adds those read elsewhere)."""
    sql = _SQL[reader.dialect, reader.covering]
    if reader.dialect != "sqlite":
        ((joined,),) = reader.run(sql["reach"], start, "start")
        lots = joined.split(",") if joined else []
        return lots, whereabouts(reader, lots, loose=loose)
    ((joined_lots, count, *joined),) = reader.run(sql["reach_sat"], start, "start")
    lots = joined_lots.split(",") if joined_lots else []
    split = _split(count, joined)
    if split is _UNSPLIT:  # a separator inside a code: read as rows
        return lots, whereabouts(reader, lots, loose=loose)
    return lots, _whereabouts(reader, lots, split, loose=loose)


class _Columns(NamedTuple):
    """`_SAT`'s twelve columns (rows as read, or texts split)."""

    origin: Sequence[Any]
    lot: Sequence[RawId]
    box: Sequence[RawId]
    quantity: Sequence[Any]
    since: Sequence[str]
    until: Sequence[str]
    code: Sequence[str]
    kind: Sequence[str]
    status: Sequence[str]
    holder: Sequence[RawId | None]  # None, or "" when split: no holder
    held_from: Sequence[str | None]
    held_until: Sequence[str]


# `_split`'s answer when a code held a separator (compared by identity).
_UNSPLIT = _Columns(*([()] * len(_Columns._fields)))


def _whereabouts(
    reader: TraceReader, lot_ids: Sequence[RawId], sat: _Columns | None, *, loose: bool = True
) -> Whereabouts:
    import numpy as np  # here, not at start-up: the window opens without numpy

    sql = _SQL[reader.dialect, reader.covering]
    lot_number = dict(zip(lot_ids, range(len(lot_ids)), strict=True))
    boxes = _Numbering()
    stays, held_by = _first_level(sat, lot_number, boxes)
    asked = set(np.unique(stays.box).tolist())  # whose holders `sat` read
    levels = [stays]
    seen = np.empty(0, dtype=np.dtype((np.void, 32)))
    frontier = stays
    while len(frontier.box):
        unknown = sorted(set(np.unique(frontier.box).tolist()) - asked)
        if unknown:
            asked.update(unknown)
            held_by = _joined(
                held_by, _holder_rows(reader.run(sql["held_by"], boxes.names(unknown)), boxes)
            )
        frontier, seen = _step_up(frontier, held_by, seen)
        levels.append(frontier)
    every = _Stays(*(np.concatenate(parts) for parts in zip(*levels, strict=True)))
    # The containers some stay reached (a holder whose time did not overlap is not one),
    # renumbered 0.. in that order.
    containers, kept = boxes.infos(reader, np.unique(every.box).tolist())
    position = np.full(len(boxes.ids), -1, dtype=np.int64)
    position[kept] = np.arange(len(kept))
    every = every._replace(box=position[every.box])
    shipments = _Numbering()
    heads: list[ShipmentHead] = []
    lines = [
        _loose_lines(
            loose_rows(reader, lot_ids) if loose else [], lot_number, shipments, heads, reader
        ),
        _container_lines(
            reader.run(sql["shipped_in"], [info[0] for info in containers]),
            every,
            {info[0]: n for n, info in enumerate(containers)},
            shipments,
            heads,
            reader,
        ),
    ]
    shipment, container, lot, quantity, repeat = (
        np.concatenate(parts) for parts in zip(*lines, strict=True)
    )
    return Whereabouts(containers, heads, shipment, container, lot, quantity, repeat)


class _Numbering:
    """Ids numbered 0.. in the order first met, with what is known of each container."""

    def __init__(self) -> None:
        self.number: dict[RawId, int] = {}
        self.ids: list[RawId] = []
        self.known: dict[int, ContainerRow] = {}

    def of(self, ids: Sequence[RawId]) -> Ints:
        """The numbers of `ids`, numbering those not met before."""
        import numpy as np

        number = self.number
        new = [raw for raw in dict.fromkeys(ids) if raw not in number]
        number.update(zip(new, range(len(self.ids), len(self.ids) + len(new)), strict=True))
        self.ids += new
        return np.fromiter(map(number.__getitem__, ids), dtype=np.int64, count=len(ids))

    def names(self, numbers: Sequence[int]) -> list[RawId]:
        return [self.ids[n] for n in numbers]

    def infos(
        self, reader: TraceReader, numbers: list[int]
    ) -> tuple[list[ContainerRow], list[int]]:
        """The facts of containers `numbers` (those not yet known read at once), and their
        numbers; a container no longer in the database is left out of both."""
        missing = [self.ids[n] for n in numbers if n not in self.known]
        for info in reader.containers(missing) if missing else ():
            self.known[self.number[info[0]]] = info
        kept = [n for n in numbers if n in self.known]
        return [self.known[n] for n in kept], kept


def _moments(values: Sequence[str]) -> Ints:
    """Naive UTC text (OPEN_END for none) as microseconds, read by numpy in one pass."""
    import numpy as np

    return np.array(values, dtype="datetime64[us]").view(np.int64)


def _first_level(
    sat: _Columns | None, lot_number: dict[RawId, int], boxes: _Numbering
) -> tuple[_Stays, Ints]:
    """The stays of the content rows themselves, and the holder rows read with them
    (child, outer, packed, unpacked as four columns of one array)."""
    import numpy as np

    if sat is None:
        return _empty_stays(), np.empty((0, 4), dtype=np.int64)
    (origin, lots, box_ids, quantity, since, until, codes, kinds, statuses, outer_ids, packed,
     unpacked) = sat  # fmt: skip
    count = len(origin)
    box = boxes.of(box_ids)
    every = _Stays(
        box,
        np.fromiter(map(lot_number.__getitem__, lots), dtype=np.int64, count=count),
        floats(quantity),
        _moments(since),
        _moments(until),
        np.array(origin, dtype=np.int64),
    )
    # A content row comes once per holder of its container: its stay once.
    _, first = np.unique(every.origin, return_index=True)
    first.sort()
    # Each container's facts from its first row (numbers were given in order of first rows).
    firsts = np.unique(box, return_index=True)[1]
    picked = firsts.tolist()
    facts = zip(
        *(_pick(column, picked) for column in (box_ids, codes, kinds, statuses)), strict=True
    )
    boxes.known.update(enumerate(map(_new_tuple, repeat(ContainerRow), facts)))
    # A container's holder rows repeat for each content row in it: taken from its first.
    holders = np.empty((0, 4), dtype=np.int64)
    held = np.fromiter(map(bool, outer_ids), dtype=np.bool_, count=count)  # None or "": none
    held &= every.origin == every.origin[firsts][box]
    if held.any():
        at = np.flatnonzero(held).tolist()
        holders = np.stack(
            [
                box[at],
                boxes.of(_pick(outer_ids, at)),
                _moments(_pick(packed, at)),
                _moments(_pick(unpacked, at)),
            ],
            axis=1,
        )
    return every.take(first), holders


def _pick(column: Sequence[Any], at: list[int]) -> tuple[Any, ...]:
    """The items of `column` at `at`, in one C call."""
    if len(at) == 1:
        return (column[at[0]],)
    return tuple(itemgetter(*at)(column)) if at else ()


def _holder_rows(rows: list[tuple[Any, ...]], boxes: _Numbering) -> Ints:
    import numpy as np

    if not rows:
        return np.empty((0, 4), dtype=np.int64)
    child, outer, packed, unpacked = zip(*rows, strict=True)
    return np.stack(
        [boxes.of(child), boxes.of(outer), _moments(packed), _moments(unpacked)], axis=1
    )


def _joined(a: Ints, b: Ints) -> Ints:
    import numpy as np

    return np.concatenate([a, b]) if len(b) else a


def _empty_stays() -> _Stays:
    import numpy as np

    empty = np.empty(0, dtype=np.int64)
    return _Stays(empty, empty, np.empty(0, dtype=np.float64), empty, empty, empty)


def _pairs(keys: Ints, wanted: Ints) -> tuple[Ints, Ints]:
    """Every (i, j) with wanted[i] == keys[j]: i into `wanted`, j into `keys`."""
    import numpy as np

    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    begin = np.searchsorted(sorted_keys, wanted, side="left")
    sizes = np.searchsorted(sorted_keys, wanted, side="right") - begin
    total = int(sizes.sum())
    if not total:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    ends = np.cumsum(sizes)
    within = np.arange(total) - np.repeat(ends - sizes, sizes)
    return np.repeat(np.arange(len(wanted)), sizes), order[np.repeat(begin, sizes) + within]


def _step_up(frontier: _Stays, held_by: Ints, seen: Any) -> tuple[_Stays, Any]:
    """The stays one nesting level up from `frontier`: each stay in each container that held
    its own container at an overlapping time, over the intersection. A stay already reached
    (same content row, container and interval) is not walked again, so a nesting cycle in
    imported data ends: intervals only narrow, over finitely many ends."""
    import numpy as np

    at, edge = _pairs(held_by[:, 0], frontier.box)
    if not len(at):
        return _empty_stays(), seen
    below = frontier.take(at)
    outer, packed, unpacked = held_by[edge, 1], held_by[edge, 2], held_by[edge, 3]
    overlap = (packed < below.until) & (unpacked > below.since)
    up = _Stays(
        outer,
        below.lot,
        below.quantity,
        np.maximum(below.since, packed),
        np.minimum(below.until, unpacked),
        below.origin,
    ).take(np.flatnonzero(overlap))
    columns = np.ascontiguousarray(np.stack([up.origin, up.box, up.since, up.until], axis=1))
    keys = columns.view(np.dtype((np.void, 32))).ravel()  # one sortable key per stay
    _, first = np.unique(keys, return_index=True)
    first.sort()
    fresh = first[~np.isin(keys[first], seen)]
    return up.take(fresh), np.concatenate([seen, keys[fresh]])


_Lines = tuple[Any, Any, Any, Any, Any]


def _head_numbers(
    rows: list[tuple[Any, ...]],
    shipments: _Numbering,
    heads: list[ShipmentHead],
    instant: Callable[[Any], datetime],
) -> Ints:
    """Each row's shipment number; a shipment's head made once, its time converted once."""
    numbers = shipments.of([row[0] for row in rows])
    firsts: dict[RawId, tuple[Any, ...]] = {}
    for row in rows:
        firsts.setdefault(row[0], row)
    for raw in shipments.ids[len(heads) :]:
        row = firsts[raw]
        heads.append(ShipmentHead(row[0], row[1], instant(row[2]), *row[3:9]))
    return numbers


def _loose_lines(
    rows: list[tuple[Any, ...]],
    lot_number: dict[RawId, int],
    shipments: _Numbering,
    heads: list[ShipmentHead],
    reader: TraceReader,
) -> _Lines:
    import numpy as np

    count = len(rows)
    shipment = _head_numbers(rows, shipments, heads, reader.instant)
    return (
        shipment,
        np.full(count, -1, dtype=np.int64),
        np.fromiter((lot_number[row[9]] for row in rows), dtype=np.int64, count=count),
        floats([row[10] for row in rows]),
        np.zeros(count, dtype=np.bool_),
    )


def _container_lines(
    rows: list[tuple[Any, ...]],
    stays: _Stays,
    box_number: dict[RawId, int],
    shipments: _Numbering,
    heads: list[ShipmentHead],
    reader: TraceReader,
) -> _Lines:
    """A line for each stay in a shipped container that was inside when it left; the second
    and later line of one content row on one shipment marked `repeat` (imported data may nest
    a case twice over, in a pallet and beside it in the same truck)."""
    import numpy as np

    if not rows:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty, np.empty(0, dtype=np.float64), np.empty(0, dtype=np.bool_)
    shipment_of_row = _head_numbers(rows, shipments, heads, reader.instant)
    box_of_row = np.fromiter((box_number[row[9]] for row in rows), np.int64, len(rows))
    left_at = _moments([row[11] for row in rows])
    row, stay = _pairs(stays.box, box_of_row)
    inside = (stays.since[stay] <= left_at[row]) & (left_at[row] < stays.until[stay])
    row, stay = row[inside], stay[inside]
    shipment = shipment_of_row[row]
    # Sorted by shipment, then content row; stable, so the first line of each pair counts.
    order = np.lexsort((stays.origin[stay], shipment))
    by_shipment, by_origin = shipment[order], stays.origin[stay][order]
    again = np.zeros(len(order), dtype=np.bool_)
    again[1:] = (by_shipment[1:] == by_shipment[:-1]) & (by_origin[1:] == by_origin[:-1])
    repeat = np.empty(len(order), dtype=np.bool_)
    repeat[order] = again
    return shipment, stays.box[stay], stays.lot[stay], stays.quantity[stay], repeat


def renumbered(
    where: Whereabouts, read_for: Sequence[RawId], lot_ids: Sequence[RawId]
) -> Whereabouts:
    """`where`, read for the lots `read_for`, with its lines numbering the same lots by their
    place in `lot_ids` (the same lots in another order)."""
    import numpy as np

    place = dict(zip(lot_ids, range(len(lot_ids)), strict=True))
    position = np.fromiter(map(place.__getitem__, read_for), np.int64, len(read_for))
    return where._replace(lot=position[where.lot])


def from_lines(
    lot_ids: Sequence[RawId], containers: Sequence[ContainerRow], lines: Sequence[ShipmentLine]
) -> Whereabouts:
    """The columns of row-by-row reads (the trace benchmark's per-node walks)."""
    import numpy as np

    lot_number = dict(zip(lot_ids, range(len(lot_ids)), strict=True))
    box_number = {info[0]: n for n, info in enumerate(containers)}
    shipments = _Numbering()
    heads: list[ShipmentHead] = []
    numbers = _head_numbers(list(lines), shipments, heads, lambda moment: moment)
    count = len(lines)
    return Whereabouts(
        list(containers),
        heads,
        numbers,
        np.fromiter(
            (-1 if line[9] is None else box_number[line[9]] for line in lines), np.int64, count
        ),
        np.fromiter((lot_number[line[10]] for line in lines), np.int64, count),
        floats([None if line[11] is None else float(line[11]) for line in lines]),
        np.fromiter((line[12] for line in lines), np.bool_, count),
    )
