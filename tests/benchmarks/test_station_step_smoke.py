"""The one-station step profile runs on both databases and counts what a step costs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.benchmarks.loading import benchmark_module


@pytest.mark.postgres
def test_a_step_is_counted_on_postgres_and_sqlite(tmp_path: Path, pg_template: str) -> None:
    out = tmp_path / "station_step.json"
    args = ["--steps", "10", "--profile", "5", "--out", str(out),
            "--pg-database", f"traceapp_bench_step_{os.getpid()}"]  # fmt: skip
    with benchmark_module("station_step.py") as benchmark:
        report = benchmark.main(args)
    assert json.loads(out.read_text(encoding="utf-8")) == report
    for backend in ("postgres", "sqlite"):
        figures = report[backend]
        assert figures["steps"] == 10
        assert figures["steps_by_kind"] == {"receive": 8, "move": 2}
        # A receipt: its first read, lot-code check, event+lot, item, audit and more.
        assert 4 <= figures["receive_statements_per_step"] <= 20
        assert figures["move_statements_per_step"] > 0
        assert figures["flushes_per_step"] >= 1
        assert figures["cpu_ms_per_step"] > 0
        assert len(figures["profile"]) == 6  # header + 5 functions
