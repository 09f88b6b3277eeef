"""The recall benchmark runs end to end on a small SQLite demo plant and reports its JSON shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmarks.loading import benchmark_module
from traceapp.services.database import open_database
from traceapp.services.demo import build_demo_plant


@pytest.fixture
def benchmark() -> Iterator[ModuleType]:
    with benchmark_module("recall.py") as module:
        yield module


def test_benchmark_times_drill_events_spreadsheets_and_pdf_per_landmark(
    benchmark: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "plant.db"
    engine, _ = open_database(f"sqlite:///{path}")
    try:
        build_demo_plant(engine, seed=7, lots=500, days=21)
    finally:
        engine.dispose()
    before = path.stat().st_mtime_ns, path.stat().st_size
    out = tmp_path / "recall.json"
    report = benchmark.main(
        ["--backends", "sqlite", "--sqlite-path", str(path), "--repeat", "1", "--out", str(out)]
    )
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert report["benchmark"] == "recall"
    [result] = report["results"]
    assert result["plant_lots"] >= 500
    assert len(result["load_average_before"]) == len(result["load_average_after"]) == 3
    assert [r["name"] for r in result["recalls"]] == [
        "forward_100",
        "forward_1000",
        "forward_10000",
    ]
    for item in result["recalls"]:
        assert item["counts"]["lots"] >= 1
        assert item["counts"]["fsma_events"] >= 1
        for part in ("drill", "events", "json", "xlsx", "csv", "pdf"):
            assert item[f"median_{part}_ms"] > 0
            assert item[f"median_{part}_cpu_ms"] >= 0
        # The drill as the service times it, and as its caller waits for it.
        assert item["median_drill_wall_ms"] >= item["median_drill_ms"]
        assert item["xlsx_bytes"] > 0
        assert item["pdf_bytes"] > 0
    # Read-only: the plant file is as it was.
    assert (path.stat().st_mtime_ns, path.stat().st_size) == before
