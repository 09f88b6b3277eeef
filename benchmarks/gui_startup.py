"""Time from starting `traceapp gui` to the first window shown, and to a sign-in screen that takes input.

    .venv/bin/python benchmarks/gui_startup.py [--runs 7] [--out benchmarks/results/gui_startup.json]

Each run is a fresh `python -m traceapp gui --db URL` process on a demo plant (already migrated,
as on a workstation's second start). The window appends "shown <t>" at its first showEvent and
"ready <t>" once the database answered and the sign-in screen takes keys, then closes itself
(TRACEAPP_STARTUP_MARKER_FILE / TRACEAPP_QUIT_WHEN_READY). Times count from just before the
process is spawned. QSettings go to a temporary folder, never the person's own. The platform is
offscreen unless --platform says otherwise (xcb needs a display: run under xvfb-run -a).
A bare `python -c pass` is timed too, so the interpreter's own start is visible. One more start
runs under `python -X importtime`: the JSON lists what the imports before the window cost, by
top-level package, and whether the heavy libraries (asyncua, paho, reportlab, openpyxl,
pyqtgraph, cv2, numpy) were among them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from traceapp.services.database import open_database
from traceapp.services.demo import build_demo_plant

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "gui_startup.json"
MARKER_ENV = "TRACEAPP_STARTUP_MARKER_FILE"
QUIT_ENV = "TRACEAPP_QUIT_WHEN_READY"
RUN_TIMEOUT_S = 120


def _summary(values_ms: list[float]) -> dict[str, Any]:
    ordered = sorted(values_ms)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "min_ms": round(ordered[0], 1),
        "max_ms": round(ordered[-1], 1),
        "runs_ms": [round(v, 1) for v in values_ms],
    }


def _env(workdir: Path, qt_platform: str) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = qt_platform
    env["XDG_CONFIG_HOME"] = str(workdir / "config")  # QSettings of the benchmark's own
    env["TRACEAPP_CONFIG_DIR"] = str(workdir / "config" / "traceapp")
    env.pop("TRACEAPP_DB", None)
    # Any non-empty value (even "0") stops Python writing .pyc files; a source changed since
    # its .pyc would then be compiled again at every start and time the compiler.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


# The same window without the command line in front: shows what importing every CLI command
# module (decoders, reports) costs before `gui` runs.
DIRECT = "import sys; from traceapp.app import run_gui; sys.exit(run_gui(sys.argv[1]))"


def time_one_start(
    url: str, workdir: Path, qt_platform: str, index: int, *, direct: bool = False
) -> dict[str, float]:
    marker = workdir / f"marker-{index}.txt"
    marker.unlink(missing_ok=True)
    env = _env(workdir, qt_platform)
    env[MARKER_ENV] = str(marker)
    env[QUIT_ENV] = "1"
    if direct:
        command = [sys.executable, "-c", DIRECT, url]
    else:
        command = [sys.executable, "-m", "traceapp", "gui", "--db", url]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.time()
    done = subprocess.run(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    ended = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"traceapp gui exited with {done.returncode}: {done.stderr[-2000:]}")
    marks = dict(line.split() for line in marker.read_text(encoding="utf-8").splitlines())
    return {
        "shown_ms": (float(marks["shown"]) - began) * 1000,
        "ready_ms": (float(marks["ready"]) - began) * 1000,
        "exit_ms": (ended - began) * 1000,
        "cpu_ms": cpu_s * 1000,
    }


HEAVY = ("asyncua", "paho", "reportlab", "openpyxl", "pyqtgraph", "cv2", "numpy")
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


def imports_of_one_start(url: str, workdir: Path, qt_platform: str) -> dict[str, Any]:
    """One `python -X importtime -m traceapp gui` start: import time by top-level package
    (each module's own time, without the modules it imports, added up per package)."""
    marker = workdir / "marker-importtime.txt"
    marker.unlink(missing_ok=True)
    env = _env(workdir, qt_platform)
    env[MARKER_ENV] = str(marker)
    env[QUIT_ENV] = "1"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "traceapp", "gui", "--db", url],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=True,
    )
    by_package: dict[str, float] = {}
    loaded: set[str] = set()
    for line in done.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match is None:
            continue
        self_us, _cumulative_us, _indent, name = match.groups()
        package = name.split(".")[0]
        loaded.add(package)
        by_package[package] = by_package.get(package, 0.0) + int(self_us) / 1000
    ranked = sorted(by_package.items(), key=lambda item: -item[1])
    return {
        "what": "one start under python -X importtime (its own overhead included): ms spent "
        "importing each top-level package's modules (their own time, not what they import)",
        "total_ms": round(sum(by_package.values()), 1),
        "by_package_ms": {name: round(ms, 1) for name, ms in ranked[:12]},
        "heavy_loaded": [name for name in HEAVY if name in loaded],
    }


