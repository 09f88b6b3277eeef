"""Time recall drills and their FSMA 204 spreadsheet on the kept 1,000,000-lot plants, read-only.

For each forward landmark lot of the demo plant (forward_100, forward_1000, forward_10000) and
each backend, each part on its own: the drill (run_drill's `drill_ms`: from the request until
the affected set, the customers and the stock on site are ready), the FSMA 204 events and sensor
excursions (gather_details), the canonical JSON and its SHA-256, the XLSX, the CSV and the
recall report PDF, in wall and CPU time. The plants are the ones benchmarks/trace.py keeps (see
DEVELOPERS.md); this script opens them read-only and never builds or migrates them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from traceapp.db.engine import make_engine
from traceapp.db.models import Lot
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.ids import UserId
from traceapp.domain.permissions import Role
from traceapp.reports.fsma204 import write_csv, write_xlsx
from traceapp.reports.recall_pdf import render_recall_pdf
from traceapp.services.demo.summary import LANDMARKS_META_KEY
from traceapp.services.recall import gather_details, quality_of, run_drill

DEFAULT_SQLITE = Path.home() / ".cache" / "traceapp-bench" / "trace-plant-1000000-seed7-days333.db"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/traceapp_bench_trace"
LANDMARKS = ("forward_100", "forward_1000", "forward_10000")
TARGET_DRILL_MS = 1000.0  # issue 9, for 10,000 affected lots
TARGET_XLSX_MS = 5000.0
TARGET_PDF_MS = 3000.0
# Nobody logs in: the drill only reads, as an auditor would.
BENCH_ACTOR = Actor(UserId(uuid.UUID(int=0)), "recall-benchmark", Role.AUDITOR.value)


def open_read_only(backend: str, *, sqlite_path: Path, pg_url: str) -> Engine:
    """The kept plant, opened so that nothing can write into it."""
    if backend == "sqlite":
        if not sqlite_path.exists():
            raise SystemExit(f"no plant at {sqlite_path}: build it with benchmarks/trace.py")
        return make_engine(f"sqlite:///file:{sqlite_path}?mode=ro&uri=true")
    return make_engine(pg_url, connect_args={"options": "-c default_transaction_read_only=on"})


def _median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 1)


_PARTS = ("drill", "events", "quality", "json", "xlsx", "csv", "pdf")


@contextmanager
def _gc_paused(pause: bool) -> Iterator[None]:
    """As the recall page runs the drill and the details (ui/recall_page/work._no_gc_pauses,
    with keep): without cyclic garbage collection, whose full passes over the ~million objects of a
    10,000-lot result cost 0.4-0.7 s of CPU in the details alone (measured at load ~10)."""
    enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.freeze()  # what was built stays out of later collections, as on the page
        if enabled:
            gc.enable()


def time_landmark(
    engine: Engine, name: str, lot: str, repeat: int, folder: Path, *, pause_gc: bool = True
) -> dict[str, Any]:
    runs: dict[str, list[float]] = {f"{k}_ms": [] for k in (*_PARTS, "drill_wall")}
    cpu: dict[str, list[float]] = {f"{k}_cpu_ms": [] for k in _PARTS}
    counts: dict[str, int] = {}

    def timed(part: str, wall: float, process: float) -> None:
        runs[f"{part}_ms"].append((time.perf_counter() - wall) * 1000)
        cpu[f"{part}_cpu_ms"].append((time.process_time() - process) * 1000)

    for _ in range(repeat):
        with UnitOfWork(engine, write=False) as uow, _gc_paused(pause_gc):
            wall, process = time.perf_counter(), time.process_time()
            drill = run_drill(uow, actor=BENCH_ACTOR, reason="benchmark", lots=[lot])
            timed("drill", wall, process)
            runs["drill_wall_ms"].append(runs["drill_ms"].pop())
            runs["drill_ms"].append(drill.drill_ms)
            wall, process = time.perf_counter(), time.process_time()
            result = gather_details(uow, drill)
            timed("events", wall, process)
            wall, process = time.perf_counter(), time.process_time()
            quality = quality_of(uow, result)
            timed("quality", wall, process)
        del drill
        wall, process = time.perf_counter(), time.process_time()
        digest = result.sha256()
        timed("json", wall, process)
        wall, process = time.perf_counter(), time.process_time()
        write_xlsx(result, folder / f"{name}.xlsx", sha256=digest)
        timed("xlsx", wall, process)
        wall, process = time.perf_counter(), time.process_time()
        write_csv(result, folder / f"{name}.csv")
        timed("csv", wall, process)
        wall, process = time.perf_counter(), time.process_time()
        render_recall_pdf(result, None, folder / f"{name}.pdf", sha256=digest, quality=quality)
        timed("pdf", wall, process)
        counts = {
            "lots": result.totals.lots,
            "customers": result.totals.customers,
            "shipments": result.totals.shipments,
            "lots_on_site": result.totals.lots_on_site,
            "fsma_events": len(result.events or ()),
        }
    medians = {f"median_{k}": _median(v) for k, v in (runs | cpu).items()}
    return {
        "name": name,
        "lot": lot,
        "counts": counts,
        **medians,
        # The spreadsheet as a person asks for it: its events gathered, then written.
        "median_spreadsheet_ms": _median(
            [e + x for e, x in zip(runs["events_ms"], runs["xlsx_ms"], strict=True)]
        ),
        "xlsx_bytes": (folder / f"{name}.xlsx").stat().st_size,
        "pdf_bytes": (folder / f"{name}.pdf").stat().st_size,
        "runs": {k: [round(x, 1) for x in v] for k, v in (runs | cpu).items()},
    }


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = open_read_only(backend, sqlite_path=args.sqlite_path, pg_url=args.pg_url)
    try:
        with UnitOfWork(engine, write=False) as uow:
            landmarks = json.loads(Repository(uow.session).meta(LANDMARKS_META_KEY) or "{}")
            lots = uow.session.scalar(select(func.count()).select_from(Lot))
        items = []
        load_before = [round(x, 2) for x in os.getloadavg()]
        with tempfile.TemporaryDirectory() as folder:
            for name in args.landmarks:
                if name not in landmarks:
                    continue
                print(f"  {backend} {name} ...", file=sys.stderr, flush=True)
                items.append(
                    time_landmark(
                        engine,
                        name,
                        landmarks[name],
                        args.repeat,
                        Path(folder),
                        pause_gc=args.gc == "paused",
                    )
                )
        return {
            "backend": backend,
            "plant_lots": lots,
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "recalls": items,
        }
    finally:
        engine.dispose()


def _targets(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    met = {}
    for result in results:
        for item in result["recalls"]:
            if item["counts"]["lots"] >= 10_000:
                met[f"{result['backend']}/{item['name']}"] = {
                    "drill_under_1_s": item["median_drill_ms"] < TARGET_DRILL_MS,
                    "spreadsheet_under_5_s": item["median_spreadsheet_ms"] < TARGET_XLSX_MS,
                    "pdf_under_3_s": item["median_pdf_ms"] < TARGET_PDF_MS,
                }
    return met


def run(args: argparse.Namespace) -> dict[str, Any]:
    results = [run_backend(backend, args) for backend in args.backends]
    return {
        "benchmark": "recall",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
        },
        "repeat": args.repeat,
        "gc_during_drill_and_details": args.gc,
        "legend": {
            "drill_ms": "run_drill's drill_ms: request to affected set, customers and stock on "
            "site (forward and backward traces included); what the page shows first",
            "drill_wall_ms": "run_drill as the caller sees it (drill_ms plus making the result)",
            "events_ms": "gather_details: the FSMA 204 events and sensor excursions of the "
            "affected lots, read after the drill (the page does it in the background)",
            "*_cpu_ms": "the same part in this process's CPU time (time.process_time; the "
            "database server's own CPU is not in it): read it when the machine is loaded",
            "json_ms": "canonical JSON of the result and its SHA-256",
            "xlsx_ms": "write_xlsx alone (given the hash for its summary sheet)",
            "csv_ms": "write_csv alone",
            "quality_ms": "quality_of: the affected lots' inspections and nonconformances, "
            "read for the report",
            "pdf_ms": "render_recall_pdf alone (unsigned, given the hash and the quality records)",
            "spreadsheet_ms": "events_ms + xlsx_ms: what the XLSX target is judged on",
        },
        "results": results,
        "targets": {
            "drill_ms_under": TARGET_DRILL_MS,
            "spreadsheet_ms_under": TARGET_XLSX_MS,
            "pdf_ms_under": TARGET_PDF_MS,
            "met": _targets(results),
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite and/or postgres")
    parser.add_argument("--sqlite-path", type=Path, default=DEFAULT_SQLITE)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--landmarks", default=",".join(LANDMARKS))
    parser.add_argument("--repeat", type=_positive, default=3)
    parser.add_argument(
        "--gc",
        choices=("paused", "on"),
        default="paused",
        help="cyclic garbage collection during run_drill and gather_details: paused as the "
        "recall page does it (default), or on as the command line runs them",
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the other backends' results already in --out (this run's backends are "
        "replaced), e.g. to time one backend at a time",
    )
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.landmarks = [n.strip() for n in args.landmarks.split(",") if n.strip()]
    report = run(args)
    if args.update and args.out is not None and args.out.exists():
        earlier = json.loads(args.out.read_text(encoding="utf-8"))
        kept = [r for r in earlier["results"] if r["backend"] not in args.backends]
        for result in kept:
            # Said in the file: these figures come from an earlier run, on that run's machine load.
            result.setdefault("generated_at", earlier.get("generated_at"))
            result.setdefault("load_average", earlier.get("machine", {}).get("load_average"))
        merged = [*kept, *report["results"]]
        report["results"] = sorted(merged, key=lambda r: r["backend"] != "sqlite")
        report["targets"]["met"] = _targets(report["results"])
    text = json.dumps(report, indent=2)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return report


if __name__ == "__main__":
    main()
