"""Time the demo-plant generator on SQLite and PostgreSQL and print the figures as JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from traceapp.db.engine import masked
from traceapp.db.models import Lot, LotEdge, Product
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.services.database import open_database
from traceapp.services.demo import build_demo_plant

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "traceapp_bench_demo"
# Where benchmarks/trace.py looks for a plant it can reuse (its DEFAULT_WORKDIR, BENCH_DATABASE,
# PLANT_META_KEY and _plant_key; the smoke test checks that trace.py does reuse a kept plant).
TRACE_WORKDIR = Path.home() / ".cache" / "traceapp-bench"
TRACE_DATABASE = "traceapp_bench_trace"
TRACE_META_KEY = "bench_trace_plant"
IN_CHUNK = 1000  # ids per IN (...) list when walking the genealogy


def fresh_postgres_url(base_url: str, name: str = BENCH_DATABASE) -> str:
    """A new, empty database next to the one in `base_url` (which is left untouched)."""
    url = make_url(base_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def trace_sqlite_path(workdir: Path, size: int, seed: int, days: int) -> Path:
    """The file benchmarks/trace.py reuses for this plant."""
    return workdir / f"trace-plant-{size}-seed{seed}-days{days}.db"


def _sqlite_file(path: Path) -> str:
    """A URL for a new SQLite file at `path` (an old one and its WAL are removed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def keep_for_trace(engine: Engine, *, size: int, seed: int, days: int) -> float:
    """Mark the plant as benchmarks/trace.py marks the plants it builds, so it reuses this one;
    on PostgreSQL also VACUUM ANALYZE it as trace.py does after a build. Returns the seconds
    that took (not part of the build's time)."""
    began = time.perf_counter()
    key = json.dumps({"lots": size, "seed": seed, "days": days}, sort_keys=True)
    with UnitOfWork(engine) as uow:
        uow.act_as(None, "trace benchmark", reason="which demo plant this database holds")
        Repository(uow.session).set_meta(TRACE_META_KEY, key)
        uow.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    return time.perf_counter() - began


def forward_reach(engine: Engine, name: str) -> int:
    """Lots downstream of PART/LOTCODE, walked level by level over lot_edges (a plain BFS)."""
    part, _, code = name.partition("/")
    with engine.connect() as connection:
        start = connection.scalar(
            select(Lot.id)
            .join(Product, Product.id == Lot.product_id)
            .where(Product.part_number == part, Lot.lot_code == code)
        )
        if start is None:
            return -1
        seen: set[uuid.UUID] = set()
        frontier = [start]
        while frontier:
            found: set[uuid.UUID] = set()
            for at in range(0, len(frontier), IN_CHUNK):
                chunk = frontier[at : at + IN_CHUNK]
                found.update(
                    connection.scalars(
                        select(LotEdge.child_lot_id).where(LotEdge.parent_lot_id.in_(chunk))
                    )
                )
            frontier = sorted(found - seen)
            seen.update(found)
    return len(seen)


def run_one(
    size: int, backend: str, *, days: int, seed: int, pg_url: str, keep: Path | None = None
) -> dict[str, Any]:
    """Build one plant and check its landmarks; `keep`: leave it where trace.py reuses it."""
    kept: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="traceapp-bench-") as folder:
        if backend == "sqlite":
            path = Path(folder) / "demo.db"
            if keep is not None:
                path = trace_sqlite_path(keep, size, seed, days)
                kept = {"kept_at": str(path)}
            url = _sqlite_file(path)
        else:
            url = fresh_postgres_url(pg_url, BENCH_DATABASE if keep is None else TRACE_DATABASE)
            if keep is not None:
                kept = {"kept_at": masked(url)}
        engine, _ = open_database(url)
        stages = StageClock()
        try:
            summary = build_demo_plant(engine, seed=seed, lots=size, days=days, progress=stages)
            stages.end()
            reach = {
                name: forward_reach(engine, lot)
                for name, lot in summary.landmarks.items()
                if name.startswith("forward_")
            }
            if keep is not None:
                kept["keep_seconds"] = round(
                    keep_for_trace(engine, size=size, seed=seed, days=days), 1
                )
        finally:
            engine.dispose()
    return {
        "size": size,
        "backend": backend,
        "days": days,
        "seed": seed,
        "seconds": round(summary.seconds, 2),
        "lots": summary.lots,
        "events": summary.events,
        "edges": summary.genealogy_edges,
        "containers": summary.containers,
        "shipments": summary.shipments,
        "customers": summary.customers,
        "rows": summary.rows,
        "rows_per_s": round(summary.rows / summary.seconds),
        "phases_s": stages.phases(),
        "landmarks": summary.landmarks,
        "landmark_reach": reach,
        "landmark_reach_planned": summary.landmark_reach,
        # Peak resident memory of this process so far (it includes any earlier, smaller run).
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        # The machine is shared: the load average (1, 5, 15 min) as the run ended.
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **kept,
    }


