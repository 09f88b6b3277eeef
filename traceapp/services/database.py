"""Open a database ready for use (migrated, built-in users present) and describe it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError, ProgrammingError

from traceapp.db import migrate
from traceapp.db.engine import make_engine, masked
from traceapp.db.models import Container, Event, Lot, LotEdge, Party, Product, Shipment
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import StorageError, StorageUnavailable
from traceapp.domain.results import DatabaseInfo
from traceapp.services.masterdata import ensure_builtin_users


def open_database(url: str, *, upgrade: bool = True) -> tuple[Engine, Path | None]:
    """An engine on `url`, migrated to the newest schema; returns the SQLite backup made, if any."""
    engine = make_engine(url)
    try:
        backup = migrate.upgrade(engine) if upgrade else None
        if upgrade:
            with UnitOfWork(engine) as uow:
                ensure_builtin_users(uow)
    except OperationalError as exc:
        engine.dispose()
        raise StorageUnavailable(
            f"The database {masked(url)} cannot be opened: {exc.orig}",
            hint="Check the path or the server address, and that the server is running.",
        ) from exc
    except ProgrammingError as exc:
        # On a plant server this is a login without the station's rights, not a bug of ours.
        engine.dispose()
        raise StorageError(
            f"The database {masked(url)} refused this login: {exc.orig}",
            hint="Ask the plant's IT to grant the station rights (docs/plant_server.md).",
        ) from exc
    return engine, backup


def database_info(engine: Engine) -> DatabaseInfo:
    counts: dict[str, int] = {}
    revision = migrate.current_revision(engine)
    if revision is not None:
        with UnitOfWork(engine, write=False) as uow:
            repo = Repository(uow.session)
            for label, model in (
                ("products", Product),
                ("parties", Party),
                ("lots", Lot),
                ("events", Event),
                ("genealogy_edges", LotEdge),
                ("containers", Container),
                ("shipments", Shipment),
            ):
                counts[label] = repo.count(model)
    return DatabaseInfo(
        url=masked(engine.url),
        dialect=engine.dialect.name,
        revision=revision,
        head=migrate.head_revision(),
        counts=counts,
    )


def has_schema(engine: Engine) -> bool:
    return "alembic_version" in inspect(engine).get_table_names()
