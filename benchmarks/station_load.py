"""Many workstations scanning at once: acknowledge latency, throughput, lost and duplicate scans.

Usage: python benchmarks/station_load.py [--stations 8] [--rate 10] [--seconds 60]
            [--backends postgres,postgres-ack-outbox,sqlite] [--wait 1.5]
            [--pg-database traceapp_bench_station]
            [--out benchmarks/results/station_load.json]

`--stations` workstations, each its own process, confirm `--rate` steps a second for `--seconds`
seconds (receipts of new lots, every fourth step also a move of the lot before), paced to the
clock (a station that fell behind goes on at once, as an operator with a queue does; it cannot
confirm the next step before the last one was acknowledged).

- postgres: the shared mode. Each station submits through its own outbox file (SQLite; the
  queued step is fsynced, synchronous FULL; its settling is not, NORMAL) and forwarder thread to the local PostgreSQL server, as the GUI does: the
  step is acknowledged when the server's answer is back, or, after 1.5 s without one, when it is
  durable in the outbox. Reported: acknowledge latency (submit to green), the outbox write alone,
  throughput, the pace at which the server recorded the steps (until the last outbox was
  empty), and afterwards: lost (acknowledged, yet neither on the server nor kept in an outbox)
  and duplicates (a scan recorded more than once).
- postgres-ack-outbox: the same, but each step is acknowledged as soon as it is durable in the
  outbox (`--wait 0`): what store-and-forward allows when the server is slower than the floor.
- sqlite: the local mode with one SQLite file shared by the same processes: each step is
  written straight into the file (WAL, synchronous FULL, BEGIN IMMEDIATE), acknowledged at commit.

Target: acknowledge p99 under 50 ms on PostgreSQL. Lost and duplicates must be 0 on both.
Each mode also reports the station processes' CPU per step (scanning and, for the outbox modes,
recording through the forwarder, the drain included; PostgreSQL's own CPU is not in it) and the
1-minute load average before, at most during (sampled every 5 s) and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from traceapp.db.models import Event, Lot
from traceapp.db.outbox import Outbox
from traceapp.db.uow import UnitOfWork
from traceapp.domain.commands import OutboxState
from traceapp.services import masterdata
from traceapp.services.database import open_database
from traceapp.services.masterdata import actor_for
from traceapp.services.sync import ACK_WAIT_SECONDS, Forwarder
from traceapp.services.sync_station import forwarder_engine, script

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "benchmarks" / "results" / "station_load.json"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "traceapp_bench_station"
TARGET_P99_MS = 50.0
START_DELAY_S = 3.0  # every process is up and connected before the clock starts
DRAIN_TIMEOUT_S = 1800.0  # the outboxes drain at the server's pace; a slow server takes long


def _seed(url: str, stations: int) -> None:
    engine, _ = open_database(url)
    site = {"code": "SITE1", "name": "Main plant", "kind": "site"}
    steps: list[tuple[str, dict[str, Any]]] = [("add_location", site)]
    for n in range(1, stations + 1):
        place = {"code": f"ST{n}", "name": f"Station {n}", "kind": "station", "parent": "SITE1"}
        steps.append(("add_location", place))
    flour = {"part_number": "FLOUR", "name": "Wheat flour", "unit": "kg", "kind": "raw"}
    steps.append(("add_product", flour))
    steps.append(("add_party", {"code": "MILL", "name": "Northern Mill", "kind": "supplier"}))
    for name, kwargs in steps:
        with UnitOfWork(engine) as uow:
            getattr(masterdata, name)(uow, actor=actor_for(uow), **kwargs)
    engine.dispose()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def _worker(job: dict[str, Any]) -> dict[str, Any]:
    """One workstation: paced steps, each timed from submit to acknowledgement."""
    number, url, mode = job["number"], job["url"], job["mode"]
    station = f"ST{number}"
    engine = forwarder_engine(url)
    with UnitOfWork(engine, write=False) as uow:
        actor = actor_for(uow, station=station)
    scans = script(f"W{number}", job["count"], product="FLOUR", supplier="MILL", station=station,
                   move_every=4)  # fmt: skip
    outbox = forwarder = None
    if mode == "outbox":
        outbox = Outbox(Path(job["workdir"]) / f"outbox-{number}.sqlite")
        forwarder = Forwarder(outbox, engine, retry_seconds=0.5)
        forwarder.start()
        # Connect before the clock starts, as a station that has been running for a while has.
        forwarder.drain()
    records: list[dict[str, Any]] = []
    period = 1.0 / job["rate"]
    while time.time() < job["start_at"]:
        time.sleep(0.005)
    began = time.perf_counter()
    cpu = cpu_start = time.process_time()
    for index, scan in enumerate(scans):
        delay = began + index * period - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        command = scan.request.command(actor)
        started = time.perf_counter()
        state = "delivered"
        stored_ms = None
        error = None
        try:
            if forwarder is not None:
                delivery = forwarder.submit(command, wait=job["wait"])
                state = delivery.state
                stored_ms = delivery.stored_seconds * 1000
                if delivery.error is not None:
                    error = delivery.error.message
            else:
                with UnitOfWork(engine) as uow:
                    scan.request(uow, actor)
        except Exception as exc:  # a refused step is a result too, not a crash of the run
            state, error = "failed", f"{type(exc).__name__}: {exc}"
        ack_ms = (time.perf_counter() - started) * 1000
        records.append({"id": str(command.id), "step": command.step.value, "ack_ms": ack_ms,
                        "stored_ms": stored_ms, "state": state, "error": error})  # fmt: skip
    wall = time.perf_counter() - began
    cpu = time.process_time() - cpu
    drained_s = 0.0
    left: list[str] = []
    if forwarder is not None and outbox is not None:
        drain_start = time.perf_counter()
        while outbox.counts().pending and time.perf_counter() - drain_start < DRAIN_TIMEOUT_S:
            forwarder.wake()
            time.sleep(0.05)
        drained_s = time.perf_counter() - drain_start
        forwarder.stop()
        left = [str(item.command.id) for item in outbox.items(OutboxState.PENDING)]
        outbox.close()
    engine.dispose()
    # Until every step of this station was recorded (the drain included: its forwarder thread).
    cpu_total = time.process_time() - cpu_start
    return {"records": records, "wall_s": wall, "cpu_s": cpu, "cpu_total_s": cpu_total,
            "drain_s": drained_s, "left": left}  # fmt: skip


def _run(
    url: str, mode: str, args: argparse.Namespace, workdir: Path, *, wait: float
) -> dict[str, Any]:
    count = round(args.rate * args.seconds)
    start_at = time.time() + START_DELAY_S + 0.5 * args.stations
    jobs = [
        {"number": n, "url": url, "mode": mode, "count": count, "rate": args.rate,
         "start_at": start_at, "workdir": str(workdir), "wait": wait}
        for n in range(1, args.stations + 1)
    ]  # fmt: skip
    wall = time.perf_counter()
    load_before = os.getloadavg()[0]
    loads: list[float] = []
    sampling = threading.Event()

    def sample_load() -> None:  # the 1-minute load average every 5 s while the stations run
        while not sampling.wait(5.0):
            loads.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample_load, daemon=True)
    sampler.start()
    # Each station is a process of its own (this script with --worker), as on the floor.
    processes = [
        subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(job)],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
        )
        for job in jobs
    ]
    results = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"a station process failed (exit {process.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    sampling.set()
    sampler.join()
    records = [r for result in results for r in result["records"]]
    acked = [r for r in records if r["state"] in ("delivered", "pending")]
    refused = [r for r in records if r not in acked]
    ack = [r["ack_ms"] for r in acked]
    stored = [r["stored_ms"] for r in acked if r["stored_ms"] is not None]
    engine, _ = open_database(url, upgrade=False)
    with UnitOfWork(engine, write=False) as uow:
        on_server = {str(i) for i in uow.session.scalars(select(Event.id))}
        receipts = uow.session.scalar(
            select(func.count()).select_from(Event).where(Event.step == "receive")
        )
        lots = uow.session.scalar(
            select(func.count()).select_from(Lot).where(Lot.lot_code.like("W%"))
        )
    engine.dispose()
    acked_ids = {r["id"] for r in acked}
    left = {i for r in results for i in r["left"]}
    span = max(r["wall_s"] for r in results)
    # Until the last station's outbox was empty: the pace at which the server recorded steps.
    delivered_span = max(r["wall_s"] + r["drain_s"] for r in results)
    delivered = len(acked_ids & on_server)
    report: dict[str, Any] = {
        "mode": mode,
        "scans": len(records),
        "acknowledged": len(acked),
        "refused": len(refused),
        "refusals": sorted({str(r["error"]) for r in refused})[:5],
        "acknowledged_while_offline": sum(1 for r in acked if r["state"] == "pending"),
        "ack_ms": {
            "p50": round(statistics.median(ack), 2) if ack else None,
            "p90": round(_percentile(ack, 0.90), 2),
            "p99": round(_percentile(ack, 0.99), 2),
            "max": round(max(ack), 2) if ack else None,
        },
        "throughput_per_s": round(len(acked) / span, 2) if span else 0.0,
        "offered_per_s": args.stations * args.rate,
        "on_server_per_s": round(delivered / delivered_span, 2) if delivered_span else 0.0,
        # Acknowledged, yet neither on the server nor still kept in a station's outbox.
        "lost": len(acked_ids - on_server - left),
        "still_in_outboxes": len(left),
        "duplicates": int(receipts or 0) - int(lots or 0),
        "events_on_server": len(on_server),
        "station_cpu_s": round(sum(r["cpu_s"] for r in results), 2),
        # CPU of the station processes (submitting and, for the outbox modes, recording on the
        # server through the forwarder thread) per step; PostgreSQL's own is not in it.
        "station_cpu_total_s": round(sum(r["cpu_total_s"] for r in results), 2),
        "station_cpu_ms_per_step": round(
            sum(r["cpu_total_s"] for r in results) * 1000 / max(1, len(records)), 2
        ),
        "load_1min": {
            "before": round(load_before, 2),
            "max_during": round(max(loads), 2) if loads else None,
            "after": round(os.getloadavg()[0], 2),
        },
        "run_wall_s": round(time.perf_counter() - wall, 2),
    }
    if stored:
        report["outbox_write_ms"] = {
            "p50": round(statistics.median(stored), 2),
            "p99": round(_percentile(stored, 0.99), 2),
        }
        report["drain_after_s"] = round(max(r["drain_s"] for r in results), 2)
    return report


def _pg_admin(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # one station's job, as JSON
    parser.add_argument("--stations", type=int, default=8)
    parser.add_argument("--rate", type=float, default=10.0, help="steps/s per station")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--wait",
        type=float,
        default=ACK_WAIT_SECONDS,
        help="seconds a station waits for the server's answer before it acknowledges from the "
        "outbox (the GUI's 1.5; 0: acknowledge at the outbox write, deliver behind)",
    )
    parser.add_argument(
        "--backends",
        default="postgres,postgres-ack-outbox,sqlite",
        help="postgres: stations wait --wait s for the server's answer (as the GUI); "
        "postgres-ack-outbox: acknowledged at the outbox write, delivered behind; "
        "sqlite: one shared file, written directly",
    )
    parser.add_argument(
        "--pg-database", default=BENCH_DATABASE, help="made afresh on the server and dropped after"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(json.loads(args.worker))))
        return {}
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - {"sqlite", "postgres", "postgres-ack-outbox"}:
        parser.error("backends are postgres, postgres-ack-outbox and/or sqlite")
    pg_url = os.environ.get("TRACEAPP_BENCH_PG_URL", DEFAULT_PG_URL)
    report: dict[str, Any] = {
        "benchmark": "station_load",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_1min_before": round(os.getloadavg()[0], 2),
        },
        "settings": {
            "stations": args.stations,
            "rate": args.rate,
            "seconds": args.seconds,
            "wait": args.wait,
        },
        "target_ack_p99_ms": TARGET_P99_MS,
    }
    with tempfile.TemporaryDirectory(dir=args.workdir) as workdir:
        for backend in backends:
            if backend == "sqlite":
                url_sqlite = f"sqlite:///{Path(workdir) / 'shared.db'}"
                _seed(url_sqlite, args.stations)
                report["sqlite"] = _run(url_sqlite, "direct", args, Path(workdir), wait=0.0)
                continue
            with psycopg.connect(_pg_admin(pg_url), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{args.pg_database}"')
            try:
                url = make_url(pg_url).set(database=args.pg_database)
                text_url = url.render_as_string(hide_password=False)
                _seed(text_url, args.stations)
                wait = args.wait if backend == "postgres" else 0.0
                boxes = Path(workdir) / backend
                boxes.mkdir()
                key = backend.replace("-", "_")
                report[key] = _run(text_url, "outbox", args, boxes, wait=wait)
                report[key]["wait_for_answer_s"] = wait
            finally:
                with psycopg.connect(_pg_admin(pg_url), autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
    report["machine"]["load_1min_after"] = round(os.getloadavg()[0], 2)
    for key in ("postgres", "postgres_ack_outbox"):
        if key in report:
            figures = report[key]
            report[f"target_met_{key}"] = (
                figures["ack_ms"]["p99"] < TARGET_P99_MS
                and figures["lost"] == 0
                and figures["duplicates"] == 0
            )
    text_out = json.dumps(report, indent=2)
    print(text_out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text_out + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
