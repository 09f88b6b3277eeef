"""The chart frame benchmark draws the real Live monitor page, with and without the practices, and beside a recorder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.benchmarks.loading import benchmark_module


@pytest.mark.gui
def test_frames_are_timed_with_and_without_the_practices_and_beside_ingest(
    qtbot: QtBot, tmp_path: Path
) -> None:
    out = tmp_path / "chart_frames.json"
    args = ["--channels", "2", "--rate", "50", "--window", "10", "--seconds", "1",
            "--slow-seconds", "0.5", "--ingest-seconds", "1.5", "--ingest-channels", "4", "--ingest-rate", "25",
            "--width", "800", "--height", "500", "--workdir", str(tmp_path), "--out", str(out)]  # fmt: skip
    with benchmark_module("chart_frames.py") as benchmark:
        report = benchmark.main(args)
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert report["benchmark"] == "chart_frames"
    for case, practices in (("with_practices", True), ("without_practices", False)):
        figures = report[case]
        assert figures["practices"] is practices
        assert figures["points_per_curve"] >= 500  # 50 readings/s: the 10 s window, then more
        assert figures["frames"] > 0
        assert 0 < figures["frame_ms"]["p50"] <= figures["frame_ms"]["p99"]
        assert figures["fps"] > 0
    assert report["target_met"] == report["with_practices"]["meets_30fps"]
    threads, process = report["ingest_beside_chart"]
    assert threads["recorder"] == "threads in the GUI process"
    assert process["recorder"] == "separate process"
    for figures in (threads, process):
        assert figures["curves"] == 2  # the page shows 2 of the 4 recorded channels
        assert figures["readings_per_s_offered"] == 100
        assert figures["readings_written_per_s"] > 0
        assert figures["fps"] > 0