class StageClock:
    """The builder's progress callback: when each stage first showed, for the time per phase."""

    def __init__(self) -> None:
        self.began = time.perf_counter()
        self.seen: dict[str, float] = {}

    def __call__(self, stage: str, _rows: int) -> None:
        self.seen.setdefault(stage, time.perf_counter())

    def end(self) -> None:
        self.seen.setdefault("end", time.perf_counter())

    def phases(self) -> dict[str, float]:
        """plan (in memory), master data (through the services), load (every bulk table),
        indexes (put back, foreign keys checked, statistics: whatever follows the load)."""
        marks = self.seen
        first_table = min(
            (
                at
                for name, at in marks.items()
                if name not in ("plan", "master data", "indexes", "end")
            ),
            default=None,
        )
        if first_table is None or "indexes" not in marks or "end" not in marks:
            return {}
        return {
            "plan": round(marks["master data"] - marks["plan"], 1),
            "master_data": round(first_table - marks["master data"], 1),
            "load": round(marks["indexes"] - first_table, 1),
            "indexes": round(marks["end"] - marks["indexes"], 1),
        }


def days_for(size: int) -> int:
    """A longer period for a larger plant, so a day's output stays within reason."""
    return max(21, min(365, size // 3000))


def run(
    sizes: Sequence[int],
    backends: Sequence[str],
    *,
    seed: int,
    pg_url: str,
    days: int | None,
    keep: Path | None = None,
) -> dict[str, Any]:
    results = []
    for size in sizes:
        for backend in backends:
            print(f"demo plant: {size:,} lots on {backend} ...", file=sys.stderr, flush=True)
            result = run_one(
                size, backend, days=days or days_for(size), seed=seed, pg_url=pg_url, keep=keep
            )
            print(f"  {result['seconds']} s", file=sys.stderr, flush=True)
            results.append(result)
    return report(results)


def report(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON report of some runs: machine, results, PostgreSQL/SQLite time ratio per size."""
    sizes = sorted({r["size"] for r in results})
    ratios = {}
    for size in sizes:
        by_backend = {r["backend"]: r["seconds"] for r in results if r["size"] == size}
        if "sqlite" in by_backend and "postgres" in by_backend and by_backend["sqlite"]:
            ratios[str(size)] = round(by_backend["postgres"] / by_backend["sqlite"], 2)
    return {
        "benchmark": "demo_plant",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "note": "2 cores shared with other processes; each result has the load average "
            "as it ended",
        },
        "results": results,
        "ratio_postgres_to_sqlite": ratios,
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000", help="lot counts, comma-separated")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite and/or postgres")
    parser.add_argument(
        "--days", type=int, default=None, help="days of production (default: by size)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    parser.add_argument(
        "--keep-for-trace",
        type=Path,
        nargs="?",
        const=TRACE_WORKDIR,
        default=None,
        metavar="DIR",
        help="leave each plant where benchmarks/trace.py reuses it: SQLite in DIR (default "
        f"{TRACE_WORKDIR}), PostgreSQL in database {TRACE_DATABASE} (one plant per backend: "
        "a later size replaces it)",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the other results already in --out (runs of the same size and backend are "
        "replaced), e.g. to time one backend at a time",
    )
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    pg_url = os.environ.get("TRACEAPP_BENCH_PG_URL", DEFAULT_PG_URL)
    data = run(
        sizes, backends, seed=args.seed, pg_url=pg_url, days=args.days, keep=args.keep_for_trace
    )
    if args.update and args.out is not None and args.out.exists():
        fresh = {(r["size"], r["backend"]) for r in data["results"]}
        kept = [
            r
            for r in json.loads(args.out.read_text(encoding="utf-8"))["results"]
            if (r["size"], r["backend"]) not in fresh
        ]
        merged = [*kept, *data["results"]]
        data = report(sorted(merged, key=lambda r: (r["size"], r["backend"] != "sqlite")))
    text = json.dumps(data, indent=2, sort_keys=False)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return data


if __name__ == "__main__":
    main()
