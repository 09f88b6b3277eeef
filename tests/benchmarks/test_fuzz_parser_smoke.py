"""The code-parser fuzz benchmark runs, and finds no crash in a short run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz_parser.py"


def load_fuzz_script() -> ModuleType:
    # benchmarks/ is a folder of scripts, not a package, so it is loaded from its path.
    spec = importlib.util.spec_from_file_location("fuzz_parser", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_thousand_fuzzed_payloads_give_no_crash() -> None:
    summary = load_fuzz_script().run(n=2000)
    assert summary["crashes"] == 0, summary["crash_examples"]
    assert summary["payloads"] == summary["parsed"] + summary["rejected"] == 2000
    assert summary["parsed"] > 0
    assert summary["rejected"] > 0


def test_the_fuzz_payloads_are_the_same_for_the_same_seed() -> None:
    fuzz = load_fuzz_script()
    assert fuzz.payloads(300, seed=7) == fuzz.payloads(300, seed=7)


def test_the_command_line_writes_the_summary_and_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fuzz.json"
    assert load_fuzz_script().main(["--n", "200", "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert json.loads(out.read_text(encoding="utf-8")) == printed
    assert set(printed) >= {
        "payloads",
        "crashes",
        "rejected",
        "parsed",
        "seconds",
        "payloads_per_second",
    }
