"""Frame time of the Live monitor page: 16 channels at 100 Hz in a 10-minute window, with and without the pyqtgraph practices; and where ingest should run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/chart_frames.py \
        [--channels 16] [--rate 100] [--window 600] [--seconds 15] [--slow-seconds 8] \
        [--ingest-seconds 15] [--ingest-channels 160] [--ingest-rate 100] \
        [--out benchmarks/results/chart_frames.json]

Part 1, frames: the real page widget (`LiveMonitorPage`, polling off) with every channel's live
window full (rate x window points per curve, 60,000 for the case). Each frame hands the page the
readings that arrived at `rate` per channel since the previous frame (real time), then draws:
`render_frame()` (one setData per curve, the view follows now) and a synchronous repaint of the
chart. Frames are paced at 30 Hz like the page's timer; frame time is the wall time of one
frame (data in, setData, paint); fps is frames over the wall time. Run once with the practices (`fast=True`) and once without (`fast=False`: curves made
again each frame from copies, antialiased, no downsampling, no clipping).

Part 2, ingest beside the chart (`--ingest-seconds` > 0): a simulator recorder fills a SQLite
database with a plant's `ingest-channels x ingest-rate` readings/s (160 x 100 = 16,000), (a) as
threads in the GUI process and (b) in a process of its own (as `traceapp monitor --record` runs);
the page shows `channels` of them (16 at 100 Hz, polled from the database). The page runs its
own timers (10 Hz poll, 30 Hz frames) for the given seconds; reported: frames/s, the
gaps between frames (p50/p95/max: a stutter is a long gap), readings written per second.

Part 3, sustained ingest (`--sustained-seconds` > 0, default 60; `--skip-frames` runs it alone):
a recorder process (`--record-only`, as `traceapp monitor --record` runs) writes a simulated
plant of `--sustained-channels x --sustained-rate` readings/s (550 x 100 = 55,000: more than the
50,000/s target, so what is written says what the recorder sustains, not the offer) into a
fresh SQLite file and then a fresh PostgreSQL database (`--sustained-backends`), while the real
page (its own 10 Hz poll and 30 Hz frame timers) shows `--channels` of them. Reported per
backend: readings written per second (counted in the database over the measured time, not
received), the recorder's backlog and lag (its status line every second) and CPU share, frame
gaps p50/p95/p99/max, the longest turn of the GUI thread's event loop (`longest_gui_turn_ms`,
work on the GUI thread in one go, wall time), the GUI thread's CPU in its longest turns and at most
(`longest_gui_turns_cpu_ms`, `longest_gui_turn_cpu_ms`: wall minus CPU is waiting for a core or
the GIL) and the longest time between two turns
(`longest_gui_stall_ms`, that work plus waiting for a core).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "chart_frames.json"
TARGET_FPS = 30.0
SUSTAINED_TARGET = 50_000  # readings/s written into SQLite beside the window (issue 8)
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _percentiles(values_ms: list[float]) -> dict[str, float]:
    ordered = np.array(sorted(values_ms))
    return {
        "p50": round(float(np.percentile(ordered, 50)), 2),
        "p95": round(float(np.percentile(ordered, 95)), 2),
        "p99": round(float(np.percentile(ordered, 99)), 2),
        "max": round(float(ordered[-1]), 2),
    }


def _channels(count: int, rate: float) -> list[Any]:
    from traceapp.domain.sensors import Channel, Limits

    kinds = (("temp", "degC", 180.0), ("pressure", "bar", 6.0), ("speed", "rpm", 1450.0),
             ("humidity", "%RH", 45.0))  # fmt: skip
    made = []
    for number in range(count):
        name, unit, base = kinds[number % len(kinds)]
        spread = base * 0.02
        made.append(
            Channel(
                id=number + 1,
                site="bench",
                equipment=f"eq{number // len(kinds) + 1:02d}",
                name=name,
                quantity=name,
                unit=unit,
                limits=Limits(base - 2 * spread, base + 2 * spread, base - spread, base + spread),
                expected_period_us=int(5 * 1_000_000 / rate),
            )
        )
    return made


def _series(channels: list[Any], start: float, end: float, rate: float, rng: Any) -> list[Any]:
    """Readings of every channel in (start, end] at `rate`, on the rate's grid."""
    from traceapp.services.live import ChannelSeries

    first = np.floor(start * rate) + 1
    last = np.floor(end * rate)
    if last < first:
        return []
    times = np.arange(first, last + 1) / rate
    out = []
    for channel in channels:
        base = (channel.limits.lcl + channel.limits.ucl) / 2
        noise = (channel.limits.ucl - channel.limits.lcl) / 8
        values = base + noise * rng.standard_normal(times.shape[0])
        out.append(ChannelSeries(channel.id, times, values))
    return out


