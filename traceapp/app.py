"""Wiring: settings -> engine -> services -> window. The one module that knows every layer."""

from __future__ import annotations

from traceapp.config import load_settings, settings_path
from traceapp.db.engine import masked
from traceapp.domain.errors import InvalidInput
from traceapp.services.database import open_database

WORKSTATION_SECTION = "workstation"  # settings.toml: [workstation] idle_lock_minutes = 10


def idle_lock_from_settings_file() -> int | None:
    """`[workstation] idle_lock_minutes` of the settings file in ms (0 = never), or None when
    the file does not set it (the window then uses its QSettings value, default 5 minutes)."""
    path = settings_path()
    section = load_settings(path).get(WORKSTATION_SECTION)
    if not isinstance(section, dict) or "idle_lock_minutes" not in section:
        return None
    minutes = section["idle_lock_minutes"]
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes < 0:
        raise InvalidInput(
            f"In the settings file {path}, [workstation] idle_lock_minutes must be a number of "
            "minutes (0 or more).",
            hint="Write e.g. idle_lock_minutes = 10, or 0 to never lock by itself.",
        )
    return int(minutes * 60_000)


def run_gui(url: str, *, station: str | None = None) -> int:
    """Open (and migrate) the database, then show the main window until it is closed.

    The window opens on its sign-in screen (or the first administrator's, on a new database).
    """
    idle_timeout_ms = idle_lock_from_settings_file()
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
    from traceapp.ui.station_sync import StationSync

    application()
    settings = default_settings()
    # Shared mode: steps go through the station's own outbox (store and forward).
    sync = StationSync.for_engine(engine) if engine.dialect.name == "postgresql" else None
    context = StationContext(
        engine,
        station_code=station_for(station, settings),
        database_label=masked(engine.url),
        shared=engine.dialect.name != "sqlite",
        sync=sync,
    )
    if sync is not None:
        sync.start()
    try:
        return run_window(
            context, standard_pages(settings), settings, idle_timeout_ms=idle_timeout_ms
        )
    finally:
        if sync is not None:
            sync.close()
        engine.dispose()
