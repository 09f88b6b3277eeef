"""Sensor ingest and query speed through the batch writer, on SQLite and PostgreSQL.

Usage: python benchmarks/sensor_ingest.py [--channels 500] [--rate 100] [--seconds 30]
            [--query-channels 16]
            [--batch-seconds 0.25] [--hour-rate 10] [--day-period 5] [--backends sqlite,postgres]
            [--out benchmarks/results/sensor_ingest.json]

Three data sets, made beforehand by the seeded simulator (making them is the source's cost,
not storage's, and is not timed), each written through `SensorWriter` batch by batch, as the
recorder writes them (raw rows through the bulk path, per-second and per-minute aggregate
upserts, gap and excursion checks, one commit per batch):

1. ingest: `--channels` channels at `--rate` readings/s each for `--seconds` seconds (the
   simulator's blocks, one per channel every 50 ms, as `write_blocks` takes them), in batches
   of `--batch-seconds` of data (what the recorder collects between two writes). Reported:
   readings/s over the whole run (wall and CPU) and per-batch times; the writer keeps up when a
   batch takes less time than it took the data to arrive.
2. hour: `--query-channels` channels at `--hour-rate` readings/s for one hour; then the query for one hour
   of one channel at full resolution.
3. day: the same channels every `--day-period` seconds for 24 hours; then the query for one day
   of one channel from the per-minute aggregates (1,440 rows).
Queries run `--repeat` times on a warm database; the first (cold-ish) and the median are kept.

SQLite: a fresh file opened as the app opens it (WAL, synchronous FULL). PostgreSQL: a fresh
database `traceapp_bench_sensors` (or --pg-database) on $TRACEAPP_BENCH_PG_URL's server,
dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from traceapp.db.sensors import SensorWriter, aggregates_between, readings_between
from traceapp.devices.sensors.simulator import TICK_S, Simulator
from traceapp.domain.sensors import MICROS, ReadingBlock
from traceapp.services.database import open_database

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "benchmarks" / "results" / "sensor_ingest.json"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "traceapp_bench_sensors"
T0 = 1_796_040_000_000_000  # 2026-11-30T12:00:00Z, a minute boundary
TARGET_READINGS_PER_S = 50_000
HOUR_US = 3600 * MICROS
DAY_US = 24 * HOUR_US


def _batches(
    channels: int, rate: float, seconds: float, batch_seconds: float, site: str, seed: int
) -> list[list[ReadingBlock]]:
    """Blocks as the recorder collects them: the simulator's ticks (one block per channel
    every 50 ms) gathered into batches of `batch_seconds`."""
    simulator = Simulator(channels=channels, rate=rate, seed=seed, site=site, start_us=T0)
    step = round(batch_seconds * MICROS)
    tick = min(step, round(TICK_S * MICROS))
    end = T0 + round(seconds * MICROS)
    batches = []
    for t in range(T0, end, step):
        batch: list[ReadingBlock] = []
        for u in range(t, min(t + step, end), tick):
            batch += simulator.advance_blocks(min(u + tick, t + step, end))
        batches.append(batch)
    return batches


def _write(engine: Engine, batches: list[list[ReadingBlock]]) -> dict[str, Any]:
    # As the recorder writes: one kept connection, synchronous=NORMAL on SQLite.
    writer = SensorWriter(engine, keep_connection=True, relaxed_sync=True)
    times: list[float] = []
    total = sum(len(block) for b in batches for block in b)
    wall, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        started = time.perf_counter()
        writer.write_blocks(batch)
        times.append(time.perf_counter() - started)
    writer.close()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    times.sort()
    return {
        "readings": total,
        "batches": len(batches),
        "readings_per_batch": round(total / len(batches)),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "readings_per_s": round(total / wall),
        "readings_per_cpu_s": round(total / cpu) if cpu > 0 else None,
        "batch_ms": {
            "p50": round(1000 * times[len(times) // 2], 2),
            "p99": round(1000 * times[min(len(times) - 1, int(len(times) * 0.99))], 2),
            "max": round(1000 * times[-1], 2),
        },
    }


def _timed(repeat: int, work: Any) -> dict[str, Any]:
    results: list[float] = []
    rows = 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = len(work())
        results.append(1000 * (time.perf_counter() - started))
    return {
        "rows": rows,
        "first_ms": round(results[0], 2),
        "median_ms": round(statistics.median(results), 2),
    }


def _run(
    engine: Engine, args: argparse.Namespace, data: dict[str, list[list[ReadingBlock]]]
) -> Any:
    report: dict[str, Any] = {}
    ingest = _write(engine, data["ingest"])
    arrival_ms = 1000 * args.batch_seconds
    ingest["batch_data_ms"] = arrival_ms
    ingest["keeps_up"] = ingest["batch_ms"]["max"] < arrival_ms
    report["ingest"] = ingest
    report["hour_load"] = _write(engine, data["hour"])
    report["day_load"] = _write(engine, data["day"])
    with engine.connect() as connection:
        # each data set has its own site, so the channel is named by site too
        hour_id = connection.execute(
            text("SELECT id FROM sensor_channels WHERE site = 'hour' AND equipment = 'eq01' "
                 "AND name = 'temp'")
        ).scalar_one()  # fmt: skip
        day_id = connection.execute(
            text("SELECT id FROM sensor_channels WHERE site = 'day' AND equipment = 'eq01' "
                 "AND name = 'temp'")
        ).scalar_one()  # fmt: skip
        report["query_hour_raw"] = _timed(
            args.repeat, lambda: readings_between(connection, hour_id, T0, T0 + HOUR_US)
        )
        report["query_day_minutes"] = _timed(
            args.repeat,
            lambda: aggregates_between(connection, day_id, T0, T0 + DAY_US, width="minute"),
        )
    return report


def _pg_admin(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100.0, help="readings/s per channel")
    parser.add_argument("--query-channels", type=int, default=16, help="hour and day sets")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds of ingest data")
    parser.add_argument("--batch-seconds", type=float, default=0.25)
    parser.add_argument("--hour-rate", type=float, default=10.0, help="readings/s, hour set")
    parser.add_argument("--day-period", type=float, default=5.0, help="seconds apart, day set")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--pg-database", default=BENCH_DATABASE, help="made afresh on the server and dropped after"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - {"sqlite", "postgres"}:
        parser.error("backends are sqlite and/or postgres")
    pg_url = os.environ.get("TRACEAPP_BENCH_PG_URL", DEFAULT_PG_URL)

    made = time.perf_counter()
    data = {
        "ingest": _batches(args.channels, args.rate, args.seconds, args.batch_seconds, "ingest", args.seed),
        "hour": _batches(args.query_channels, args.hour_rate, 3600, 60, "hour", args.seed),
        "day": _batches(args.query_channels, 1 / args.day_period, 86_400, 600, "day", args.seed),
    }  # fmt: skip
    made = time.perf_counter() - made

    report: dict[str, Any] = {
        "benchmark": "sensor_ingest",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_1min": round(os.getloadavg()[0], 2),
        },
        "settings": {
            k: getattr(args, k)
            for k in (
                "channels",
                "rate",
                "query_channels",
                "seconds",
                "batch_seconds",
                "hour_rate",
                "day_period",
                "repeat",
                "seed",
            )
        },
        "data_made_s": round(made, 2),
        "target_readings_per_s": TARGET_READINGS_PER_S,
    }
    with tempfile.TemporaryDirectory(dir=args.workdir) as workdir:
        if "sqlite" in backends:
            engine, _ = open_database(f"sqlite:///{Path(workdir) / 'sensors.db'}")
            with engine.connect() as connection:
                sync = connection.exec_driver_sql("PRAGMA synchronous").scalar()
                journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            report["sqlite"] = {
                "synchronous": sync,  # the app's connections (2: FULL)
                "synchronous_writer": 1,  # NORMAL: the writer's connection, as the recorder's
                "journal_mode": journal,
                **_run(engine, args, data),
            }
            engine.dispose()
    if "postgres" in backends:
        with psycopg.connect(_pg_admin(pg_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.pg_database}"')
        try:
            url = (
                make_url(pg_url)
                .set(database=args.pg_database)
                .render_as_string(hide_password=False)
            )
            engine, _ = open_database(url)
            report["postgres"] = _run(engine, args, data)
            engine.dispose()
        finally:
            with psycopg.connect(_pg_admin(pg_url), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
    if "sqlite" in report:
        rate = report["sqlite"]["ingest"]["readings_per_s"]
        report["target_met_sqlite"] = rate >= TARGET_READINGS_PER_S
    text_out = json.dumps(report, indent=2)
    print(text_out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text_out + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
