"""Time recall traces on the demo plant: our trace, a naive per-node walk, an in-memory reference."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import math
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import psycopg
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from traceapp.db import trace_walk as walk
from traceapp.db.engine import make_engine
from traceapp.db.migrate import current_revision
from traceapp.db.models import (
    Container,
    ContainerContent,
    Lot,
    LotEdge,
    Party,
    Product,
    Shipment,
    ShipmentItem,
)
from traceapp.db.repositories import Repository
from traceapp.db.trace_columns import Whereabouts, from_lines
from traceapp.db.trace_walk import RawId
from traceapp.db.uow import UnitOfWork
from traceapp.domain.attribution import Edge
from traceapp.domain.errors import StorageUnavailable
from traceapp.domain.trace import Direction, TraceResult
from traceapp.services.database import open_database
from traceapp.services.demo import build_demo_plant
from traceapp.services.demo.summary import LANDMARKS_META_KEY
from traceapp.services.trace import TraceStart, trace, trace_rows

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "traceapp_bench_trace"
DEFAULT_WORKDIR = Path.home() / ".cache" / "traceapp-bench"
# Which plant a database holds, so a later run reuses it only when size, seed and days match.
PLANT_META_KEY = "bench_trace_plant"


def days_for(size: int) -> int:
    """As benchmarks/demo_plant.py: a longer period for a larger plant."""
    return max(21, min(365, size // 3000))


def _plant_key(size: int, seed: int, days: int) -> str:
    return json.dumps({"lots": size, "seed": seed, "days": days}, sort_keys=True)


def _holds_plant(engine: Engine, key: str) -> bool:
    with UnitOfWork(engine, write=False) as uow:
        repo = Repository(uow.session)
        return repo.meta(PLANT_META_KEY) == key and repo.meta(LANDMARKS_META_KEY) is not None


def _postgres_url(base_url: str, key: str, *, fresh: bool) -> tuple[str, bool]:
    """The bench database's URL, and whether it already holds the plant `key` names."""
    url = make_url(base_url)
    bench = url.set(database=BENCH_DATABASE).render_as_string(hide_password=False)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    if not fresh:
        engine = make_engine(bench)
        try:
            if _holds_plant(engine, key):
                return bench, True
        except (StorageUnavailable, SQLAlchemyError):
            pass  # no such database, or no plant in it: made again below
        finally:
            engine.dispose()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    return bench, False


def _sqlite_url(
    workdir: Path, key: str, size: int, seed: int, days: int, *, fresh: bool
) -> tuple[str, bool]:
    path = workdir / f"trace-plant-{size}-seed{seed}-days{days}.db"
    url = f"sqlite:///{path}"
    if path.exists() and not fresh:
        engine = make_engine(url)
        try:
            if _holds_plant(engine, key):
                return url, True
        except (StorageUnavailable, SQLAlchemyError):
            pass  # an empty or broken file: made again below
        finally:
            engine.dispose()
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return url, False


def prepare_plant(
    backend: str, *, size: int, seed: int, days: int, workdir: Path, pg_url: str, fresh: bool
) -> tuple[Engine, dict[str, Any]]:
    """A database holding the demo plant of this size and seed: reused when it exists, else built."""
    key = _plant_key(size, seed, days)
    if backend == "sqlite":
        url, reused = _sqlite_url(workdir, key, size, seed, days, fresh=fresh)
    else:
        url, reused = _postgres_url(pg_url, key, fresh=fresh)
    # A plant that is reused is read as it was built: migrating it would copy a large SQLite
    # file aside for a schema change the trace tables do not need (its revision is reported).
    engine = make_engine(url) if reused else open_database(url)[0]
    build_seconds = None
    if not reused:
        print(f"  building the {size:,}-lot plant on {backend} ...", file=sys.stderr, flush=True)
        summary = build_demo_plant(engine, seed=seed, lots=size, days=days)
        build_seconds = round(summary.seconds, 1)
        with UnitOfWork(engine) as uow:
            uow.act_as(None, "trace benchmark", reason="which demo plant this database holds")
            Repository(uow.session).set_meta(PLANT_META_KEY, key)
            uow.commit()
        if backend == "postgres":
            # Fresh bulk-loaded tables: give the planner real statistics before timing anything.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
    with UnitOfWork(engine, write=False) as uow:
        landmarks = json.loads(Repository(uow.session).meta(LANDMARKS_META_KEY) or "{}")
        lots = uow.session.scalar(select(func.count()).select_from(Lot))
    return engine, {
        "reused": reused,
        "schema_revision": current_revision(engine),
        "build_seconds": build_seconds,
        "lots": lots,
        "landmarks": landmarks,
    }


# --- walking the genealogy one node at a time: in memory (c) and one query per node (b) ---------


class OutOfTime(Exception):
    """The naive walk used up its time budget for one run."""


