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
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from traceapp.db.models import Lot, LotEdge, Product
from traceapp.services.database import open_database
from traceapp.services.demo import build_demo_plant

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "traceapp_bench_demo"
IN_CHUNK = 1000  # ids per IN (...) list when walking the genealogy


def fresh_postgres_url(base_url: str) -> str:
    """A new, empty database next to the one in `base_url` (which is left untouched)."""
    url = make_url(base_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    return url.set(database=BENCH_DATABASE).render_as_string(hide_password=False)


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


def run_one(size: int, backend: str, *, days: int, seed: int, pg_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="traceapp-bench-") as folder:
        url = (
            f"sqlite:///{Path(folder) / 'demo.db'}"
            if backend == "sqlite"
            else fresh_postgres_url(pg_url)
        )
        engine, _ = open_database(url)
        try:
            summary = build_demo_plant(engine, seed=seed, lots=size, days=days)
            reach = {
                name: forward_reach(engine, lot)
                for name, lot in summary.landmarks.items()
                if name.startswith("forward_")
            }
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
        "landmarks": summary.landmarks,
        "landmark_reach": reach,
        "landmark_reach_planned": summary.landmark_reach,
        # Peak resident memory of this process so far (it includes any earlier, smaller run).
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def days_for(size: int) -> int:
    """A longer period for a larger plant, so a day's output stays within reason."""
    return max(21, min(365, size // 3000))


def run(
    sizes: Sequence[int], backends: Sequence[str], *, seed: int, pg_url: str, days: int | None
) -> dict[str, Any]:
    results = []
    for size in sizes:
        for backend in backends:
            print(f"demo plant: {size:,} lots on {backend} ...", file=sys.stderr, flush=True)
            result = run_one(size, backend, days=days or days_for(size), seed=seed, pg_url=pg_url)
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
    data = run(sizes, backends, seed=args.seed, pg_url=pg_url, days=args.days)
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
