"""Wiring: settings -> engine -> services -> window. The one module that knows every layer."""

from __future__ import annotations

from traceapp.db.engine import masked
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import LOCAL_ADMIN_USERNAME
from traceapp.domain.results import LotDetail, LotSummary
from traceapp.services import lots as lot_queries
from traceapp.services.database import open_database

LIST_LIMIT = 500


def run_gui(url: str) -> int:
    """Open (and migrate) the database, then show the main window until it is closed."""
    engine, _backup = open_database(url)

    def list_lots(text: str, status: str | None) -> tuple[LotSummary, ...]:
        with UnitOfWork(engine, write=False) as uow:
            return lot_queries.list_lots(uow, text=text or None, status=status, limit=LIST_LIMIT)

    def load_detail(code: str) -> LotDetail:
        with UnitOfWork(engine, write=False) as uow:
            return lot_queries.lot_detail(uow, code)

    from traceapp.ui.application import run_window  # Qt loads only when a window is wanted

    kind = "local" if engine.dialect.name == "sqlite" else "shared"
    try:
        return run_window(
            list_lots=list_lots,
            load_detail=load_detail,
            database_label=f"{kind} — {masked(engine.url)}",
            user=LOCAL_ADMIN_USERNAME,
        )
    finally:
        engine.dispose()