class NodeFetch(Protocol):
    """One look-up per visited node and edge kind: a dict read in memory, a SELECT in the naive
    walk. Both walks call exactly the same look-ups, so the memory walk's count is the number of
    queries the naive walk needs in full (used to extrapolate a naive run cut off by its budget).
    Ids are text as the database spells them (`RawId`), as in the service's own reads."""

    def lot(self, lot_id: RawId) -> walk.LotRow | None: ...
    def edges_from(self, lot_id: RawId, *, forward: bool) -> list[Edge[RawId]]: ...
    def contents_of_lot(self, lot_id: RawId) -> list[Content]: ...
    def outer_of(self, container_id: RawId) -> list[Content]: ...
    def contents_of(self, container_id: RawId) -> list[Content]: ...
    def shipped_container(self, container_id: RawId) -> list[Shipped]: ...
    def shipped_loose(self, lot_id: RawId) -> list[Shipped]: ...
    def container(self, container_id: RawId) -> walk.ContainerRow | None: ...
    def container_by_code(self, code: str) -> RawId | None: ...
    def lot_by_name(self, name: str) -> RawId | None: ...


class Content(NamedTuple):
    """A container_contents row (times as the source gives them, compared among themselves)."""

    id: RawId
    container_id: RawId
    lot_id: RawId | None
    child_container_id: RawId | None
    quantity: Decimal | None
    packed_at: Any
    unpacked_at: Any


class Shipped(NamedTuple):
    """A shipment_items row of a live shipment, with the shipment and its customer."""

    fields: tuple[Any, ...]  # the ShipmentLine fields from shipment_id to contact_phone
    moment: Any  # shipped_at as the source gives it, to compare with content times
    container_id: RawId | None
    lot_id: RawId | None
    quantity: Decimal | None


class NodeWalk:
    """The trace's rows (`TraceRows`) found by visiting one node at a time through `fetch`, with
    the semantics of the service's reads in `traceapp.db.trace_walk`."""

    def __init__(self, fetch: NodeFetch) -> None:
        self.fetch = fetch

    def resolve(self, code: str) -> TraceStart:
        """The landmark a benchmark traces: PART/LOT, or a container code with its contents as
        they were when it first shipped (as the service reads a pallet)."""
        lot_id = self.fetch.lot_by_name(code)
        if lot_id is not None:
            return TraceStart({lot_id: None}, code)
        container_id = self.fetch.container_by_code(code)
        if container_id is None:
            raise LookupError(code)
        times = [s.moment for s in self.fetch.shipped_container(container_id)]
        at = min(times) if times else None
        seen: set[tuple[Any, ...]] = set()
        lots: dict[RawId, Decimal | None] = {}
        pending = [container_id]
        while pending:
            for row in self.fetch.contents_of(pending.pop()):
                if at is None:
                    if row.unpacked_at is not None:
                        continue
                elif row.packed_at > at or not (row.unpacked_at is None or row.unpacked_at > at):
                    continue
                key = (row.container_id, row.child_container_id, row.lot_id, row.quantity,
                       row.packed_at)  # fmt: skip
                if key in seen:
                    continue  # UNION in the query merges such rows
                seen.add(key)
                if row.child_container_id is not None:
                    pending.append(row.child_container_id)
                if row.lot_id is not None:
                    lots[row.lot_id] = (lots.get(row.lot_id) or Decimal(0)) + (
                        row.quantity or Decimal(0)
                    )
        return TraceStart(lots, code, container_id)

    def lot_rows(self, ids: Sequence[RawId]) -> list[walk.LotRow]:
        return [row for row in map(self.fetch.lot, ids) if row is not None]

    def genealogy(
        self, start: Sequence[RawId], *, forward: bool
    ) -> tuple[list[Edge[RawId]], list[walk.LotRow]]:
        lots = self.lot_rows(list(dict.fromkeys(start)))
        seen = {row.id for row in lots}
        pending = list(seen)
        edges: list[Edge[RawId]] = []
        while pending:
            node = pending.pop()
            for edge in self.fetch.edges_from(node, forward=forward):
                edges.append(edge)
                other = edge.child if forward else edge.parent
                if other not in seen:
                    seen.add(other)
                    pending.append(other)
                    row = self.fetch.lot(other)
                    if row is not None:
                        lots.append(row)
        return edges, lots

    def held_in_containers(
        self, lot_ids: Sequence[RawId]
    ) -> tuple[list[walk.Stay], list[walk.ContainerRow]]:
        # Rows made with tuple.__new__ and names bound locally, as the service's reads do: the
        # reference is about the look-ups, not about Python's slower ways of making tuples.
        new, stay_type = tuple.__new__, walk.Stay
        contents_of_lot, outer_of = self.fetch.contents_of_lot, self.fetch.outer_of
        stays: list[walk.Stay] = []
        add = stays.append
        for lot_id in lot_ids:
            for row in contents_of_lot(lot_id):
                add(new(stay_type, (row[1], lot_id, row[4], row[5], row[6], len(stays))))
        seen: set[tuple[Any, ...]] = set()
        pending = list(stays)
        while pending:
            container, lot_id, quantity, since, until, origin = pending.pop()
            for outer in outer_of(container):
                packed, unpacked = outer[5], outer[6]
                if until is not None and not packed < until:
                    continue
                if unpacked is not None and not unpacked > since:
                    continue
                start = packed if packed > since else since
                end = (
                    until if unpacked is None
                    else unpacked if until is None or unpacked < until
                    else until
                )  # fmt: skip
                key = (origin, outer[1], start, end)
                if key in seen:
                    continue
                seen.add(key)
                up = new(stay_type, (outer[1], lot_id, quantity, start, end, origin))
                add(up)
                pending.append(up)
        reached = list(dict.fromkeys([stay[0] for stay in stays]))
        return stays, self.containers(reached)

    def shipments_of(
        self, lot_ids: Sequence[RawId], stays: Sequence[walk.Stay]
    ) -> list[walk.ShipmentLine]:
        new, line_type = tuple.__new__, walk.ShipmentLine
        result: list[walk.ShipmentLine] = []
        add = result.append
        shipped_loose, shipped_container = self.fetch.shipped_loose, self.fetch.shipped_container
        for lot_id in lot_ids:
            for item in shipped_loose(lot_id):
                add(new(line_type, (*item.fields, None, lot_id, item.quantity, False)))
        by_container: dict[RawId, list[walk.Stay]] = {}
        for stay in stays:
            theirs = by_container.get(stay[0])
            if theirs is None:
                by_container[stay[0]] = [stay]
            else:
                theirs.append(stay)
        carried: set[tuple[RawId, int]] = set()
        for container_id, theirs in by_container.items():
            for item in shipped_container(container_id):
                moment, fields = item.moment, item.fields
                shipment = fields[0]
                for _, lot_id, quantity, since, until, origin in theirs:
                    if since <= moment and (until is None or moment < until):
                        key = (shipment, origin)
                        repeat = key in carried
                        carried.add(key)
                        add(new(line_type, (*fields, container_id, lot_id, quantity, repeat)))
        return result

    def closure(self, start: Sequence[RawId], *, forward: bool) -> walk.Closure:
        edges, lots = self.genealogy(start, forward=forward)
        return walk.closure_of(lots, edges)

    def prefetch_whereabouts(self, start: Sequence[RawId]) -> None:
        """Nothing: a walk visits one node at a time, in order."""

    def whereabouts(self, lot_ids: Sequence[RawId]) -> Whereabouts:
        stays, containers = self.held_in_containers(lot_ids)
        return from_lines(lot_ids, containers, self.shipments_of(lot_ids, stays))

    def containers(self, ids: Sequence[RawId]) -> list[walk.ContainerRow]:
        return [info for info in map(self.fetch.container, ids) if info is not None]


