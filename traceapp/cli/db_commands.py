"""`traceapp db upgrade` and `traceapp db info`: migrate the database and describe it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from traceapp.cli.context import Context
from traceapp.cli.output import labelled, print_json, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.engine import masked, parse_url
from traceapp.db.migrate import head_revision
from traceapp.services.database import database_info, open_database


def register(sub: Subparsers, parsers: Parsers) -> None:
    group = parsers.add(sub, "db", None, help="migrate or describe the database")
    db_sub = group.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    parsers.add(
        db_sub,
        "upgrade",
        upgrade,
        help="bring the database to the newest schema (a SQLite file is copied aside first)",
    )
    parsers.add(
        db_sub,
        "info",
        info,
        help="show which database is used, where that came from, its schema revision and counts",
    )


def upgrade(ctx: Context) -> int:
    url = ctx.setting.url
    engine, backup = open_database(url)
    try:
        described = database_info(engine)
    finally:
        engine.dispose()
    result = {
        "url": described.url,
        "source": ctx.setting.source.value,
        "revision": described.revision,
        "head": described.head,
        "backup": str(backup) if backup else None,
    }
    if ctx.json:
        print_json(result)
        return 0
    print(f"Database {described.url} is at schema revision {described.revision} (the newest).")
    print(f"Backup of the old file: {backup}" if backup else "No backup was needed.")
    return 0


def _missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file a URL names when it does not exist yet (so `info` does not create it)."""
    parsed = parse_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        return None
    path = Path(database)
    return None if path.exists() else path


def info(ctx: Context) -> int:
    setting = ctx.setting
    missing = _missing_sqlite_file(setting.url)
    result: dict[str, Any] = {
        "url": masked(setting.url),
        "source": setting.source.value,
        "source_detail": setting.describe(),
        "exists": missing is None,
    }
    if missing is not None:
        result.update(dialect="sqlite", revision=None, head=head_revision(), counts={})
    else:
        engine, _ = open_database(setting.url, upgrade=False)
        try:
            described = database_info(engine)
        finally:
            engine.dispose()
        result.update(
            dialect=described.dialect,
            revision=described.revision,
            head=described.head,
            counts=described.counts,
        )
    result["up_to_date"] = result["revision"] == result["head"]
    if ctx.json:
        print_json(result)
        return 0
    if result["revision"] is None:
        state = "no schema yet; `traceapp db upgrade` creates it"
    elif result["up_to_date"]:
        state = "up to date"
    else:
        state = f"the newest is {result['head']}; run `traceapp db upgrade`"
    print(
        labelled(
            [
                ("URL", result["url"]),
                ("Source", setting.describe()),
                ("Dialect", result["dialect"]),
                ("Schema", f"{result['revision'] or 'none'} ({state})"),
            ]
        )
    )
    if missing is not None:
        print(f"The file {missing} does not exist yet.")
    if result["counts"]:
        print()
        print(table(["RECORDS", "COUNT"], sorted(result["counts"].items())))
    return 0
