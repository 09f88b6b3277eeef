"""The station load benchmark runs its workstation processes on both databases and reports its JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.benchmarks.loading import benchmark_module


@pytest.mark.postgres
def test_stations_scan_on_postgres_and_shared_sqlite_and_nothing_is_lost(
    tmp_path: Path, pg_template: str
) -> None:
    out = tmp_path / "station_load.json"
    args = ["--stations", "2", "--rate", "5", "--seconds", "1", "--workdir", str(tmp_path),
            "--out", str(out), "--pg-database", f"traceapp_bench_station_{os.getpid()}"]  # fmt: skip
    with benchmark_module("station_load.py") as benchmark:
        report = benchmark.main(args)
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert report["benchmark"] == "station_load"
    for backend, mode in (
        ("postgres", "outbox"),
        ("postgres_ack_outbox", "outbox"),
        ("sqlite", "direct"),
    ):
        figures = report[backend]
        assert figures["mode"] == mode
        assert figures["scans"] == 10  # 2 stations, 5 steps/s, 1 s
        assert figures["acknowledged"] == 10
        assert figures["lost"] == 0
        assert figures["still_in_outboxes"] == 0
        assert figures["duplicates"] == 0
        assert figures["events_on_server"] == 10
        assert 0 < figures["ack_ms"]["p50"] <= figures["ack_ms"]["p99"]
    assert report["postgres"]["outbox_write_ms"]["p50"] > 0
    assert report["postgres_ack_outbox"]["wait_for_answer_s"] == 0
    assert report["target_met_postgres"] == (report["postgres"]["ack_ms"]["p99"] < 50)
