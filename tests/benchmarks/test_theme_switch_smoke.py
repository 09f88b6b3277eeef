"""The theme-switch benchmark runs the full window on a tiny plant and reports the agreed shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.gui
def test_benchmark_times_each_switch_in_slices_and_the_old_way(tmp_path: Path) -> None:
    out = tmp_path / "theme_switch.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # never the person's own settings
    env["TRACEAPP_CONFIG_DIR"] = str(tmp_path / "config" / "traceapp")
    # its own process: the full window with every page, as the benchmark runs it
    script = str(ROOT / "benchmarks" / "theme_switch.py")
    subprocess.run(
        [sys.executable, script, "--toggles", "2", "--lots", "100", "--out", str(out)],
        check=True,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=600,
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["benchmark"] == "theme_switch"
    assert report["widgets"] > 100
    timed = ("switch_call", "longest_block", "longest_event_loop_turn", "whole_switch")
    for key in (*timed, "switch_call_gui_thread_cpu", "longest_event_loop_turn_gui_thread_cpu"):
        assert len(report[key]["runs_ms"]) == 2
        assert all(value > 0 for value in report[key]["runs_ms"])
    assert len(report["before_app_stylesheet_repolish"]["runs_ms"]) == 2
    # the re-polish ran across several event-loop turns, not in the call alone
    assert all(count >= 2 for count in report["slices_per_switch"])
    assert report["whole_switch"]["max_ms"] >= report["longest_block"]["max_ms"]
