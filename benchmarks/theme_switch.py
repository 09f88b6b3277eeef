"""How long a light/dark theme switch holds the GUI thread, in the full window on a demo plant.

    .venv/bin/python benchmarks/theme_switch.py [--toggles 8] [--lots 200] [--out benchmarks/results/theme_switch.json]

The real main window with every standard page, signed in as a supervisor who opens each page
once (so every page is polished, as after a shift of use), then Ctrl+Shift+T's slot is called
`--toggles` times. For each switch: the synchronous call (palette, first slice of the
re-polish), every later slice the window runs between two event-loop turns, and the longest of
them (what a scan arriving during the switch waits at most), and the longest event-loop turn
while it runs (a slice with the repaints and other events of that turn), in wall time and in the
GUI thread's CPU time (under load the wall time also counts waiting for a core). For
comparison, the old way is timed once per toggle too: a new application stylesheet (Qt then
re-polishes every widget once per ancestor). Offscreen unless QT_QPA_PLATFORM says otherwise;
wall-clock per block, with the process CPU time beside it, as the machine is shared.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from traceapp.services.database import open_database
from traceapp.services.demo import build_demo_plant
from traceapp.ui import screenshots as shots
from traceapp.ui.application import application, standard_pages
from traceapp.ui.context import StationContext
from traceapp.ui.main_window import MainWindow
from traceapp.ui.theme import stylesheet

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "theme_switch.json"
GUI_BUDGET_MS = 100  # DESIGN.md: nothing freezes the window for longer
OLD_WAY_RUNS = 2  # seconds each: enough to compare


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "median_ms": round(statistics.median(values), 1),
        "max_ms": round(max(values), 1),
        "runs_ms": [round(v, 1) for v in values],
    }


def _window(app: QApplication, folder: Path, lots: int) -> MainWindow:
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    engine, _ = open_database(f"sqlite:///{folder / 'plant.db'}")
    build_demo_plant(engine, lots=lots, days=2)
    context = StationContext(
        engine, station_code=shots.STATION, database_label="plant.db", shared=False
    )
    window = MainWindow(context, [make(context) for make in standard_pages(settings)], settings)
    window.resize(*shots.WINDOW_SIZE)
    window.show()
    screen = window.sign_in_screen
    shots.wait_for(app, lambda: screen.identity.isEnabled())
    shots.type_into(screen.identity, shots.USER)
    shots.type_into(screen.secret, shots.PASSWORD)
    shots.wait_for(app, lambda: window.screens.currentWidget() is window.workspace)
    pages = window.visible_pages()
    for page in pages:
        window.show_page(page)
        shots.settle(app, 0.3)
    window.show_page(pages[0])
    shots.settle(app, 0.5)
    return window


def measure(toggles: int, lots: int) -> dict[str, Any]:
    app = application()
    with tempfile.TemporaryDirectory(prefix="traceapp-theme-") as tmp:
        window = _window(app, Path(tmp), lots)
        widgets = len(window.findChildren(QWidget))
        calls, longest, totals, slices, cpu, turns, turns_cpu = [], [], [], [], [], [], []
        calls_cpu: list[float] = []
        for _ in range(toggles):
            began, cpu_began = time.perf_counter(), time.process_time()
            thread_began = time.thread_time()
            window.toggle_theme()
            call = (time.perf_counter() - began) * 1000
            calls_cpu.append((time.thread_time() - thread_began) * 1000)
            turn = turn_cpu = 0.0
            while window.restyler.busy:
                turn_began, turn_cpu_began = time.perf_counter(), time.thread_time()
                app.processEvents()
                turn = max(turn, (time.perf_counter() - turn_began) * 1000)
                turn_cpu = max(turn_cpu, (time.thread_time() - turn_cpu_began) * 1000)
            turns.append(turn)
            turns_cpu.append(turn_cpu)
            totals.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - cpu_began) * 1000)
            later = window.restyler.slices_ms[1:]  # the first slice ran inside the call
            calls.append(call)
            longest.append(max([call, *later]))
            slices.append(len(window.restyler.slices_ms))
            shots.settle(app, 0.2)
        old = []
        sheet = stylesheet()
        for n in range(min(toggles, OLD_WAY_RUNS)):
            began = time.perf_counter()
            app.setStyleSheet(f"{sheet}\n/* {n} */")  # what a switch cost before
            app.processEvents()
            old.append((time.perf_counter() - began) * 1000)
            shots.settle(app, 0.2)
        app.setStyleSheet(sheet)
        window.close()
        shots.settle(app)
        window.context.engine.dispose()
    return {
        "widgets": widgets,
        "switch_call": _summary(calls),
        "switch_call_gui_thread_cpu": _summary(calls_cpu),
        "longest_block": _summary(longest),
        "longest_event_loop_turn": _summary(turns),
        "longest_event_loop_turn_gui_thread_cpu": _summary(turns_cpu),
        "whole_switch": _summary(totals),
        "whole_switch_cpu": _summary(cpu),
        "slices_per_switch": slices,
        "before_app_stylesheet_repolish": _summary(old),
        "budget_ms": GUI_BUDGET_MS,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toggles", type=int, default=8)
    parser.add_argument("--lots", type=int, default=200)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    report = {
        "benchmark": "theme_switch",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "qt_platform": os.environ["QT_QPA_PLATFORM"],
        "toggles": args.toggles,
        "lots": args.lots,
        **measure(args.toggles, args.lots),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)
