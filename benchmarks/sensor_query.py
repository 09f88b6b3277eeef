"""The Live monitor's queries, timed through its use cases on SQLite and PostgreSQL: the 10 Hz poll, history spans, an hour raw, a day per minute.

    .venv/bin/python benchmarks/sensor_query.py [--channels 16] [--rate 100] [--minutes 10]
        [--hour-rate 100] [--day-period 1] [--repeat 7] [--backends sqlite,postgres]
        [--out benchmarks/results/sensor_query.json]

Data (seeded simulator, written through `SensorWriter` as the recorder writes it, not timed):
`--channels` channels at `--rate` readings/s for the last `--minutes` (the live window the page
fills when it opens); one channel at `--hour-rate` for the hour before; one channel every
`--day-period` seconds for the day before. Timed (`--repeat` runs, first and median kept):

- poll: `live.poll` of every channel for the last 0.1 s of readings (what the page asks 10 times
  a second), without and with the gaps and alarms of the window (asked every 5th poll);
- open: `live.poll` of every channel from 10 minutes back (the page opening: raw window);
- history_hour_seconds: `live.history` of every channel over an hour (per-second aggregates);
- hour_raw: `readings_between` of one channel for an hour at full resolution (`--hour-rate`);
- hour_raw_arrays: the same hour as numpy arrays through the driver (`readings_arrays`);
- covering_index_experiment: both again with an extra index that holds the value too (made for
  the measurement and dropped after; not in the schema);
- day_minutes: `live.history` of one channel over 24 hours (per-minute aggregates).
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from traceapp.db import sensors as store
from traceapp.db.uow import UnitOfWork
from traceapp.devices.sensors.simulator import Simulator
from traceapp.domain.actor import Actor
from traceapp.domain.sensors import MICROS
from traceapp.services import live
from traceapp.services.database import open_database
from traceapp.services.masterdata import actor_for, ensure_builtin_users

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "sensor_query.json"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "traceapp_bench_sensor_query"
HOUR_US = 3600 * MICROS
DAY_US = 24 * HOUR_US
POLL_US = 100_000  # the page polls every 100 ms


def _write(engine: Engine, simulator: Simulator, start_us: int, end_us: int) -> int:
    writer = store.SensorWriter(engine, default_period_us=10 * MICROS)
    written = 0
    t = start_us
    while t < end_us:
        t = min(t + 60 * MICROS, end_us)
        readings = simulator.advance(t)
        if readings:
            written += writer.write(readings).written
    return written


def _timed(repeat: int, work: Callable[[], int]) -> dict[str, Any]:
    results: list[float] = []
    rows = 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = work()
        results.append(1000 * (time.perf_counter() - started))
    return {
        "rows": rows,
        "first_ms": round(results[0], 2),
        "median_ms": round(statistics.median(results), 2),
    }


def _run(engine: Engine, args: argparse.Namespace) -> dict[str, Any]:
    with UnitOfWork(engine) as uow:
        ensure_builtin_users(uow)
    with UnitOfWork(engine) as uow:
        admin: Actor = actor_for(uow)
    now = time.time_ns() // 1000
    window = int(args.minutes * 60 * MICROS)
    written = {
        "live": _write(
            engine,
            Simulator(channels=args.channels, rate=args.rate, seed=1, site="live",
                      start_us=now - window),
            now - window,
            now,
        ),
        "hour": _write(
            engine,
            Simulator(channels=1, rate=args.hour_rate, seed=2, site="hour",
                      start_us=now - HOUR_US),
            now - HOUR_US,
            now,
        ),
        "day": _write(
            engine,
            Simulator(channels=1, rate=1 / args.day_period, seed=3, site="day",
                      start_us=now - DAY_US),
            now - DAY_US,
            now,
        ),
    }  # fmt: skip
    with UnitOfWork(engine, write=False) as uow:
        channels = live.channels(uow, actor=admin)
    ids = {site: [c.id for c in channels if c.site == site] for site in ("live", "hour", "day")}

    def poll(since: int, with_events: bool) -> int:
        with UnitOfWork(engine, write=False) as uow:
            update = live.poll(
                uow,
                actor=admin,
                since_us=dict.fromkeys(ids["live"], since),
                now_us=now,
                window_us=window,
                with_events=with_events,
            )
        return sum(len(s) for s in update.series)

    def history(channel_ids: list[int], span_us: int) -> int:
        with UnitOfWork(engine, write=False) as uow:
            found = live.history(
                uow, actor=admin, channel_ids=channel_ids, start_us=now - span_us, end_us=now
            )
        return sum(int(s.times.shape[0]) for s in found.series)

    def hour_raw() -> int:
        with engine.connect() as connection:
            return len(store.readings_between(connection, ids["hour"][0], now - HOUR_US, now))

    def hour_raw_arrays() -> int:
        with engine.connect() as connection:
            times, _ = store.readings_arrays(connection, ids["hour"][0], now - HOUR_US, now)
            return int(times.shape[0])

    repeat = args.repeat
    report = {
        "written": written,
        "poll": _timed(repeat, lambda: poll(now - POLL_US, False)),
        "poll_with_events": _timed(repeat, lambda: poll(now - POLL_US, True)),
        "open": _timed(max(3, repeat // 2), lambda: poll(now - window, False)),
        "history_hour_seconds": _timed(repeat, lambda: history(ids["live"], HOUR_US)),
        "hour_raw": _timed(repeat, hour_raw),
        "hour_raw_arrays": _timed(repeat, hour_raw_arrays),
        "day_minutes": _timed(repeat, lambda: history(ids["day"], DAY_US)),
    }
    # Layout experiment, not the shipped schema: an index that holds the value too, so the
    # hour is read from the index alone (no look-up of each row in the table).
    sqlite = engine.dialect.name == "sqlite"
    covering = (
        "CREATE INDEX ix_bench_readings_covering ON sensor_readings (channel_id, time_us, value)"
        if sqlite
        else "CREATE INDEX ix_bench_readings_covering ON sensor_readings (channel_id, time_us) "
        "INCLUDE (value)"
    )
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.exec_driver_sql(covering)
    made_ms = (time.perf_counter() - started) * 1000
    if not sqlite:  # an index-only scan needs the visibility map (autovacuum makes it later)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE sensor_readings")
    report["covering_index_experiment"] = {
        "index": covering,
        "made_ms": round(made_ms, 1),
        "hour_raw": _timed(repeat, hour_raw),
        "hour_raw_arrays": _timed(repeat, hour_raw_arrays),
    }
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_bench_readings_covering")
    return report


def _pg_admin(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--rate", type=float, default=100.0, help="readings/s, live window")
    parser.add_argument("--minutes", type=float, default=10.0, help="the live window")
    parser.add_argument("--hour-rate", type=float, default=100.0, help="readings/s, hour set")
    parser.add_argument("--day-period", type=float, default=1.0, help="seconds apart, day set")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg-database", default=BENCH_DATABASE)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    backends = set(args.backends.split(","))
    pg_url = os.environ.get("TRACEAPP_BENCH_PG_URL", DEFAULT_PG_URL)
    report: dict[str, Any] = {
        "benchmark": "sensor_query",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_1min": round(os.getloadavg()[0], 2),
        },
        "settings": {
            k: getattr(args, k)
            for k in ("channels", "rate", "minutes", "hour_rate", "day_period", "repeat")
        },
    }
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory(dir=args.workdir) as workdir:
            engine, _ = open_database(f"sqlite:///{Path(workdir) / 'query.db'}")
            report["sqlite"] = _run(engine, args)
            engine.dispose()
    if "postgres" in backends:
        with psycopg.connect(_pg_admin(pg_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.pg_database}"')
        try:
            url = make_url(pg_url).set(database=args.pg_database)
            engine, _ = open_database(url.render_as_string(hide_password=False))
            report["postgres"] = _run(engine, args)
            engine.dispose()
        finally:
            with psycopg.connect(_pg_admin(pg_url), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
    report["machine"]["load_1min_after"] = round(os.getloadavg()[0], 2)
    text = json.dumps(report, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
