"""The live monitor's query benchmark times its poll and history queries on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.benchmarks.loading import benchmark_module


@pytest.mark.postgres
def test_poll_and_history_queries_are_timed_on_both_databases(
    tmp_path: Path, pg_template: str
) -> None:
    out = tmp_path / "sensor_query.json"
    args = ["--channels", "2", "--rate", "10", "--minutes", "1", "--hour-rate", "1",
            "--day-period", "600", "--repeat", "2", "--workdir", str(tmp_path), "--out", str(out),
            "--pg-database", f"traceapp_bench_query_{os.getpid()}"]  # fmt: skip
    with benchmark_module("sensor_query.py") as benchmark:
        report = benchmark.main(args)
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert report["benchmark"] == "sensor_query"
    for backend in ("sqlite", "postgres"):
        figures = report[backend]
        assert 0 < figures["written"]["live"] <= 2 * 10 * 60
        live_window = figures["written"]["live"]  # all of it but the first of each channel:
        assert live_window - 2 <= figures["open"]["rows"] <= live_window  # since = its time
        assert figures["poll"]["rows"] <= 2 * 10 * 0.1 + 2
        assert 0 < figures["hour_raw"]["rows"] <= 3600
        assert 0 < figures["day_minutes"]["rows"] <= 24 * 60 * 2  # buckets, and NaN rows
        for query in ("poll", "poll_with_events", "open", "history_hour_seconds", "hour_raw",
                      "hour_raw_arrays"):  # fmt: skip
            assert figures[query]["median_ms"] > 0
        assert figures["hour_raw_arrays"]["rows"] == figures["hour_raw"]["rows"]
        experiment = figures["covering_index_experiment"]
        assert experiment["index"].startswith("CREATE INDEX ix_bench_readings_covering")
        for query in ("hour_raw", "hour_raw_arrays"):
            assert experiment[query]["rows"] == figures["hour_raw"]["rows"]
