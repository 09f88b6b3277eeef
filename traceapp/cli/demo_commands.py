"""`traceapp demo` builds a demo plant; `traceapp gui` opens the desktop window."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Engine

from traceapp.cli.context import Context
from traceapp.cli.output import labelled, print_json, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.engine import masked
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import AlreadyExists, InvalidInput, KnownError
from traceapp.services.database import database_info
from traceapp.services.masterdata import actor_for
from traceapp.services.users import admin_needs_password

DEMO_FILE = "plant.db"
BUILDER_MODULE = "traceapp.services.demo.builder"
GUI_MODULE = "traceapp.app"
# The demo ends with a recall drill of this landmark's supplier lot (about 100 lots reached at
# full size), its FSMA 204 spreadsheet written beside plant.db.
DEMO_RECALL_LANDMARK = "forward_100"
# Tables whose rows mean "someone's plant is in here": only an empty database is built into.
_DATA_TABLES = ("products", "parties", "lots", "events")


class FeatureUnavailable(KnownError):
    """A part of TraceApp this installation lacks (the GUI, the demo builder); not a bug."""

    code = "feature_unavailable"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def register(sub: Subparsers, parsers: Parsers) -> None:
    p = parsers.add(
        sub,
        "demo",
        demo_command,
        help="build a demo plant (products, suppliers, lots, production, shipments)",
        epilog=(
            "With --out DIR the plant goes into a new DIR/plant.db; with --db URL into that\n"
            "(empty) database. Without --headless the window opens on it afterwards.\n"
            "A new database needs no login: the demo sets up its own accounts (one per role)\n"
            "and prints them. A database whose admin already has a password needs an\n"
            "administrator logged in (--user, or $TRACEAPP_USER and $TRACEAPP_PASSWORD)."
        ),
    )
    p.add_argument("--out", metavar="DIR", help="folder for a new plant.db")
    p.add_argument(
        "--fresh", action="store_true", help="replace an existing DIR/plant.db instead of refusing"
    )
    p.add_argument("--headless", action="store_true", help="do not open the window afterwards")
    # Unset sizes are left to the builder, whose defaults make the standard demo plant.
    p.add_argument("--seed", type=int, help="random seed: the same seed, the same plant")
    p.add_argument("--lots", type=_positive, metavar="N", help="about N lots")
    p.add_argument("--days", type=_positive, metavar="N", help="N days of history")
    parsers.add(sub, "gui", gui_command, help="open the desktop window")


def _import_optional(module: str, what: str) -> ModuleType:
    """Import a part that may be missing; a missing part is a clear message, not a traceback."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        # Only the part itself (or its GUI toolkit) being absent is "unavailable"; any other
        # missing import inside it is a bug and keeps its traceback.
        if not (module.startswith(missing) or missing.split(".")[0] in ("PySide6", "pyqtgraph")):
            raise
        raise FeatureUnavailable(
            f"{what} is not available in this installation ({missing} is missing).",
            hint="Install the full TraceApp package, or use the command-line steps.",
        ) from None


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    )


def _run_gui(url: str, station: str | None = None) -> int:
    # Loaded only when a window is wanted, so the command line starts without importing Qt.
    module = _import_optional(GUI_MODULE, "The desktop window")
    run_gui: Callable[..., Any] = module.run_gui
    code = run_gui(url, station=station) if station else run_gui(url)
    return code if isinstance(code, int) else 0


def gui_command(ctx: Context) -> int:
    if not _has_display():
        raise InvalidInput(
            "No display is available for the window.",
            hint="Run it in a desktop session (DISPLAY or WAYLAND_DISPLAY set).",
        )
    return _run_gui(ctx.setting.url, ctx.station)


def _demo_target(ctx: Context) -> tuple[str, Path | None]:
    """The URL to build into, and the plant.db file when --out chose it."""
    args = ctx.args
    if ctx.explicit_db is not None:
        if args.fresh:
            raise InvalidInput(
                "--fresh only replaces the plant.db that --out makes.",
                hint="Empty that database yourself, or use --out DIR instead of --db.",
            )
        return ctx.setting.url, None
    if args.out is None:
        raise InvalidInput(
            "Say where to build the demo plant.",
            hint="Pass --out DIR (a new DIR/plant.db) or --db URL (an empty database).",
        )
    folder = Path(args.out).expanduser()
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"{folder} is a file, not a folder.", hint="Choose a folder for --out.")
    target = (folder / DEMO_FILE).resolve()
    if target.exists() and args.fresh:
        for path in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
            path.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{target}", target