class _PaintCounter:
    """Counts the chart's paint events, so a frame that painted nothing is not counted as fast."""

    def __init__(self, viewport: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        class Filter(QObject):
            def eventFilter(inner, watched: Any, event: Any) -> bool:  # noqa: N802, N805
                if event.type() == QEvent.Type.Paint:
                    self.count += 1
                return False

        self.count = 0
        self._filter = Filter()
        viewport.installEventFilter(self._filter)


def _context(engine: Any) -> Any:
    from traceapp.ui.context import StationContext

    return StationContext(engine, station_code=None, database_label="bench", shared=False)


def _wait_for_plots(app: Any, page: Any, timeout_s: float = 60.0) -> None:
    """The page makes its plots a few per event-loop turn: run the loop until all exist."""
    deadline = time.monotonic() + timeout_s
    while not page.charts_ready:
        if time.monotonic() > deadline:
            raise SystemExit(f"the Live monitor's plots were not all made within {timeout_s:.0f} s")
        app.processEvents()
        time.sleep(0.001)


def measure_frames(args: argparse.Namespace, *, fast: bool, seconds: float) -> dict[str, Any]:
    from traceapp.db.engine import make_engine
    from traceapp.ui.application import application
    from traceapp.ui.live_monitor import LiveMonitorPage

    app = application()
    engine = make_engine("sqlite://")
    page = LiveMonitorPage(_context(engine), fast=fast, poll=False)
    page.resize(args.width, args.height)
    page.show()
    channels = _channels(args.channels, args.rate)
    page.set_channels(channels)
    _wait_for_plots(app, page)
    page.stop()  # the loop below draws the frames itself
    rng = np.random.default_rng(1)
    now = time.time()
    page.feed(_series(channels, now - args.window, now, args.rate, rng))
    app.processEvents()
    paints = _PaintCounter(page.charts.viewport())
    last = now
    frame_ms: list[float] = []
    cpu_start = time.process_time()
    wall_start = time.perf_counter()
    next_frame = wall_start
    frames = 0
    # Paced like the page's frame timer (30 Hz): data keeps arriving at `rate` in real time,
    # and a frame that takes longer than its period delays the next (fps drops below 30).
    while time.perf_counter() - wall_start < seconds:
        pause = next_frame - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        next_frame = max(next_frame + 1 / TARGET_FPS, time.perf_counter())
        now = time.time()
        page.feed(_series(channels, last, now, args.rate, rng))
        last = now
        begin = time.perf_counter()
        page.render_frame()
        app.processEvents()  # the scene's update request: the chart is painted here
        frame_ms.append((time.perf_counter() - begin) * 1000)
        frames += 1
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    points = [len(e.ring) for e in page.charts.plots.values()]
    page.close()
    page.deleteLater()
    app.processEvents()
    engine.dispose()
    return {
        "practices": fast,
        "seconds": seconds,
        "frames": frames,
        "points_per_curve": int(min(points)),
        "frame_ms": _percentiles(frame_ms),
        "fps": round(frames / wall, 1),
        "frame_ms_mean": round(statistics.fmean(frame_ms), 2),
        "paints_per_frame": round(paints.count / frames, 2),
        "cpu_s_per_frame_ms": round(cpu / frames * 1000, 2),
        # What one free core could draw: the machine is shared, wall-clock fps says more
        # about the other processes than about the chart.
        "fps_if_cpu_free": round(frames / cpu, 1) if cpu > 0 else None,
        "meets_30fps": frames / wall >= TARGET_FPS * 0.95
        and _percentiles(frame_ms)["p95"] <= 1000 / TARGET_FPS,
    }


# --- part 2: ingest beside the chart -------------------------------------------------------


def _record(db_url: str, source: str, seconds: float) -> None:
    """The recorder alone (what `traceapp monitor --record` runs), for the separate process.

    Prints its status as a JSON line every second (written, backlog, lag, CPU) and at the end.
    """
    from traceapp.db.engine import make_engine
    from traceapp.services.sensors import Recorder

    engine = make_engine(db_url)
    recorder = Recorder(engine, source)
    recorder.start()
    end = time.monotonic() + seconds
    while time.monotonic() < end and recorder.failed is None:
        time.sleep(min(1.0, max(0.0, end - time.monotonic())))
        status = recorder.status()
        line = {"at": time.time(), "written": status.written, "backlog": status.backlog,
                "lag_s": round(status.lag_s, 3), "dropped": status.dropped,
                "cpu_s": round(time.process_time(), 3)}  # fmt: skip
        print(json.dumps(line), flush=True)
    recorder.stop()
    status = recorder.status()
    print(json.dumps({"written": status.written, "final": True}), flush=True)


def measure_ingest(args: argparse.Namespace, *, separate: bool, workdir: Path) -> dict[str, Any]:
    from sqlalchemy import func, select

    from traceapp.db.models.sensors import SensorChannel, sensor_readings
    from traceapp.db.uow import UnitOfWork
    from traceapp.services.database import open_database
    from traceapp.services.masterdata import actor_for, ensure_builtin_users
    from traceapp.services.sensors import Recorder
    from traceapp.ui.application import application
    from traceapp.ui.live_monitor import LiveMonitorPage

    app = application()
    path = workdir / f"ingest_{'process' if separate else 'threads'}.db"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine, _ = open_database(url)
    with UnitOfWork(engine) as uow:
        ensure_builtin_users(uow)
    with UnitOfWork(engine) as uow:
        admin = actor_for(uow)
    source = f"simulator://?channels={args.ingest_channels}&rate={args.ingest_rate}&seed=2"
    warmup = 2.0
    recorder = None
    child = None
    if separate:
        child = subprocess.Popen(
            [sys.executable, __file__, "--record-only", url, source,
             str(args.ingest_seconds + 600)],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
    else:
        recorder = Recorder(engine, source)
        recorder.start()
    # The channels exist once the recorder wrote its first batch (a new process starts first).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with engine.connect() as c:
            known = c.execute(select(func.count()).select_from(SensorChannel)).scalar_one()
        if known >= args.ingest_channels:
            break
        time.sleep(0.1)
    time.sleep(warmup)
    context = _context(engine)
    context.sign_in(admin)
    page = LiveMonitorPage(context)
    page.resize(args.width, args.height)
    page.show()
    ticks: list[float] = []
    original = page.render_frame

    def timed_frame() -> None:
        ticks.append(time.perf_counter())
        original()

    page._frame_timer.timeout.disconnect()
    page._frame_timer.timeout.connect(timed_frame)
    deadline = time.monotonic() + 60
    while not (page.charts.plots and page.charts_ready) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    # The page shows `channels` of them (the recorder records the whole plant).
    page.set_channels(sorted(page._channels, key=lambda c: c.id)[: args.channels])
    _wait_for_plots(app, page)
    with engine.connect() as c:
        before = c.execute(select(func.count()).select_from(sensor_readings)).scalar_one()
    cpu_start = time.process_time()
    start = time.perf_counter()
    end = start + args.ingest_seconds
    ticks.clear()
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    with engine.connect() as c:
        after = c.execute(select(func.count()).select_from(sensor_readings)).scalar_one()
    page.stop()
    context.background.wait()
    if recorder is not None:
        recorder.stop()
    if child is not None:
        child.terminate()  # measured already; what it still holds in memory does not matter
        child.communicate(timeout=60)
    page.close()
    page.deleteLater()
    app.processEvents()
    engine.dispose()
    gaps_ms = [(b - a) * 1000 for a, b in itertools.pairwise(ticks)]
    return {
        "recorder": "separate process" if separate else "threads in the GUI process",
        "readings_per_s_offered": args.ingest_channels * args.ingest_rate,
        "readings_written_per_s": round((after - before) / wall),
        "fps": round(len(ticks) / wall, 1),
        "frame_gap_ms": _percentiles(gaps_ms) if gaps_ms else {},
        "gui_process_cpu_share": round(cpu / wall, 2),
        "curves": len(page.charts.plots),
    }


# --- part 3: sustained ingest in a recorder process beside the page ----------------------------


def _prepare_database(backend: str, workdir: Path, pg_database: str) -> str:
    """A fresh database at the current schema with the built-in users; its URL."""
    from sqlalchemy.engine import make_url

    if backend == "sqlite":
        path = workdir / "sustained.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    server = os.environ.get("TRACEAPP_BENCH_PG_URL", DEFAULT_PG_URL)
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{pg_database}"')
    return make_url(server).set(database=pg_database).render_as_string(hide_password=False)


def _drop_pg(pg_database: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    server = os.environ.get("TRACEAPP_BENCH_PG_URL", DEFAULT_PG_URL)
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')


def measure_sustained(args: argparse.Namespace, *, backend: str, workdir: Path) -> dict[str, Any]:
    """A recorder process writes `sustained_channels x sustained_rate` readings/s for
    `sustained_seconds` while the real page (its own timers: 10 Hz poll, 30 Hz frames) shows
    `channels` of them; written readings are counted in the database."""
    import threading

    from sqlalchemy import func, select

    from traceapp.db.models.sensors import SensorChannel, sensor_readings
    from traceapp.db.uow import UnitOfWork
    from traceapp.services.database import open_database
    from traceapp.services.masterdata import actor_for, ensure_builtin_users
    from traceapp.ui.application import application
    from traceapp.ui.live_monitor import LiveMonitorPage

    app = application()
    url = _prepare_database(backend, workdir, args.pg_database)
    engine, _ = open_database(url)
    with UnitOfWork(engine) as uow:
        ensure_builtin_users(uow)
    with UnitOfWork(engine) as uow:
        admin = actor_for(uow)
    offered = args.sustained_channels * args.sustained_rate
    source = (f"simulator://?channels={args.sustained_channels}&rate={args.sustained_rate:g}"
              "&seed=3")  # fmt: skip
    statuses: list[dict[str, Any]] = []
    child = subprocess.Popen(
        [sys.executable, __file__, "--record-only", url, source,
         str(args.sustained_seconds + 120)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip

    def read_status() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            statuses.append(json.loads(line))

    reader = threading.Thread(target=read_status, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with engine.connect() as c:
            known = c.execute(select(func.count()).select_from(SensorChannel)).scalar_one()
        if known >= args.sustained_channels:
            break
        time.sleep(0.2)
    time.sleep(2.0)  # the first batches (channel creation) behind us
    context = _context(engine)
    context.sign_in(admin)
    page = LiveMonitorPage(context)
    page.resize(args.width, args.height)
    page.show()
    ticks: list[float] = []
    original = page.render_frame

    def timed_frame() -> None:
        ticks.append(time.perf_counter())
        original()

    page._frame_timer.timeout.disconnect()
    page._frame_timer.timeout.connect(timed_frame)
    deadline = time.monotonic() + 60
    while not (page.charts.plots and page.charts_ready) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    page.set_channels(sorted(page._channels, key=lambda c: c.id)[: args.channels])
    _wait_for_plots(app, page)
    for _ in range(50):  # the page settles on its channels (first poll, history)
        app.processEvents()
        time.sleep(0.01)

    def count() -> int:
        with engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(sensor_readings)).scalar_one())

    before = count()
    first_status = len(statuses)
    collections: dict[int, list[float]] = {0: [], 1: [], 2: []}  # ms per collection, generation
    collecting: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting[:] = [time.perf_counter()]
        elif collecting:
            collections[info["generation"]].append((time.perf_counter() - collecting[0]) * 1000)

    gc.callbacks.append(on_gc)
    cpu_start = time.process_time()
    start = time.perf_counter()
    end = start + args.sustained_seconds
    ticks.clear()
    busy_ms: list[float] = []  # one turn of the GUI thread's event loop
    turns: list[float] = []
    busy_cpu_ms: list[float] = []  # the GUI thread's own CPU in that turn (the rest: waiting)
    while time.perf_counter() < end:
        began = time.perf_counter()
        began_cpu = time.thread_time()
        app.processEvents()
        busy_ms.append((time.perf_counter() - began) * 1000)
        busy_cpu_ms.append((time.thread_time() - began_cpu) * 1000)
        turns.append(began)
        time.sleep(0.001)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    gc.callbacks.remove(on_gc)
    after = count()
    during = statuses[first_status:]
    page.stop()
    context.background.wait()
    child.terminate()
    child.wait(timeout=120)
    reader.join(timeout=10)
    if child.stdout is not None:
        child.stdout.close()
    curves = len(page.charts.plots)
    page.close()
    page.deleteLater()
    app.processEvents()
    engine.dispose()
    if backend == "postgres":
        _drop_pg(args.pg_database)
    gaps_ms = [(b - a) * 1000 for a, b in itertools.pairwise(ticks)]
    turn_gaps_ms = [(b - a) * 1000 for a, b in itertools.pairwise(turns)]
    written_per_s = (after - before) / wall
    backlog = [s["backlog"] for s in during if "backlog" in s]
    lag = [s["lag_s"] for s in during if "lag_s" in s]
    child_cpu = [s["cpu_s"] for s in during if "cpu_s" in s]
    return {
        "backend": backend,
        "recorder": "separate process",
        "seconds": round(wall, 1),
        "channels_recorded": args.sustained_channels,
        "readings_per_s_offered": offered,
        "readings_per_s_target": SUSTAINED_TARGET,
        "readings_written": after - before,
        "readings_written_per_s": round(written_per_s),
        "target_met": written_per_s >= SUSTAINED_TARGET,
        "keeps_up": written_per_s >= 0.98 * offered and (not backlog or backlog[-1] < offered),
        "recorder_backlog_readings": {
            "max": max(backlog) if backlog else None,
            "last": backlog[-1] if backlog else None,
        },
        "recorder_lag_s": {
            "p50": round(float(np.percentile(lag, 50)), 2) if lag else None,
            "max": round(max(lag), 2) if lag else None,
        },
        "recorder_cpu_share": round((child_cpu[-1] - child_cpu[0]) / wall, 2)
        if len(child_cpu) > 1 else None,
        "dropped": during[-1].get("dropped") if during else None,
        "curves": curves,
        "fps": round(len(ticks) / wall, 1),
        "frame_gap_ms": _percentiles(gaps_ms) if gaps_ms else {},
        "longest_gui_turn_ms": round(max(busy_ms), 1) if busy_ms else None,
        # when the five longest turns came, seconds into the measurement
        "longest_gui_turns_at_s": sorted(
            [round(turns[i] - start, 1), round(busy_ms[i], 1)]  # lists, as the JSON reads back
            for i in np.argsort(busy_ms)[-5:].tolist()
        ) if busy_ms else [],
        "gui_turn_ms": _percentiles(busy_ms) if busy_ms else {},
        # CPU the GUI thread itself spent in its longest turns (wall above minus this: the
        # thread waited, for a core or for the GIL held by another thread)
        "longest_gui_turns_cpu_ms": sorted(
            [round(turns[i] - start, 1), round(busy_cpu_ms[i], 1)]
            for i in np.argsort(busy_ms)[-5:].tolist()
        ) if busy_ms else [],
        "longest_gui_turn_cpu_ms": round(max(busy_cpu_ms), 1) if busy_cpu_ms else None,
        "longest_gui_stall_ms": round(max(turn_gaps_ms), 1) if turn_gaps_ms else None,
        "gui_process_cpu_share": round(cpu / wall, 2),
        # the cyclic garbage collector in the GUI process during the measurement (any thread)
        "gc_frozen_objects": gc.get_freeze_count(),
        "gc_collections": {
            f"gen{g}": {"count": len(ms), "max_ms": round(max(ms), 1) if ms else None,
                        "total_ms": round(sum(ms), 1)}
            for g, ms in collections.items()
        },
    }  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--rate", type=float, default=100.0, help="readings/s per channel")
    parser.add_argument("--window", type=float, default=600.0, help="live window in seconds")
    parser.add_argument("--seconds", type=float, default=15.0, help="drawing with the practices")
    parser.add_argument("--slow-seconds", type=float, default=8.0, help="drawing without them")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--ingest-seconds", type=float, default=15.0, help="0: skip part 2")
    parser.add_argument("--ingest-channels", type=int, default=160, help="recorded, part 2")
    parser.add_argument("--ingest-rate", type=float, default=100.0, help="per channel, part 2")
    parser.add_argument("--sustained-seconds", type=float, default=60.0, help="0: skip part 3")
    parser.add_argument(
        "--sustained-channels",
        type=int,
        default=550,
        help="recorded, part 3 (550 x 100 Hz offers 55,000/s, above the 50,000/s target)",
    )
    parser.add_argument("--sustained-rate", type=float, default=100.0, help="per channel, part 3")
    parser.add_argument("--sustained-backends", default="sqlite,postgres")
    parser.add_argument("--pg-database", default="traceapp_bench_chart_frames")
    parser.add_argument("--skip-frames", action="store_true", help="part 3 only (no parts 1-2)")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--record-only", nargs=3, metavar=("DB", "SOURCE", "SECONDS"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args(argv)
    if args.record_only:
        db, source, seconds = args.record_only
        _record(db, source, float(seconds))
        return {}
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    report: dict[str, Any] = {
        "benchmark": "chart_frames",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_1min": round(os.getloadavg()[0], 2),
            "qt_platform": os.environ.get("QT_QPA_PLATFORM"),
        },
        "settings": {
            "channels": args.channels,
            "rate": args.rate,
            "window_s": args.window,
            "size": [args.width, args.height],
        },
        "target_fps": TARGET_FPS,
    }
    if not args.skip_frames:
        report["with_practices"] = measure_frames(args, fast=True, seconds=args.seconds)
        report["without_practices"] = measure_frames(args, fast=False, seconds=args.slow_seconds)
        report["target_met"] = report["with_practices"]["meets_30fps"]
    if args.ingest_seconds > 0 and not args.skip_frames:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = args.workdir or Path(tmp)
            report["ingest_beside_chart"] = [
                measure_ingest(args, separate=False, workdir=workdir),
                measure_ingest(args, separate=True, workdir=workdir),
            ]
    if args.sustained_seconds > 0:
        backends = [b.strip() for b in args.sustained_backends.split(",") if b.strip()]
        if set(backends) - {"sqlite", "postgres"}:
            parser.error("--sustained-backends are sqlite and/or postgres")
        report["sustained_ingest"] = []
        with tempfile.TemporaryDirectory() as tmp:
            workdir = args.workdir or Path(tmp)
            for backend in backends:
                before_load = round(os.getloadavg()[0], 2)
                report["machine"][f"load_1min_before_{backend}"] = before_load
                row = measure_sustained(args, backend=backend, workdir=workdir)
                row["load_1min_before"] = before_load
                row["load_1min_after"] = round(os.getloadavg()[0], 2)
                report["sustained_ingest"].append(row)
        report["sustained_target_met_sqlite"] = any(
            r["backend"] == "sqlite" and r["readings_written_per_s"] >= SUSTAINED_TARGET
            for r in report["sustained_ingest"]
        )
    report["machine"]["load_1min_after"] = round(os.getloadavg()[0], 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    main()
