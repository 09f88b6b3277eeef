"""Wiring: settings -> engine -> services -> window. The one module that knows every layer."""

from __future__ import annotations

from traceapp.db.engine import masked
from traceapp.services.database import open_database


def run_gui(url: str, *, station: str | None = None) -> int:
    """Open (and migrate) the database, then show the main window until it is closed.

    The window opens on its sign-in screen (or the first administrator's, on a new database).
    """
    engine, _backup = open_database(url)
    # Qt loads only when a window is wanted: the command line starts without it.
    from traceapp.ui.application import (
        application,
        default_settings,
        run_window,
        standard_pages,
        station_for,
    )
    from traceapp.ui.context import StationContext

    application()
    settings = default_settings()
    context = StationContext(
        engine,
        station_code=station_for(station, settings),
        database_label=masked(engine.url),
        shared=engine.dialect.name != "sqlite",
    )
    try:
        return run_window(context, standard_pages(settings), settings)
    finally:
        engine.dispose()
