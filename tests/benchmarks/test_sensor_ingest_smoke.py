"""The sensor ingest benchmark writes its three data sets on both databases and reports its JSON shape."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.benchmarks.loading import benchmark_module


@pytest.mark.postgres
def test_ingest_and_queries_are_measured_on_sqlite_and_postgres(
    tmp_path: Path, pg_template: str
) -> None:
    out = tmp_path / "sensor_ingest.json"
    args = ["--channels", "2", "--rate", "100", "--seconds", "2", "--hour-rate", "0.1", "--query-channels", "2",
            "--day-period", "600", "--repeat", "2", "--workdir", str(tmp_path), "--out", str(out),
            "--pg-database", f"traceapp_bench_sensors_{os.getpid()}"]  # fmt: skip
    with benchmark_module("sensor_ingest.py") as benchmark:
        report = benchmark.main(args)
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert report["benchmark"] == "sensor_ingest"
    for backend in ("sqlite", "postgres"):
        figures = report[backend]
        assert 0.9 * 400 <= figures["ingest"]["readings"] <= 400  # 2 channels, 100/s, 2 s
        assert figures["ingest"]["readings_per_s"] > 0
        assert figures["hour_load"]["readings"] > 0
        assert 0 < figures["query_hour_raw"]["rows"] <= figures["hour_load"]["readings"]
        assert figures["query_day_minutes"]["rows"] > 0
        assert figures["query_day_minutes"]["median_ms"] > 0
    assert report["sqlite"]["journal_mode"] == "wal"
    assert report["target_met_sqlite"] == (
        report["sqlite"]["ingest"]["readings_per_s"] >= report["target_readings_per_s"]
    )
