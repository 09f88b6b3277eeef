"""The trace benchmark runs end to end on a tiny SQLite plant and reports the agreed JSON shape."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmarks.loading import benchmark_module


@pytest.fixture
def benchmark() -> Iterator[ModuleType]:
    with benchmark_module("trace.py") as module:
        yield module


def test_benchmark_times_ours_naive_and_memory_and_they_agree(
    benchmark: ModuleType, tmp_path: Path
) -> None:
    out = tmp_path / "trace.json"
    args = ["--lots", "500", "--backends", "sqlite", "--repeat", "1", "--workdir", str(tmp_path)]
    report = benchmark.main([*args, "--out", str(out)])
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert report["benchmark"] == "trace"
    assert report["lots"] == 500
    [result] = report["results"]
    assert result["backend"] == "sqlite"
    assert result["plant"]["lots"] == 500
    assert result["plant"]["reused"] is False
    assert [t["name"] for t in result["traces"]] == ["forward", "backward"]
    for item in result["traces"]:
        assert item["counts"]["lots"] >= 1
        for kind in ("ours", "ours_objects_built", "naive", "memory", "memory_objects_built"):
            assert item[kind]["median_ms"] > 0
            assert item[kind]["p90_ms"] >= item[kind]["median_ms"]
            assert len(item[kind]["runs_ms"]) == 1
        # The same runs, timed on until every object is made: never shorter than the trace.
        assert item["ours_objects_built"]["median_ms"] >= item["ours"]["median_ms"]
        assert item["memory_objects_built"]["median_ms"] >= item["memory"]["median_ms"]
        assert item["naive"]["complete_runs"] == 1
        assert item["identical_ours_memory"] is True, item["difference_ours_memory"]
        assert item["identical_ours_naive"] is True, item["difference_ours_naive"]
        assert item["ratio_ours_to_memory"] > 0
        assert item["ratio_ours_to_naive"] > 0
    forward = result["traces"][0]
    assert forward["counts"]["customers"] >= 1  # the forward trace reaches shipped goods
    assert set(report["targets"]["met"]) == {"sqlite/forward", "sqlite/backward"}
    for verdict in report["targets"]["met"].values():
        assert isinstance(verdict["median_under_100_ms_objects_built"], bool)
        assert isinstance(verdict["naive_30x_slower_or_more"], bool)
    assert len(report["machine"]["load_at_start"]) == 3

    # A second run finds the plant it built and reuses it; --no-naive leaves (b) out.
    again = benchmark.main([*args, "--no-naive"])
    assert again["results"][0]["plant"]["reused"] is True
    assert again["naive_repeat"] == 0
    for item in again["results"][0]["traces"]:
        assert item["naive"] is None
        assert item["naive_over_ours"] is None
        assert item["identical_ours_memory"] is True


def test_several_backends_are_each_timed_in_a_process_of_their_own(
    benchmark: ModuleType, tmp_path: Path
) -> None:
    """One backend's leftovers (the in-memory reference loads the whole plant) must not weigh
    on the next one's timings: each runs in a fresh interpreter, and the report holds both."""
    args = ["--lots", "300", "--repeat", "1", "--no-naive", "--workdir", str(tmp_path)]
    report = benchmark.main([*args, "--backends", "sqlite,sqlite"])
    first, second = report["results"]
    assert first["plant"]["reused"] is False
    assert second["plant"]["reused"] is True  # the second process found the first one's plant
    for result in (first, second):
        assert result["backend"] == "sqlite"
        for item in result["traces"]:
            assert item["identical_ours_memory"] is True
            assert item["ours"]["median_ms"] > 0
    assert report["peak_rss_mb"] > 0
    assert len({first["pid"], second["pid"], os.getpid()}) == 3


def test_one_backend_is_timed_in_this_process(benchmark: ModuleType, tmp_path: Path) -> None:
    args = ["--lots", "300", "--repeat", "1", "--no-naive", "--workdir", str(tmp_path)]
    [result] = benchmark.main([*args, "--backends", "sqlite"])["results"]
    assert result["pid"] == os.getpid()
