"""The start-up benchmark starts the real window twice on a tiny plant and reports the agreed shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmarks.loading import benchmark_module


@pytest.fixture
def benchmark() -> Iterator[ModuleType]:
    with benchmark_module("gui_startup.py") as module:
        yield module


def test_benchmark_times_the_first_window_and_the_ready_sign_in(
    benchmark: ModuleType, tmp_path: Path
) -> None:
    out = tmp_path / "gui_startup.json"
    args = ["--runs", "1", "--lots", "200", "--workdir", str(tmp_path / "work"), "--out", str(out)]
    report = benchmark.main(args)
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert report["benchmark"] == "gui_startup"
    assert report["qt_platform"] == "offscreen"
    for figures in (report["first_window"], report["without_cli"]["first_window"]):
        [shown] = figures["runs_ms"]
        assert 0 < shown < benchmark.RUN_TIMEOUT_S * 1000
    [shown] = report["first_window"]["runs_ms"]
    [ready] = report["sign_in_ready"]["runs_ms"]
    [ended] = report["process_exit"]["runs_ms"]
    assert shown <= ready <= ended  # shown, then the database answered, then it closed itself
    assert report["bare_python"]["median_ms"] > 0
    [cpu] = report["process_cpu"]["runs_ms"]
    assert cpu > 0
    imports = report["imports"]
    assert imports["total_ms"] > 0
    assert "traceapp" in imports["by_package_ms"]
    assert "PySide6" in imports["by_package_ms"]  # the window was built
    assert imports["heavy_loaded"] == []  # none of them before the window (issue 6)
    assert len(report["machine"]["load_average_after"]) == 3
