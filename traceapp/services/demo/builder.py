"""Build the demo plant: master data through the services, the rest as native rows in bulk.

Into a fresh database (no lots, no events yet) the bulk tables are loaded without their
secondary indexes and, on PostgreSQL, their foreign keys; both come back, checked, before the
build returns or fails (`traceapp.db.bulk_schema`). Primary keys, unique and check constraints
and the append-only triggers stay in place throughout.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from typing import Any

from sqlalchemy import Engine, event, select

from traceapp.db.base import Base
from traceapp.db.bulk import TableRows, bulk_insert, native_types
from traceapp.db.bulk_schema import deferred_indexes
from traceapp.db.engine import make_engine
from traceapp.db.models import Event, Location, Lot, Party, Product, User
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import LOCAL_ADMIN_USERNAME, Actor
from traceapp.domain.errors import AlreadyExists
from traceapp.services import masterdata
from traceapp.services.demo import catalog
from traceapp.services.demo.plan import PlantPlan, plan_plant
from traceapp.services.demo.rows import MasterIds, PlantRows
from traceapp.services.demo.sensors import add_demo_sensors
from traceapp.services.demo.summary import LANDMARKS_META_KEY, DemoSummary
from traceapp.services.demo.users import set_up_demo_users

Progress = Callable[[str, int], None]  # (stage, rows written so far in that stage)

# Each row looks up the rows it points at and lands in its table's primary key and unique
# indexes (every index, in a database that is not fresh): with SQLite's default 2 MB page cache
# nearly each insert reads and writes pages back. 1 GB holds the hot part of a 1,000,000-lot
# plant; SQLite takes the memory only as pages are actually used.
BULK_PRAGMAS = ("PRAGMA cache_size=-1000000",)
SENSOR_LANDMARK = "forward_100"  # the lot the demo's recall drill starts from (demo_commands)


def build_demo_plant(
    engine: Engine,
    *,
    seed: int = 7,
    lots: int = 3000,
    days: int = 21,
    start: date | None = None,
    progress: Progress | None = None,
    actor: Actor | None = None,
) -> DemoSummary:
    """Build a whole plant (seeded, so reproducible) into a migrated database and describe it.

    Into a database whose `admin` already has a password, `actor` (a logged-in administrator)
    is required: see `set_up_demo_users`.
    """
    began = time.perf_counter()
    with UnitOfWork(engine, write=False) as uow:
        repo = Repository(uow.session)
        if repo.meta(LANDMARKS_META_KEY) is not None:
            raise AlreadyExists(
                "This database already holds a demo plant.",
                hint="Build the demo into a new, empty database.",
            )
        fresh = repo.count(Lot) == 0 and repo.count(Event) == 0
    if progress is not None:
        progress("plan", 0)
    with _no_cycle_collector():
        return _build(engine, fresh=fresh, seed=seed, lots=lots, days=days, start=start,
                      progress=progress, began=began, actor=actor)  # fmt: skip


@contextmanager
def _no_cycle_collector() -> Iterator[None]:
    """Pause Python's cycle collector while the plan and its rows are made.

    A large plant is millions of long-lived objects (plan) and short-lived tuples (rows), none
    of them in a reference cycle; each full collection walks them all again, which made a third
    of the planning time. Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(
    engine: Engine,
    *,
    fresh: bool,
    seed: int,
    lots: int,
    days: int,
    start: date | None,
    progress: Progress | None,
    began: float,
    actor: Actor | None = None,
) -> DemoSummary:
    plan = plan_plant(seed=seed, lots=lots, days=days, start=start)
    writer = _build_engine(engine, fresh=fresh)
    try:
        if progress is not None:
            progress("master data", 0)
        admin, people = set_up_demo_users(writer, actor)
        master = _write_master_data(writer, plan, admin)
        rows = PlantRows(plan, master, native_types(writer))
        tables = [
            TableRows(Base.metadata.tables[name], columns, make())
            for name, columns, make in rows.tables()
        ]
        # Into empty tables, the indexes are built once at the end (a sort each) instead of
        # row by row, and PostgreSQL checks the foreign keys once per table instead of per row.
        deferring = (
            deferred_indexes(writer, [spec.table.name for spec in tables])
            if fresh
            else nullcontext()
        )
        with deferring:
            written = bulk_insert(writer, tables, sqlite_pragmas=BULK_PRAGMAS, progress=progress)
            if progress is not None:
                progress("indexes", 0)
        if fresh and writer.dialect.name == "postgresql":
            # Statistics for the planner, which otherwise takes the new tables for near empty.
            with writer.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
        landmarks = {name: rows.stock_name(index) for name, index in plan.landmarks.items()}
        landmarks["backward_pallet"] = rows.pallet_code(_backward_pallet(plan))
        # A mixer's temperature with an excursion during a batch of the recall landmark's lot
        add_demo_sensors(writer, landmarks[SENSOR_LANDMARK], seed=seed)
        with UnitOfWork(writer) as uow:
            uow.acting(admin, reason="demo plant built")
            Repository(uow.session).set_meta(
                LANDMARKS_META_KEY, json.dumps(landmarks, sort_keys=True)
            )
            uow.commit()
    finally:
        if writer is not engine:
            writer.dispose()
    return DemoSummary(
        products=len(catalog.RAW_MATERIALS) + len(catalog.RECIPES) + len(catalog.SKUS),
        suppliers=len(plan.suppliers),
        customers=len(plan.customers),
        lots=written["lots"],
        events=written["events"],
        genealogy_edges=written["lot_edges"],
        containers=written["containers"],
        shipments=written["shipments"],
        seconds=time.perf_counter() - began,
        landmarks=landmarks,
        landmark_reach=dict(plan.landmark_reach),
        rows=sum(written.values()),
        users=tuple((p.username, p.role, p.password) for p in people),
    )


