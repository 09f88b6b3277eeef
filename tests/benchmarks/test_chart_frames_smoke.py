"""The chart frame benchmark draws the real Live monitor page, with and without the practices, and beside a recorder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.benchmarks.loading import benchmark_module
from tests.conftest import PG_URL


@pytest.mark.gui
def test_frames_are_timed_with_and_without_the_practices_and_beside_ingest(
    qtbot: QtBot, tmp_path: Path
) -> None:
    out = tmp_path / "chart_frames.json"
    args = ["--channels", "2", "--rate", "50", "--window", "10", "--seconds", "1",
            "--slow-seconds", "0.5", "--ingest-seconds", "1.5", "--ingest-channels", "4", "--ingest-rate", "25",
            "--width", "800", "--height", "500", "--sustained-seconds", "0",
            "--workdir", str(tmp_path), "--out", str(out)]  # fmt: skip
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


@pytest.mark.gui
@pytest.mark.postgres
def test_sustained_ingest_is_measured_in_a_recorder_process_beside_the_page_on_both_databases(
    qtbot: QtBot, tmp_path: Path, pg_template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACEAPP_BENCH_PG_URL", PG_URL)
    out = tmp_path / "sustained.json"
    args = ["--skip-frames", "--ingest-seconds", "0", "--channels", "2",
            "--sustained-seconds", "3", "--sustained-channels", "6", "--sustained-rate", "20",
            "--pg-database", f"traceapp_bench_frames_{os.getpid()}",
            "--width", "800", "--height", "500", "--workdir", str(tmp_path), "--out", str(out)]  # fmt: skip
    with benchmark_module("chart_frames.py") as benchmark:
        report = benchmark.main(args)
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert "with_practices" not in report
    sqlite, postgres = report["sustained_ingest"]
    assert (sqlite["backend"], postgres["backend"]) == ("sqlite", "postgres")
    for figures in (sqlite, postgres):
        assert figures["recorder"] == "separate process"
        assert figures["readings_per_s_offered"] == 120
        assert figures["curves"] == 2  # the page shows 2 of the 6 recorded channels
        # counted in the database: 3 s at 120/s, give or take a batch and the machine's load
        assert 0 < figures["readings_written"] <= 120 * (figures["seconds"] + 5)
        assert figures["recorder_backlog_readings"]["max"] is not None
        assert figures["fps"] > 0
        assert 0 < figures["frame_gap_ms"]["p50"] <= figures["frame_gap_ms"]["max"]
        assert figures["longest_gui_stall_ms"] >= figures["longest_gui_turn_ms"] > 0
        # the page froze the collector's survivors when it started; collections are timed
        assert figures["gc_frozen_objects"] > 0
        assert set(figures["gc_collections"]) == {"gen0", "gen1", "gen2"}
        for gen in figures["gc_collections"].values():
            assert gen["count"] >= 0
            assert (gen["max_ms"] is None) == (gen["count"] == 0)
    assert report["sustained_target_met_sqlite"] is False  # 120 readings/s is not 50,000
