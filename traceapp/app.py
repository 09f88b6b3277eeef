"""Wiring: settings -> engine -> services -> window. The one module that knows every layer."""

from __future__ import annotations

import gc
from datetime import timedelta

from sqlalchemy import Engine

from traceapp.config import (
    config_dir,
    connection_settings,
    first_start_needed,
    load_settings,
    settings_path,
    url_with_saved_password,
)
from traceapp.db.engine import make_engine, masked, parse_url
from traceapp.db.outbox import OUTBOX_FILE
from traceapp.domain.errors import InvalidInput, StorageUnavailable
from traceapp.services.connection import LOGIN_PROBLEMS, explain
from traceapp.services.database import open_database
from traceapp.services.offline_signin import DEFAULT_MAX_AGE, can_start_offline

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


def offline_sign_in_age_from_settings_file() -> timedelta:
    """`[workstation] offline_sign_in_days` of the settings file (default 7; 0 = never): how
    long after someone's last sign-in on the server a shared-mode station lets them in offline."""
    path = settings_path()
    section = load_settings(path).get(WORKSTATION_SECTION)
    if not isinstance(section, dict) or "offline_sign_in_days" not in section:
        return DEFAULT_MAX_AGE
    days = section["offline_sign_in_days"]
    if isinstance(days, bool) or not isinstance(days, int | float) or days < 0:
        raise InvalidInput(
            f"In the settings file {path}, [workstation] offline_sign_in_days must be a number "
            "of days (0 or more).",
            hint="Write e.g. offline_sign_in_days = 7, or 0 to need the server at every sign-in.",
        )
    return timedelta(days=days)


def _offline_engine(url: str) -> Engine | None:
    """Shared mode with the server out of reach: start on the station's copy (the outbox file
    holds the master data and someone who signed in here), without migrating; else None."""
    if parse_url(url).get_backend_name() != "postgresql":
        return None
    if not can_start_offline(config_dir() / OUTBOX_FILE):
        return None
    return make_engine(url)


def _collect_widgets() -> None:
    """Free a closed dialog's widgets now, on the GUI thread. Left in a reference cycle for the
    garbage collector, they would be freed whenever a collection runs next: possibly inside a
    worker thread, and Qt widgets deleted off the GUI thread corrupt memory (a crash seen in
    the tests before this)."""
    gc.collect()


def _open_station_database(url: str) -> Engine | None:
    """The database to work on: the first start's choice on a PC without one; a saved server
    password from the keyring; and the connection dialog when the server refuses (no password
    saved on a PC without a keyring: it is asked for here, for this session only)."""
    if first_start_needed(url):
        from traceapp.ui.application import application
        from traceapp.ui.first_start import choose_database

        application()
        chosen = choose_database()
        _collect_widgets()
        if chosen is None:
            return None
        url = chosen
    url = url_with_saved_password(url)
    while True:
        try:
            engine, _backup = open_database(url)
        except StorageUnavailable as exc:
            # Only a login problem is asked about here; a server that is down is not a
            # question for the person at the station (shared mode may go on offline).
            settings = connection_settings()
            failure = explain(url, getattr(exc.__cause__, "orig", None))
            if failure.reason not in LOGIN_PROBLEMS:
                offline = _offline_engine(url)
                if offline is None:
                    raise
                return offline
            if settings is None or settings.mode != "shared":
                raise
            from traceapp.ui.application import application
            from traceapp.ui.connection_dialog import ConnectionDialog
            from traceapp.ui.messages import error_text

            application()
            dialog = ConnectionDialog(problem=error_text(failure, ""))
            dialog.password.setFocus()
            answered = dialog.url if dialog.exec() else None
            del dialog
            _collect_widgets()
            if answered is None:
                return None
            url = url_with_saved_password(answered)
            continue
        return engine


def run_gui(url: str, *, station: str | None = None) -> int:
    """Open (and migrate) the database, then show the main window until it is closed.

    The window opens on its sign-in screen (or the first administrator's, on a new database).
    """
    idle_timeout_ms = idle_lock_from_settings_file()
    opened = _open_station_database(url)
    if opened is None:
        return 0  # closed at the first start or at the connection dialog: nothing to show
    engine = opened
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
    sync = (
        StationSync.for_engine(engine, offline_sign_in_age=offline_sign_in_age_from_settings_file())
        if engine.dialect.name == "postgresql"
        else None
    )
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