def _build_engine(engine: Engine, *, fresh: bool) -> Engine:
    """The engine the build writes through: on a fresh database, one that does not wait for
    the disk at each commit.

    Only for a database that held no lots and no events before the build: if the machine loses
    power mid-build, a SQLite file may be damaged and PostgreSQL may lose the last commits, and
    all that is lost is a demo one reruns. A database with real records is written as every
    other write in the app is (synchronous=FULL, synchronous_commit on).
    """
    if not fresh:
        return engine
    relaxed = make_engine(engine.url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(relaxed, "connect")
        def _no_fsync(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            dbapi_connection.execute("PRAGMA synchronous=OFF")
            # Index builds at the end sort in memory rather than in temporary files.
            dbapi_connection.execute("PRAGMA temp_store=MEMORY")

    else:

        @event.listens_for(relaxed, "connect")
        def _no_commit_wait(dbapi_connection: Any, _record: object) -> None:
            # This session's commits return before the WAL reaches the disk (never lost out
            # of order: a crash loses the last ones, it cannot corrupt anything).
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")
            dbapi_connection.commit()

    return relaxed


def _backward_pallet(plan: PlantPlan) -> int:
    """A shipped pallet, preferably one that took repacked cases (the richer backward trace)."""
    shipped = [p for p in plan.pallets if p.shipment >= 0]
    with_repack = [p for p in shipped if p.incoming]
    return (with_repack or shipped or plan.pallets)[0].index


def _write_master_data(engine: Engine, plan: PlantPlan, admin: Actor) -> MasterIds:
    """Products, parties and locations through the normal services, so their rules apply."""
    item = 0

    def gtin(prefix: str) -> str:
        nonlocal item
        item += 1
        return catalog.gtin13(prefix, item)

    for material in catalog.RAW_MATERIALS:
        with UnitOfWork(engine) as uow:
            masterdata.add_product(
                uow, actor=admin, part_number=material.part, name=material.name, unit=material.unit,
                kind=material.kind, gtin=gtin(catalog.SUPPLIER_PREFIX), company_prefix_length=7,
                shelf_life_days=material.shelf_life_days,
            )  # fmt: skip
    for recipe in catalog.RECIPES:
        with UnitOfWork(engine) as uow:
            masterdata.add_product(
                uow, actor=admin, part_number=recipe.part, name=recipe.name, unit="kg", kind="intermediate",
                shelf_life_days=recipe.shelf_life_days,
            )  # fmt: skip
    for sku in catalog.SKUS:
        with UnitOfWork(engine) as uow:
            masterdata.add_product(
                uow, actor=admin, part_number=sku.part, name=sku.name, unit="ea", kind="finished",
                gtin=gtin(catalog.COMPANY_PREFIX), company_prefix_length=7,
                shelf_life_days=sku.shelf_life_days,
            )  # fmt: skip
    for party in (*plan.suppliers, *plan.customers):
        with UnitOfWork(engine) as uow:
            masterdata.add_party(
                uow, actor=admin, code=party.code, name=party.name, kind=party.kind,
                contact_name=party.contact_name, contact_email=party.contact_email,
                contact_phone=party.contact_phone, address=party.address,
            )  # fmt: skip
    for place in plan.places:
        with UnitOfWork(engine) as uow:
            masterdata.add_location(
                uow,
                actor=admin,
                code=place.code,
                name=place.name,
                kind=place.kind,
                parent=place.parent,
            )
    with UnitOfWork(engine) as uow:
        masterdata.ensure_builtin_users(uow)
    with UnitOfWork(engine, write=False) as uow:
        session = uow.session
        products = {p: i for i, p in session.execute(select(Product.id, Product.part_number))}
        parties = {c: i for i, c in session.execute(select(Party.id, Party.code))}
        places = {c: i for i, c in session.execute(select(Location.id, Location.code))}
        user = session.scalar(select(User.id).where(User.username == LOCAL_ADMIN_USERNAME))
    assert isinstance(user, uuid.UUID)  # ensure_builtin_users made it just above
    return MasterIds(products, parties, places, user)
