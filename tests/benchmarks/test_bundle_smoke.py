"""The bundle benchmark accounts for a program folder's size and times starts, without a build."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmarks.loading import benchmark_module

# Stands in for dist/TraceApp/TraceApp: answers --version, and for `gui` writes the start-up
# markers the real window writes, so the timing code runs without a PyInstaller build.
FAKE_PROGRAM = """#!/bin/sh
if [ "$1" = --version ]; then echo "traceapp 0.0.0"; exit 0; fi
printf 'shown %s\\n' "$(date +%s.%N)" >>"$TRACEAPP_STARTUP_MARKER_FILE"
printf 'ready %s\\n' "$(date +%s.%N)" >>"$TRACEAPP_STARTUP_MARKER_FILE"
"""


@pytest.fixture
def benchmark() -> Iterator[ModuleType]:
    with benchmark_module("bundle.py") as module:
        yield module


def _write(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


@pytest.fixture
def fake_bundle(tmp_path: Path) -> Path:
    bundle = tmp_path / "dist" / "TraceApp"
    _write(bundle / "TraceApp", 0)
    (bundle / "TraceApp").write_text(FAKE_PROGRAM, encoding="utf-8")
    (bundle / "TraceApp").chmod(0o755)
    _write(bundle / "_internal" / "PySide6" / "Qt" / "lib" / "libQt6Gui.so.6", 5000)
    _write(bundle / "_internal" / "PySide6" / "QtCore.abi3.so", 1000)
    _write(bundle / "_internal" / "cv2" / "cv2.abi3.so", 4000)
    _write(bundle / "_internal" / "libpython3.11.so.1.0", 3000)
    _write(bundle / "_internal" / "traceapp" / "resources" / "icons" / "traceapp.svg", 10)
    # A link is counted where its target lives, not twice.
    (bundle / "_internal" / "libQt6Gui.so.6").symlink_to("PySide6/Qt/lib/libQt6Gui.so.6")
    return bundle


def test_size_report_sums_each_component_and_ranks_the_largest(
    benchmark: ModuleType, fake_bundle: Path
) -> None:
    program = (fake_bundle / "TraceApp").stat().st_size
    report = benchmark.size_report(fake_bundle, top=3)
    assert report["total_bytes"] == 5000 + 1000 + 4000 + 3000 + 10 + program
    assert report["files"] == 6
    assert [(c["component"], c["bytes"]) for c in report["largest"]] == [
        ("_internal/PySide6", 6000),
        ("_internal/cv2", 4000),
        ("_internal/libpython3.11.so.1.0", 3000),
    ]
    assert report["largest"][0]["share"] == round(6000 / report["total_bytes"], 3)


def test_size_report_refuses_a_folder_without_the_program(
    benchmark: ModuleType, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError, match=r"build_linux\.sh"):
        benchmark.size_report(tmp_path)


def test_benchmark_times_bundle_and_venv_starts_side_by_side(
    benchmark: ModuleType, fake_bundle: Path, tmp_path: Path
) -> None:
    build_info = {"version": "0.0.0", "pyinstaller_seconds": 123.4, "bundle_bytes": 1}
    (fake_bundle.parent / "TraceApp.build.json").write_text(json.dumps(build_info))
    out = tmp_path / "bundle.json"
    args = ["--bundle", str(fake_bundle), "--runs", "1", "--lots", "100", "--top", "2"]
    args += ["--workdir", str(tmp_path / "work"), "--out", str(out)]
    report = benchmark.main(args)
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert report["benchmark"] == "bundle"
    assert report["build"]["pyinstaller_seconds"] == 123.4
    assert len(report["size"]["largest"]) == 2
    for side in ("bundle", "venv"):
        figures = report["start"][side]
        [version] = figures["version"]["runs_ms"]
        [shown] = figures["first_window"]["runs_ms"]
        [ready] = figures["sign_in_ready"]["runs_ms"]
        assert 0 < version < benchmark.RUN_TIMEOUT_S * 1000
        assert 0 < shown <= ready < benchmark.RUN_TIMEOUT_S * 1000
    assert report["start"]["command"]["bundle"] == str(fake_bundle / "TraceApp")
    assert report["start"]["command"]["venv"].endswith("-m traceapp")