def _demo_recall(
    engine: Engine, figures: dict[str, Any], target: Path | None, actor: Actor | None
) -> dict[str, Any] | None:
    """A recall drill of a demo supplier lot, its spreadsheet and unsigned report PDF beside
    plant.db (--out only)."""
    landmarks = figures.get("landmarks")
    lot = landmarks.get(DEMO_RECALL_LANDMARK) if isinstance(landmarks, dict) else None
    if target is None or not lot:
        return None
    from traceapp.reports.fsma204 import write_xlsx  # openpyxl takes 0.2 s to import
    from traceapp.reports.recall_pdf import render_recall_pdf
    from traceapp.services.recall import (  # not for `traceapp gui`
        quality_of,
        run_recall,
        supplier_lot_of,
    )

    with UnitOfWork(engine, write=False) as uow:
        supplier_lot = supplier_lot_of(uow, lot)
        if supplier_lot is None:
            return None
        result = run_recall(
            uow,
            actor=actor or actor_for(uow),
            reason="demo recall drill",
            supplier_lot=supplier_lot,
        )
        quality = quality_of(uow, result)
    path = target.parent / f"recall-{result.recall_id}.xlsx"
    digest = result.sha256()
    write_xlsx(result, path, sha256=digest)
    pdf = target.parent / f"recall-{result.recall_id}.pdf"
    render_recall_pdf(result, None, pdf, sha256=digest, quality=quality)
    return {
        "recall_id": result.recall_id,
        "supplier_lot": supplier_lot,
        "lots": result.totals.lots,
        "customers": result.totals.customers,
        "drill_ms": result.drill_ms,
        "sha256": digest,
        "xlsx": str(path),
        "pdf": str(pdf),
    }


def demo_command(ctx: Context) -> int:
    args = ctx.args
    url, target = _demo_target(ctx)
    # Fail before touching any database when the builder is not part of this installation.
    builder = _import_optional(BUILDER_MODULE, "The demo plant builder")
    with ctx.database(url) as engine:
        counts = database_info(engine).counts
        held = {name: counts[name] for name in _DATA_TABLES if counts.get(name)}
        if held:
            listed = ", ".join(f"{count} {name}" for name, count in held.items())
            hint = (
                "Choose another --out folder, or pass --fresh to replace it."
                if target is not None
                else "Choose an empty database, or use --out DIR for a new file."
            )
            raise AlreadyExists(f"{masked(url)} already holds data ({listed}).", hint=hint)
        with UnitOfWork(engine, write=False) as uow:
            new_database = admin_needs_password(uow)
        # Accounts with printed passwords go into a configured database only by an
        # administrator's hand.
        options: dict[str, Any] = {} if new_database else {"actor": ctx.login(engine)}
        sizes = {name: getattr(args, name) for name in ("seed", "lots", "days")}
        options.update({name: value for name, value in sizes.items() if value is not None})
        started = time.perf_counter()
        summary = builder.build_demo_plant(engine, **options)
        elapsed = time.perf_counter() - started
        figures: dict[str, Any] = dict(summary.to_json_dict())
        drill = _demo_recall(engine, figures, target, options.get("actor"))
    if ctx.json:
        report = {"database": masked(url), "elapsed_seconds": round(elapsed, 3), "summary": figures}
        if drill is not None:
            report["recall"] = drill
        print_json(report)
    else:
        print(f"Demo plant built in {target or masked(url)}")
        pairs: list[tuple[str, object]] = [
            (str(key).replace("_", " "), value)
            for key, value in figures.items()
            if isinstance(value, int | str) and not isinstance(value, bool)
        ]
        pairs.append(("time", f"{elapsed:.1f} s"))
        print(labelled(pairs, indent="  "))
        people = figures.get("users") or ()
        if people:
            print("Users made for the demo (log in as each to try its role):")
            print(
                table(
                    ["USER", "ROLE", "PASSWORD"], [list(person) for person in people], indent="  "
                )
            )
        if drill is not None:
            print(
                f"Recall drill {drill['recall_id']} of supplier lot {drill['supplier_lot']}: "
                f"{_counted(drill['lots'], 'lot')}, {_counted(drill['customers'], 'customer')}, "
                f"{drill['drill_ms']:.0f} ms"
            )
            print(f"  FSMA 204 spreadsheet: {drill['xlsx']}")
            print(f"  Recall report (not signed): {drill['pdf']}")
    if args.headless or ctx.json:
        return 0
    if not _has_display():
        print("No display found; open it later with: traceapp gui --db " + masked(url))
        return 0
    try:
        return _run_gui(url)
    except FeatureUnavailable as exc:
        print(f"{exc.message} The plant is ready at {masked(url)}.")
        return 0


def _counted(count: int, noun: str) -> str:
    """'1 customer', '5 customers': the demo's summary is read by a person."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
