"""The photo-decoding benchmark runs on a few pictures of each folder and finds no wrong text."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "decode_photos.py"
DATA = (ROOT / "../shared/bench-data/barcode-photos").resolve()


def load_benchmark(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # benchmarks/ is a folder of scripts, not a package, so it is loaded from its path; it is
    # registered while it runs because dataclasses look their module up in sys.modules.
    spec = importlib.util.spec_from_file_location("decode_photos_benchmark", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def photos() -> Path:
    if not DATA.is_dir():
        message = f"The benchmark pictures are not at {DATA}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: the data is required)")
        pytest.skip(message)
    return DATA


def test_a_few_photos_per_folder_give_the_report_and_no_wrong_text(
    photos: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "decode_photos.json"
    folders = ["qrcode-2", "qrcode-7", "datamatrix-1", "datamatrix-5"]
    code = load_benchmark(monkeypatch).main(
        ["--data", str(photos), "--folders", *folders, "--limit", "4", "--out", str(out)]
    )
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == printed
    decoders = ["zxing-cpp", "pyzbar", "opencv-aruco", "opencv", "chain"]
    assert printed["decoders"] == decoders
    assert set(printed["folders"]) == set(folders)
    assert set(printed["totals"]) == {
        "qr",
        "datamatrix_text",
        "datamatrix_bytes",
        "structured_append",
        "all",
    }
    for summary in [*printed["folders"].values(), *printed["totals"].values()]:
        for key in ("read", "wrong", "ms_median", "ms_p90"):
            assert set(summary[key]) == set(decoders), key
    totals = printed["totals"]
    assert totals["all"]["images"] == 16
    assert totals["structured_append"]["message_read"]["chain"] is True
    assert totals["all"]["wrong"]["chain"] == 0
    assert totals["all"]["wrong"]["zxing-cpp"] == 0
    assert totals["all"]["read"]["chain"] >= totals["all"]["read"]["zxing-cpp"]
    assert all(entry["decoder"] != "chain" for entry in printed["wrong_texts"])