def time_bare_python(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append((time.perf_counter() - began) * 1000)
    return times


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="process starts to time (median)")
    parser.add_argument("--lots", type=int, default=3000, help="demo plant size")
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM of the runs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    parser.add_argument("--workdir", type=Path, help="folder for the plant (default: temporary)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="traceapp-startup-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        database = workdir / "startup-plant.db"
        database.unlink(missing_ok=True)
        url = f"sqlite:///{database}"
        engine, _ = open_database(url)
        try:
            build_demo_plant(engine, lots=args.lots, days=5)
        finally:
            engine.dispose()
        time_one_start(url, workdir, args.platform, -1)  # warm the OS file cache; not counted
        load_before = [round(x, 2) for x in os.getloadavg()]
        runs, direct = [], []
        for i in range(args.runs):  # interleaved, so a burst of load hits both alike
            runs.append(time_one_start(url, workdir, args.platform, i))
            direct.append(time_one_start(url, workdir, args.platform, i, direct=True))
        bare = time_bare_python(args.runs)
        load_after = [round(x, 2) for x in os.getloadavg()]
        imports = imports_of_one_start(url, workdir, args.platform)

    report: dict[str, Any] = {
        "benchmark": "gui_startup",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "what": (
            "fresh `python -m traceapp gui` processes on a migrated SQLite demo plant: time from "
            "spawning the process to the main window's first showEvent (first_window), and to "
            "the sign-in screen taking input after the database answered (sign_in_ready)"
        ),
        "runs": args.runs,
        "lots": args.lots,
        "qt_platform": args.platform,
        "first_window": _summary([r["shown_ms"] for r in runs]),
        "sign_in_ready": _summary([r["ready_ms"] for r in runs]),
        "process_exit": _summary([r["exit_ms"] for r in runs]),
        "process_cpu": {
            "what": "CPU time (user + system) of each whole process, start to exit",
            **_summary([r["cpu_ms"] for r in runs]),
        },
        "without_cli": {
            "what": "the same through `python -c 'from traceapp.app import run_gui; ...'`",
            "first_window": _summary([r["shown_ms"] for r in direct]),
            "sign_in_ready": _summary([r["ready_ms"] for r in direct]),
            "process_cpu": _summary([r["cpu_ms"] for r in direct]),
        },
        "bare_python": _summary(bare),
        "imports": imports,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": load_before,
            "load_average_after": load_after,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"gui_startup: first window {report['first_window']['median_ms']} ms, sign-in ready "
        f"{report['sign_in_ready']['median_ms']} ms (median of {args.runs}; without the CLI "
        f"{report['without_cli']['first_window']['median_ms']} ms; bare python "
        f"{report['bare_python']['median_ms']} ms; CPU per process "
        f"{report['process_cpu']['median_ms']} ms; load {load_before} -> {load_after}) -> {args.out}"
    )
    return report


if __name__ == "__main__":
    main()
    sys.exit(0)
