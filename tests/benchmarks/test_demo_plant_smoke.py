"""The demo-plant benchmark runs end to end at a tiny size and reports the agreed JSON shape."""

from __future__ import annotations

import importlib.util
import json
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
    assert set(result["landmark_reach"]) == {"forward_100", "forward_1000", "forward_10000"}
    assert report["ratio_postgres_to_sqlite"] == {}
