"""One station recording steps in one process: statements, ORM flushes and CPU per step.

Usage: python benchmarks/station_step.py [--steps 300] [--backends postgres,sqlite]
            [--profile 25] [--out benchmarks/results/station_step.json]

The steps are the load benchmark's (`benchmarks/station_load.py`): receipts of new lots, every
fourth step also a move of the lot before, each recorded as the outbox forwarder records it
(`apply_command` in a unit of work of its own, on a station's actor). A warm-up of 20 steps
comes first (connections made, caches filled). Reported per step: the statements sent to the
database (a SQLAlchemy `before_cursor_execute` listener; an executemany counts once), the ORM
flushes (`after_flush`), the process CPU (`time.process_time`; the database server's is not in
it) and the wall time; with `--profile N`, the N functions with the most cumulative time in a
second, profiled pass (cProfile). The 1-minute load average before and after is in the JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.services import masterdata
from traceapp.services.database import open_database
from traceapp.services.masterdata import actor_for
from traceapp.services.sync_commands import apply_command
from traceapp.services.sync_station import ScriptedScan, script

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "benchmarks" / "results" / "station_step.json"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "traceapp_bench_station_step"
WARM_UP = 20


class Counts:
    """Statements (by their first words) and flushes seen since the last `take`."""

    def __init__(self, engine: Engine) -> None:
        self.statements: Counter[str] = Counter()
        self.flushes = 0
        event.listen(engine, "before_cursor_execute", self._on_statement)
        event.listen(Session, "after_flush", self._on_flush)

    def _on_statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split()
        kind = " ".join(words[:3]) if words else "?"
        if words and words[0] in ("SELECT", "WITH"):
            kind = words[0] + " ... " + _table_after_from(words)
        self.statements[kind] += 1

    def _on_flush(self, *_args: Any) -> None:
        self.flushes += 1

    def take(self) -> tuple[Counter[str], int]:
        taken = (self.statements, self.flushes)
        self.statements, self.flushes = Counter(), 0
        return taken


def _table_after_from(words: list[str]) -> str:
    for index, word in enumerate(words):
        if word == "FROM" and index + 1 < len(words):
            return words[index + 1]
    return " ".join(words[1:3])


def _steps(engine: Engine, actor: Actor, scans: Sequence[ScriptedScan]) -> None:
    for scan in scans:
        with UnitOfWork(engine) as uow:
            apply_command(uow, scan.request.command(actor))


def _measure(url: str, steps: int, profile: int) -> dict[str, Any]:
    engine, _ = open_database(url)
    try:
        with UnitOfWork(engine, write=False) as uow:
            actor = actor_for(uow, station="ST1")
        prefix = f"P{os.getpid()}"
        total = WARM_UP + 2 * steps
        scans = script(prefix, total, product="FLOUR", supplier="MILL", station="ST1",
                       move_every=4)  # fmt: skip
        _steps(engine, actor, scans[:WARM_UP])
        counts = Counts(engine)
        counts.take()
        measured = scans[WARM_UP : WARM_UP + steps]
        wall = time.perf_counter()
        cpu = time.process_time()
        _steps(engine, actor, measured)
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        statements, flushes = counts.take()
        kinds = Counter(scan.label.split()[0] for scan in measured)
        report: dict[str, Any] = {
            "steps": len(measured),
            "steps_by_kind": dict(kinds),
            "statements_per_step": round(sum(statements.values()) / len(measured), 2),
            "flushes_per_step": round(flushes / len(measured), 2),
            "cpu_ms_per_step": round(cpu * 1000 / len(measured), 2),
            "wall_ms_per_step": round(wall * 1000 / len(measured), 2),
            "statements": {k: round(v / len(measured), 2) for k, v in statements.most_common()},
        }
        # Each kind of step alone, counted step by step (in order: a move names a lot received
        # before it).
        per_kind: dict[str, list[tuple[int, int]]] = {"receive": [], "move": []}
        rest = scans[WARM_UP + steps :]
        for scan in rest[: len(rest) // 2]:
            counts.take()
            _steps(engine, actor, [scan])
            statements, flushes = counts.take()
            per_kind[scan.label.split()[0]].append((sum(statements.values()), flushes))
        for kind, seen in per_kind.items():
            report[f"{kind}_statements_per_step"] = round(sum(s for s, _ in seen) / len(seen), 2)
            report[f"{kind}_flushes_per_step"] = round(sum(f for _, f in seen) / len(seen), 2)
        if profile:
            profiled = rest[len(rest) // 2 :]
            profiler = cProfile.Profile()
            profiler.enable()
            _steps(engine, actor, profiled)
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(profile)
            report["profile_steps"] = len(profiled)
            report["profile"] = [
                line.rstrip() for line in text.getvalue().splitlines() if line.strip()
            ][-(profile + 1) :]
        return report
    finally:
        engine.dispose()


def _seed(url: str) -> None:
    """The load benchmark's plant for one station: SITE1/ST1, FLOUR, supplier MILL."""
    engine, _ = open_database(url)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("add_location", {"code": "SITE1", "name": "Main plant", "kind": "site"}),
        ("add_location", {"code": "ST1", "name": "Station 1", "kind": "station", "parent": "SITE1"}),
        ("add_product", {"part_number": "FLOUR", "name": "Wheat flour", "unit": "kg", "kind": "raw"}),
        ("add_party", {"code": "MILL", "name": "Northern Mill", "kind": "supplier"}),
    ]  # fmt: skip
    for name, kwargs in steps:
        with UnitOfWork(engine) as uow:
            getattr(masterdata, name)(uow, actor=actor_for(uow), **kwargs)
    engine.dispose()


def _pg_admin(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--backends", default="postgres,sqlite")
    parser.add_argument("--profile", type=int, default=0, help="top N functions (cProfile)")
    parser.add_argument("--pg-database", default=BENCH_DATABASE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    pg_url = os.environ.get("TRACEAPP_BENCH_PG_URL", DEFAULT_PG_URL)
    report: dict[str, Any] = {
        "benchmark": "station_step",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "load_1min_before": round(os.getloadavg()[0], 2),
    }
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as workdir:
                url = f"sqlite:///{Path(workdir) / 'station.db'}"
                _seed(url)
                report["sqlite"] = _measure(url, args.steps, args.profile)
            continue
        with psycopg.connect(_pg_admin(pg_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.pg_database}"')
        try:
            url = make_url(pg_url).set(database=args.pg_database)
            text_url = url.render_as_string(hide_password=False)
            _seed(text_url)
            report["postgres"] = _measure(text_url, args.steps, args.profile)
        finally:
            with psycopg.connect(_pg_admin(pg_url), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
    report["load_1min_after"] = round(os.getloadavg()[0], 2)
    text_out = json.dumps(report, indent=2)
    print(text_out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text_out + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
