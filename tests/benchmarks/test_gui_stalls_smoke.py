"""The GUI-stall benchmark drives the real window through its whole scripted session on a small
plant and writes the agreed shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The person's session, in order (benchmarks/gui_stalls.py `session`): every page, the four
# scan-station steps, the genealogy, both themes and a recall drill.
FIRST_STEPS = ["window shown", "sign in: user", "sign in: password", "F3 Lots & genealogy"]
LAST_STEPS = ["Ctrl+Enter recall drill", "Ctrl+Shift+T light theme", "F2 scan station"]


@pytest.mark.gui
def test_benchmark_runs_the_whole_session_and_reports_every_long_turn(tmp_path: Path) -> None:
    out = tmp_path / "gui_stalls.json"
    out.write_text(json.dumps({"runs": {"older": {"kept": True}}}), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # never the person's own settings
    # its own process: the window prepares its pages (and freezes the garbage collector's
    # objects) as `traceapp gui` does
    script = str(ROOT / "benchmarks" / "gui_stalls.py")
    small = ["--lots", "200", "--think-ms", "150", "--label", "smoke", "--out", str(out)]
    small += ["--live-channels", "6"]  # F5 ends once the Live monitor made all six plots
    done = subprocess.run(
        [sys.executable, script, *small],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["runs"]["older"] == {"kept": True}  # earlier runs stay in the file
    run = report["runs"]["smoke"]
    assert run["error"] is None
    assert run["lots"] == 200
    assert run["live_channels"] == 6
    steps = [step["step"] for step in run["steps"]]
    assert steps[: len(FIRST_STEPS)] == FIRST_STEPS
    assert steps[-len(LAST_STEPS) :] == LAST_STEPS
    assert {"receive", "produce", "pack", "ship"} <= {
        word for step in steps for word in step.lower().replace("(", " ").replace(")", " ").split()
    }
    # every step's result was seen on screen (the script waits for it before the next one)
    assert all("shown_s" in step and step["shown_s"] >= 0 for step in run["steps"])
    assert run["ticks"] > 100
    gaps = (run["p99_tick_gap_ms"], run["longest_turn_ms"])
    assert 0 < gaps[0] <= gaps[1]
    assert run["turns_over_100_ms"] <= run["turns_over_50_ms"]
    # each turn over 100 ms is listed with where it happened
    assert len(run["stalls"]) == run["turns_over_100_ms"]
    for stall in run["stalls"]:
        assert stall["turn_ms"] >= 100  # over 100 ms, written to 0.1 ms
        assert stall["steps"]
        assert all(step in [*steps, "start"] for step in stall["steps"])
        assert isinstance(stall["gc_ms"], list)
    assert run["load_1min_before"] >= 0
    assert run["load_1min_after"] >= 0
    assert f"longest turn {run['longest_turn_ms']} ms" in done.stdout