def _interned(row: Sequence[Any]) -> tuple[Any, ...]:
    """Product and supplier strings repeat on every lot: one copy each keeps a 1M-lot plant small."""
    return tuple(sys.intern(v) if isinstance(v, str) else v for v in row)


def _grouped(pairs: Iterable[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


# The whole plant, read as the service's reads see it: ids and times as the driver returns them.
_PLANT_SQL = {
    "lots": """
        SELECT {id:l.id}, p.part_number, p.name, p.kind, l.lot_code, l.status, l.unit,
               l.initial_quantity, l.on_hand, s.code, s.name, l.supplier_lot_code
        FROM lots l JOIN products p ON p.id = l.product_id
        LEFT JOIN parties s ON s.id = l.supplier_id""",
    "edges": """
        SELECT {id:parent_lot_id}, {id:child_lot_id}, quantity FROM lot_edges
        WHERE voided_by_event_id IS NULL""",
    "contents": """
        SELECT {id:id}, {id:container_id}, {id:lot_id}, {id:child_container_id}, quantity,
               packed_at, unpacked_at
        FROM container_contents""",
    "shipped": """
        SELECT {id:s.id}, {id:s.event_id}, s.shipped_at, s.reference_document,
               c.code, c.name, c.contact_name, c.contact_email, c.contact_phone,
               {id:si.container_id}, {id:si.lot_id}, si.quantity
        FROM shipment_items si JOIN shipments s ON s.id = si.shipment_id
        JOIN parties c ON c.id = s.customer_id
        WHERE s.voided_by_event_id IS NULL""",
    "containers": "SELECT {id:id}, code, kind, status FROM containers",
}


class MemoryFetch:
    """The whole plant in dicts, loaded once before timing: (c), the near-limit reference."""

    def __init__(self, engine: Engine) -> None:
        self.calls = 0
        with UnitOfWork(engine, write=False) as uow:
            reader = walk.TraceReader(uow.session)
            dbapi = uow.session.connection().connection.dbapi_connection
            assert dbapi is not None

            def rows(name: str) -> list[tuple[Any, ...]]:
                cursor = dbapi.cursor()
                cursor.execute(walk._render(_PLANT_SQL[name], reader.dialect))
                return list(cursor.fetchall())

            decimal, instant = reader.decimal, reader.instant
            lots = [
                walk.LotRow._make(
                    (*_interned(row[:7]), decimal(row[7]), decimal(row[8]), *_interned(row[9:]))
                )
                for row in rows("lots")
            ]  # fmt: skip
            self.lots = {row.id: row for row in lots}
            self.names = {f"{row.part_number}/{row.lot_code}": row.id for row in lots}
            live = [Edge(parent, child, decimal(q)) for parent, child, q in rows("edges")]
            self.children: dict[RawId, list[Edge[RawId]]] = {}
            self.parents: dict[RawId, list[Edge[RawId]]] = {}
            for edge in live:
                self.children.setdefault(edge.parent, []).append(edge)
                self.parents.setdefault(edge.child, []).append(edge)
            contents = [
                Content._make((*row[:4], decimal(row[4]), row[5], row[6]))
                for row in rows("contents")
            ]
            self.by_lot = _grouped((c.lot_id, c) for c in contents if c.lot_id)
            self.by_child = _grouped(
                (c.child_container_id, c) for c in contents if c.child_container_id
            )
            self.by_container = _grouped((c.container_id, c) for c in contents)
            shipped = [
                Shipped((*row[:2], instant(row[2]), *row[3:9]), row[2], row[9], row[10],
                        decimal(row[11]))
                for row in rows("shipped")
            ]  # fmt: skip
            self.shipped_by_container = _grouped(
                (s.container_id, s) for s in shipped if s.container_id
            )
            self.shipped_by_lot = _grouped((s.lot_id, s) for s in shipped if s.lot_id)
            infos = [walk.ContainerRow(*row) for row in rows("containers")]
            self.infos = {info.id: info for info in infos}
            self.codes = {info.code: info.id for info in infos}

    def lot(self, lot_id: RawId) -> walk.LotRow | None:
        self.calls += 1
        return self.lots.get(lot_id)

    def edges_from(self, lot_id: RawId, *, forward: bool) -> list[Edge[RawId]]:
        self.calls += 1
        return (self.children if forward else self.parents).get(lot_id, [])

    def contents_of_lot(self, lot_id: RawId) -> list[Content]:
        self.calls += 1
        return self.by_lot.get(lot_id, [])

    def outer_of(self, container_id: RawId) -> list[Content]:
        self.calls += 1
        return self.by_child.get(container_id, [])

    def contents_of(self, container_id: RawId) -> list[Content]:
        self.calls += 1
        return self.by_container.get(container_id, [])

    def shipped_container(self, container_id: RawId) -> list[Shipped]:
        self.calls += 1
        return self.shipped_by_container.get(container_id, [])

    def shipped_loose(self, lot_id: RawId) -> list[Shipped]:
        self.calls += 1
        return self.shipped_by_lot.get(lot_id, [])

    def container(self, container_id: RawId) -> walk.ContainerRow | None:
        self.calls += 1
        return self.infos.get(container_id)

    def container_by_code(self, code: str) -> RawId | None:
        self.calls += 1
        return self.codes.get(code)

    def lot_by_name(self, name: str) -> RawId | None:
        self.calls += 1
        return self.names.get(name)


class OrmFetch:
    """(b): what a straightforward ORM port does — one `select` per visited node and edge kind,
    entities loaded whole, nothing cached between look-ups. Same database, same indexes."""

    def __init__(self, session: Session, deadline: float) -> None:
        self.session = session
        self.deadline = deadline
        self.calls = 0
        self.dialect = session.get_bind().dialect.name

    def _raw(self, value: uuid.UUID | None) -> RawId | None:
        return None if value is None else walk.raw_id(self.dialect, value)

    def _uuid(self, raw: RawId) -> uuid.UUID:
        return walk.as_uuid(raw)

    def _tick(self) -> None:
        self.calls += 1
        if time.perf_counter() > self.deadline:
            raise OutOfTime

    def lot(self, lot_id: RawId) -> walk.LotRow | None:
        self._tick()
        lot = self.session.scalars(select(Lot).where(Lot.id == self._uuid(lot_id))).one_or_none()
        if lot is None:
            return None
        product = self.session.scalars(select(Product).where(Product.id == lot.product_id)).one()
        supplier = (
            self.session.scalars(select(Party).where(Party.id == lot.supplier_id)).one()
            if lot.supplier_id is not None
            else None
        )
        return walk.LotRow(
            lot_id, product.part_number, product.name, product.kind, lot.lot_code, lot.status,
            lot.unit, lot.initial_quantity, lot.on_hand,
            supplier.code if supplier else None, supplier.name if supplier else None,
            lot.supplier_lot_code,
        )  # fmt: skip

    def edges_from(self, lot_id: RawId, *, forward: bool) -> list[Edge[RawId]]:
        self._tick()
        near = LotEdge.parent_lot_id if forward else LotEdge.child_lot_id
        edges = self.session.scalars(
            select(LotEdge).where(near == self._uuid(lot_id), LotEdge.voided_by_event_id.is_(None))
        )
        return [
            Edge(walk.raw_id(self.dialect, e.parent_lot_id),
                 walk.raw_id(self.dialect, e.child_lot_id), e.quantity)
            for e in edges
        ]  # fmt: skip

    def _contents(self, column: Any, value: RawId) -> list[Content]:
        self._tick()
        rows = self.session.scalars(select(ContainerContent).where(column == self._uuid(value)))
        return [
            Content(walk.raw_id(self.dialect, r.id), walk.raw_id(self.dialect, r.container_id),
                    self._raw(r.lot_id), self._raw(r.child_container_id), r.quantity,
                    r.packed_at, r.unpacked_at)
            for r in rows
        ]  # fmt: skip

    def contents_of_lot(self, lot_id: RawId) -> list[Content]:
        return self._contents(ContainerContent.lot_id, lot_id)

    def outer_of(self, container_id: RawId) -> list[Content]:
        return self._contents(ContainerContent.child_container_id, container_id)

    def contents_of(self, container_id: RawId) -> list[Content]:
        return self._contents(ContainerContent.container_id, container_id)

    def _shipped(self, column: Any, value: RawId) -> list[Shipped]:
        self._tick()
        result = []
        items = self.session.scalars(select(ShipmentItem).where(column == self._uuid(value)))
        for item in items.all():
            shipment = self.session.scalars(
                select(Shipment).where(Shipment.id == item.shipment_id)
            ).one()
            if shipment.voided_by_event_id is not None:
                continue
            customer = self.session.scalars(
                select(Party).where(Party.id == shipment.customer_id)
            ).one()
            fields = (
                walk.raw_id(self.dialect, shipment.id),
                walk.raw_id(self.dialect, shipment.event_id), shipment.shipped_at,
                shipment.reference_document, customer.code, customer.name,
                customer.contact_name, customer.contact_email, customer.contact_phone,
            )  # fmt: skip
            result.append(
                Shipped(fields, shipment.shipped_at, self._raw(item.container_id),
                        self._raw(item.lot_id), item.quantity)
            )  # fmt: skip
        return result

    def shipped_container(self, container_id: RawId) -> list[Shipped]:
        return self._shipped(ShipmentItem.container_id, container_id)

    def shipped_loose(self, lot_id: RawId) -> list[Shipped]:
        return self._shipped(ShipmentItem.lot_id, lot_id)

    def container(self, container_id: RawId) -> walk.ContainerRow | None:
        self._tick()
        found = self.session.scalars(
            select(Container).where(Container.id == self._uuid(container_id))
        ).one_or_none()
        return (
            walk.ContainerRow(container_id, found.code, found.kind, found.status)
            if found is not None
            else None
        )

    def container_by_code(self, code: str) -> RawId | None:
        self._tick()
        found = self.session.scalars(select(Container.id).where(Container.code == code)).first()
        return self._raw(found)

    def lot_by_name(self, name: str) -> RawId | None:
        self._tick()
        part, _, lot_code = name.partition("/")
        found = self.session.scalars(
            select(Lot.id)
            .join(Product, Product.id == Lot.product_id)
            .where(Product.part_number == part, Lot.lot_code == lot_code)
        ).first()
        return self._raw(found)


# --- timing ---------------------------------------------------------------------------------


def _stats(runs: Sequence[float], cpu: Sequence[float] = ()) -> dict[str, Any]:
    """Wall-time median, p90 and runs; with `cpu` (this process's CPU time per run), its median
    and runs too: on a shared machine the wall time moves with the load, the CPU time less."""
    ordered = sorted(runs)
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    stats: dict[str, Any] = {
        "median_ms": round(statistics.median(ordered), 2),
        "p90_ms": round(p90, 2),
        "runs_ms": [round(r, 2) for r in runs],
    }
    if cpu:
        stats["cpu_median_ms"] = round(statistics.median(cpu), 2)
        stats["cpu_runs_ms"] = [round(c, 2) for c in cpu]
    return stats


def _comparable(result: TraceResult) -> TraceResult:
    return dataclasses.replace(result, elapsed_ms=0.0)


def _difference(a: TraceResult, b: TraceResult) -> str | None:
    """None when the answers are the same; else the first part that differs."""
    if _comparable(a) == _comparable(b):
        return None
    for name in ("origin", "direction", "start", "unit", "lots", "containers", "shipments",
                 "customers", "suppliers"):  # fmt: skip
        left, right = getattr(a, name), getattr(b, name)
        if left != right:
            if isinstance(left, Sequence) and isinstance(right, Sequence):
                if len(left) != len(right):
                    return f"{name}: {len(left)} vs {len(right)}"
                for x, y in zip(left, right, strict=True):
                    if x != y:
                        return f"{name}: {x} vs {y}"
            return f"{name}: {left!r} vs {right!r}"
    return "unknown"


def _counts(result: TraceResult) -> dict[str, int]:
    return {
        "lots": len(result.lots),
        "containers": len(result.containers),
        "shipments": len(result.shipments),
        "customers": len(result.customers),
        "suppliers": len(result.suppliers),
    }


def _build_all(result: TraceResult) -> None:
    """Make every object of the answer (a `Rows` sequence makes its items when read)."""
    for part in (result.lots, result.containers, result.shipments, result.customers,
                 result.suppliers):  # fmt: skip
        for _ in part:
            pass


class Timings(NamedTuple):
    """Per timed run, in ms: the trace (wall, CPU), and the trace with every object of its
    answer made afterwards (wall, CPU)."""

    wall: list[float]
    cpu: list[float]
    built_wall: list[float]
    built_cpu: list[float]


def _timed(run: Any, repeat: int) -> tuple[Timings, TraceResult]:
    """`run()` repeat + 1 times (the first only warms the caches), each answer then built whole."""
    timings = Timings([], [], [], [])
    result = None
    for index in range(repeat + 1):
        # The previous answer is freed, and the collector's debt paid, before the clock starts:
        # freeing a 10,000-lot answer took ~10 ms, which belongs to no trace being timed.
        result = None
        gc.collect()
        began = time.perf_counter()
        began_cpu = time.process_time()
        result = run(began)
        traced = time.perf_counter(), time.process_time()
        _build_all(result)
        ended = time.perf_counter(), time.process_time()
        if index:
            timings.wall.append((traced[0] - began) * 1000)
            timings.cpu.append((traced[1] - began_cpu) * 1000)
            timings.built_wall.append((ended[0] - began) * 1000)
            timings.built_cpu.append((ended[1] - began_cpu) * 1000)
    assert result is not None
    return timings, result


def time_ours(
    engine: Engine, code: str, direction: Direction, repeat: int
) -> tuple[Timings, TraceResult]:
    """(a): the service as the app calls it, a fresh read transaction per trace. Wall and CPU
    time per run (CPU: this process only, so PostgreSQL's own work is not in it); then the
    same with every object of the answer made."""

    def run(began: float) -> TraceResult:
        with UnitOfWork(engine, write=False) as uow:
            return trace(uow, code=code, direction=direction)

    return _timed(run, repeat)


def time_memory(
    memory: MemoryFetch, code: str, direction: Direction, repeat: int
) -> tuple[Timings, TraceResult, int]:
    """(c): the same assembly and attribution code over the dicts, resolution included."""
    walk = NodeWalk(memory)
    calls = 0

    def run(began: float) -> TraceResult:
        nonlocal calls
        memory.calls = 0
        result = trace_rows(walk, walk.resolve(code), direction, started=began)
        calls = memory.calls
        return result

    timings, result = _timed(run, repeat)
    return timings, result, calls


def time_naive(
    engine: Engine, code: str, direction: Direction, repeat: int, *, budget_s: float, lookups: int
) -> dict[str, Any]:
    """(b): the same assembly over one ORM query per visited node and edge kind. A run that
    outlasts `budget_s` stops there; its full time is extrapolated from the look-ups it managed
    out of the `lookups` the full walk needs (the memory walk counts them)."""
    runs: list[float] = []
    measured: list[bool] = []
    result = None
    for _ in range(repeat):
        began = time.perf_counter()
        with Session(engine) as session:
            fetch = OrmFetch(session, began + budget_s)
            walk = NodeWalk(fetch)
            try:
                result = trace_rows(walk, walk.resolve(code), direction, started=began)
            except OutOfTime:
                elapsed = time.perf_counter() - began
                runs.append(elapsed * 1000 * lookups / max(fetch.calls, 1))
                measured.append(False)
                continue
        runs.append((time.perf_counter() - began) * 1000)
        measured.append(True)
    stats = _stats(runs)
    stats["complete_runs"] = sum(measured)
    stats["extrapolated_runs"] = len(measured) - sum(measured)
    if not all(measured):
        stats["note"] = (
            f"runs cut off after {budget_s:g} s; their time is extrapolated linearly from the "
            f"share of the {lookups} per-node look-ups done (estimate, not a measurement)"
        )
    stats["lookups"] = lookups
    stats["result"] = result
    return stats


TRACES = (
    # (name, landmark key, direction)
    ("forward", "forward_10000", Direction.FORWARD),
    ("backward", "backward_pallet", Direction.BACKWARD),
)


def run_backend(
    backend: str,
    *,
    size: int,
    seed: int,
    days: int,
    workdir: Path,
    pg_url: str,
    fresh: bool,
    repeat: int,
    naive_repeat: int,
    naive_budget_s: float,
) -> dict[str, Any]:
    print(f"{backend}: {size:,}-lot plant", file=sys.stderr, flush=True)
    engine, plant = prepare_plant(
        backend, size=size, seed=seed, days=days, workdir=workdir, pg_url=pg_url, fresh=fresh
    )
    try:
        chosen = [(name, plant["landmarks"][key], key, d) for name, key, d in TRACES]
        # (a) first, while the process holds nothing large: the app never has the plant in memory.
        ours = {}
        for name, code, _, direction in chosen:
            print(f"  (a) {name} trace of {code}", file=sys.stderr, flush=True)
            ours[name] = time_ours(engine, code, direction, repeat)
        began = time.perf_counter()
        memory = MemoryFetch(engine)
        plant["memory_load_seconds"] = round(time.perf_counter() - began, 1)
        # Millions of loaded objects would make every garbage collection pass crawl over them;
        # (c) is about the arithmetic on loaded dicts, so they are set aside from the collector.
        gc.collect()
        gc.freeze()
        reference = {}
        for name, code, _, direction in chosen:
            print(f"  (c) {name} trace of {code}", file=sys.stderr, flush=True)
            reference[name] = time_memory(memory, code, direction, repeat)
        del memory
        gc.unfreeze()
        gc.collect()
        traces = []
        for name, code, landmark, direction in chosen:
            print(f"  (b) {name} trace of {code}", file=sys.stderr, flush=True)
            ours_times, result = ours[name]
            memory_times, memory_result, lookups = reference[name]
            if naive_repeat:
                naive = time_naive(
                    engine, code, direction, naive_repeat, budget_s=naive_budget_s,
                    lookups=lookups,
                )  # fmt: skip
                naive_result = naive.pop("result")
            else:
                naive, naive_result = None, None
            a = _stats(ours_times.wall, ours_times.cpu)
            a_built = _stats(ours_times.built_wall, ours_times.built_cpu)
            b = naive
            c = _stats(memory_times.wall, memory_times.cpu)
            c_built = _stats(memory_times.built_wall, memory_times.built_cpu)
            difference = _difference(result, memory_result)
            naive_difference = _difference(result, naive_result) if naive_result else None
            traces.append(
                {
                    "name": name,
                    "landmark": landmark,
                    "code": code,
                    "direction": direction.value,
                    "counts": _counts(result),
                    "ours": a,
                    "ours_objects_built": a_built,
                    "naive": b,
                    "memory": c,
                    "memory_objects_built": c_built,
                    "ratio_ours_to_naive": (
                        round(a["median_ms"] / b["median_ms"], 4) if b is not None else None
                    ),
                    "ratio_ours_to_memory": round(a["median_ms"] / c["median_ms"], 2),
                    "ratio_ours_to_memory_objects_built": round(
                        a_built["median_ms"] / c_built["median_ms"], 2
                    ),
                    "naive_over_ours": (
                        round(b["median_ms"] / a["median_ms"], 1) if b is not None else None
                    ),
                    "naive_over_ours_objects_built": (
                        round(b["median_ms"] / a_built["median_ms"], 1) if b is not None else None
                    ),
                    "identical_ours_memory": difference is None,
                    "difference_ours_memory": difference,
                    "identical_ours_naive": (
                        naive_difference is None if naive_result is not None else None
                    ),
                    "difference_ours_naive": naive_difference,
                }
            )
            print(
                f"    {_counts(result)['lots']} lots: ours {a['median_ms']} ms "
                f"({a['cpu_median_ms']} ms CPU; objects built {a_built['median_ms']} ms, "
                f"{a_built['cpu_median_ms']} ms CPU), naive "
                f"{b['median_ms'] if b else '-'} ms, memory {c['median_ms']} ms "
                f"({c['cpu_median_ms']} ms CPU; built {c_built['median_ms']} ms), identical "
                f"{difference is None}, load {os.getloadavg()[0]:.2f}",
                file=sys.stderr,
                flush=True,
            )
    finally:
        engine.dispose()
    # The process it was timed in (several backends: one each, `_run_apart`).
    return {"backend": backend, "plant": plant, "traces": traces, "pid": os.getpid()}


TARGET_MEDIAN_MS = 100.0
TARGET_OURS_TO_MEMORY = 3.0
EXPECTED_NAIVE_OVER_OURS = 30.0


def _targets(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Whether each trace met the issue's targets (forward needs >= 10,000 lots to count)."""
    verdicts = {}
    for result in results:
        for item in result["traces"]:
            naive_over = item["naive_over_ours"]
            verdicts[f"{result['backend']}/{item['name']}"] = {
                "median_under_100_ms": item["ours"]["median_ms"] < TARGET_MEDIAN_MS,
                "median_under_100_ms_objects_built": item["ours_objects_built"]["median_ms"]
                < TARGET_MEDIAN_MS,
                "ours_to_memory_at_most_3": item["ratio_ours_to_memory"] <= TARGET_OURS_TO_MEMORY,
                "naive_30x_slower_or_more": (
                    naive_over >= EXPECTED_NAIVE_OVER_OURS if naive_over is not None else None
                ),
                "identical": item["identical_ours_memory"],
                "reaches_10000_lots": item["counts"]["lots"] >= 10_000
                if item["name"] == "forward"
                else None,
            }
    return verdicts


def page_cache_mb() -> int | None:
    """The kernel's page cache (MB): on this VM the host takes it back while idle, so a plant's
    pages are read from disk again and a trace's time varies with it; recorded to explain that."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("Cached:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def _run_here(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    return run_backend(
        backend,
        size=args.lots,
        seed=args.seed,
        days=args.days or days_for(args.lots),
        workdir=args.workdir,
        pg_url=args.pg_url,
        fresh=args.fresh,
        repeat=args.repeat,
        naive_repeat=0 if args.no_naive else min(args.naive_repeat, args.repeat),
        naive_budget_s=args.naive_budget,
    )


def _run_apart(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """`run_backend` for one backend in a fresh interpreter (this script, `--backend-out`)."""
    with tempfile.TemporaryDirectory(prefix="trace-bench-") as scratch:
        out = Path(scratch) / f"{backend}.json"
        command = [
            sys.executable, str(Path(__file__).resolve()), "--backends", backend,
            "--lots", str(args.lots), "--seed", str(args.seed), "--repeat", str(args.repeat),
            "--naive-repeat", str(args.naive_repeat), "--naive-budget", str(args.naive_budget),
            "--workdir", str(args.workdir), "--backend-out", str(out),
            *(["--days", str(args.days)] if args.days else []),
            *(["--no-naive"] if args.no_naive else []),
            *(["--fresh"] if args.fresh else []),
        ]  # fmt: skip
        env = {**os.environ, "TRACEAPP_BENCH_PG_URL": args.pg_url}
        subprocess.run(command, check=True, env=env)
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    cache_at_start = page_cache_mb()
    # Several backends: each in a process of its own. Run one after the other in one process,
    # the second was timed in what the first left behind (the in-memory reference (c) loads
    # the whole plant, gigabytes, which the allocator keeps): a pallet's backward trace on
    # PostgreSQL took 11-12 ms after SQLite's run and 6-7 ms before it, and SQLite's 5.2
    # after PostgreSQL's against 3.9-4.9 before it.
    apart = len(args.backends) > 1
    results = [
        _run_apart(backend, args) if apart else _run_here(backend, args)
        for backend in args.backends
    ]
    return {
        "benchmark": "trace",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "load_at_start": load_at_start,
            "page_cache_mb": {"start": cache_at_start, "end": page_cache_mb()},
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
        },
        "lots": args.lots,
        "seed": args.seed,
        "days": args.days or days_for(args.lots),
        "repeat": args.repeat,
        "naive_repeat": 0 if args.no_naive else min(args.naive_repeat, args.repeat),
        "naive_budget_s": args.naive_budget,
        "legend": {
            "ours": "(a) traceapp.services.trace.trace in a fresh read transaction, as the app "
            "calls it (code resolution included); cpu_* is this process's CPU time "
            "(time.process_time: SQLite's work is in it, PostgreSQL's server is not)",
            "naive": "(b) the same assembly over one ORM select per visited node and edge kind, "
            "same indexes, no caching",
            "memory": "(c) the same assembly and attribution code over the whole plant already "
            "loaded into dicts (the near-limit reference)",
            "objects_built": "ours_objects_built / memory_objects_built: the same runs, timed "
            "until every object of the answer is made (TracedLot, TracedContainer, ... with "
            "their UUIDs and Quantities). The trace itself works out every value of the answer; "
            "its sequences (domain.trace.Rows) make the objects when first read, and the "
            "building is timed here so that the trace figure hides no work",
        },
        "results": results,
        "targets": {
            "median_ms_under": TARGET_MEDIAN_MS,
            "ours_to_memory_at_most": TARGET_OURS_TO_MEMORY,
            "naive_over_ours_expected": EXPECTED_NAIVE_OVER_OURS,
            "met": _targets(results),
        },
        # This process's, or the largest of the processes that ran the backends.
        "peak_rss_mb": round(
            max(
                resource.getrusage(who).ru_maxrss
                for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            )
            / 1024
        ),
    }


def _positive(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lots", type=_positive, default=1_000_000, help="plant size in lots")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite and/or postgres")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=_positive, default=None, help="default: by size")
    parser.add_argument("--repeat", type=_positive, default=7, help="timed runs of (a) and (c)")
    parser.add_argument(
        "--naive-repeat", type=_positive, default=3, help="timed runs of (b), the slow one"
    )
    parser.add_argument(
        "--naive-budget",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="cut a naive run off after this long and extrapolate (labelled as such)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help="where SQLite plants are kept for reuse between runs",
    )
    parser.add_argument(
        "--no-naive", action="store_true", help="skip (b), the slow naive walk (while iterating)"
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the plants even if cached")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    # Internal: run the one backend given and write its result here (see `_run_apart`).
    parser.add_argument("--backend-out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    args.pg_url = os.environ.get("TRACEAPP_BENCH_PG_URL", DEFAULT_PG_URL)
    if args.backend_out is not None:
        if len(args.backends) != 1:
            parser.error("--backend-out takes exactly one backend")
        part = _run_here(args.backends[0], args)
        args.backend_out.write_text(json.dumps(part), encoding="utf-8")
        return part
    report = run(args)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
