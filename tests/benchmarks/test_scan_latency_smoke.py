"""The scan-latency benchmark drives the real scan station end to end and reports its JSON shape."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtWidgets import QApplication

from tests.benchmarks.loading import benchmark_module

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # as tests/ui/conftest.py does for the GUI


@pytest.fixture
def benchmark() -> Iterator[ModuleType]:
    with benchmark_module("scan_latency.py") as module:
        yield module


def test_every_scan_is_timed_and_stored(
    benchmark: ModuleType, tmp_path: Path, qapp: QApplication
) -> None:
    out = tmp_path / "scan_latency.json"
    args = ["--scans", "6", "--warmup", "1", "--workdir", str(tmp_path), "--out", str(out)]
    report = benchmark.main(args)
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert report["benchmark"] == "scan_latency"
    assert report["sqlite"] == {"synchronous": 2, "journal_mode": "wal"}  # FULL, as the app runs
    assert (report["scans"], report["warmup_scans"]) == (6, 1)
    assert report["events_stored"] == report["events_expected"] == 7 + 6  # + services_only
    assert report["services_only"]["p50_ms"] > 0
    figures = report["scan_to_feedback"]
    assert 0 < figures["p50_ms"] <= figures["p90_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert report["target"]["p99_ms"] == 100.0
    assert report["target"]["met"] == (figures["p99_ms"] < 100.0)
