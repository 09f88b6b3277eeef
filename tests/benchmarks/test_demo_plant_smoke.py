"""The demo-plant benchmark runs end to end at a tiny size and reports the agreed JSON shape."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "demo_plant.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_plant_benchmark", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_reports_seconds_counts_and_landmark_reach(tmp_path: Path) -> None:
    out = tmp_path / "demo_plant.json"
    report = _load().main(
        ["--sizes", "500", "--backends", "sqlite", "--days", "5", "--out", str(out)]
    )
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert report["benchmark"] == "demo_plant"
    [result] = report["results"]
    assert (result["size"], result["backend"]) == (500, "sqlite")
    assert result["lots"] == 500
    for key in ("seconds", "events", "edges", "rows", "rows_per_s"):
        assert result[key] > 0
    assert result["landmark_reach"] == result["landmark_reach_planned"]
    assert set(result["phases_s"]) == {"plan", "master_data", "load", "indexes"}
    assert sum(result["phases_s"].values()) <= result["seconds"] + 0.5
    assert set(result["landmark_reach"]) == {"forward_100", "forward_1000", "forward_10000"}
    assert report["ratio_postgres_to_sqlite"] == {}


def test_a_kept_plant_is_the_one_the_trace_benchmark_reuses(tmp_path: Path) -> None:
    report = _load().main(
        ["--sizes", "500", "--backends", "sqlite", "--days", "5", "--keep-for-trace",
         str(tmp_path)]
    )  # fmt: skip
    [result] = report["results"]
    path = tmp_path / "trace-plant-500-seed7-days5.db"
    assert result["kept_at"] == str(path)
    assert path.exists()
    assert len(result["load_average"]) == 3
    trace = _load_trace()
    engine, info = trace.prepare_plant(
        "sqlite", size=500, seed=7, days=5, workdir=tmp_path, pg_url="", fresh=False
    )
    engine.dispose()
    assert info["reused"] is True
    assert info["lots"] == 500
    assert info["landmarks"] == result["landmarks"]


def _load_trace() -> ModuleType:
    name = "trace_benchmark_for_demo"
    spec = importlib.util.spec_from_file_location(name, BENCHMARK.with_name("trace.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module
